"""Front page, language switch and health check."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale
from sqlalchemy import select, text

from backend import statuses
from backend.crm import outbox as crm_outbox
from backend.extensions import db
from backend.models import Kiosk, Office
from kiosk.intake.forms import StepForm

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    kiosks = db.session.scalars(
        select(Kiosk).join(Kiosk.office).filter(Kiosk.active.is_(True)).order_by(Office.code)
    ).all()
    return render_template("main/index.html", kiosks=kiosks)


@bp.get("/laporan-saya")
def mine():
    """Laporan saya (my complaints): a page with no complaint in it. flow.js
    lists those sent from this phone from its own storage; the service worker
    keeps the page. `?lang=` as on the phone's app shell (kiosk/intake/views.py)."""
    if request.headers.get("HX-Request"):
        response = make_response("", 200)  # a boosted link: the page needs its own scripts
        response.headers["HX-Redirect"] = request.full_path.rstrip("?")
        return response
    lang = request.args.get("lang")
    if lang not in ("id", "en"):
        lang = str(get_locale() or "id")
    elif request.headers.get("Sec-Fetch-Mode") == "navigate":
        session["lang"] = lang  # a person's choice, not the worker's fetch
    with force_locale(lang):
        return render_template("intake/mine.html", shell=True, step="mine", shell_data={
            "kind": "mine", "lang": lang,
            "urls": {"track": f"{request.script_root}/api/v1/lacak/", "start": url_for("phone.start")},
            "tones": {str(s): str(info.tone) for s, info in statuses.STATUSES.items()},
        })


@bp.post("/bahasa")
def language():
    form = StepForm()
    form.validate_on_submit()  # a stale token must not stop a language change
    if request.form.get("lang") in ("id", "en"):
        session["lang"] = request.form["lang"]
    return redirect(back_to(request.form.get("next")), code=303)


def back_to(target: str | None) -> str:
    """The page a header button (language, text size) was tapped on, to go
    back to: only ever a page of ours, and without a `?lang=`, which would
    win over a choice just made."""
    target = target or "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return "/"
    if "lang" in dict(parse_qsl(parts.query)):
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
        return urlunsplit(("", "", parts.path, query, parts.fragment))
    return target


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok", crm=crm_outbox.health().as_dict())


@bp.get("/healthz/crm")
def health_crm():
    """The CRM outbox: 503 while something needs a person (a given-up
    complaint, or one waiting too long), so a plain uptime check alerts."""
    h = crm_outbox.health()
    return jsonify(status="alert" if h.alert else "ok", **h.as_dict()), (503 if h.alert else 200)
