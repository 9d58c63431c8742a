"""The progressive web app: kiosk and phone intake, tracking, front page.

`register(app)` is called by the application factory; it adds the blueprints,
template helpers, security headers and error pages.
"""
from __future__ import annotations

from flask import Flask

from kiosk import errors, helpers, security


def register(app: Flask) -> None:
    from kiosk.intake.views import bp as intake_bp
    from kiosk.main.views import bp as main_bp
    from kiosk.tracking.views import bp as tracking_bp

    app.register_blueprint(main_bp)
    # One intake flow, mounted twice: at a registered kiosk (bound to its
    # office) and on phones. Views tell them apart through `g.kiosk`.
    app.register_blueprint(intake_bp, url_prefix="/k/<kiosk_code>", name="kiosk")
    app.register_blueprint(intake_bp, url_prefix="/lapor", name="phone")
    app.register_blueprint(tracking_bp)
    from kiosk.handoff.views import bp as handoff_bp

    app.register_blueprint(handoff_bp)  # /foto-kios/<token>: a kiosk report's photo, from the citizen's phone

    from kiosk import receipts

    receipts.register(app)  # the receipt template and stylesheet from printing/; `flask receipt print`

    from kiosk import console, devices

    devices.register(app)  # /k/<code>/pasang, /detak, /bantuan: pairing, heartbeat, assisted mode
    console.register(app)  # /petugas: the officer console

    from kiosk import channels

    channels.register(app)  # /kanal: the official complaint channels; posters; the kiosk attract screen

    helpers.register(app)
    security.register(app)
    errors.register(app)
