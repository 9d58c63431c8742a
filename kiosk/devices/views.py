"""Kiosk-side routes: pairing the device, its heartbeat, assisted mode, a citizen's call for an officer."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend import auth, drafts, kiosks
from backend.database import immediate_transaction
from backend.extensions import csrf, db
from backend.models import Kiosk
from kiosk import devices
from kiosk.console.forms import PairForm, PinForm
from kiosk.main.views import back_to

bp = Blueprint("kiosk_device", __name__)


@bp.url_value_preprocessor
def _pull_kiosk(_endpoint, values):
    code = (values or {}).pop("kiosk_code", None)
    g.kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one_or_none()
    if g.kiosk is None:
        abort(404)


@bp.url_defaults
def _push_kiosk(endpoint, values):
    if "kiosk_code" not in values and g.get("kiosk") is not None:
        values["kiosk_code"] = g.kiosk.code


@bp.route("/pasang", methods=["GET", "POST"])
def pair():
    """Typed on the kiosk itself: the one-time code from the console."""
    kiosk = g.kiosk
    form = PairForm()
    if request.method == "GET" and kiosks.is_paired(kiosk) and devices.device_allowed(kiosk):
        return render_template("devices/pair.html", kiosk=kiosk, form=form, done=True)
    status = 200
    if form.validate_on_submit():
        try:
            token = kiosks.pair(kiosk, form.code.data)
        except auth.Throttled as exc:
            form.code.errors = [str(exc.message)]
            status = 429
        except kiosks.KioskError as exc:
            form.code.errors = [str(exc.message)]
            status = 422
        else:
            auth.audit("kiosk_paired", target=f"kiosk:{kiosk.code}")
            db.session.commit()
            response = redirect(url_for("kiosk.start", kiosk_code=kiosk.code), code=303)
            devices.set_device_cookie(response, kiosk, token)
            flash(_l("This device is now the kiosk %(code)s.", code=kiosk.code), "success")
            return response
    elif request.method == "POST":
        status = 422
    return render_template("devices/pair.html", kiosk=kiosk, form=form), status


@bp.post("/detak")
@csrf.exempt
def heartbeat():
    """Every minute from kiosk-device.js: the page is up; how the printer is."""
    kiosk = g.kiosk
    if not request.is_json:
        abort(415)
    if not devices.device_allowed(kiosk):
        abort(403)
    data = request.get_json(silent=True) or {}
    printer = data.get("printer")
    with immediate_transaction():
        kiosk = db.session.get(Kiosk, kiosk.id)
        previous = kiosk.printer_status
        kiosks.record_heartbeat(kiosk, printer if isinstance(printer, str) and printer.strip() else previous)
    return jsonify(ok=True, active=kiosk.active, interval=current_app.config["KIOSK_HEARTBEAT_SECONDS"])


def _draft_key(kiosk: Kiosk) -> str:
    return f"draft:kiosk:{kiosk.code}"  # as kiosk/intake/views.py names it


def _discard_draft(kiosk: Kiosk) -> None:
    draft = drafts.load_draft(session.pop(_draft_key(kiosk), None))
    if draft is not None:
        drafts.discard(draft)


@bp.route("/bantuan", methods=["GET", "POST"])
def assist():
    """An officer beside the kiosk types their PIN: assisted mode (channel desk)."""
    kiosk = g.kiosk
    devices.check(kiosk)
    form = PinForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = auth.check_officer_pin(form.username.data, form.pin.data, kiosk.code)
            if not auth.may_use_kiosk(user, kiosk):
                raise auth.AuthError(_l("This officer cannot take complaints at this kiosk's office."))
        except auth.Throttled as exc:
            form.pin.errors = [str(exc.message)]
            status = 429
        except auth.AuthError as exc:
            form.pin.errors = [str(exc.message)]
            status = 422
        else:
            _discard_draft(kiosk)
            kiosks.answer_help(kiosk, user.id, kiosks.HelpAnswer.ASSISTED)  # the officer is here: a call is answered
            session.pop(devices.HELP_CALLED, None)  # ... and over: the next citizen gets the button
            devices.start_assist(kiosk, user)
            auth.audit("kiosk_assist_start", user=user, target=f"kiosk:{kiosk.code}")
            db.session.commit()
            return redirect(url_for("kiosk.start", kiosk_code=kiosk.code), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("devices/assist.html", kiosk=kiosk, form=form), status


@bp.post("/bantuan/selesai")
@csrf.exempt  # ending assisted mode is always safe, even with a stale form
def assist_end():
    kiosk = g.kiosk
    devices.check(kiosk)
    officer = devices.assisting_officer(kiosk)
    devices.end_assist(kiosk)
    _discard_draft(kiosk)
    if officer is not None:
        auth.audit("kiosk_assist_end", user=officer, target=f"kiosk:{kiosk.code}")
        db.session.commit()
    return redirect(url_for("kiosk.start", kiosk_code=kiosk.code), code=303)


@bp.post("/panggil")
def call_officer():
    """The footer's "Panggil petugas": a citizen at the screen asks for an
    officer. The desk's queue page lists the call until an officer answers it
    (or starts assisted mode here); what the citizen typed stays where it is."""
    kiosk = g.kiosk
    devices.check(kiosk)
    # (Its CSRF token is checked before any view: app-wide.)
    with immediate_transaction():
        call, new = kiosks.request_help(kiosk)
        if new:
            auth.audit("kiosk_help_call", target=f"kiosk:{kiosk.code}")
        call_id = call.id
    # "Called" shows for this citizen only: Finish and the idle reset clear the
    # session, and the next citizen finds the button (the desk keeps the call).
    session[devices.HELP_CALLED] = call_id
    flash(_l("An officer has been called to this kiosk. Please wait a moment; your answers are kept."), "success")
    return redirect(back_to(request.form.get("next")), code=303)


@bp.get("/panggil")
def help_status():
    """The caller's footer asks every few seconds (devices/_help_call.html):
    204 while the call still waits, else the footer as it is now (an officer on
    the way, or the button again once the call has ended)."""
    kiosk = g.kiosk
    devices.check(kiosk)
    if devices.my_help(kiosk) == kiosks.HelpState.WAITING:
        return "", 204
    # The button's way back is the screen it is on (htmx says which), not this address.
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    next_url = back_to(urlunsplit(("", "", page.path, page.query, "")) or None)
    return render_template("devices/_help_call.html", kiosk=kiosk, next_url=next_url)
