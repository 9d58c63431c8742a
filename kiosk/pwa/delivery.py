"""Minification, compression and headers of static files.

- Dynamic text responses (pages, fragments, JSON, the manifest, /sw.js):
  Flask-Compress, brotli (quality 4: fast enough per request) or gzip.
- Static JavaScript and CSS: minified (rjsmin, rcssmin) before anything else,
  so every client gets the same minified bytes, compressed or not, and the
  worker's precache hashes them (`served_bytes`, kiosk/pwa/precache.py).
  Not minified: `*.min.*` and vendored scripts (shipped as their authors
  published them; idb-keyval's is minified already). rjsmin handles our
  modern syntax (async/await, regex literals, optional chaining, template
  literals as long as they are not nested: `${`...`}` inside a template is not
  supported); tests/kiosk/test_static_delivery.py checks every file with
  `node --check`.
- Static text files: compressed once per file version at the best levels
  (brotli 11, gzip 9) and kept in memory, since the same bytes go to every
  client. Flask-Compress would recompress them on every request.
- Static cache headers: `no-cache` with an ETag (a revalidation is one small
  304) for files whose name does not change with their content; a year and
  `immutable` for files named after their version (htmx-2.0.11.min.js).
  Installed apps get static files from the worker.
- Lean static headers (bytes count: a first load fetches a dozen files):
  no Content-Disposition (send_file's `inline; filename=...` tells a browser
  nothing for a script, a style sheet or a font). On minified or compressed
  files, whose bytes are not the file's: the ETag is a hash of the minified
  bytes (per encoding), no Last-Modified (the ETag is the validator; browsers
  send If-None-Match when they have one) and no ranges (a range would be of
  the file on disk, not of what a 200 sends). The document-only headers
  (CSP and co.) are left off in kiosk/security.py.
- One Date header: werkzeug's make_conditional (send_file, Flask-Compress)
  adds one to the response; werkzeug's development server (`flask run`, the
  browser tests' live server) sends its own and then that one: there the
  application's copy is dropped (any response). gunicorn sends only its own.
- No Vary: Accept-Encoding (Flask-Compress's) on static fonts and images.
"""
from __future__ import annotations

import gzip
import hashlib
import re
import threading
from functools import lru_cache

import brotli
import rcssmin
import rjsmin
from flask import Flask, request
from flask_compress import Compress

COMPRESSIBLE = {
    "text/css", "text/javascript", "application/javascript", "application/json",
    "application/manifest+json", "image/svg+xml", "text/plain", "text/html",
}
VERSIONED_NAME = re.compile(r"-\d+\.\d+\.\d+[^/]*$")
YEAR = 365 * 24 * 3600
# WSGI servers that send a Date of their own and the application's too
# (werkzeug's development server: http.server's send_response, then every
# header of the response). gunicorn drops the application's Date itself.
SERVERS_WITH_DATE = ("Werkzeug/",)

_lock = threading.Lock()
_static_cache: dict[tuple, tuple[bytes, str]] = {}


def is_static_endpoint(endpoint: str | None) -> bool:
    endpoint = endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def minifier(filename: str):
    """The minifier for a static file (path relative to its static folder), or None."""
    name = filename.rsplit("/", 1)[-1].lower()
    if ".min." in name:
        return None
    if name.endswith(".js"):
        return None if filename.startswith("vendor/") or "/vendor/" in filename else rjsmin.jsmin
    if name.endswith(".css"):
        return rcssmin.cssmin
    return None


@lru_cache(maxsize=64)
def served_bytes(filename: str, data: bytes) -> bytes:
    """What every client gets for a static file with these bytes on disk."""
    minify = minifier(filename)
    return minify(data) if minify else data


def _accepted(header: str) -> str | None:
    """br if the client takes it, else gzip, else None (q=0 means refused)."""
    offered = {}
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        offered[name.strip()] = q
    for algo in ("br", "gzip"):
        if offered.get(algo, offered.get("*", 0)) > 0:
            return algo
    return None


def _compress(data: bytes, algo: str) -> bytes:
    if algo == "br":
        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


def _cached(key: tuple, make) -> tuple[bytes, str]:
    with _lock:
        hit = _static_cache.get(key)
    if hit is None:
        hit = make()
        with _lock:
            if len(_static_cache) > 512:  # many deploys in one process: start afresh
                _static_cache.clear()
            _static_cache[key] = hit
    return hit


def _no_ranges_on_minified() -> None:
    # Minified files are served whole: a range would be counted in the file
    # on disk (send_file's), not in the minified bytes a 200 sends.
    if is_static_endpoint(request.endpoint) and minifier((request.view_args or {}).get("filename", "")):
        request.environ.pop("HTTP_RANGE", None)


def _static_response(response):
    if not is_static_endpoint(request.endpoint):
        return response
    response.headers.pop("Content-Disposition", None)
    endpoint = request.endpoint
    filename = (request.view_args or {}).get("filename", "")
    if response.status_code == 200 and VERSIONED_NAME.search(filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.expires = None
    if response.status_code != 200 or response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")
    algo = _accepted(request.headers.get("Accept-Encoding", ""))
    minify = minifier(filename)
    if algo is None and minify is None:
        return response  # the file as it is on disk, with its own validators
    file_etag, weak = response.get_etag()
    version = (endpoint, filename, file_etag)

    def identity() -> tuple[bytes, str]:
        response.direct_passthrough = False
        data = served_bytes(filename, response.get_data())
        return data, hashlib.sha256(data).hexdigest()[:20]

    if file_etag is None:  # no version to key a cache on (not with send_file's defaults)
        body, tag = identity()
        if algo:
            body = _compress(body, algo)
    else:
        body, tag = _cached(version, identity)
        if algo:
            body, _ = _cached(version + (algo,), lambda: (_compress(body, algo), ""))
    response.close()  # the file (already read on a cache miss)
    response.direct_passthrough = False
    response.set_data(body)
    if algo:
        response.headers["Content-Encoding"] = algo
    response.set_etag(f"{tag}:{algo}" if algo else tag, weak=weak)
    response.headers.pop("Last-Modified", None)
    response.headers.pop("Accept-Ranges", None)
    response.make_conditional(request)
    return response


def _last_headers(response):
    if request.environ.get("SERVER_SOFTWARE", "").startswith(SERVERS_WITH_DATE):
        response.headers.pop("Date", None)
    if is_static_endpoint(request.endpoint) and response.mimetype not in COMPRESSIBLE:
        # Flask-Compress adds Vary: Accept-Encoding to every response; a font
        # or an image is the same bytes whatever the client accepts.
        response.vary.discard("Accept-Encoding")  # the header goes when nothing is left
    return response


def register(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    # Streamed responses (file downloads, exports) are left alone: static
    # files are handled below, the rest are PDFs, images and CSV streams.
    app.config.setdefault("COMPRESS_STREAMS", False)
    # Flask runs after_request hooks in reverse order of registration: this
    # one, registered before Flask-Compress, runs after it and after every
    # make_conditional that adds a Date.
    app.after_request(_last_headers)
    Compress(app)
    # Registered after Flask-Compress, so it runs before it: Flask-Compress
    # then sees the Content-Encoding and leaves static files alone.
    app.after_request(_static_response)
    app.before_request(_no_ranges_on_minified)
