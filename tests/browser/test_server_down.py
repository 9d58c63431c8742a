"""A kiosk whose server is down behind its gateway, in real Chromium: the
network works, but nginx answers 502 (gunicorn stopped) or the app answers
503 "for a moment" (its database is down). The kiosk carries on offline as
when the network is cut; a kiosk taken out of service says so instead."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Kiosk
from tests.browser.test_intake_browser import start_to_location
from tests.browser.test_offline import CARRIED, KIOSK, kiosk_ready, shot, watch_errors

BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"


class Gateway:
    """A real HTTP server in front of the live app, as nginx is in production:
    it passes every request to the app or, while `down` holds a status, answers
    with it: 502 as nginx with gunicorn stopped, 503 with Retry-After as the
    app itself with its database down (kiosk/errors.py)."""

    def __init__(self, app):
        self.app = app
        self.down: int | None = None
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __call__(self, environ, start_response):
        if self.down == 502:
            return Response(BAD_GATEWAY, 502, content_type="text/html")(environ, start_response)
        if self.down == 503:
            return Response("<h1>Layanan tidak dapat dihubungi sebentar</h1>", 503, content_type="text/html",
                            headers={"Retry-After": "30"})(environ, start_response)
        return self.app(environ, start_response)

    def close(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def gateway(live_app, live_server):
    gw = Gateway(live_app)
    yield gw
    gw.close()


@pytest.fixture
def kiosk_device(browser_type, browser_type_launch_args, gateway, tmp_path):
    """A kiosk with a real profile (the service worker in control), behind the gateway."""
    context = browser_type.launch_persistent_context(str(tmp_path / "profile"), base_url=gateway.url,
                                                     **browser_type_launch_args, **KIOSK)
    page = context.pages[0] if context.pages else context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("status", [502, 503])
def test_kiosk_carries_on_offline_when_its_server_is_down(kiosk_device, gateway, artifacts, status):
    page = kiosk_device
    errors = watch_errors(page)
    kiosk_ready(page)
    start_to_location(page)
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Kenanga No. 9")

    # gunicorn stops (nginx answers 502), or the database (the app answers 503
    # with Retry-After), as the citizen goes on; the network itself works.
    gateway.down = status
    page.get_by_role("button", name="Lanjut").click()
    # The offline shell (the worker answers the 5xx of its own page with the copy it keeps).
    expect(page.locator("[data-step=description]")).to_be_visible()
    assert page.url.endswith("/k/tebet-timur/luring/#description")
    expect(page.locator("[data-carried]")).to_contain_text("jawaban Anda masih tersimpan")
    assert page.evaluate(CARRIED) is None  # taken into the page
    shot(page, artifacts, f"1-luring-setelah-{status}")
    # Any kiosk page asked for while the gateway is down: the shell, not nginx's page.
    page.goto("/k/tebet-timur/kategori")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert "Bad Gateway" not in page.content() and "sebentar" not in page.content()
    gateway.down = None
    assert errors == []


def set_active(live_app, active: bool) -> None:
    # One write transaction from its start (the app's own way): a read first
    # and a write after would meet the live server's heartbeat writes with
    # SQLite's "database is locked" rather than wait for them.
    with live_app.app_context(), immediate_transaction():
        db.session.execute(update(Kiosk).where(Kiosk.code == "tebet-timur").values(active=active))


def test_a_kiosk_taken_out_of_service_mid_flow_says_so_and_does_not_go_offline(kiosk_device, live_app, gateway):
    page = kiosk_device
    kiosk_ready(page)
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    set_active(live_app, False)
    try:
        page.get_by_role("button", name="Lanjut").click()
        # Its own page (503 without Retry-After), in place of the flow: not the offline shell.
        expect(page.locator("h1")).to_contain_text("Kios ini sedang tidak melayani")
        assert "/luring/" not in page.url
    finally:
        set_active(live_app, True)
