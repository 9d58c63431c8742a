"""The channels page and the kiosk's attract screen in real headless Chromium:
QR codes read back from the pixels, axe-core's accessibility checks, the
attract screen under a controlled clock. Screenshots under test-artifacts/."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode
from sqlalchemy import func, select

from backend import roster
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Draft, DutyDay, DutySection, Office
from tests.browser import axe
from tests.browser.test_intake_browser import shot
from tests.conftest import TEST_CONFIG

BASE = TEST_CONFIG["PUBLIC_BASE_URL"]


def screen(page, folder, name):
    """What the kiosk's screen shows (the attract screen covers the viewport), animations finished."""
    page.screenshot(path=str(folder / f"{name}.png"), animations="disabled")


def qr_text(locator) -> str:
    """What the QR code drawn by `locator` (an <svg>) says, read from a screenshot."""
    codes = decode(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"))
    assert len(codes) == 1, f"{len(codes)} codes read"
    return codes[0].data.decode()


@pytest.fixture
def desk_page(browser, live_server):
    """A laptop at an office desk (1280 px), sharp pixels for the QR codes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=2,
                                  base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta")
    yield context.new_page()
    context.close()


def test_every_qr_code_on_the_page_opens_its_channel(desk_page, live_app, artifacts):
    page = desk_page
    page.goto("/kanal?kantor=0101")
    expect(page.locator("h1")).to_have_text("Kanal resmi pengaduan")
    shot(page, artifacts, "kanal-0101")
    entries = page.locator("li.channel")
    assert entries.count() >= 10
    read = {}
    for i in range(entries.count()):
        entry = entries.nth(i)
        href = entry.locator("a.channel__open").get_attribute("href")
        read[entry.get_attribute("data-channel")] = qr_text(entry.locator("figure.channel__qr svg"))
        assert read[entry.get_attribute("data-channel")] == href
    # This office's own phone flow, and the province's channels as they are.
    assert read["this_app"] == f"{BASE}/lapor/?kantor=0101"
    assert read["sms"] == "sms:08111272206"
    assert read["whatsapp"] == "https://wa.me/628111272206"
    assert read["email"] == "mailto:dki@jakarta.go.id"
    assert read["office"].startswith("https://www.google.com/maps/search/?api=1&query=Kantor+Lurah+Tebet+Timur")


def test_page_on_a_phone_opens_each_channel_directly(phone_page, artifacts):
    page = phone_page
    page.goto("/kanal")
    shot(page, artifacts, "kanal-ponsel")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    links = page.locator("a.channel__open")
    for i in range(links.count()):
        link = links.nth(i)
        expect(link).to_be_visible()
        href = link.get_attribute("href")
        assert href.split(":", 1)[0] in ("https", "tel", "sms", "mailto"), href
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    # A phone cannot scan its own screen: the codes give way to the buttons.
    expect(page.locator("figure.channel__qr").first).to_be_hidden()
    # 112 comes first, apart from the channels, and calls at a tap.
    expect(page.locator("a[href='tel:112']")).to_be_visible()
    assert page.locator("li.channel a[href='tel:112']").count() == 0


@pytest.mark.parametrize("path, lang, width", [
    ("/kanal", "id", 1280), ("/kanal?kantor=0101", "id", 360), ("/kanal?kantor=0000", "en", 1280),
])
def test_page_passes_axe_core(browser, live_server, artifacts, path, lang, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server, bypass_csp=True,
                                  locale="id-ID", is_mobile=width < 400, has_touch=width < 400)
    page = context.new_page()
    try:
        if lang == "en":
            page.goto("/kanal")
            page.get_by_role("button", name="English").click()
            expect(page.locator("h1")).to_have_text("Official complaint channels")
        page.goto(path)
        shot(page, artifacts, "page")
        axe.check(page, artifacts)
    finally:
        context.close()


@pytest.fixture
def duty_today(live_app):
    """A section on duty at the Mayor's office today (the live database lives for the whole run)."""
    with live_app.app_context(), immediate_transaction():
        section = db.session.execute(select(DutySection).filter_by(name="Bagian Tata Pemerintahan")).scalar_one_or_none()
        if section is None:
            section = DutySection(name="Bagian Tata Pemerintahan", sort=1)
            db.session.add(section)
            db.session.flush()
        day = roster.duty_on(roster.today_wib())
        if day is None:
            db.session.add(DutyDay(day=roster.today_wib(), section_id=section.id))
        else:
            day.section_id = section.id
        return "Bagian Tata Pemerintahan"


def channel_links(live_app, office_code: str) -> set[str]:
    from kiosk.channels import content

    with live_app.test_request_context():
        office = db.session.execute(select(Office).filter_by(code=office_code)).scalar_one()
        return {c.link for c in content.channel_views(office, for_posters=True)}


def test_idle_kiosk_shows_the_attract_screen_and_a_touch_starts_the_flow(kiosk_page, live_app, duty_today, artifacts):
    page = kiosk_page
    page.clock.install()
    page.goto("/k/walikota-lobi/")
    attract = page.locator("dialog#attract")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    # Not before the idle time; a touch on the start screen starts the wait again.
    page.clock.run_for(50_000)
    expect(attract).to_be_hidden()
    page.mouse.click(5, 500)
    page.clock.run_for(50_000)
    expect(attract).to_be_hidden()
    page.clock.run_for(11_000)
    expect(attract).to_be_visible()
    slides = attract.locator("[data-attract-slide]")
    expect(slides.nth(3)).to_be_attached()  # the slides after the first, fetched while the kiosk waited
    count = slides.count()
    assert count >= 4  # touch to report, channels (two slides), hours, today's duty
    expected_links = channel_links(live_app, "0000")
    read_links, texts = set(), []
    for i in range(count):
        current = attract.locator("[data-attract-slide]:visible")
        expect(current).to_have_count(1)
        texts.append(current.inner_text())
        assert fits(page), f"slide {i + 1} is cut off"
        screen(page, artifacts, f"attract-{i + 1}")
        for code in current.locator("li.attract-channel svg.qr").all():
            read_links.add(qr_text(code))
        if i == 0:
            assert qr_text(current.locator(".attract__phone svg.qr")) == f"{BASE}/lapor/?kantor=0000"
        page.clock.run_for(8_000)
    assert "Sentuh layar" in texts[0]
    assert read_links == expected_links  # every channel taken home by its code
    assert any("07.30" in t for t in texts)
    assert duty_today in texts[-1]
    # Round and round: after the last slide, the first again.
    expect(slides.first).to_be_visible()
    # Any touch starts the complaint flow.
    with live_app.app_context():
        drafts = db.session.scalar(select(func.count()).select_from(Draft))
    page.touchscreen.tap(900, 420)
    expect(page.locator("h1")).to_contain_text("tentang apa")
    expect(attract).to_have_count(0)
    shot(page, artifacts, "attract-then-category")
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == drafts + 1


def fits(page) -> bool:
    """The current slide is whole on the screen: nothing cut off or scrolled away."""
    return page.evaluate("""() => {
        const box = document.querySelector('#attract .attract__slides');
        const slide = box.querySelector('[data-attract-slide]:not([hidden])');
        const outer = box.getBoundingClientRect(), inner = slide.getBoundingClientRect();
        return box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1
            && inner.top >= outer.top - 1 && inner.bottom <= outer.bottom + 1
            && inner.left >= outer.left - 1 && inner.right <= outer.right + 1
            && document.querySelector('#attract').getBoundingClientRect().bottom <= window.innerHeight + 1;
    }""")


def test_attract_screen_fits_a_portrait_kiosk(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True, base_url=live_server,
                                  locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    try:
        page.clock.install()
        page.goto("/k/tebet-timur/")
        # Left alone for half the wait: the slides after the first are fetched.
        page.clock.run_for(31_000)
        expect(page.locator("[data-attract-slide]").nth(2)).to_be_attached()
        page.clock.run_for(30_000)
        expect(page.locator("dialog#attract")).to_be_visible()
        for i in range(page.locator("[data-attract-slide]").count()):
            assert fits(page), f"slide {i + 1} is cut off"
            screen(page, artifacts, f"portrait-{i + 1}")
            page.clock.run_for(8_000)
    finally:
        context.close()


def test_attract_screen_fetches_its_other_slides_only_when_the_kiosk_is_left_alone(kiosk_page, artifacts):
    """The start page carries the first slide; the others are fetched after
    half the wait without a touch, once, and kept for the next start screens.
    If they cannot be fetched (offline), the attract screen shows the first."""
    page = kiosk_page
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "/layar-tunggu" in r.url else None)
    page.clock.install()
    page.goto("/k/tebet-timur/")
    slides = page.locator("dialog#attract [data-attract-slide]")
    expect(slides).to_have_count(1)
    for _ in range(3):  # a kiosk in use: a touch every 25 s
        page.clock.run_for(25_000)
        page.mouse.click(5, 500)
    assert fetched == []
    page.clock.run_for(31_000)
    expect(slides.nth(2)).to_be_attached()
    assert len(fetched) == 1 and fetched[0].endswith("/k/tebet-timur/layar-tunggu?lang=id")
    # The next start screen (swapped in by htmx, as after "Finish") takes them from memory.
    page.evaluate("""() => new Promise((done) => {
        document.addEventListener('htmx:afterSettle', () => done(), {once: true});
        htmx.ajax('GET', location.pathname, {target: '#page', select: '#page', swap: 'outerHTML'});
    })""")
    expect(slides.nth(2)).to_be_attached()
    assert len(fetched) == 1
    page.clock.run_for(61_000)
    expect(page.locator("dialog#attract")).to_be_visible()
    assert slides.count() >= 4


def test_attract_screen_opens_with_its_first_slide_when_the_rest_cannot_be_fetched(kiosk_page, artifacts):
    page = kiosk_page
    page.route("**/layar-tunggu*", lambda route: route.abort("internetdisconnected"))
    page.clock.install()
    page.goto("/k/tebet-timur/")
    page.clock.run_for(61_000)
    attract = page.locator("dialog#attract")
    expect(attract).to_be_visible()
    expect(attract.locator("[data-attract-slide]")).to_have_count(1)
    expect(attract.locator(".attract__slide--touch")).to_be_visible()
    screen(page, artifacts, "attract-offline")
    # A touch still starts the flow.
    page.touchscreen.tap(900, 420)
    expect(page.locator("h1")).to_contain_text("tentang apa")


def test_attract_screen_is_not_shown_during_a_report(kiosk_page):
    """Mid-report the idle warning of the flow takes over (app.js); the attract
    screen belongs to the start screen only."""
    page = kiosk_page
    page.clock.install()
    page.goto("/k/tebet/")
    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("h1")).to_contain_text("tentang apa")
    expect(page.locator("dialog#attract")).to_have_count(0)
    page.clock.run_for(70_000)
    expect(page.locator("dialog#attract")).to_have_count(0)


def test_admin_edits_a_channel_in_the_console(browser, live_server, live_app, artifacts):
    from tests.browser.test_officer_browser import console_errors, officer, sign_in_by_form

    officer(live_app, "admin.kanal", "admin", None)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server, locale="id-ID")
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto("/petugas/")
        sign_in_by_form(page, "admin.kanal")
        page.get_by_role("link", name="Kanal dan poster").click()
        expect(page.locator("h1")).to_have_text("Kanal dan poster")
        shot(page, artifacts, "1-kanal-dan-poster")
        page.get_by_role("link", name="LAPOR! lewat SMS").click()
        page.get_by_label("Kapan digunakan (bahasa Indonesia)").fill("Tanpa internet: kirim SMS ke 1708.")
        page.get_by_label("Tautan").fill("telepon:1708")
        page.get_by_role("button", name="Simpan").click()
        expect(page.locator(".error-summary")).to_be_visible()
        shot(page, artifacts, "2-tautan-salah")
        page.get_by_label("Tautan").fill("sms:1708")
        page.get_by_role("button", name="Simpan").click()
        expect(page.locator(".notice")).to_contain_text("telah disimpan")
        with page.expect_download() as download:
            page.locator("a[href*='poster.pdf?kantor=0101&ukuran=a5']").first.click()
        assert download.value.suggested_filename == "kartu-meja-a5-0101-kelurahan-tebet-timur.pdf"
        page.goto("/kanal")
        expect(page.locator("li[data-channel='lapor_sms']")).to_contain_text("Tanpa internet: kirim SMS ke 1708.")
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("choice", ["English", "Huruf besar"])
def test_a_kiosk_left_alone_forgets_the_last_citizens_choice_before_its_attract_screen(kiosk_page, choice, artifacts):
    # A citizen switches to English (or larger text) on the start screen and
    # walks away: the next one must find the kiosk in Indonesian, usual size.
    page = kiosk_page
    page.clock.install()
    page.goto("/k/tebet-timur/")
    page.get_by_role("button", name=choice).click()
    html = page.locator("html")
    if choice == "English":
        expect(html).to_have_attribute("lang", "en")
    else:
        expect(html).to_have_class(re.compile(r"\btext-large\b"))
    page.wait_for_load_state("load")  # attract.js armed its wait on the new page
    page.clock.run_for(61_000)
    # The kiosk's reset (a real POST), then the start screen as the next citizen should find it.
    expect(html).to_have_attribute("lang", "id")
    expect(html).not_to_have_class(re.compile(r"\btext-large\b"))
    page.wait_for_load_state("load")
    expect(page.locator("dialog#attract")).to_be_hidden()
    page.clock.run_for(61_000)
    expect(page.locator("dialog#attract")).to_be_visible()
    expect(page.locator("dialog#attract")).to_contain_text("Sentuh layar")


def test_offline_the_attract_screen_opens_as_it_is_rather_than_an_error_page(kiosk_page):
    page = kiosk_page
    page.clock.install()
    page.goto("/k/tebet-timur/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state("load")  # attract.js armed its wait on the new page
    page.context.set_offline(True)
    page.clock.run_for(61_000)
    # No server to forget the choice: no POST into the browser's error page, the attract screen as it is.
    expect(page.locator("dialog#attract")).to_be_visible()
    expect(page.locator("dialog#attract")).to_contain_text("Touch the screen")
    assert page.url.endswith("/k/tebet-timur/")
    page.context.set_offline(False)
