"""The intake flow in real headless Chromium, by clicks, with a screenshot of
every screen saved under test-artifacts/ (look at them)."""
import io
import re

from PIL import Image
from pyzbar.pyzbar import decode

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend import damm
from backend.extensions import db
from backend.models import Complaint, Draft
from tests.conftest import TEST_CONFIG

NUMBER = re.compile(r"^\d{4}-\d{2}-\d{5}-\d$")


def shot(page, folder, name):
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def assert_touch_targets(page, selector, minimum=48):
    for box in page.locator(selector).evaluate_all(
        "els => els.filter(e => e.offsetParent !== null).map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height, e.outerHTML.slice(0, 80)]; })"
    ):
        assert box[0] >= minimum and box[1] >= minimum, box


def kiosk_to_location(page) -> None:
    """A kiosk from its start page to the location screen (start_to_location)."""
    page.goto("/k/tebet-timur/")
    start_to_location(page)


def start_to_location(page) -> None:
    """From the start screen on show to the location screen: "Jalan rusak"
    chosen. Each screen awaited (a tap while htmx's request is in flight is
    dropped)."""
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Di mana")


def tap_next(page, heading: str) -> None:
    """"Lanjut", then the next screen (its h1 contains `heading`). In CI a tap
    now and then went nowhere on a kiosk screen still settling (the screen
    stayed, with no message); a citizen taps again, and so does this, once,
    only if the same screen is still there without an error."""
    before = page.locator("h1").inner_text()
    page.get_by_role("button", name="Lanjut").click()
    try:
        expect(page.locator("h1")).to_contain_text(heading, timeout=4_000)
    except AssertionError:
        if page.locator("h1").inner_text() != before or page.locator(".error-summary").count():
            raise
        page.get_by_role("button", name="Lanjut").click()
        expect(page.locator("h1")).to_contain_text(heading)


def receipt_number(page) -> str:
    return "-".join(page.locator(".number__group").all_inner_texts())


def count(live_app, model) -> int:
    with live_app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def walk_to_review(page, folder=None, prefix=""):
    def snap(name):
        if folder is not None:
            shot(page, folder, prefix + name)

    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("h1")).to_contain_text("tentang apa")
    snap("2-kategori")
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Di mana")
    snap("3-lokasi")
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Tebet Raya No. 5, depan masjid")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Apa yang terjadi")
    # An empty description is refused on the same screen.
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator(".error-summary")).to_be_visible()
    snap("4-kejadian-error")
    page.locator("textarea").fill("Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Bagaimana")
    snap("5-identitas")
    page.get_by_role("textbox", name="Nama").fill("Siti Rahayu")
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Periksa")
    snap("6-periksa")


def test_kiosk_flow_by_clicks(kiosk_page, live_app, artifacts):
    page = kiosk_page
    page.goto("/k/tebet-timur/")
    expect(page.locator("h1")).to_be_visible()
    shot(page, artifacts, "1-mulai")
    # Large type and generous touch targets on the kiosk.
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20
    assert_touch_targets(page, "button, .btn")
    walk_to_review(page, artifacts)
    assert_touch_targets(page, "button, .btn")
    before = count(live_app, Complaint)
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    shot(page, artifacts, "7-tanda-terima")
    number = receipt_number(page)
    assert NUMBER.match(number) and damm.is_valid(number.replace("-", ""))
    assert number.startswith("0101-")
    assert count(live_app, Complaint) == before + 1
    # The QR code on screen scans to the public tracking URL (zbar reads the pixels).
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    codes = decode(Image.open(io.BytesIO(qr.screenshot())))
    assert [c.data.decode() for c in codes] == [f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}"]
    # Finish: the session is wiped on the server; back cannot bring the receipt back.
    page.get_by_role("button", name="Selesai").click()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    page.go_back()
    # The browser asks the server again (no-store, no htmx history cache),
    # which has forgotten the citizen and shows the start screen.
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(page.locator(".number")).to_have_count(0)
    assert "Siti Rahayu" not in page.content()


def test_kiosk_in_english(kiosk_page, artifacts):
    page = kiosk_page
    page.goto("/k/tebet/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Start reporting")).to_be_visible()
    shot(page, artifacts, "start-en")
    page.get_by_role("button", name="Start reporting").click()
    expect(page.locator("h1")).to_contain_text("What is the problem about?")
    shot(page, artifacts, "category-en")


def test_receipt_switches_language_and_the_next_citizen_starts_afresh(kiosk_page, artifacts):
    page = kiosk_page
    page.goto("/k/tebet-timur/")
    walk_to_review(page)
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    number = receipt_number(page)
    # The receipt came as the answer to POST /kirim; its language button must
    # bring the same receipt back in English (it ended on a 405).
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_contain_text("Thank you")
    assert receipt_number(page) == number
    shot(page, artifacts, "tanda-terima-en")
    # Finish wipes the session, its language too: the next citizen's page is
    # Indonesian through and through, <html lang> included (screen readers).
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "id"


def test_language_switch_keeps_what_was_typed_on_the_screen(kiosk_page):
    page = kiosk_page
    page.goto("/k/tebet-timur/")
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_contain_text("What is the problem about?")
    expect(page.locator("input[name=category]:checked")).to_have_value("JALAN_RUSAK")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    text = "Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh."
    page.locator("textarea").fill(text)
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.locator("h1")).to_contain_text("Apa yang terjadi")
    expect(page.locator("textarea")).to_have_value(text)
    expect(page.locator("#description-count")).to_contain_text(str(len(text)))
    # Carried once, for that screen only: nothing is left for a later page.
    assert page.evaluate("sessionStorage.getItem('kios-aduan:answers:header-switch')") is None


def test_double_tap_on_send_makes_one_complaint(kiosk_page, live_app):
    page = kiosk_page
    page.goto("/k/tebet-timur/")
    walk_to_review(page)
    before = count(live_app, Complaint)
    send = page.get_by_role("button", name="Kirim laporan")
    send.dblclick()
    expect(page.locator(".number")).to_be_visible()
    page.wait_for_timeout(300)
    assert count(live_app, Complaint) == before + 1


def test_idle_kiosk_warns_then_wipes_the_session(kiosk_page, live_app, artifacts):
    page = kiosk_page
    page.clock.install()
    page.goto("/k/tebet-timur/")
    walk_to_review(page)
    drafts_before = count(live_app, Draft)
    assert drafts_before >= 1
    # Events the browser dispatches on its next frames (the swap's scroll, focus)
    # must land before the fake clock jumps: landing mid-jump, a scroll after a
    # real touch counts as activity at a random fake time (seen once in CI).
    settle = 300  # ms, real time
    page.wait_for_timeout(settle)
    # A touch within the idle time keeps the citizen's answers.
    page.clock.run_for(80_000)
    expect(page.locator("dialog#idle")).not_to_be_visible()
    page.mouse.click(5, 400)
    page.wait_for_timeout(settle)
    page.clock.run_for(80_000)
    expect(page.locator("dialog#idle")).not_to_be_visible()
    # Idle: the warning shows with a countdown, "continue" keeps everything.
    page.clock.run_for(15_000)
    expect(page.locator("dialog#idle")).to_be_visible()
    shot(page, artifacts, "idle-warning")
    page.get_by_role("button", name="Ya, lanjutkan").click()
    expect(page.locator("dialog#idle")).not_to_be_visible()
    expect(page.locator("h1")).to_contain_text("Periksa")
    # Idle again, no answer: the server forgets the citizen and the kiosk restarts.
    page.clock.run_for(90_000 + 21_000)
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible(timeout=10_000)
    assert count(live_app, Draft) == drafts_before - 1
    page.go_back()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert "Siti Rahayu" not in page.content()
    assert "Lubang besar" not in page.content()


def test_phone_flow_at_360_px(phone_page, live_app, artifacts):
    """Phones: the app shell (one page, one screen at a time, the draft on the
    phone), sent through the device queue to the JSON API, then the receipt."""
    page = phone_page
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/lapor/")
    shot(page, artifacts, "1-mulai")

    def no_sideways_scroll():
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"page is {width}px wide at 360px"

    def heading():
        return page.locator("main [data-step]:not([hidden]) h1")

    no_sideways_scroll()
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Sampah").first.click()
    no_sideways_scroll()
    shot(page, artifacts, "2-kategori")
    page.get_by_role("button", name="Lanjut").click()
    expect(heading()).to_contain_text("Di mana")
    page.get_by_role("combobox", name="Kelurahan").select_option(label="Cilandak Barat")
    no_sideways_scroll()
    shot(page, artifacts, "3-lokasi")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill("Sampah menumpuk di pinggir jalan dekat pasar, sudah tiga hari.")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("label.choice", has_text="Anonim").click()
    expect(page.get_by_role("textbox", name="Nama")).to_be_hidden()  # anonymous: no contact fields
    page.locator("label.consent").click()
    no_sideways_scroll()
    shot(page, artifacts, "5-identitas-anonim")
    page.get_by_role("button", name="Lanjut").click()
    expect(heading()).to_contain_text("Periksa")
    no_sideways_scroll()
    shot(page, artifacts, "6-periksa")
    # One page so far: every screen was shown by the script, none asked of the server.
    assert not [u for u in requests if re.search(r"/lapor/(mulai|kategori|lokasi|kejadian|identitas|periksa)", u)]
    before = count(live_app, Complaint)
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    assert "/tanda-terima/" in page.url  # the receipt of the JSON API's answer
    assert count(live_app, Complaint) == before + 1
    no_sideways_scroll()
    shot(page, artifacts, "7-tanda-terima")
    number = receipt_number(page)
    assert number.startswith("0601-")
    page.get_by_role("link", name="Lacak laporan ini").click()
    expect(page.locator(".timeline")).to_be_visible()
    no_sideways_scroll()
    shot(page, artifacts, "8-lacak")


def test_tracking_lookup_tells_a_typo(phone_page, artifacts):
    page = phone_page
    page.goto("/lacak/")
    page.get_by_label("Nomor pengaduan").fill("0101-26-00042-7")
    page.get_by_role("button", name="Lacak").click()
    expect(page.locator(".error-summary")).to_contain_text("salah ketik")
    shot(page, artifacts, "lacak-salah-ketik")
