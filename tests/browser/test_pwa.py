"""The PWA in real headless Chromium: installability (CDP), the worker taking
control, offline reloads from the precache, and an app update from the toast.
Screenshots under test-artifacts/."""
from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from playwright.sync_api import expect

PHONE = dict(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2,
             locale="id-ID", timezone_id="Asia/Jakarta")

CACHE_NAMES = "async () => (await caches.keys()).filter(n => n.startsWith('kios-aduan-')).sort()"
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
ACTIVE_SCRIPT_VERSION = """async () => {
  const reg = await navigator.serviceWorker.ready;
  return reg.active && reg.active.scriptURL;
}"""


def shot(page, folder, name):
    page.screenshot(path=str(folder / f"{name}.png"), animations="disabled")


def wait_until(page, js: str, timeout_s: float = 15) -> None:
    """Poll an async predicate in the page (wait_for_function does not await
    a promise it gets back)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(js):
        assert time.monotonic() < deadline, f"timed out: {js}"
        page.wait_for_timeout(200)


def worker_version(live_server, request_context) -> str:
    js = request_context.get(f"{live_server}/sw.js").text()
    return json.loads(re.search(r"const PRECACHE = (\{.*?\});\n", js).group(1))["version"]


@pytest.fixture
def pwa_context(browser_type, browser_type_launch_args, live_server, tmp_path):
    """A phone with a real (not incognito) profile: Chromium reports
    installability only there. A fresh profile per test."""
    context = browser_type.launch_persistent_context(str(tmp_path / "profile"), base_url=live_server,
                                                     **browser_type_launch_args, **PHONE)
    yield context
    context.close()


def controlled_page(context):
    """/lapor/ with the worker installed, active and controlling it."""
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/lapor/")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    page.wait_for_function(CONTROLLED)
    return page


def test_manifest_parses_and_chromium_finds_the_app_installable(pwa_context, artifacts):
    page = controlled_page(pwa_context)
    cdp = pwa_context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    data = json.loads(manifest["data"])
    assert data["start_url"].startswith("/lapor/")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    # The worker controls the page after the reload, from the site root.
    assert page.evaluate(CONTROLLED)
    assert page.evaluate("async () => (await navigator.serviceWorker.ready).scope").endswith("/")
    shot(page, artifacts, "lapor-controlled")


def test_offline_reload_shows_the_cached_shell(pwa_context, artifacts):
    page = controlled_page(pwa_context)
    online_h1 = page.locator("h1").first.inner_text()
    caches_before = page.evaluate(CACHE_NAMES)
    assert len(caches_before) == 1
    pwa_context.set_offline(True)
    try:
        page.reload()
        expect(page.locator("h1").first).to_have_text(online_h1)
        expect(page.locator("#pwa-update")).to_be_hidden()
        # The page's own styles and fonts came from the cache as well.
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Plus Jakarta Sans"')
        assert page.evaluate("document.fonts.check('700 16px \"Plus Jakarta Sans\"')")
        shot(page, artifacts, "lapor-offline")
        # Any screen of the phone flow opened offline shows the shell too.
        page.goto("/lapor/kategori")
        expect(page.locator("h1").first).to_have_text(online_h1)
        # A page that is never cached (tracking, with personal data) shows the offline page.
        page.goto("/lacak/0101-26-00042-8")
        expect(page.locator("h1")).to_have_text("Tidak ada koneksi internet")
        shot(page, artifacts, "luring")
    finally:
        pwa_context.set_offline(False)
    # Online again, "Coba lagi" loads the page itself.
    page.get_by_role("link", name="Coba lagi").click()
    expect(page).to_have_url(re.compile(r"/lacak/0101-26-00042-8$"))
    expect(page.locator("h1")).not_to_have_text("Tidak ada koneksi internet")


def test_nothing_personal_lands_in_the_cache(pwa_context, live_server):
    page = controlled_page(pwa_context)
    # Pages the citizen visits with their session are never stored.
    page.goto("/lacak/")
    page.goto("/lapor/")
    urls = page.evaluate("""async () => {
      const out = [];
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
      }
      return out;
    }""")
    assert "/lapor/" in urls and "/luring" in urls and "/static/css/app.css" in urls
    assert not [u for u in urls if re.search(r"/api/|tanda-terima|^/lacak/|^/petugas|/kategori|/identitas", u)]


def test_an_update_is_offered_and_replaces_the_cache(pwa_context, live_app, live_server, artifacts):
    page = controlled_page(pwa_context)
    old_caches = page.evaluate(CACHE_NAMES)
    old_version = worker_version(live_server, page.request)
    assert old_caches == [f"kios-aduan-{old_version}"]
    expect(page.locator("#pwa-update")).to_be_hidden()

    live_app.config["PWA_SHELL_REVISION"] = f"test-{uuid.uuid4().hex[:8]}"  # a deploy
    try:
        new_version = worker_version(live_server, page.request)
        assert new_version != old_version
        page.evaluate("async () => { await (await navigator.serviceWorker.ready).update(); }")
        toast = page.locator("#pwa-update")
        expect(toast).to_be_visible(timeout=15_000)
        expect(toast).to_contain_text("Versi baru aplikasi tersedia.")
        button = toast.get_by_role("button", name="Muat ulang")
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
        shot(page, artifacts, "update-toast")
        # Until the tap, the old worker and its cache serve the page.
        assert page.evaluate(CACHE_NAMES) == sorted([f"kios-aduan-{old_version}", f"kios-aduan-{new_version}"])
        with page.expect_navigation():
            button.click()
        page.wait_for_function(CONTROLLED)
        wait_until(page, f"async () => ({CACHE_NAMES})().then(n => n.join() === 'kios-aduan-{new_version}')")
        expect(page.locator("#pwa-update")).to_be_hidden()
        assert page.evaluate(CACHE_NAMES) == [f"kios-aduan-{new_version}"]
        # The new worker serves offline from the new cache.
        pwa_context.set_offline(True)
        try:
            page.reload()
            expect(page.locator("h1").first).to_be_visible()
        finally:
            pwa_context.set_offline(False)
    finally:
        live_app.config["PWA_SHELL_REVISION"] = ""


@pytest.fixture
def kiosk_context(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, base_url=live_server,
                                  locale="id-ID", timezone_id="Asia/Jakarta")
    yield context
    context.close()


KIOSK = "/k/tebet-timur"


def test_kiosk_keeps_its_offline_page_and_opens_it_offline(kiosk_context, artifacts):
    page = kiosk_context.new_page()
    page.goto(f"{KIOSK}/")
    page.wait_for_function(CONTROLLED)
    # The kiosk page asks the worker to keep /k/<code>/luring/ (kiosk/static/js/kiosk-offline.js).
    wait_until(page, f"async () => Boolean(await caches.match('{KIOSK}/luring/', {{ignoreVary: true}}))")
    kiosk_context.set_offline(True)
    try:
        page.goto(f"{KIOSK}/kategori")
        # The kiosk's offline page (kiosk/templates/intake/shell.html), at the address asked for.
        expect(page.locator("[data-kiosk-offline]")).to_be_visible()
        assert page.url.endswith(f"{KIOSK}/kategori")
        shot(page, artifacts, "kiosk-offline")
        # Another kiosk has no offline page here: the general one.
        page.goto("/k/tebet/")
        expect(page.locator("h1")).to_have_text("Tidak ada koneksi internet")
    finally:
        kiosk_context.set_offline(False)


def test_kiosk_applies_an_update_on_its_start_screen_without_asking(kiosk_context, live_app, live_server):
    page = kiosk_context.new_page()
    page.goto(f"{KIOSK}/")
    page.wait_for_function(CONTROLLED)
    old_version = worker_version(live_server, page.request)
    live_app.config["PWA_SHELL_REVISION"] = f"kiosk-{uuid.uuid4().hex[:8]}"
    try:
        new_version = worker_version(live_server, page.request)
        with page.expect_navigation(timeout=20_000):
            page.evaluate("async () => { await (await navigator.serviceWorker.ready).update(); }")
        wait_until(page, f"async () => ({CACHE_NAMES})().then(n => n.join() === 'kios-aduan-{new_version}')")
        assert new_version != old_version
        expect(page.locator("#pwa-update")).to_be_hidden()
    finally:
        live_app.config["PWA_SHELL_REVISION"] = ""
