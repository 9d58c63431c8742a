"""The screen lowered within reach, in real Chromium: on a tall portrait
kiosk the footer's "Turunkan layar" moves every screen down, so that the
header's buttons, the question and its answers are in the lower half (within
reach from a wheelchair), online and on the offline shell. Landscape kiosks
and phones have no such button. Screenshots go to test-artifacts/."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_intake_browser import shot
from tests.browser.test_offline import (  # noqa: F401 (device: a fixture)
    cut_off_after_the_category, device, hurry_idle_reset, kiosk_ready, watch_errors,
)
from tests.browser.test_text_size_browser import assert_fits, assert_in_view

PORTRAIT = (1080, 1920)
LOWER = "Turunkan layar"


@pytest.fixture
def portrait_kiosk(browser, live_server):
    context = browser.new_context(viewport={"width": PORTRAIT[0], "height": PORTRAIT[1]}, has_touch=True,
                                  base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    yield page
    context.close()


def top(page, locator) -> float:
    """Where a thing starts, as a share of the screen's height from its top."""
    box = locator.bounding_box()
    assert box is not None
    return box["y"] / page.viewport_size["height"]


def test_lowering_the_screen_brings_every_control_within_reach(portrait_kiosk, artifacts):
    page = portrait_kiosk
    errors = watch_errors(page)
    page.goto("/k/tebet-timur/")
    lower = page.get_by_role("button", name=LOWER)
    expect(lower).to_be_visible()
    expect(lower).to_have_attribute("aria-pressed", "false")
    assert top(page, lower) > 0.85  # the toggle itself is at the bottom of the screen
    assert top(page, page.get_by_role("button", name="English")) < 0.1
    shot(page, artifacts, "1-mulai")

    lower.click()
    expect(page.get_by_role("button", name=LOWER)).to_have_attribute("aria-pressed", "true")
    page.wait_for_load_state("load")
    expect(page.locator(".reach-space")).to_be_visible()
    for name in ("English", "Huruf besar", "Mulai melapor"):
        assert top(page, page.get_by_role("button", name=name)) >= 0.45, name
    assert_in_view(page, page.get_by_role("button", name="Mulai melapor"))
    assert_fits(page, "start")
    shot(page, artifacts, "2-mulai-diturunkan")

    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("h1")).to_contain_text("tentang apa")
    assert top(page, page.locator("label.choice").first) >= 0.45  # kept through the htmx swaps
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Di mana")
    assert top(page, page.get_by_role("combobox", name="Kelurahan")) >= 0.45
    assert_in_view(page, page.get_by_role("button", name="Lanjut"))
    assert_fits(page, "location")
    shot(page, artifacts, "3-lokasi-diturunkan")

    # The idle warning comes down too: its button in the lower half.
    page.locator("dialog#idle").evaluate("d => d.showModal()")
    assert top(page, page.get_by_role("button", name="Ya, lanjutkan")) >= 0.5
    shot(page, artifacts, "4-peringatan-diturunkan")
    page.get_by_role("button", name="Ya, lanjutkan").click()

    # The citizen walks away: the idle reset gives the next one the usual screen.
    page.locator("form[data-idle-reset]:not([data-idle-reset=local])").evaluate("f => f.submit()")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(page.locator(".reach-space")).to_have_count(0)
    assert top(page, page.get_by_role("button", name="English")) < 0.1
    assert errors == []


def test_the_toggle_turns_it_back(portrait_kiosk):
    page = portrait_kiosk
    page.goto("/k/tebet-timur/")
    page.get_by_role("button", name=LOWER).click()
    expect(page.locator(".reach-space")).to_be_visible()
    page.get_by_role("button", name=LOWER).click()
    expect(page.get_by_role("button", name=LOWER)).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".reach-space")).to_have_count(0)
    assert top(page, page.get_by_role("button", name="English")) < 0.1


def test_landscape_kiosks_and_phones_have_no_such_button(kiosk_page, phone_page):
    kiosk_page.goto("/k/tebet-timur/")
    expect(kiosk_page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(kiosk_page.get_by_role("button", name=LOWER)).to_be_hidden()
    phone_page.goto("/lapor/")
    expect(phone_page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(phone_page.get_by_role("button", name=LOWER)).to_have_count(0)


def test_a_lowered_kiosk_cut_off_stays_lowered_until_the_next_citizen(device, artifacts):
    page = device("portrait-kiosk")
    errors = watch_errors(page)
    kiosk_ready(page)
    page.get_by_role("button", name=LOWER).click()
    expect(page.locator(".reach-space")).to_be_visible()
    page.wait_for_load_state("load")
    # The network fails as the citizen goes on: the offline shell, lowered still.
    cut_off_after_the_category(page)
    toggle = page.get_by_role("button", name=LOWER)
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".reach-space")).to_be_visible()
    assert top(page, page.get_by_role("combobox", name="Kelurahan")) >= 0.45
    shot(page, artifacts, "1-luring-diturunkan")
    # The shell's own button works without the server.
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".reach-space")).to_be_hidden()
    toggle.click()
    expect(page.locator(".reach-space")).to_be_visible()

    hurry_idle_reset(page)
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible(timeout=10000)
    expect(page.get_by_role("button", name=LOWER)).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".reach-space")).to_be_hidden()
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.endsWith(':reach-low'))") == []
    assert errors == []


def test_a_lowered_kiosk_left_alone_is_raised_before_its_attract_screen(portrait_kiosk):
    page = portrait_kiosk
    page.clock.install()
    page.goto("/k/tebet-timur/")
    page.get_by_role("button", name=LOWER).click()
    expect(page.locator(".reach-space")).to_be_visible()
    page.wait_for_load_state("load")  # attract.js armed its wait on the new page
    page.clock.run_for(61_000)
    # The kiosk's reset (a real POST): the next citizen finds the usual screen.
    expect(page.locator(".reach-space")).to_have_count(0)
    page.wait_for_load_state("load")
    page.clock.run_for(61_000)
    expect(page.locator("dialog#attract")).to_be_visible()
