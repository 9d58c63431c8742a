"""The kiosk's on-screen keyboard in real Chromium (kiosk/static/js/keyboard.js):
a kiosk is a touch screen without a keyboard, so every text field brings up the
page's own, typing at the caret within the field's limits, numbers only where
the field takes numbers, and the action bar stays above it; on the offline page
too. Phones have their own. Screenshots go to test-artifacts/."""
import re

from playwright.sync_api import expect

from tests.browser.test_intake_browser import kiosk_to_location, shot
from tests.browser.test_offline import (  # noqa: F401 (device: a fixture)
    cut_off_after_the_category, device, kiosk_ready, watch_errors,
)


def keyboard(page):
    return page.get_by_role("group", name="Keyboard layar")


def tap_keys(page, keys):
    for key in keys:
        page.locator(f"#osk button[data-skbtn='{'{space}' if key == ' ' else key}']").tap()


def test_a_citizen_types_the_whole_report_on_the_kiosk_keyboard(kiosk_page, artifacts):
    page = kiosk_page
    errors = watch_errors(page)
    kiosk_to_location(page)
    expect(keyboard(page)).to_be_hidden()  # until a field is touched

    address = page.get_by_label("Alamat jalan atau patokan")
    address.tap()
    expect(keyboard(page)).to_be_visible()
    # A capital where a sentence starts, then small letters; after ". " a capital again.
    tap_keys(page, ["J", "l", ".", "{space}", "T", "e", "b", "e", "t"])
    expect(address).to_have_value("Jl. Tebet")
    expect(address).to_be_focused()  # the keys never take the focus
    # The sticky action bar rides above the keyboard, in sight.
    next_box = page.get_by_role("button", name="Lanjut").bounding_box()
    assert next_box["y"] + next_box["height"] <= keyboard(page).bounding_box()["y"] + 1
    shot(page, artifacts, "1-alamat")

    # RT takes three digits: a keypad, and the fourth digit does not go in.
    rt = page.get_by_label("RT")
    rt.tap()
    expect(page.locator("#osk button[data-skbtn='q']")).to_have_count(0)
    tap_keys(page, ["1", "2", "3", "4"])
    expect(rt).to_have_value("123")
    page.get_by_role("button", name="Hapus").tap()
    expect(rt).to_have_value("12")
    shot(page, artifacts, "2-rt")
    page.get_by_role("button", name="Tutup keyboard").tap()
    expect(keyboard(page)).to_be_hidden()
    expect(rt).not_to_be_focused()
    page.get_by_role("button", name="Lanjut").click()

    expect(page.locator("h1")).to_contain_text("Apa yang terjadi")
    area = page.locator("textarea")
    area.tap()
    tap_keys(page, ["G", "o", "t", "{space}", "m", "a", "m", "p", "e", "t"])
    expect(area).to_have_value("Got mampet")
    expect(page.locator(".field__count")).to_contain_text("10 ")  # the counter follows
    # Typing goes where the caret is.
    area.evaluate("a => a.setSelectionRange(3, 3)")
    tap_keys(page, [","])
    expect(area).to_have_value("Got, mampet")
    shot(page, artifacts, "3-kejadian")
    tap_keys(page, " sudah seminggu")
    page.get_by_role("button", name="Lanjut").click()

    expect(page.locator("h1")).to_contain_text("Bagaimana")
    page.get_by_label("Nomor ponsel atau WhatsApp").tap()
    tap_keys(page, ["0", "8", "1", "2", "-", "3"])
    expect(page.get_by_label("Nomor ponsel atau WhatsApp")).to_have_value("0812-3")
    page.get_by_label("Email").tap()  # no caret API on email fields: typing goes at the end
    tap_keys(page, ["s", "i", "t", "i", "@", "x", ".", "i", "d"])
    expect(page.get_by_label("Email")).to_have_value("siti@x.id")
    shot(page, artifacts, "4-identitas")
    # A tap outside any field closes it.
    page.locator("h1").click()
    expect(keyboard(page)).to_be_hidden()
    assert errors == []


def test_the_shift_key_overrides_the_capital_for_one_letter(kiosk_page):
    page = kiosk_page
    kiosk_to_location(page)
    address = page.get_by_label("Alamat jalan atau patokan")
    address.tap()
    shift = page.get_by_role("button", name="Huruf kapital")
    shift.tap()  # off: the first letter small
    tap_keys(page, ["g", "g"])
    shift.tap()  # on, for one letter
    tap_keys(page, ["M", "a"])
    expect(address).to_have_value("ggMa")


def test_phones_use_their_own_keyboard(phone_page):
    page = phone_page
    page.goto("/lapor/")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    expect(page.locator("#osk")).to_have_count(0)


def test_the_offline_page_types_too(device, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    kiosk_ready(page)  # no field touched online: the keyboard comes from the worker's cache
    cut_off_after_the_category(page)
    page.locator("[data-step=location] input[name=address]").tap()
    expect(keyboard(page)).to_be_visible()
    tap_keys(page, ["D", "e", "p", "a", "n", "{space}", "p", "a", "s", "a", "r"])
    expect(page.locator("[data-step=location] input[name=address]")).to_have_value("Depan pasar")
    shot(page, artifacts, "1-luring-alamat")
    assert errors == []
    assert not re.search(r"keyboard", " ".join(errors))
