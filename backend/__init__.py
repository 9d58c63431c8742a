"""Kios Aduan: the application factory (the composition root).

Only this module imports `kiosk` (the web layer); the rest of `backend`
holds configuration, models and services that know nothing of pages.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from werkzeug.routing import IntegerConverter

from backend.config import Config
from backend.extensions import JSONProvider, babel, csrf, db, htmx, limiter, migrate

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def select_locale() -> str:
    # Outside a request (CLI, relay, tests of services) messages are Indonesian.
    if not has_request_context():
        return "id"
    # `?lang=` in a page's address shows that page in that language and stores
    # nothing: the service worker keeps each shell page so in every language,
    # fetched without cookies (kiosk/pwa/precache.py). Else the person's choice.
    lang = request.args.get("lang") if request.method in ("GET", "HEAD") else None
    if lang not in ("id", "en"):
        lang = session.get("lang")
    return lang if lang in ("id", "en") else "id"


class RowIdConverter(IntegerConverter):
    """`<int:...>` in our routes is a row id: at most 2**31 - 1 (PostgreSQL's
    integer; SQLite refuses beyond 2**63 - 1 with an error of its own)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = os.environ.get("KIOS_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "kiosk" / "templates"),
        static_folder=str(ROOT / "kiosk" / "static"),
    )
    app.json = JSONProvider(app)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(Config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    limiter.init_app(app)
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        # Behind a reverse proxy every phone would otherwise share the proxy's
        # address for rate limits and login throttling.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from backend.database import configure_engine

    with app.app_context():
        configure_engine(db.engine)

    from backend import cli

    cli.register(app)

    # Before any route: an id in a URL beyond PostgreSQL's integer names no row (404, not a 500).
    app.url_map.converters["int"] = RowIdConverter
    from kiosk import pwa

    # First, so that its compression runs after every other after_request hook.
    pwa.register(app)  # /manifest.webmanifest, /sw.js, /luring; compression, static cache headers
    import kiosk

    kiosk.register(app)
    from kiosk import api

    api.register(app)  # JSON API for offline replays (/api/v1, /k/<code>/api) and receipt links (/tanda-terima)
    return app
