"""What the service worker precaches, and the version derived from it.

One place: add a shell page with one line in SHELL_PAGES; it is kept in each
of the app's languages (config LANGUAGES, see shell_urls). Static files are
discovered under kiosk/static (minus STATIC_EXCLUDE) plus EXTRA_STATIC.

The version is a hash over the bytes of every precached file and page (and
PWA_SHELL_REVISION), so a deploy that changes any of them gives /sw.js new
bytes: the browser installs a new worker, which fills a new cache named after
the version and deletes the old one on activate. No stale mix is possible.

Shell pages are rendered here without cookies, exactly as the worker fetches
them (`credentials: 'omit'`), so no session and no personal data can be in
them. CSRF tokens (random per render, useless to a cookie-less copy anyway)
and clock-dependent lines (_VOLATILE_RE) are blanked before hashing, or the
version would change on every render or with the time of day.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, url_for

from kiosk.pwa.delivery import served_bytes

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
WORKER = Path(__file__).resolve().parent.parent / "sw" / "sw.js"

# Pages the worker keeps for offline use, fetched without cookies. They must
# show nothing of a session (the other flows' pages hold a citizen's answers).
SHELL_PAGES: tuple[str, ...] = (
    "/lapor/",        # the phone flow's shell: offline, every /lapor/... navigation shows it
    "/laporan-saya",  # "my complaints", listed from the device's own storage
    "/kanal",         # the official complaint channels
    "/luring",        # the offline page for every other navigation
)

# Under kiosk/static: what no page of the public app asks for.
STATIC_EXCLUDE: tuple[str, ...] = (
    "vendor/manifest.json",
    "*/README.md",
    "*/LICENSE",
    "*/LICENCE",
    "*.woff",                 # WOFF 1 files are for WeasyPrint (receipts), browsers get woff2
    "vendor/plus-jakarta-sans/*",  # static weights: receipts and the console; the app uses the variable font
    "*-latin-*.woff2",        # latin-rest, latin-ext faces: only characters the UI never shows (the core face has them)
    "css/console.css",        # the officer console works online only
    "js/console.js",
    "icons/*.svg",            # inlined into pages by the server, never fetched by URL
    "img/app-*.png",          # the installed app's icons: the browser keeps its own copies
    "*.map",
)
# Static files of other blueprints that the shell pages link: (endpoint, filename).
EXTRA_STATIC: tuple[tuple[str, str], ...] = (("receipts.static", "receipt.css"),)

# Paths that may hold personal data: never in the precache, never stored by
# the worker (it gets these patterns too, as a second line of defence).
PERSONAL_PATTERNS: tuple[str, ...] = (
    r"^/api/",
    r"^/k/[^/]+/api/",
    r"/tanda-terima",                                        # receipts and receipt links
    r"^/lacak/.",                                            # one complaint's tracking page
    r"^/petugas",                                            # the officer console
    r"/(mulai|kategori|lokasi|kejadian|foto|identitas|periksa|kirim|cetak|selesai)\b",  # a draft's screens
    r"^/k/[^/]+/(pasang|bantuan|detak)",                     # kiosk pairing and assisted mode
)
PERSONAL_RE = re.compile("|".join(f"(?:{p})" for p in PERSONAL_PATTERNS))

_CSRF_RE = re.compile(rb'(name="csrf_token"[^>]*?value=")[^"]*(")|(value=")[^"]*("[^>]*?name="csrf_token")')
# Parts of shell pages that change with the clock, not with a deploy: left out
# of the hash, or the version (and the update toast) would follow the time of
# day. The channels page's "open now / closed, opens ..." line.
_VOLATILE_RE = re.compile(rb'<p class="channel__hours-now">.*?</p>', re.S)


@dataclass(frozen=True)
class Entry:
    url: str
    sha256: str            # hex digest of the bytes served (pages: after blanking CSRF tokens)
    integrity: str | None  # SRI string for static files, checked by the worker's fetch
    kind: str              # "page" or "static"
    size: int


@dataclass(frozen=True)
class Precache:
    version: str
    entries: tuple[Entry, ...]
    languages: tuple[str, ...] = ("id",)  # the default (the plain URLs' language) first

    @property
    def urls(self) -> list[str]:
        return [e.url for e in self.entries]

    def for_worker(self) -> dict:
        return {
            "version": self.version,
            "pages": [e.url for e in self.entries if e.kind == "page"],
            "static": [{"url": e.url, "integrity": e.integrity} for e in self.entries if e.kind == "static"],
            "personal": PERSONAL_PATTERNS,
            # The worker picks the copy of a page in a language by the same rule
            # as language_url (sw.js `variant`): it keeps kiosks' shells so too.
            "languages": list(self.languages),
        }


def is_personal(path: str) -> bool:
    return bool(PERSONAL_RE.search(path))


def static_files(root: Path = STATIC) -> list[str]:
    """Files under kiosk/static (relative, POSIX) that the app's pages may fetch."""
    out = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        if any(fnmatch.fnmatch(rel, pat) for pat in STATIC_EXCLUDE):
            continue
        out.append(rel)
    return out


def languages(app: Flask) -> tuple[str, ...]:
    """The app's languages, its default (Bahasa Indonesia) first."""
    default = app.config["BABEL_DEFAULT_LOCALE"]
    return (default, *(lang for lang in app.config["LANGUAGES"] if lang != default))


def language_url(page: str, lang: str, default: str) -> str:
    """Where the copy of a shell page in `lang` is kept: the default
    language's at the page's own URL, another at the URL its language link
    uses (`?lang=`, intake/_shell_language.html)."""
    if lang == default:
        return page
    return page + ("&" if "?" in page else "?") + urlencode({"lang": lang})


def shell_urls(app: Flask) -> list[str]:
    """Every shell page in every language of the app."""
    langs = languages(app)
    return [language_url(page, lang, langs[0]) for page in SHELL_PAGES for lang in langs]


def _digest(data: bytes) -> tuple[str, str]:
    h = hashlib.sha256(data)
    return h.hexdigest(), "sha256-" + base64.b64encode(h.digest()).decode()


def _normalise_page(body: bytes) -> bytes:
    body = _CSRF_RE.sub(lambda m: (m.group(1) or m.group(3)) + (m.group(2) or m.group(4)), body)
    return _VOLATILE_RE.sub(b"", body)


def render_pages(app: Flask) -> dict[str, bytes]:
    """The shell pages in each language as a cookie-less client gets them,
    CSRF tokens blanked."""
    out = {}
    client = app.test_client()  # a fresh client: no cookies, as with `credentials: 'omit'`
    for path in shell_urls(app):
        if is_personal(path):
            raise ValueError(f"{path} may hold personal data; it cannot be a shell page")
        # A page that is missing or broken must not break every install: the
        # rest of the shell still works offline, and the log says why.
        try:
            resp = client.get(path, headers={"Accept": "text/html"})
        except Exception:  # propagated when TESTING; a 500 otherwise
            log.exception("precache: %s failed to render; left out", path)
            continue
        if resp.status_code != 200:
            log.warning("precache: %s answers %s; left out", path, resp.status_code)
            continue
        out[path] = _normalise_page(resp.get_data())
    return out


def build(app: Flask) -> Precache:
    """Render the shell pages and read the static files; hash them all."""
    entries: list[Entry] = []
    for path, body in render_pages(app).items():
        entries.append(Entry(path, _digest(body)[0], None, "page", len(body)))

    with app.test_request_context("/"):
        files = [(url_for("static", filename=rel), rel, STATIC / rel) for rel in static_files()]
        for endpoint, filename in EXTRA_STATIC:
            bp = app.blueprints[endpoint.split(".")[0]]
            files.append((url_for(endpoint, filename=filename), filename, Path(bp.static_folder) / filename))
    for url, rel, path in files:
        # The bytes the server sends (minified scripts and style sheets): the
        # worker's fetch checks them against this hash (SRI).
        data = served_bytes(rel, path.read_bytes())
        hexd, sri = _digest(data)
        entries.append(Entry(url, hexd, sri, "static", len(data)))

    h = hashlib.sha256(f"revision:{app.config.get('PWA_SHELL_REVISION', '')}\n".encode())
    # The worker's own code too: a new worker never fills (or, failing, deletes)
    # the cache that the running one still serves from.
    h.update(b"worker " + hashlib.sha256(WORKER.read_bytes()).hexdigest().encode() + b"\n")
    for e in entries:
        h.update(f"{e.url} {e.sha256}\n".encode())
    langs = languages(app)
    h.update(f"languages {' '.join(langs)}\n".encode())
    return Precache(h.hexdigest()[:16], tuple(entries), langs)


_lock = threading.Lock()
_memo: dict[int, tuple[float, str, Precache]] = {}


def current(app: Flask) -> Precache:
    """`build(app)`, kept for PWA_VERSION_TTL_SECONDS (pages show editable data,
    e.g. the channels, so the version is looked at again now and then), and
    rebuilt at once when PWA_SHELL_REVISION changes."""
    revision = str(app.config.get("PWA_SHELL_REVISION", ""))
    ttl = float(app.config.get("PWA_VERSION_TTL_SECONDS", 60))
    with _lock:
        hit = _memo.get(id(app))
        if hit and hit[1] == revision and time.monotonic() - hit[0] < ttl:
            return hit[2]
    pre = build(app)
    with _lock:
        _memo[id(app)] = (time.monotonic(), revision, pre)
    return pre
