"""Front page, language switch and health check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, session
from sqlalchemy import select, text

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


@bp.post("/bahasa")
def language():
    form = StepForm()
    form.validate_on_submit()  # a stale token must not stop a language change
    if request.form.get("lang") in ("id", "en"):
        session["lang"] = request.form["lang"]
    target = request.form.get("next") or "/"
    # Only ever back to a page of ours.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"
    return redirect(target, code=303)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
