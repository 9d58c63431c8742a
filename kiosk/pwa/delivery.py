"""Compression and cache headers.

- Dynamic text responses (pages, fragments, JSON, the manifest, /sw.js):
  Flask-Compress, brotli (quality 4: fast enough per request) or gzip.
- Static text files: compressed once per file version at the best levels
  (brotli 11, gzip 9) and kept in memory, since the same bytes go to every
  client. Flask-Compress would recompress them on every request.
- Static cache headers: `no-cache` with ETag/Last-Modified (a revalidation is
  one small 304) for files whose name does not change with their content;
  a year and `immutable` for files named after their version
  (htmx-2.0.11.min.js). Installed apps get static files from the worker.
"""
from __future__ import annotations

import gzip
import re
import threading

import brotli
from flask import Flask, request
from flask_compress import Compress

COMPRESSIBLE = {
    "text/css", "text/javascript", "application/javascript", "application/json",
    "application/manifest+json", "image/svg+xml", "text/plain", "text/html",
}
VERSIONED_NAME = re.compile(r"-\d+\.\d+\.\d+[^/]*$")
YEAR = 365 * 24 * 3600

_lock = threading.Lock()
_static_cache: dict[tuple, bytes] = {}


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


def _static_response(response):
    endpoint = request.endpoint or ""
    if not (endpoint == "static" or endpoint.endswith(".static")):
        return response
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
    if algo is None:
        return response
    etag, weak = response.get_etag()
    key = (endpoint, filename, etag, algo)
    with _lock:
        body = _static_cache.get(key)
    if body is None:
        response.direct_passthrough = False
        body = _compress(response.get_data(), algo)
        with _lock:
            if len(_static_cache) > 512:  # many deploys in one process: start afresh
                _static_cache.clear()
            _static_cache[key] = body
    else:
        response.close()
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = algo
    if etag:
        response.set_etag(f"{etag}:{algo}", weak=weak)
    response.make_conditional(request)
    return response


def register(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    # Streamed responses (file downloads, exports) are left alone: static
    # files are handled below, the rest are PDFs, images and CSV streams.
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
    # Registered after Flask-Compress, so it runs before it (Flask runs
    # after_request hooks in reverse): Flask-Compress then sees the
    # Content-Encoding and leaves static files alone.
    app.after_request(_static_response)
