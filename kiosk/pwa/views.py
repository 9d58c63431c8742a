"""/manifest.webmanifest, /sw.js (from the site root: its scope is the whole
app) and /luring, the offline page the worker shows for any other page."""
from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache

from flask import Blueprint, Response, current_app, render_template, request, url_for

from kiosk.pwa import precache

bp = Blueprint("pwa", __name__)

WORKER = precache.WORKER
STATIC = precache.STATIC

# From the palette in kiosk/static/css/app.css (--accent, --bg).
THEME_COLOR = "#0b4f6c"
BACKGROUND_COLOR = "#f2f5f7"
APP_NAME = "Kios Aduan Jakarta Selatan"

# Imported by the worker at start-up (kiosk/sw/sw.js), in this order, when
# they exist: the offline queue needs idb-keyval.
WORKER_IMPORTS = ("vendor/idb-keyval/idb-keyval.js", "js/queue.js")


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda name: url_for("static", filename=f"img/{name}")  # noqa: E731
    data = {
        "id": "/lapor/",
        "name": APP_NAME,
        "short_name": "Kios Aduan",
        "description": "Sampaikan pengaduan kepada Pemerintah Kota Administrasi Jakarta Selatan, "
                       "dapatkan nomor pengaduan, dan lacak tindak lanjutnya.",
        "lang": "id",
        "dir": "ltr",
        # ?sumber=pwa tells, in the server's logs, the installed app from the browser.
        "start_url": "/lapor/?sumber=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["government", "utilities"],
        "icons": [
            {"src": icon("app-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon("app-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": icon("app-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    resp = Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/manifest+json")
    resp.headers["Cache-Control"] = "no-cache"  # nothing personal; revalidated so a change shows at once
    return resp


@lru_cache(maxsize=4)
def _worker_source(mtime_ns: int) -> str:
    return WORKER.read_text(encoding="utf-8")


def worker_script() -> tuple[str, str]:
    """The worker's source with the precache and imports filled in; its ETag."""
    pre = precache.current(current_app._get_current_object())
    imports = [url_for("static", filename=rel) for rel in WORKER_IMPORTS if (STATIC / rel).is_file()]
    if not any(rel.endswith("queue.js") for rel in imports):
        imports = []  # idb-keyval alone serves no purpose in the worker
    src = _worker_source(WORKER.stat().st_mtime_ns)
    src = re.sub(r"/\*@PRECACHE@\*/[^\n]*;", lambda _m: json.dumps(pre.for_worker()) + ";", src, count=1)
    src = re.sub(r"/\*@IMPORTS@\*/[^\n]*;", lambda _m: json.dumps(imports) + ";", src, count=1)
    return src, hashlib.sha256(src.encode()).hexdigest()[:20]


@bp.get("/sw.js")
def service_worker():
    src, etag = worker_script()
    resp = Response(src, mimetype="text/javascript")
    # The browser must ask every time: a new version is how a deploy reaches
    # installed apps. (Chromium also caps a worker's HTTP caching at 24 h.)
    resp.headers["Cache-Control"] = "no-cache"
    resp.set_etag(etag)
    return resp.make_conditional(request)


@bp.get("/luring")
def offline():
    return render_template("pwa/offline.html", step="offline")
