"""The PWA's server side: manifest, /sw.js, the precache list and its version,
compression and cache headers (kiosk/pwa). The browser side is in
tests/browser/test_pwa.py."""
from __future__ import annotations

import gzip
import io
import json
import re
import shutil

import brotli
import pytest
from PIL import Image

from kiosk.pwa import delivery, precache, views
from tests.flowdriver import csrf_token

PERSONAL_EXAMPLES = (
    "/api/v1/complaints", "/k/KIOSK-1/api/v1/lease", "/tanda-terima/abc123", "/lapor/tanda-terima",
    "/lapor/tanda-terima.pdf", "/k/X/tanda-terima", "/lacak/0101-26-00042-8", "/lacak/0101-26-00042-8/qr.svg",
    "/petugas/", "/petugas/aduan/5", "/lapor/kategori", "/lapor/identitas", "/lapor/periksa", "/lapor/kirim",
    "/k/X/lokasi", "/k/X/pasang", "/k/X/bantuan",
)


def worker_config(js: str) -> dict:
    return json.loads(re.search(r"const PRECACHE = (\{.*?\});\n", js).group(1))


def test_manifest_is_installable_json(client, app):
    resp = client.get("/manifest.webmanifest")
    assert resp.status_code == 200
    assert resp.mimetype == "application/manifest+json"
    m = resp.get_json(force=True)
    assert m["name"] == "Kios Aduan Jakarta Selatan"
    assert m["short_name"] and len(m["short_name"]) <= 12
    assert m["lang"] == "id" and m["display"] == "standalone" and m["scope"] == "/"
    assert m["start_url"].startswith("/lapor/") and m["id"]
    assert re.fullmatch(r"#[0-9a-f]{6}", m["theme_color"]) and re.fullmatch(r"#[0-9a-f]{6}", m["background_color"])
    css = (precache.STATIC / "css" / "app.css").read_text()
    assert f"--accent: {m['theme_color']};" in css and f"--bg: {m['background_color']};" in css
    purposes = set()
    for icon in m["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png"
        img = Image.open(io.BytesIO(png.get_data()))
        assert f"{img.width}x{img.height}" == icon["sizes"]
        purposes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes


def test_icons_are_what_the_script_makes():
    from scripts.make_icons import render

    for name, data in render().items():
        assert (precache.STATIC / "img" / name).read_bytes() == data, f"run scripts/make_icons.py ({name})"


def test_maskable_icon_keeps_its_mark_in_the_safe_zone():
    img = Image.open(precache.STATIC / "img" / "app-maskable-512.png").convert("RGB")
    assert img.getpixel((0, 0)) == img.getpixel((511, 511)) == (11, 79, 108)  # full bleed, --accent
    white = [(x, y) for x in range(0, 512, 4) for y in range(0, 512, 4) if min(img.getpixel((x, y))) > 200]
    assert white and all((x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2 for x, y in white)


def test_base_page_links_the_manifest_and_the_registration(client):
    html = client.get("/lapor/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#0b4f6c">' in html
    assert 'src="/static/js/pwa.js" data-worker="/sw.js"' in html
    assert 'id="pwa-update"' in html and "Versi baru aplikasi tersedia." in html


def test_worker_served_from_the_root_never_cached_by_http(client):
    resp = client.get("/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Cache-Control"] == "no-cache"
    js = resp.get_data(as_text=True)
    cfg = worker_config(js)
    assert re.fullmatch(r"[0-9a-f]{16}", cfg["version"])
    assert "/*@PRECACHE@*/" not in js and "/*@IMPORTS@*/" not in js
    again = client.get("/sw.js", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_worker_imports_the_queue_only_once_it_exists(client, app, monkeypatch, tmp_path):
    def imports():
        js = client.get("/sw.js").get_data(as_text=True)
        return json.loads(re.search(r"const IMPORTS = (\[.*?\]);", js).group(1))

    fake = tmp_path / "static"
    (fake / "vendor" / "idb-keyval").mkdir(parents=True)
    (fake / "vendor" / "idb-keyval" / "idb-keyval.js").write_text("//")
    monkeypatch.setattr(views, "STATIC", fake)
    assert imports() == []
    (fake / "js").mkdir()
    (fake / "js" / "queue.js").write_text("//")
    assert imports() == ["/static/vendor/idb-keyval/idb-keyval.js", "/static/js/queue.js"]


def test_precache_holds_the_shell(app):
    pre = precache.build(app)
    urls = pre.urls
    for page in ("/lapor/", "/kanal", "/luring"):
        assert page in urls
    for url in ("/static/css/app.css", "/static/js/app.js", "/static/js/pwa.js", "/static/img/favicon.svg",
                "/static/vendor/htmx/htmx-2.0.11.min.js", "/static/vendor/plus-jakarta-sans-variable/plus-jakarta-sans.css",
                "/static/vendor/plus-jakarta-sans-variable/plus-jakarta-sans-core-wght-normal.woff2",
                "/printing/static/receipt.css"):
        assert url in urls, url
    for entry in pre.entries:
        assert not re.search(r"LICEN[CS]E|README|manifest\.json|console\.|\.woff$|latin-ext|/icons/.*\.svg$|"
                             r"/plus-jakarta-sans/|/app-.*\.png$",
                             entry.url), entry.url
        if entry.kind == "static":
            assert entry.integrity.startswith("sha256-")
    assert len(urls) == len(set(urls))


def test_every_shell_page_that_exists_is_precached(app, client):
    pre = precache.build(app)
    for page in precache.SHELL_PAGES:
        if client.get(page).status_code == 200:
            assert page in pre.urls


# The English title of each shell page (its Indonesian copy has another).
SHELL_TITLES = {"/lapor/": "Report a problem", "/laporan-saya": "My complaints",
                "/kanal": "Official complaint channels", "/luring": "No connection"}


def test_every_shell_page_is_precached_in_both_languages(app, client):
    """Indonesian at the page's own URL, English at the URL of its language
    link; the worker gets the languages, Indonesian first."""
    assert set(SHELL_TITLES) == set(precache.SHELL_PAGES)  # a new shell page: add its title here
    pre = precache.build(app)
    pages = [e.url for e in pre.entries if e.kind == "page"]
    assert sorted(pages) == sorted([*precache.SHELL_PAGES, *(f"{p}?lang=en" for p in precache.SHELL_PAGES)])
    assert pre.for_worker()["languages"] == ["id", "en"]
    assert client.get("/lapor/").get_data(as_text=True).count('href="/lapor/?lang=en"') == 1  # the link's URL
    rendered = precache.render_pages(app)
    for page, title in SHELL_TITLES.items():
        english, indonesian = rendered[f"{page}?lang=en"].decode(), rendered[page].decode()
        assert '<html lang="en"' in english and f"<title>{title} · " in english, page
        assert '<html lang="id"' in indonesian and title not in indonesian, page
    cfg = worker_config(client.get("/sw.js").get_data(as_text=True))
    assert cfg["languages"] == ["id", "en"] and "/kanal?lang=en" in cfg["pages"]


def test_a_copys_language_is_stored_nowhere(flow):
    """The worker's fetch of an English copy (cookie-less, not a navigation)
    changes no one's language; a person's tap on the link (a navigation) does."""
    flow.at("/lapor").fill_all()
    client = flow.client
    for page in precache.SHELL_PAGES:
        resp = client.get(f"{page}?lang=en")
        assert '<html lang="en"' in resp.get_data(as_text=True), page
        assert "lang=en" not in resp.headers.get("Set-Cookie", ""), page
    assert '<html lang="id"' in client.get("/lapor/periksa").get_data(as_text=True)
    client.get("/lapor/?lang=en", headers={"Sec-Fetch-Mode": "navigate"})
    assert '<html lang="en"' in client.get("/lapor/periksa").get_data(as_text=True)


def test_the_language_form_of_a_copy_in_english_switches_for_good(client):
    """/kanal and /luring switch by a form (main/_language.html): on the English
    copy's address (?lang=en) the choice of Indonesian must not be overruled by it."""
    html = client.get("/kanal?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html and 'name="next" value="/kanal?lang=en"' in html
    token = csrf_token(html)
    resp = client.post("/bahasa", data={"lang": "id", "next": "/kanal?kantor=0101&lang=en", "csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"] == "/kanal?kantor=0101"
    assert '<html lang="id"' in client.get("/kanal?kantor=0101").get_data(as_text=True)
    resp = client.post("/bahasa", data={"lang": "en", "next": "/lacak/?x=1", "csrf_token": token})
    assert resp.headers["Location"] == "/lacak/?x=1"


def test_kiosk_offline_shell_in_english_with_its_language_link(client):
    """The kiosk's offline shell, kept by the worker in both languages (with the
    kiosk's cookie, not a navigation): English on `?lang=en`, nothing stored."""
    r = client.get("/k/tebet-timur/luring/?lang=en")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers and "csrf_token" not in html
    assert '<html lang="en"' in html and "<title>Report a problem · " in html
    assert 'href="/k/tebet-timur/luring/?lang=id"' in html  # its link, shown by flow.js on the start screen
    data = json.loads(re.search(r'<script[^>]*id="shell-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["lang"] == "en" and data["urls"]["finish"] == "/k/tebet-timur/selesai"
    indonesian = client.get("/k/tebet-timur/luring/").get_data(as_text=True)
    assert '<html lang="id"' in indonesian and 'href="/k/tebet-timur/luring/?lang=en"' in indonesian


@pytest.mark.parametrize("path", PERSONAL_EXAMPLES)
def test_personal_paths_are_recognised(path):
    assert precache.is_personal(path)


def test_no_personal_data_route_is_ever_precached(app):
    pre = precache.build(app)
    assert not [u for u in pre.urls if precache.is_personal(u)]
    # Every route of the app that serves a receipt, a complaint, the API or
    # the console (by its rule) is recognised as personal by the worker too.
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<[^>]*>", "X", rule.rule)
        if re.search(r"^/(api|petugas)|/api/|tanda-terima|^/lacak/X", path):
            assert precache.is_personal(path), rule.rule
            assert path not in pre.urls
    # The worker refuses the same paths (its patterns come from here).
    assert tuple(pre.for_worker()["personal"]) == precache.PERSONAL_PATTERNS


def test_a_personal_shell_page_is_refused(app, monkeypatch):
    monkeypatch.setattr(precache, "SHELL_PAGES", ("/lapor/", "/lacak/0101-26-00042-8"))
    with pytest.raises(ValueError):
        precache.build(app)


def test_shell_pages_are_precached_without_the_session(app, flow):
    """A citizen's draft in progress changes nothing in the shell: the pages
    are rendered without cookies even when that citizen's request asks for /sw.js."""
    app.config["PWA_VERSION_TTL_SECONDS"] = 0
    try:
        anonymous = worker_config(app.test_client().get("/sw.js").get_data(as_text=True))
        flow.at("/lapor").fill_all()
        mine = worker_config(flow.client.get("/sw.js").get_data(as_text=True))
        assert mine == anonymous
        pages = precache.render_pages(app)
        assert {"/lapor/", "/lapor/?lang=en", "/kanal?lang=en", "/luring?lang=en"} <= set(pages)  # every copy
        for path, body in pages.items():
            for secret in ("Siti Rahayu", "0812-3456-7890", "3174011234567890", "Lubang besar"):
                assert secret.encode() not in body, (path, secret)
    finally:
        app.config["PWA_VERSION_TTL_SECONDS"] = 60


def test_version_is_stable_and_follows_the_content(app, monkeypatch, tmp_path):
    first = precache.build(app)
    assert precache.build(app).version == first.version  # CSRF tokens do not count
    app.config["PWA_SHELL_REVISION"] = "2"
    try:
        assert precache.build(app).version != first.version
    finally:
        app.config["PWA_SHELL_REVISION"] = ""
    # One changed byte in one static file: a new version.
    copy = tmp_path / "static"
    shutil.copytree(precache.STATIC, copy)
    monkeypatch.setattr(precache, "STATIC", copy)
    assert precache.build(app).version == first.version
    css = copy / "css" / "app.css"
    css.write_text(css.read_text() + "\n.changed { color: red; }\n")  # not a comment: minified away
    assert precache.build(app).version != first.version


def test_current_is_rebuilt_when_the_revision_changes(app):
    one = precache.current(app)
    assert precache.current(app) is one
    app.config["PWA_SHELL_REVISION"] = "next"
    try:
        assert precache.current(app).version != one.version
    finally:
        app.config["PWA_SHELL_REVISION"] = ""


def test_offline_page(client):
    resp = client.get("/luring")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Tidak ada koneksi internet" in html
    assert 'href="/lapor/"' in html and 'href="/laporan-saya"' in html


# --- compression and cache headers -------------------------------------------

@pytest.mark.parametrize("algo,decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_static_text_is_compressed(client, algo, decode):
    raw = (precache.STATIC / "css" / "app.css").read_bytes()
    minified = delivery.served_bytes("css/app.css", raw)
    resp = client.get("/static/css/app.css", headers={"Accept-Encoding": algo})
    assert resp.headers["Content-Encoding"] == algo
    assert "Accept-Encoding" in resp.headers["Vary"]
    body = resp.get_data()
    assert decode(body) == minified and len(body) < len(raw) / 3
    assert resp.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/css/app.css", headers={"Accept-Encoding": algo, "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_brotli_preferred_and_identity_respected(client):
    assert client.get("/static/js/app.js", headers={"Accept-Encoding": "gzip, deflate, br"}).headers[
        "Content-Encoding"] == "br"
    plain = client.get("/static/js/app.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data() == delivery.served_bytes("js/app.js", (precache.STATIC / "js" / "app.js").read_bytes())


def test_binary_static_files_are_not_recompressed(client):
    resp = client.get("/static/vendor/plus-jakarta-sans-variable/plus-jakarta-sans-core-wght-normal.woff2",
                      headers={"Accept-Encoding": "br, gzip"})
    assert resp.status_code == 200 and "Content-Encoding" not in resp.headers


def test_versioned_file_names_are_cached_for_a_year(client):
    resp = client.get("/static/vendor/htmx/htmx-2.0.11.min.js", headers={"Accept-Encoding": "br"})
    cc = resp.headers["Cache-Control"]
    assert "immutable" in cc and "max-age=31536000" in cc and "no-cache" not in cc


def test_pages_are_compressed_and_still_never_stored(client):
    resp = client.get("/lapor/", headers={"Accept-Encoding": "br, gzip"})
    assert resp.headers["Content-Encoding"] == "br"
    assert resp.headers["Cache-Control"] == "no-store"
    assert b"<!doctype html>" in brotli.decompress(resp.get_data())
    assert client.get("/manifest.webmanifest", headers={"Accept-Encoding": "gzip"}).headers.get(
        "Content-Encoding") == "gzip"


def test_version_does_not_follow_the_clock(app, monkeypatch):
    """The channels page says whether the office is open now: that line does
    not enter the version (or phones would be offered an update twice a day)."""
    from datetime import datetime, timezone

    from kiosk.channels import content

    real = content.hours_view
    versions = set()
    for hour in (1, 10):  # 08.00 and 17.00 WIB on a Monday: open, then closed
        at = datetime(2026, 11, 30, hour, 0, tzinfo=timezone.utc)
        monkeypatch.setattr(content, "hours_view", lambda office, now=None, at=at: real(office, at))
        pages = precache.render_pages(app)
        versions.add(precache.build(app).version)
    assert b"channel__hours-now" not in pages["/kanal"]
    assert len(versions) == 1
