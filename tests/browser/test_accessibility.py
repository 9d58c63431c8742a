"""Every public screen, the officers' login, queue and detail under axe-core
(WCAG 2.2 A/AA and best practices), in Bahasa Indonesia and in English, on a
kiosk and on a phone; plus what axe cannot see: 48 px touch targets on the
kiosk and a visible keyboard focus.

One walk per (device, language) by clicks, checking each screen on the way;
a walk reports every screen's findings at its end, not only the first one.
axe's findings per screen: test-artifacts/<test>/axe-<screen>.json."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.test_intake_browser import receipt_number
from tests.browser.test_offline import send_photo_from_phone
from tests.browser.test_officer_browser import officer
from tests.officers import PASSWORD

KIOSK = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESK = {"viewport": {"width": 1280, "height": 900}}

# What a finger can touch. A radio button or checkbox drawn by its label (the
# input itself visually hidden) is measured by that label.
TARGETS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex='-1'])"


class Walk:
    """Checks screens one after another and keeps every finding for the end."""

    def __init__(self, page, folder):
        self.page, self.folder = page, folder
        self.problems: list[str] = []

    def check(self, name: str, *, targets: bool = False) -> None:
        try:
            axe.check(self.page, self.folder, f"axe-{name}")
        except AssertionError as e:
            self.problems.append(str(e))
        # After axe, which waits for the animations; a dialog is seen as the screen shows it.
        self.page.screenshot(path=str(self.folder / f"{name}.png"),
                             full_page=not self.page.locator("dialog[open]").count())
        if targets:
            small = small_targets(self.page)
            if small:
                self.problems.append(f"{name}: smaller than 48x48 px: {small}")

    def done(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)


def small_targets(page, minimum=48) -> list:
    """The visible interactive elements of the screen smaller than `minimum` px either way."""
    return page.evaluate("""([selector, minimum]) => {
        const seen = new Set(), small = [];
        for (const el of document.querySelectorAll(selector)) {
            const target = el.matches('input') && el.closest('label') ? el.closest('label') : el;
            if (seen.has(target) || !target.checkVisibility({visibilityProperty: true, opacityProperty: false})) continue;
            seen.add(target);
            const r = target.getBoundingClientRect();
            if (r.width < 1 || r.height < 1) continue;  // visually hidden (e.g. the skip link until focused)
            if (r.width < minimum || r.height < minimum)
                small.push([Math.round(r.width), Math.round(r.height), target.outerHTML.slice(0, 90)]);
        }
        return small;
    }""", [TARGETS, minimum])


def a_photo(tmp_path):
    path = tmp_path / "lubang.jpg"
    Image.new("RGB", (640, 480), (120, 110, 100)).save(path, "JPEG")
    return str(path)


def next_button(page):
    return page.locator("main form:visible .actions button[type=submit]")


@pytest.fixture
def context_for(browser, live_server):
    """A new browser context of a device; axe-core runs inline, so the pages' CSP is bypassed."""
    contexts = []

    def make(device):
        context = browser.new_context(**device, base_url=live_server, bypass_csp=True, locale="id-ID",
                                      timezone_id="Asia/Jakarta")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def switch_to_english(page):
    page.locator(".lang__btn[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state("load")  # the new page's scripts (timers) have run


@pytest.mark.parametrize("lang", ["id", "en"])
def test_kiosk_flow_is_accessible(context_for, live_app, artifacts, lang):
    page = context_for(KIOSK)
    walk = Walk(page, artifacts)
    page.clock.install()
    page.goto("/k/tebet-timur/")
    if lang == "en":
        switch_to_english(page)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    walk.check("1-start", targets=True)
    focus_is_visible(page)
    # Left alone: the attract screen, all its slides; a touch starts the flow.
    page.clock.run_for(61_000)
    if lang == "en":
        # First the kiosk forgets the last citizen's English (attract.js): the
        # attract screen is the next citizen's, in Indonesian.
        expect(page.locator("html")).to_have_attribute("lang", "id")
        page.wait_for_load_state("load")
        page.clock.run_for(61_000)
    expect(page.locator("dialog#attract")).to_be_visible()
    slides = page.locator("[data-attract-slide]")
    expect(slides.nth(3)).to_be_attached()
    for i in range(slides.count()):  # one slide shows at a time
        expect(page.locator("[data-attract-slide]:visible")).to_have_count(1)
        walk.check(f"2-attract-{i + 1}", targets=True)
        page.clock.run_for(8_000)
    page.touchscreen.tap(900, 420)
    expect(page.locator("input[name=category]").first).to_be_attached()
    if lang == "en":
        switch_to_english(page)  # the next citizen chooses English again
        expect(page.locator("input[name=category]").first).to_be_attached()
    walk.check("3-category", targets=True)
    page.locator("label.choice:has(input[value=JALAN_RUSAK])").click()
    next_button(page).click()
    # The location, refused: no kelurahan, a letter in the RT.
    select = page.locator("select[name=kelurahan]")
    expect(select).to_be_visible()
    walk.check("4-location", targets=True)
    select.select_option("")
    page.locator("input[name=rt]").fill("5a")
    next_button(page).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(select).to_have_attribute("aria-invalid", "true")
    walk.check("5-location-error", targets=True)
    select.select_option("0101")
    page.locator("input[name=rt]").fill("5")
    page.locator("input[name=address]").fill("Jl. Tebet Raya No. 5, depan masjid")
    next_button(page).click()
    expect(page.locator("textarea[name=description]")).to_be_visible()
    walk.check("6-description", targets=True)  # with the QR code for a photo from the phone
    # The citizen's phone sends a photo: the screen shows it (here after a reload: the clock is a test's).
    send_photo_from_phone(live_app)
    page.reload()
    expect(page.locator(".handoff--done img")).to_be_visible()
    page.locator("textarea[name=description]").fill("Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.")
    walk.check("6b-description-photo", targets=True)
    next_button(page).click()
    # Identity, refused: a wrong email, no consent.
    expect(page.locator("input[name=consent]")).to_be_attached()
    walk.check("7-identity", targets=True)
    page.locator("input[name=name]").fill("Siti Rahayu")
    page.locator("input[name=email]").fill("siti@")
    next_button(page).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")
    walk.check("8-identity-error", targets=True)
    page.locator("input[name=email]").fill("siti@example.id")
    page.locator("label.consent").click()
    next_button(page).click()
    expect(page.locator("dl.summary")).to_be_visible()
    walk.check("9-review", targets=True)
    # Idle mid-report: the warning.
    page.wait_for_timeout(300)  # the swap's own events land before the clock jumps
    page.clock.run_for(92_000)  # the warning after 90 s; 20 s to read it before the reset
    expect(page.locator("dialog#idle")).to_be_visible()
    walk.check("10-idle", targets=True)
    page.locator("[data-idle-continue]").click()
    expect(page.locator("dialog#idle")).to_be_hidden()
    page.locator("main .actions button[type=submit]").click()
    expect(page.locator(".number")).to_be_visible()
    walk.check("11-receipt", targets=True)
    # Back another day: the kiosk's own tracking screens (in the language chosen).
    number = "-".join(page.locator(".number__group").all_inner_texts())
    page.goto("/k/tebet-timur/lacak")
    expect(page.locator("input[name=nomor]")).to_be_visible()
    walk.check("12-track", targets=True)
    page.locator("input[name=nomor]").fill(number)
    page.locator("main form .actions button[type=submit]").click()
    expect(page.locator(".track .badge")).to_be_visible()
    walk.check("13-track-progress", targets=True)
    walk.done()


def focus_is_visible(page):
    """A button reached by the keyboard is drawn differently from the same button unfocused."""
    button = page.locator("[data-start-form] button[type=submit]")
    style = "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' ') }"
    before = button.evaluate(style)
    for _ in range(20):
        page.keyboard.press("Tab")
        if button.evaluate("e => e === document.activeElement"):
            break
    assert button.evaluate("e => e.matches(':focus-visible')"), "the start button cannot be reached by Tab"
    after = button.evaluate(style)
    assert after != before, f"no visible focus: {after}"
    button.evaluate("e => e.blur()")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_phone_flow_and_public_pages_are_accessible(context_for, artifacts, tmp_path, lang):
    page = context_for(PHONE)
    walk = Walk(page, artifacts)
    # The front page's switch for the pages that follow; the app shell
    # pages (kept by the service worker, no session) by their `?lang=` link.
    query = "?lang=en" if lang == "en" else ""
    page.goto("/")
    if lang == "en":
        switch_to_english(page)
    walk.check("01-front")
    page.goto(f"/lapor/{query}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    walk.check("02-start")

    def screen(step):
        return page.locator(f"main [data-step={step}]")

    def send_refused(step, invalid_field, name):
        """Send the step as it is: refused, with its error summary and the field marked invalid."""
        screen(step).locator(".actions button[type=submit]").click()
        expect(screen(step).locator(".error-summary")).to_be_visible()
        expect(screen(step).locator(invalid_field)).to_have_attribute("aria-invalid", "true")
        walk.check(name)

    page.locator("[data-step=start] [data-start-form] button").click()
    expect(screen("category")).to_be_visible()
    walk.check("03-category")
    page.locator("label.choice:has(input[value=SAMPAH])").click()
    screen("category").locator(".actions button[type=submit]").click()
    # No kelurahan: refused on the phone (flow.js).
    expect(screen("location")).to_be_visible()
    walk.check("04-location")
    send_refused("location", "select[name=kelurahan]", "05-location-error")
    page.locator("[data-step=location] select[name=kelurahan]").select_option("0601")
    screen("location").locator(".actions button[type=submit]").click()
    expect(screen("description")).to_be_visible()
    page.locator("[data-step=description] textarea").fill("Sampah menumpuk di pinggir jalan dekat pasar, sudah tiga hari.")
    page.locator("[data-step=description] input[type=file]").set_input_files(a_photo(tmp_path))
    expect(page.locator("[data-photo-kept]")).to_be_visible()
    walk.check("06-description")
    screen("description").locator(".actions button[type=submit]").click()
    expect(screen("identity")).to_be_visible()
    walk.check("07-identity")
    send_refused("identity", "input[name=consent]", "08-identity-error")
    page.locator("[data-step=identity] label.choice:has(input[value=anonymous])").click()
    page.locator("[data-step=identity] label.consent").click()
    screen("identity").locator(".actions button[type=submit]").click()
    expect(screen("review")).to_be_visible()
    walk.check("09-review")
    screen("review").locator(".actions button[type=submit]").click()
    expect(page.locator(".number")).to_be_visible()
    walk.check("10-receipt")
    number = receipt_number(page)
    page.locator(f"a[href$='/lacak/{number}']").click()
    expect(page.locator(".timeline")).to_be_visible()
    walk.check("11-tracking")
    page.goto(f"/lacak/{query}")
    walk.check("12-lookup")
    page.locator("#nomor").fill("0101-26-00042-7")
    page.locator("main .actions button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    walk.check("13-lookup-typo")
    page.goto(f"/laporan-saya{query}")
    expect(page.locator(".mine-item").first).to_be_visible()
    walk.check("14-mine")
    page.goto(f"/luring{query}")
    walk.check("15-offline")
    walk.done()


def a_complaint(live_app) -> str:
    """A named kiosk complaint with a photo at Tebet Timur (the same one on every call)."""
    from backend import intake
    from backend.photos import CleanPhoto

    png = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 90)).save(png, "PNG")
    with live_app.app_context():
        return intake.submit(intake.IntakeRequest(
            idempotency_key="axe-console-complaint", channel="kiosk", category_code="SALURAN", kelurahan_code="0101",
            description="Got di depan sekolah tersumbat lumpur, air meluap ke jalan.", identity="named", consent=True,
            name="Siti Rahayu", phone="0812 3456 7890", email="siti@example.id", nik="3174011234567890",
            kiosk_code="tebet-timur", photo=CleanPhoto(data=png.getvalue(), mime="image/png", width=64, height=48),
        )).complaint.number


@pytest.mark.parametrize("lang", ["id", "en"])
def test_officer_console_is_accessible(context_for, live_app, artifacts, lang):
    officer(live_app, "petugas.axe", "petugas", "0101", full_name="Rina Wulandari")
    number = a_complaint(live_app)
    page = context_for(DESK)
    walk = Walk(page, artifacts)
    if lang == "en":
        page.goto("/")
        switch_to_english(page)
    page.goto("/petugas/masuk")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    walk.check("1-login")
    page.locator("input[name=username]").fill("petugas.axe")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("table.table")).to_be_visible()
    walk.check("2-queue")
    page.goto(f"/petugas/aduan/{number}")
    expect(page.locator(".console-main h1")).to_be_visible()
    walk.check("3-detail")
    walk.done()
