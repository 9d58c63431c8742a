"""The progressive web app's delivery: web app manifest, service worker,
offline page, compression and static cache headers (kiosk/sw/README.md).

`register(app)` is called by the application factory before the other
blueprints, so that compression runs after every other after_request hook.
"""
from __future__ import annotations

from flask import Flask

from kiosk.pwa import delivery
from kiosk.pwa.views import bp


def register(app: Flask) -> None:
    delivery.register(app)
    app.register_blueprint(bp)
