"""Kiosk devices on the kiosk side: the paired-device check every kiosk page
passes, the out-of-service page, pairing, heartbeat and assisted mode.

A paired kiosk answers only the device that holds its token (a long-lived
HttpOnly cookie scoped to /k/<code>/). An unpaired kiosk answers anyone
unless KIOSK_REQUIRE_PAIRING is set (production), so the demo kiosks of
`flask seed` keep working with `make run`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, make_response, render_template, request, session

from backend import auth, kiosks
from backend.extensions import db
from backend.models import Kiosk, User, utcnow

COOKIE = "kios_perangkat"


def _assist_key(kiosk: Kiosk) -> str:
    return f"assist:kiosk:{kiosk.code}"


def check(kiosk: Kiosk) -> None:
    """Abort with the right page when this request may not use the kiosk."""
    if not device_allowed(kiosk):
        from kiosk.console.forms import PairForm

        abort(make_response(render_template("devices/pair.html", kiosk=kiosk, form=PairForm(), unpaired=True), 403))
    if not kiosk.active:
        response = make_response(render_template("devices/out_of_service.html", kiosk=kiosk), 503)
        if request.headers.get("HX-Request"):
            # Mid-flow, htmx would not swap a 503 in (it shows the "try
            # again" notice): the whole page, which the browser shows as it is.
            response.headers["HX-Refresh"] = "true"
        abort(response)


HELP_CALLED = "help_call"  # session key: the id of the call this citizen made or joined (views.call_officer)


def my_help(kiosk: Kiosk | None) -> kiosks.HelpState | None:
    """The call this citizen made at this kiosk, if it is still open: waiting, or an officer on the way."""
    call_id = session.get(HELP_CALLED)
    if kiosk is None or not isinstance(call_id, int) or isinstance(call_id, bool) or not 0 < call_id < 2**63:
        return None  # not a call's id (a BIGINT): nothing to look up
    return kiosks.help_state(kiosk, call_id)


def idle_seconds(kiosk: Kiosk | None) -> int:
    """How long a kiosk screen waits for a touch before its idle warning: longer
    while this citizen waits for the officer they called, so that their answers
    are still there when the officer comes."""
    if my_help(kiosk) is not None:
        return max(current_app.config["KIOSK_HELP_IDLE_SECONDS"], current_app.config["KIOSK_IDLE_SECONDS"])
    return current_app.config["KIOSK_IDLE_SECONDS"]


def device_allowed(kiosk: Kiosk) -> bool:
    if kiosks.is_paired(kiosk):
        return kiosks.device_matches(kiosk, request.cookies.get(COOKIE))
    return not current_app.config["KIOSK_REQUIRE_PAIRING"]


def set_device_cookie(response, kiosk: Kiosk, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=5 * 365 * 24 * 3600, path=f"/k/{kiosk.code}/", httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


# --- assisted mode ----------------------------------------------------------

def start_assist(kiosk: Kiosk, user: User) -> None:
    until = utcnow() + timedelta(minutes=current_app.config["KIOSK_ASSIST_MINUTES"])
    session[_assist_key(kiosk)] = {"user": user.id, "until": until.isoformat()}


def end_assist(kiosk: Kiosk) -> None:
    session.pop(_assist_key(kiosk), None)


def assisting_officer(kiosk: Kiosk | None) -> User | None:
    """The officer who switched this kiosk into assisted mode, while it lasts."""
    if kiosk is None:
        return None
    state = session.get(_assist_key(kiosk))
    if not state:
        return None
    try:
        until = datetime.fromisoformat(state["until"])
        user = db.session.get(User, int(state["user"]))
    except (KeyError, TypeError, ValueError):
        user, until = None, None
    if user is None or until is None or until < utcnow() or not auth.may_use_kiosk(user, kiosk):
        end_assist(kiosk)
        return None
    return user


def after_submit(kiosk: Kiosk | None, officer: User | None, result) -> None:
    """Assisted mode lasts one complaint: the kiosk is self-service again after the receipt."""
    if kiosk is None or officer is None:
        return
    end_assist(kiosk)
    if not result.replayed:
        auth.audit_now("intake", user=officer, complaint_number=result.complaint.number,
                       detail=f"channel desk, kiosk {kiosk.code}")


def register(app) -> None:
    from flask import g

    from kiosk.devices.views import bp

    app.register_blueprint(bp, url_prefix="/k/<kiosk_code>")
    app.jinja_env.globals["kiosk_assist"] = lambda: assisting_officer(g.get("kiosk"))
    app.jinja_env.globals["kiosk_help"] = lambda: my_help(g.get("kiosk"))
    app.jinja_env.globals["kiosk_idle_seconds"] = lambda: idle_seconds(g.get("kiosk"))
    # A kiosk that takes citizens now (not out of service, the paired device): where "call an officer" can go through.
    app.jinja_env.globals["kiosk_serving"] = lambda: (g.get("kiosk") is not None and g.kiosk.active
                                                      and device_allowed(g.kiosk))
