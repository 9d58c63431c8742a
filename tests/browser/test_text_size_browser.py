"""Larger text on a kiosk, in real Chromium: the header's "Huruf besar"
button, at landscape and portrait kiosk sizes, through the whole flow, with a
screenshot of every screen saved under test-artifacts/ (look at them)."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_intake_browser import assert_touch_targets, kiosk_to_location, shot, walk_to_review

VIEWPORTS = {"landscape": (1280, 800), "portrait": (1080, 1920)}


@pytest.fixture(params=list(VIEWPORTS))
def sized_kiosk(request, browser, live_server):
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                  base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    yield request.param, page
    context.close()


def root_px(page) -> float:
    # After a navigation (each switch is a real POST): measured once the new
    # page's stylesheets are in, not while they load (the browser's 16 px).
    page.wait_for_load_state("load")
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def assert_fits(page, where):
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"wider than the screen: {where}"


def assert_in_view(page, locator):
    box = locator.bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"], box


def test_larger_text_through_the_whole_flow(sized_kiosk, artifacts):
    orientation, page = sized_kiosk
    page.goto("/k/tebet-timur/")
    usual = root_px(page)
    toggle = page.get_by_role("button", name="Huruf besar")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.get_by_role("button", name="Huruf besar")).to_have_attribute("aria-pressed", "true")
    assert root_px(page) >= usual * 1.25
    # The start button stays on the first screen, above the fold.
    assert_in_view(page, page.get_by_role("button", name="Mulai melapor"))
    assert_fits(page, "start")
    shot(page, artifacts, f"{orientation}-1-mulai")

    walk_to_review(page, artifacts, prefix=f"{orientation}-")
    assert root_px(page) >= usual * 1.25  # kept through the htmx swaps
    assert_fits(page, "review")
    assert_touch_targets(page, "button, .btn")
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    assert_fits(page, "receipt")
    assert_in_view(page, page.locator(".number"))
    shot(page, artifacts, f"{orientation}-7-tanda-terima")

    # The next citizen gets the usual size: Finish clears the session.
    page.get_by_role("button", name="Selesai").click()
    expect(page.get_by_role("button", name="Huruf besar")).to_have_attribute("aria-pressed", "false")
    assert root_px(page) == usual


def test_every_screen_fits_with_larger_text(sized_kiosk):
    orientation, page = sized_kiosk
    page.goto("/k/tebet-timur/")
    page.get_by_role("button", name="Huruf besar").click()
    page.get_by_role("button", name="Mulai melapor").click()
    for heading in ("tentang apa", "Di mana", "Apa yang terjadi", "Bagaimana"):
        expect(page.locator("h1")).to_contain_text(heading)
        assert_fits(page, heading)
        # The question's own buttons stay reachable: the sticky action bar is on screen.
        assert_in_view(page, page.get_by_role("button", name="Lanjut"))
        if heading == "tentang apa":
            page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
        if heading == "Apa yang terjadi":
            page.locator("textarea").fill("Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.")
        if heading == "Bagaimana":
            break
        page.get_by_role("button", name="Lanjut").click()


def test_switching_text_size_keeps_what_was_typed(kiosk_page):
    page = kiosk_page
    kiosk_to_location(page)
    page.get_by_role("button", name="Lanjut").click()
    text = "Saluran air tersumbat di depan sekolah."
    page.locator("textarea").fill(text)
    page.get_by_role("button", name="Huruf besar").click()
    expect(page.get_by_role("button", name="Huruf besar")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("textarea")).to_have_value(text)


def test_the_idle_reset_brings_back_the_usual_size(kiosk_page, live_app):
    page = kiosk_page
    page.goto("/k/tebet-timur/")
    usual = root_px(page)
    page.get_by_role("button", name="Huruf besar").click()
    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("h1")).to_contain_text("tentang apa")
    assert root_px(page) > usual
    # What the idle timer does when nobody answers its warning (kiosk/static/js/app.js resetKiosk).
    page.locator("form[data-idle-reset]:not([data-idle-reset=local])").evaluate("f => f.submit()")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert root_px(page) == usual


def test_phones_have_no_text_size_button(phone_page):
    page = phone_page
    page.goto("/lapor/")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(page.get_by_role("button", name="Huruf besar")).to_have_count(0)
