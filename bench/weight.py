#!/usr/bin/env python
"""Page weight: bytes over the network for the kiosk and the phone start pages,
first with a fresh browser profile, then again with the service worker warm.

    .venv/bin/python bench/weight.py            # make bench runs it
    .venv/bin/python bench/weight.py --verbose  # every request

What it does (see bench/README.md):

1. A fresh SQLite database (`flask db upgrade`, `flask seed`), the app under
   gunicorn on 127.0.0.1 (compression as in production).
2. For each start page (a demo kiosk's /k/<code>/ and the phone's /lapor/), a
   new browser context in Chromium (an empty profile: no HTTP cache, no worker):
   - **first load**: navigate, wait until the worker controls the page and
     nothing has finished loading for 1.5 s. Counted apart: the page's own
     requests (document and subresources), the worker's fetches (its precache;
     on a kiosk also its offline page), and /sw.js with the scripts it imports;
   - **repeat load**: navigate to the same page again (same context) and count
     what still goes over the network: the document (pages are network-first:
     they carry the session), API calls the page makes, and static files (the
     target: none).
   The page's bytes are Chromium's `encodedDataLength` (CDP
   Network.loadingFinished: response headers + compressed body as received);
   a response from the worker or the HTTP cache counts 0. The worker's own
   requests (reported by Playwright; its `request.sizes()` never returns for
   some of them) count their header block + Content-Length (the compressed
   body: the app sets it on every compressed and static response).
3. A report per page and the targets: first load <= 60 KB (the page's own
   requests; the precache, downloaded in the background after the page has
   loaded, is printed beside it), repeat load 0 bytes of static files.

Exit status: 0 whatever the figures, 1 if a page failed to load or the worker
did not take control, 2 if the set-up failed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

from bench._support import HOST, BackgroundServer, SetupError, free_port  # noqa: E402

KIOSK = "/k/tebet-timur/"  # a demo kiosk (backend/seed.py); unpaired demo kiosks answer any device
PHONE = "/lapor/"
FIRST_LOAD_TARGET = 60 * 1024
CHROMIUM = os.environ.get("KIOS_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Hit:
    url: str
    kind: str          # document, stylesheet, script, font, image, fetch...
    origin: str        # "page" or "worker"
    status: int
    network: int       # bytes over the network (0: from a cache)
    source: str        # network, worker cache, http cache


@dataclass
class Load:
    hits: list[Hit] = field(default_factory=list)

    def total(self, origin: str | None = None, static_only: bool = False) -> int:
        return sum(h.network for h in self.hits
                   if (origin is None or h.origin == origin) and (not static_only or is_static(h.url)))

    def count(self, origin: str | None = None) -> int:
        return sum(1 for h in self.hits if h.network and (origin is None or h.origin == origin))


def is_static(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith(("/static/", "/printing/static/"))


def run(cmd: list[str], env: dict) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        raise SetupError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def start_app(tmp: Path) -> tuple[BackgroundServer, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "FLASK_", "KIOS_"))}
    env.update(FLASK_APP="backend", KIOS_INSTANCE_PATH=str(tmp / "instance"), SECRET_KEY="bench",
               DATABASE_URL=f"sqlite:///{tmp / 'weight.sqlite3'}", PYTHONDONTWRITEBYTECODE="1")
    run([str(BIN / "flask"), "db", "upgrade"], env)
    run([str(BIN / "flask"), "seed", "--demo-complaints", "0"], env)  # kiosks, no demo history
    port = free_port()
    server = BackgroundServer("gunicorn", tmp / "gunicorn.log")
    server.launch([str(BIN / "gunicorn"), "--workers", "1", "--threads", "8", "--bind", f"{HOST}:{port}",
                   "--graceful-timeout", "5", "--access-logfile", "-",
                   "--access-logformat", "%(m)s %(U)s %(s)s %(B)s", "backend:create_app()"], env, f"http://{HOST}:{port}/healthz")
    return server, f"http://{HOST}:{port}"


class PageNetwork:
    """The page's requests from CDP: Network.responseReceived says where a
    response came from, Network.loadingFinished its encodedDataLength
    (headers + compressed body as received)."""

    def __init__(self, context, page):
        self.responses: dict[str, dict] = {}
        self.finished: dict[str, int] = {}
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.responseReceived", lambda e: self.responses.__setitem__(e["requestId"], e))
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.finished.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        self.cdp.send("Network.enable")

    def drain(self, load: Load) -> None:
        for rid, e in list(self.responses.items()):
            if rid not in self.finished:
                continue
            r = e["response"]
            cached = r.get("fromServiceWorker") or r.get("fromDiskCache") or r.get("fromPrefetchCache")
            source = "worker" if r.get("fromServiceWorker") else "http cache" if cached else "network"
            load.hits.append(Hit(r["url"], e.get("type", "").lower(), "page", r["status"],
                                 0 if cached else self.finished[rid], source))
            del self.responses[rid]
            del self.finished[rid]


def worker_fetches(context, pending: list) -> None:
    """The worker's own requests (Playwright reports them in Chromium)."""
    context.on("requestfinished", lambda request: pending.append(request) if request.service_worker else None)


class ServerLog:
    """gunicorn's access log ("GET /path status bytes"): which requests really
    reached the server. A worker fetch that Chromium answered from its HTTP
    cache is reported like any other, so this decides what it cost."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0

    def since_last(self) -> Counter:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
            self.offset = fh.tell()
        seen = Counter()
        for line in data.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "GET":
                seen[parts[1]] += 1
        return seen


def settle_worker(pending: list, load: Load, served: Counter) -> None:
    """A worker fetch's bytes: its compressed body (Content-Length, which the
    app sets on every compressed or static response) plus its header block,
    if the server answered it (`served`: the access log minus the page's own
    requests); else 0. (Playwright's request.sizes() never returns for some
    worker requests.)"""
    for h in load.hits:
        if h.origin == "page" and h.source == "network":
            served[urlsplit(h.url).path] -= 1
    for request in pending:
        response = request.response()
        if response is None:
            continue
        path = urlsplit(request.url).path
        # The worker's script and its importScripts are fetched for the registration;
        # its fetch() calls are the precache (and, on a kiosk, its offline page).
        registration = path == "/sw.js" or (request.resource_type == "other" and is_static(request.url))
        origin = "registration" if registration else "worker"
        if response.from_service_worker or served[path] <= 0:
            load.hits.append(Hit(request.url, request.resource_type, origin, response.status, 0, "http cache"))
            continue
        served[path] -= 1
        headers = response.headers
        body = int(headers.get("content-length", "0") or 0)
        head = len(f"HTTP/1.1 {response.status} OK\r\n\r\n") + sum(len(k) + len(v) + 4 for k, v in headers.items())
        load.hits.append(Hit(request.url, request.resource_type, origin, response.status, head + body, "network"))
    pending.clear()


def quiet(page, net: PageNetwork, pending: list, still_ms: int = 1500, limit_ms: int = 20_000) -> None:
    """Wait until no request has finished for `still_ms` (a kiosk page polls
    now and then, so Playwright's "networkidle" may never come)."""
    waited, seen = 0, -1
    while waited < limit_ms:
        now = len(pending) + len(net.finished)
        if now == seen:
            return
        seen = now
        page.wait_for_timeout(still_ms)
        waited += still_ms


def measure(pw, base: str, path: str, log: ServerLog, verbose: bool) -> tuple[Load, Load, Load, list[str]]:
    problems: list[str] = []
    browser = pw.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--no-first-run", "--disable-sync"])
    # A new context is a fresh, empty profile (no HTTP cache, no worker, no storage).
    context = browser.new_context(
        base_url=base, viewport={"width": 1280, "height": 800} if path.startswith("/k/") else {"width": 360, "height": 740})
    first, repeat = Load(), Load()
    pending: list = []
    try:
        worker_fetches(context, pending)
        log.since_last()
        page = context.new_page()
        net = PageNetwork(context, page)
        response = page.goto(path, wait_until="load")
        if not response or response.status != 200:
            problems.append(f"{path}: {response.status if response else 'no response'}")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        quiet(page, net, pending)
        net.drain(first)
        settle_worker(pending, first, log.since_last())

        page.goto(path, wait_until="load")
        if not page.evaluate("navigator.serviceWorker.controller !== null"):
            problems.append(f"{path}: the worker does not control the repeat load")
        quiet(page, net, pending)
        net.drain(repeat)
        settle_worker(pending, repeat, log.since_last())
    finally:
        browser.close()
    if verbose:
        for label, load in (("first", first), ("repeat", repeat)):
            for h in load.hits:
                print(f"    {label:<12} {h.origin:<12} {h.kind:<13} {h.status} {h.network:>7} {h.source:<12} "
                      f"{urlsplit(h.url).path}")
    return first, repeat, problems


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def report(name: str, path: str, first: Load, repeat: Load) -> None:
    page_bytes = first.total("page")
    worker_bytes = first.total("worker")
    reg_bytes = first.total("registration")
    static_repeat = repeat.total(static_only=True)
    print(f"{name} {path}")
    print(f"  first load, the page's own requests: {kb(page_bytes)} in {first.count('page')} requests "
          f"(target <= {kb(FIRST_LOAD_TARGET)}: {'met' if page_bytes <= FIRST_LOAD_TARGET else 'NOT met'})")
    print(f"  first load, the worker's precache:    {kb(worker_bytes)} in {first.count('worker')} requests, "
          f"in the background after the page loaded")
    print(f"  first load, /sw.js and its imports:   {kb(reg_bytes)} in {first.count('registration')} requests")
    print(f"  first load, everything:               {kb(page_bytes + worker_bytes + reg_bytes)}")
    print(f"  repeat load over the network:         {kb(repeat.total())} in {repeat.count()} requests "
          f"({', '.join(urlsplit(h.url).path for h in repeat.hits if h.network) or 'none'})")
    print(f"  repeat load, static files:            {static_repeat} bytes "
          f"(target 0: {'met' if static_repeat == 0 else 'NOT met'})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", action="store_true", help="print every request")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (gunicorn log, profiles)")
    args = ap.parse_args(argv)
    # SIGTERM (a timeout, Ctrl-C in a pipeline) still stops gunicorn and Chromium.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="kios-weight-"))
    server = None
    failed = False
    try:
        server, base = start_app(tmp)
        with sync_playwright() as pw:
            for name, path in (("kiosk", KIOSK), ("phone", PHONE)):
                first, repeat, problems = measure(pw, base, path, ServerLog(tmp / "gunicorn.log"), args.verbose)
                report(name, path, first, repeat)
                for p in problems:
                    print(f"  PROBLEM: {p}")
                failed |= bool(problems)
        print("Counted: Chromium's encodedDataLength (headers + compressed body) of every request that "
              "reached the network; responses from the worker's cache count 0.")
        return 1 if failed else 0
    except SetupError as exc:
        print(f"set-up failed: {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
