"""The console's door: who is signed in, and may they use this route.

Order for every console request: load the server-side session (idle
timeout, disabled account) -> anonymous: to the login page -> the route's
declared permission (none declared: refused) -> CSRF for POSTs. Object
checks (a complaint or kiosk of another office) are made in the views with
`require_office`, which answers 403 as well.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from backend import auth
from backend.extensions import csrf

SESSION_KEY = "officer"
PUBLIC_ENDPOINTS = {"console.login"}

def form_page(template: str, **context):
    """A form screen: 422 when a POST came back with errors, 200 otherwise."""
    return render_template(template, **context), 422 if request.method == "POST" else 200


def requires(permission: str):
    """Declare the permission a console route needs (backend.auth.PERMISSIONS)."""
    if permission not in auth.PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        view.permission = permission
        return view

    return decorator


def public(view):
    view.permission = None
    PUBLIC_ENDPOINTS.add(f"console.{view.__name__}")
    return view


def current_officer():
    return g.get("officer")


def guard():
    g.officer = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            csrf.protect()
        return None
    check = auth.load_session(session.get(SESSION_KEY))
    if check.user is None:
        session.pop(SESSION_KEY, None)
        if check.ended == "idle":
            flash(_l("Your session ended after %(n)d minutes without activity. Please log in again.",
                     n=current_app.config["OFFICER_IDLE_MINUTES"]), "info")
        elif check.ended == "disabled":
            flash(_l("Your account has been disabled. Ask an administrator."), "error")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("console.login", next=target.rstrip("?") if target else None))
    g.officer = check.user
    view = current_app.view_functions.get(request.endpoint)
    permission = getattr(view, "permission", None)
    if permission is None or not auth.allowed(check.user, permission):
        abort(403)
    _check_named_objects(request.view_args or {})
    if request.method == "POST":
        csrf.protect()
    return None


def _check_named_objects(args: dict) -> None:
    """A complaint or kiosk named in the URL must be of an office the user
    may see (403 before anything else, CSRF included); views check again."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import Complaint, Kiosk
    from backend.numbering import NumberError, parse_number

    office_id = None
    if "number" in args:
        try:
            number = str(parse_number(args["number"]))
        except NumberError:
            return  # the view answers 404
        office_id = db.session.execute(select(Complaint.office_id).filter_by(number=number)).scalar_one_or_none()
    elif "kiosk_id" in args:
        office_id = db.session.execute(select(Kiosk.office_id).filter_by(id=args["kiosk_id"])).scalar_one_or_none()
    else:
        return
    if office_id is not None:
        require_office(office_id)


def require_office(office_id: int | None) -> None:
    if not auth.may_see_office(g.officer, office_id):
        abort(403)


def can(permission: str) -> bool:
    return auth.allowed(g.get("officer"), permission)


def safe_next(target: str | None) -> str | None:
    """Only back to a console page of ours."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/petugas") or target.startswith("//"):
        return None
    return target
