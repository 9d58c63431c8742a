"""Officers in real headless Chromium: switching a kiosk into assisted mode and
back, and the console's main pages, with screenshots under test-artifacts/."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from backend import auth
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, DutyDay, DutySection, User
from tests.browser.test_intake_browser import shot, walk_to_review
from tests.officers import PASSWORD, PIN, make_user


def officer(live_app, username, role, office, **kw) -> int:
    """Get or create (the live server's database lives for the whole run)."""
    with live_app.app_context():
        user = auth.find_user(username)
        if user is not None:
            return user.id
        return make_user(username, role, office, **kw)


# A full-page screenshot makes Playwright set an empty inline style, which the
# strict CSP reports (the hash of the empty string); a 4xx answer is logged
# as a failed resource. Neither is the page's doing.
EMPTY_STYLE = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def sign_in_by_form(page, username: str) -> None:
    """The console's login form, as an officer fills it in (the page shows it)."""
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def console_errors(page) -> list[str]:
    errors = []

    def on_console(msg):
        text = msg.text
        if msg.type != "error" or "Failed to load resource" in text or EMPTY_STYLE in text:
            return
        errors.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_officer_switches_a_kiosk_to_assisted_mode_and_back(kiosk_page, live_app, artifacts):
    page = kiosk_page
    errors = console_errors(page)
    uid = officer(live_app, "budi.kios", "petugas", "0101", full_name="Budi Santoso", phone="0811 1111 2222")
    page.goto("/k/tebet-timur/")
    shot(page, artifacts, "1-mandiri")
    page.get_by_role("link", name="Petugas").click()
    expect(page.locator("h1")).to_contain_text("mode dibantu")
    page.get_by_label("Nama pengguna").fill("budi.kios")
    page.get_by_label("PIN").fill("999999")
    page.get_by_role("button", name="Mulai mode dibantu").click()
    expect(page.locator(".error-summary")).to_be_visible()
    shot(page, artifacts, "2-pin-salah")
    page.get_by_label("PIN").fill(PIN)
    page.get_by_role("button", name="Mulai mode dibantu").click()
    expect(page.locator(".assist-bar")).to_contain_text("Budi Santoso")
    expect(page.get_by_role("link", name="Petugas")).to_have_count(0)
    shot(page, artifacts, "3-mode-dibantu")
    # "Back to self-service" without a complaint: the kiosk is the citizen's again.
    page.get_by_role("button", name="Kembali ke layanan mandiri").click()
    expect(page.locator(".assist-bar")).to_have_count(0)
    expect(page.get_by_role("link", name="Petugas")).to_be_visible()
    # Assisted again, for one complaint.
    page.get_by_role("link", name="Petugas").click()
    page.get_by_label("Nama pengguna").fill("budi.kios")
    page.get_by_label("PIN").fill(PIN)
    page.get_by_role("button", name="Mulai mode dibantu").click()
    expect(page.locator(".assist-bar")).to_be_visible()
    walk_to_review(page, artifacts, prefix="4-dibantu-")
    expect(page.locator(".assist-bar")).to_be_visible()
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    number = "-".join(page.locator(".number__group").all_inner_texts())
    # The receipt is the citizen's: the kiosk is already back in self-service.
    expect(page.locator(".assist-bar")).to_have_count(0)
    shot(page, artifacts, "5-tanda-terima")
    with live_app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        assert (c.channel, c.officer_id) == ("desk", uid)
    page.get_by_role("button", name="Selesai").click()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(page.get_by_role("link", name="Petugas")).to_be_visible()
    expect(page.locator(".assist-bar")).to_have_count(0)
    shot(page, artifacts, "6-mandiri-lagi")
    assert errors == []


def test_console_pages_at_a_desk(browser, live_server, live_app, artifacts):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=live_server, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    errors = console_errors(page)
    officer(live_app, "lurah.tebettimur", "pimpinan", "0101", full_name="H. Ahmad Fauzi")
    head = officer(live_app, "kabag.pem", "pimpinan", "0000", full_name="Dra. Ratna Sari")
    officer(live_app, "admin.browser", "admin", None, full_name="Admin Kota")
    with live_app.app_context(), immediate_transaction():
        if db.session.execute(select(DutySection).filter_by(name="Bagian Pemerintahan")).scalar_one_or_none() is None:
            section = DutySection(name="Bagian Pemerintahan", sort=1)
            db.session.add(section)
            db.session.flush()
            day = DutyDay(day=date(2026, 12, 1), section_id=section.id, note="Lobi lantai 1")
            day.officers = [db.session.get(User, head)]
            db.session.add(day)
    try:
        page.goto("/petugas/")
        expect(page.locator("h1")).to_contain_text("Masuk petugas")
        shot(page, artifacts, "1-masuk")
        sign_in_by_form(page, "lurah.tebettimur")
        expect(page.locator("h1")).to_have_text("Pengaduan")
        shot(page, artifacts, "2-antrean")
        # A complaint for a citizen who called in, without contact details.
        page.get_by_role("link", name="Pengaduan baru").first.click()
        expect(page.locator(".contact-given")).to_be_hidden()
        page.get_by_label("Lewat telepon").check()
        page.get_by_label("Tentang apa pengaduannya?").select_option(label="Jalan rusak / berlubang")
        page.get_by_label("Alamat atau patokan").fill("Jl. Tebet Timur Dalam II, depan sekolah")
        page.locator("textarea").fill("Penelepon melaporkan lubang besar di depan sekolah, berbahaya bagi anak-anak.")
        page.get_by_role("textbox", name="Nama warga").fill("Pak Darto")
        page.get_by_label("Warga memberikan nomor telepon atau email").check()
        expect(page.locator(".contact-given")).to_be_visible()
        shot(page, artifacts, "3-pengaduan-baru")
        page.get_by_label("Warga tidak punya kontak").check()
        expect(page.locator(".contact-given")).to_be_hidden()
        page.get_by_label("Saya sudah menjelaskan").check()
        page.get_by_role("button", name="Simpan dan beri nomor").click()
        expect(page.locator(".notice--success")).to_contain_text("Pengaduan diterima")
        shot(page, artifacts, "4-rincian")
        expect(page.get_by_text("Pak Darto")).to_be_visible()
        page.locator(".console-nav").get_by_role("link", name="Pengaduan", exact=True).click()
        expect(page.locator("table.table")).to_be_visible()
        shot(page, artifacts, "5-antrean-isi")
        page.locator(".console-nav").get_by_role("link", name="Kios", exact=True).click()
        expect(page.locator("h1")).to_have_text("Kios")
        shot(page, artifacts, "6-kios")
        page.locator(".console-nav").get_by_role("link", name="Jadwal piket").click()
        page.goto("/petugas/piket?bulan=2026-12")
        expect(page.get_by_text("Bagian Pemerintahan")).to_be_visible()
        shot(page, artifacts, "7-piket")
        page.emulate_media(media="print")
        shot(page, artifacts, "8-piket-cetak")
        page.emulate_media(media="screen")
        page.get_by_role("button", name="Keluar").click()
        expect(page.locator("h1")).to_contain_text("Masuk petugas")
        page.goto("/petugas/")
        expect(page.locator("h1")).to_contain_text("Masuk petugas")
        # The admin pages.
        sign_in_by_form(page, "admin.browser")
        page.goto("/petugas/admin/jam")
        shot(page, artifacts, "9-admin-jam")
        page.goto("/petugas/admin/audit")
        expect(page.locator("table .chip", has_text="view_personal").first).to_be_visible()
        shot(page, artifacts, "10-admin-audit")
        assert errors == []
    finally:
        context.close()
