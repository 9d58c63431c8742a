"""The officer console under /petugas: queue, complaint detail, assisted
intake, CRM delivery, kiosks, duty roster and the admin pages.

Every route declares one permission (`@requires`); the blueprint's guard
refuses a route that declares none. Who holds which permission, and which
offices a user may see, is decided in backend/auth.py only.
"""
from __future__ import annotations


def register(app) -> None:
    from kiosk.console import admin, channels, kiosks, monitoring, roster, views  # noqa: F401  (routes on views.bp)
    from kiosk.console.views import bp

    app.register_blueprint(bp, url_prefix="/petugas")
    roster.register_globals(app)
    _filters(app)


def _filters(app) -> None:
    from flask_babel import format_date, format_datetime

    from backend.models import utcnow
    from backend.workdays import WIB

    def wib_short(dt):
        return format_datetime(dt.astimezone(WIB), "d MMM y, HH.mm") if dt else ""

    def wib_month(day):
        return format_date(day, "MMMM y")

    def wib_weekday(day):
        return format_date(day, "EEE, d MMM y")

    app.jinja_env.filters.update(wib_short=wib_short, wib_month=wib_month, wib_weekday=wib_weekday)
    app.jinja_env.globals["now_wib"] = lambda: utcnow().astimezone(WIB)
