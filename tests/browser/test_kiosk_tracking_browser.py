"""A citizen back at the office with a receipt checks the complaint at the
kiosk, in real Chromium: from the start screen, the number typed on the
kiosk's own keypad, its progress in the kiosk's screen (no link out; a QR code
of the page to take along), then back to the start screen. Screenshots go to
test-artifacts/."""
import io
import re

from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode

from tests.browser.test_intake_browser import shot
from tests.browser.test_keyboard_browser import keyboard, tap_keys
from tests.browser.test_offline import watch_errors
from tests.conftest import TEST_CONFIG
from tests.flowdriver import FlowDriver


def test_a_citizen_checks_a_complaint_at_the_kiosk(kiosk_page, live_app, artifacts):
    number = FlowDriver(live_app.test_client()).file_complaint()
    page = kiosk_page
    errors = watch_errors(page)
    page.goto("/k/tebet-timur/")
    shot(page, artifacts, "1-mulai")
    page.get_by_role("link", name="Cek laporan yang sudah dikirim").click()
    expect(page.locator("h1")).to_have_text("Lacak laporan")
    field = page.get_by_label("Nomor pengaduan")
    # A mistyped digit is told on the same screen.
    field.tap()
    expect(keyboard(page)).to_be_visible()
    expect(page.locator("#osk")).to_have_attribute("data-layout", "numeric")
    tap_keys(page, number.replace("-", "")[:-1] + str((int(number[-1]) + 1) % 10))
    page.get_by_role("button", name="Lacak").click()
    expect(page.locator(".error-summary")).to_contain_text("salah ketik")
    shot(page, artifacts, "2-salah-ketik")
    field.fill("")
    field.tap()
    tap_keys(page, number.replace("-", ""))
    page.get_by_role("button", name="Lacak").click()
    expect(page.locator(".track .badge")).to_have_text("Diterima, sedang dikirim ke CRM")
    assert page.url.endswith(f"/k/tebet-timur/lacak/{number}")
    expect(page.locator(".topbar")).to_contain_text("Kelurahan Tebet Timur")  # still the kiosk's screen
    expect(page.locator("main a[href^='http']")).to_have_count(0)
    # The page's QR code, to follow it on a phone at home, scans to the public page.
    qr = page.locator(".track__take img")
    expect(qr).to_be_visible()
    codes = decode(Image.open(io.BytesIO(qr.screenshot())))
    assert [c.data.decode() for c in codes] == [f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}"]
    # Styled: pages.css came with the screen.
    assert page.locator(".crm").evaluate("e => getComputedStyle(e).borderLeftWidth") == "6px"
    shot(page, artifacts, "3-perkembangan")
    # Finish: the start screen, for the next citizen as usual (a choice made here is forgotten).
    page.get_by_role("button", name="Huruf besar").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    page.get_by_role("button", name="Selesai").click()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\btext-large\b"))
    assert errors == []


def test_the_attract_screen_leads_there_too(kiosk_page, artifacts):
    """A kiosk left alone shows its attract screen, where any touch starts a
    report, but one on "Cek laporan yang sudah dikirim" opens the tracking."""
    page = kiosk_page
    page.clock.install()
    page.goto("/k/tebet-timur/")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    page.clock.run_for(61_000)
    attract = page.locator("dialog#attract")
    expect(attract).to_be_visible()
    shot(page, artifacts, "layar-tunggu")
    attract.get_by_role("link", name="Cek laporan yang sudah dikirim").tap()
    expect(page.locator("h1")).to_have_text("Lacak laporan")
    assert page.url.endswith("/k/tebet-timur/lacak")
