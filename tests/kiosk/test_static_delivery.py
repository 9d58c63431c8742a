"""Static files on the way out (kiosk/pwa/delivery.py, kiosk/security.py):
scripts and style sheets minified, then compressed; lean headers on static
files, the document headers (CSP and co.) on pages and the worker; one Date."""
from __future__ import annotations

import gzip
import hashlib
import http.client
import shutil
import subprocess
from urllib.parse import urlsplit

import brotli
import pytest

from kiosk import security
from kiosk.pwa import delivery, precache

DOCUMENT_ONLY = ("Content-Security-Policy", "Permissions-Policy", "Referrer-Policy")

# (URL, file under kiosk/static, something the minified file still holds)
MINIFIED = (
    ("/static/js/pwa.js", "js/pwa.js", b"serviceWorker"),
    ("/static/js/flow.js", "js/flow.js", b"addEventListener"),
    ("/static/js/answers.js", "js/answers.js", b"KiosAnswers"),
    ("/static/js/queue.js", "js/queue.js", b"idbKeyval"),
    ("/static/css/app.css", "css/app.css", b".choice__card"),
)


def on_disk(rel: str) -> bytes:
    return (precache.STATIC / rel).read_bytes()


@pytest.mark.parametrize("url,rel,known", MINIFIED)
def test_scripts_and_style_sheets_are_minified(client, url, rel, known):
    raw = on_disk(rel)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    body = plain.get_data()
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert len(body) < len(raw) * 0.85
    assert b"/*" not in body and known in body
    assert int(plain.headers["Content-Length"]) == len(body)
    assert body == delivery.served_bytes(rel, raw)
    # Every encoding carries the same minified bytes, under an ETag of its own.
    etags = {plain.headers["ETag"]}
    for algo, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        resp = client.get(url, headers={"Accept-Encoding": algo})
        assert resp.headers["Content-Encoding"] == algo
        assert int(resp.headers["Content-Length"]) == len(resp.get_data())
        assert decode(resp.get_data()) == body
        etags.add(resp.headers["ETag"])
        again = client.get(url, headers={"Accept-Encoding": algo, "If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304 and not again.get_data()
    assert len(etags) == 3


def test_vendored_and_min_scripts_are_served_as_published(client):
    for rel in ("vendor/htmx/htmx-2.0.11.min.js", "vendor/idb-keyval/idb-keyval.js"):
        resp = client.get(f"/static/{rel}", headers={"Accept-Encoding": "identity"})
        assert resp.get_data() == on_disk(rel), rel
        assert brotli.decompress(client.get(f"/static/{rel}", headers={"Accept-Encoding": "br"}).get_data()) == on_disk(rel)


def test_minified_css_keeps_modern_rules():
    css = delivery.served_bytes("css/app.css", on_disk("css/app.css"))
    assert b"@media" in css and b"var(--" in css and b"--accent:" in css
    font = "vendor/plus-jakarta-sans-variable/plus-jakarta-sans.css"
    minified = delivery.served_bytes(font, on_disk(font))
    assert minified.count(b"@font-face{") == on_disk(font).count(b"@font-face") > 0
    assert minified.count(b"unicode-range:U+") == on_disk(font).count(b"unicode-range: U+") > 0


def test_every_minified_script_still_parses(tmp_path):
    """rjsmin does not support nested template literals (`${`...`}` inside a
    template): a file that used one would come out broken. node checks them all."""
    node = shutil.which("node")
    assert node, "Node.js parses the minified scripts: `make test` installs it (scripts/sysdeps.sh test)"
    scripts = [p for p in precache.STATIC.rglob("*.js") if delivery.minifier(p.relative_to(precache.STATIC).as_posix())]
    assert len(scripts) >= 5
    for path in scripts:
        out = tmp_path / path.name
        out.write_bytes(delivery.served_bytes(path.relative_to(precache.STATIC).as_posix(), path.read_bytes()))
        check = subprocess.run([node, "--check", str(out)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, f"{path.name} minified: {check.stderr}"


def test_lean_headers_on_static_files(client):
    resp = client.get("/static/js/pwa.js", headers={"Accept-Encoding": "br"})
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for name in DOCUMENT_ONLY + ("Content-Disposition", "Last-Modified", "Accept-Ranges"):
        assert name not in resp.headers, name
    assert resp.headers["Cache-Control"] == "no-cache" and resp.headers["Vary"] == "Accept-Encoding"
    assert len(resp.headers.getlist("Date")) == 1
    woff2 = sorted(precache.STATIC.glob("vendor/plus-jakarta-sans-variable/*.woff2"))[0]
    font = client.get(f"/static/{woff2.relative_to(precache.STATIC).as_posix()}", headers={"Accept-Encoding": "br"})
    assert font.status_code == 200 and font.headers["X-Content-Type-Options"] == "nosniff"
    for name in DOCUMENT_ONLY + ("Content-Disposition", "Vary"):
        assert name not in font.headers, name
    assert font.headers["ETag"] and font.headers["Cache-Control"] == "no-cache"
    icon = client.get("/static/img/favicon.svg", headers={"Accept-Encoding": "br"})
    assert icon.status_code == 200 and icon.headers["X-Content-Type-Options"] == "nosniff"
    for name in DOCUMENT_ONLY + ("Content-Disposition",):
        assert name not in icon.headers, name


def test_a_range_of_a_minified_file_is_the_whole_file(client):
    resp = client.get("/static/js/pwa.js", headers={"Range": "bytes=0-9", "Accept-Encoding": "identity"})
    assert resp.status_code == 200 and resp.get_data() == delivery.served_bytes("js/pwa.js", on_disk("js/pwa.js"))


def test_documents_and_the_worker_keep_the_document_headers(client):
    for url in ("/lapor/", "/sw.js", "/kanal"):
        resp = client.get(url, headers={"Accept-Encoding": "br"})
        assert resp.status_code == 200, url
        assert resp.headers["Content-Security-Policy"] == security.CSP, url
        assert resp.headers["Permissions-Policy"] == security.PERMISSIONS_POLICY, url
        assert resp.headers["Referrer-Policy"] == "same-origin", url
        assert resp.headers["X-Content-Type-Options"] == "nosniff", url
        assert len(resp.headers.getlist("Date")) == 1, url


def test_no_date_of_the_app_under_the_development_server(client):
    """werkzeug's server sends its own Date and then the application's;
    gunicorn drops the application's (it counts Date among hop-by-hop headers)."""
    for url in ("/static/js/pwa.js", "/lapor/"):
        resp = client.get(url, headers={"Accept-Encoding": "br"}, environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.9"})
        assert "Date" not in resp.headers, url
        resp = client.get(url, headers={"Accept-Encoding": "br"}, environ_base={"SERVER_SOFTWARE": "gunicorn/23.0.0"})
        assert len(resp.headers.getlist("Date")) == 1, url


def test_one_date_over_the_wire(live_server):
    host = urlsplit(live_server)
    for url in ("/static/js/pwa.js", "/static/css/app.css", "/lapor/"):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        try:
            conn.request("GET", url, headers={"Accept-Encoding": "br"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200, url
            assert len(resp.msg.get_all("Date")) == 1, url
        finally:
            conn.close()


def test_precache_hashes_the_bytes_served(app, client):
    """The worker fetches static files with their SRI hash: it must be the
    hash of the minified bytes."""
    for entry in precache.build(app).entries:
        if entry.kind != "static" or not entry.url.endswith((".js", ".css")):
            continue
        body = client.get(entry.url, headers={"Accept-Encoding": "identity"}).get_data()
        assert hashlib.sha256(body).hexdigest() == entry.sha256, entry.url


def test_version_follows_the_served_bytes(app, monkeypatch, tmp_path):
    first = precache.build(app)
    copy = tmp_path / "static"
    shutil.copytree(precache.STATIC, copy)
    monkeypatch.setattr(precache, "STATIC", copy)
    js = copy / "js" / "pwa.js"
    js.write_text(js.read_text() + "\n// a comment changes nothing that is served\n")
    assert precache.build(app).version == first.version
    js.write_text(js.read_text() + "\nconsole.debug('changed');\n")
    assert precache.build(app).version != first.version
