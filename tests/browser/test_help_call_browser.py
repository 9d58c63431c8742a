"""A citizen at a kiosk calls an officer, in real Chromium: the footer's
"Panggil petugas" keeps what was typed and says the call is made; the desk's
queue page, left open, shows the call within 20 s (console.js asks) and the
officer answers it; the kiosk's screen, left open, then says an officer is on
the way. Screenshots go to test-artifacts/."""
from playwright.sync_api import expect

from tests.browser.test_intake_browser import kiosk_to_location, shot
from tests.browser.test_monitoring_browser import signed_in
from tests.browser.test_officer_browser import console_errors, officer
from tests.browser.test_offline import watch_errors


# Counts the tones the page starts (console.js's chime is two), across the page's reloads.
TONE_COUNTER = """
(() => {
  const Real = window.AudioContext;
  if (!Real) return;
  const create = Real.prototype.createOscillator;
  Real.prototype.createOscillator = function () {
    const tone = create.call(this);
    const start = tone.start.bind(tone);
    tone.start = (...args) => {
      sessionStorage.setItem("test:tones", String(Number(sessionStorage.getItem("test:tones") || 0) + 1));
      return start(...args);
    };
    return tone;
  };
})();
"""


def tones(page) -> int:
    return int(page.evaluate("Number(sessionStorage.getItem('test:tones') || 0)"))


def test_the_desk_sees_a_kiosks_call_and_answers_it(kiosk_page, browser, live_server, live_app, artifacts):
    officer(live_app, "ani.meja", "petugas", "0101", full_name="Ani Lestari")
    context, desk = signed_in(browser, live_server, "ani.meja")
    desk_errors = console_errors(desk)
    try:
        desk.clock.install()
        desk.add_init_script(TONE_COUNTER)
        desk.goto("/petugas/")
        expect(desk.locator("[data-help-call]")).to_have_count(0)
        assert tones(desk) == 0

        page = kiosk_page
        errors = watch_errors(page)
        kiosk_to_location(page)
        page.get_by_label("Alamat jalan atau patokan").fill("Jl. Tebet Raya No. 5")
        page.get_by_role("button", name="Panggil petugas").click()
        expect(page.locator(".notice")).to_contain_text("Petugas sudah dipanggil ke kios ini")
        expect(page.get_by_label("Alamat jalan atau patokan")).to_have_value("Jl. Tebet Raya No. 5")  # kept
        expect(page.locator(".help-call--waiting")).to_have_text("Petugas sudah dipanggil. Mohon tunggu sebentar.")
        expect(page.get_by_role("button", name="Panggil petugas")).to_have_count(0)
        shot(page, artifacts, "1-kios-memanggil")

        # The desk's page, open all along, asks within 20 s and shows the call.
        desk.clock.run_for(21_000)
        call = desk.locator("[data-help-call]")
        expect(call).to_contain_text("seorang warga menunggu bantuan petugas")
        expect(desk).to_have_title("(1) Panggilan dari kios · Pengaduan · Kios Aduan")
        assert tones(desk) == 2  # one chime for the new call
        desk.reload()
        expect(desk.locator("[data-help-call]")).to_have_count(1)
        assert tones(desk) == 2  # ... and not again for the same call
        shot(desk, artifacts, "2-meja-panggilan")
        desk.get_by_role("button", name="Saya ke sana").click()
        expect(desk.locator(".notice--success")).to_contain_text("menunggu Anda")
        expect(desk.locator("[data-help-call]")).to_have_count(0)

        # The caller's screen, left as it was, asks and says an officer is on the way.
        coming = page.locator(".help-call--coming")
        expect(coming).to_have_text("Petugas sedang menuju ke kios ini. Mohon tunggu di sini.", timeout=5_000)
        expect(page.get_by_label("Alamat jalan atau patokan")).to_have_value("Jl. Tebet Raya No. 5")
        # It waits longer before its idle warning: the citizen does not touch it meanwhile.
        idle = int(page.locator("#idle").get_attribute("data-idle-seconds"))
        assert idle == live_app.config["KIOSK_HELP_IDLE_SECONDS"] > live_app.config["KIOSK_IDLE_SECONDS"]
        shot(page, artifacts, "3-kios-petugas-datang")
        assert errors == [] and desk_errors == []
    finally:
        context.close()
