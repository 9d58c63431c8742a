"""JSON endpoints: submissions from phones and kiosks, lease refills, tracking.

Why the submission endpoints need no session cookie and no CSRF token: a
phone queues a report while offline and its service worker (or the page's
`online` handler, or both at once) sends it hours later, when any session or
time-limited token has expired. Refusing it then would lose the report. What
protects these endpoints instead:

- the idempotency key the device made when the form opened: a replay (a
  double trigger, a retry after a lost answer) returns the stored complaint;
  the same key with other answers is refused (422, "conflict");
- full validation by the intake service, as for every other channel;
- an Origin check: a browser always sends Origin on a POST, so a page of
  another site is refused (403); a JSON content type is required, which a
  cross-site form cannot send without a CORS preflight that we never grant;
- rate limits (flask-limiter): per client address for phones, per kiosk for
  kiosks (the kiosks of an office share its address);
- kiosk endpoints also need the kiosk's device cookie (`devices.device_allowed`).

Clients treat 5xx, 429 and network errors as "retry later", other 4xx as final.
"""
from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from backend import aliases, delivery_refusals, intake, leases, statuses
from backend.extensions import db, limiter
from backend.models import Kiosk, Office
from backend.numbering import NumberError, parse_number
from backend.statuses import Channel
from kiosk import devices, errors
from kiosk.api import payload, receipt_links
from kiosk.helpers import localized, tracking_url
from kiosk.receipts import _office_address
from kiosk.tracking import views as tracking
from kiosk.tracking.views import MESSAGES as TRACKING_MESSAGES
from printing.qr import qr_bits

WIB = ZoneInfo("Asia/Jakarta")

bp = Blueprint("api", __name__)

FOREIGN_ORIGIN = _l("Requests from other websites are not accepted.")
NOT_THIS_DEVICE = _l("This device is not the kiosk's paired device. Pair it again from the officer console.")
UNKNOWN_KIOSK = _l("There is no kiosk with this code.")
OUT_OF_SERVICE = _l("This kiosk is out of service.")
CONFLICT = _l("This report was already sent with other answers. Please start a new report.")
NOT_FOUND = tracking.NOT_FOUND
ERROR_MESSAGES = {
    **errors.MESSAGES,
    413: _l("The report is too large. Choose a smaller photo."),
}


# --- language, JSON and errors ------------------------------------------------

def _language() -> str:
    """The payload's `language`, else the best of Accept-Language, else Indonesian."""
    lang = g.get("api_lang")
    if lang is None and request.is_json:
        try:
            lang = payload.language_of(request.get_json(silent=True))
        except HTTPException:  # a body over MAX_CONTENT_LENGTH
            lang = None
    return lang or request.accept_languages.best_match(payload.LANGUAGES, default="id")


def _plain(value):
    """Lazy strings (messages) resolved in the current locale, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _json(data: dict, status: int = 200, lang: str | None = None):
    lang = lang or _language()
    with force_locale(lang):
        response = jsonify(_plain(data))
    response.status_code = status
    response.headers["Content-Language"] = lang
    return response


def _fail(status: int, message, **extra):
    abort(_json({"error": message, **extra}, status))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = exc.code or 500
    response = _json({"error": ERROR_MESSAGES.get(code, ERROR_MESSAGES[400])}, code)
    if code == 429:
        limit = limiter.current_limit
        retry = int(limit.reset_at - time.time()) if limit is not None else 60
        response.headers["Retry-After"] = str(max(1, retry))
    return response


@bp.errorhandler(payload.PayloadError)
def _payload_error(exc: payload.PayloadError):
    return _json({"error": exc.message, "errors": exc.errors}, exc.status)


def _check_origin() -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser (or an old one): the other protections still hold
    ours = {request.host.lower(), urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc.lower()}
    parts = urlsplit(origin)
    # Compared by host, not scheme: behind a TLS proxy the app itself sees http.
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in ours:
        _fail(403, FOREIGN_ORIGIN)


def _kiosk(code: str) -> Kiosk:
    kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one_or_none()
    if kiosk is None:
        _fail(404, UNKNOWN_KIOSK)
    if not devices.device_allowed(kiosk):
        _fail(403, NOT_THIS_DEVICE)
    return kiosk


# --- rate limits ----------------------------------------------------------------

def _cfg(name: str):
    return lambda: current_app.config[name]


def _per_kiosk() -> str:
    return "kiosk:" + str((request.view_args or {}).get("kiosk_code", ""))


# --- submissions ------------------------------------------------------------------

@bp.post("/api/v1/laporan")
@limiter.limit(_cfg("RATELIMIT_API_PHONE"))
def phone_submit():
    """A phone's complaint. No session and no CSRF token: see the module docstring."""
    _check_origin()
    data = payload.body()
    g.api_lang = payload.language_of(data)
    sub = payload.parse(data, kiosk=False)
    office = None
    if sub.office:
        # An unknown preset (from a poster's ?kantor=) is ignored, as the page flow does:
        # the report goes to the kelurahan it concerns instead of being refused.
        office = db.session.execute(select(Office.code).filter_by(code=sub.office)).scalar_one_or_none()
    return _submit(sub, channel=Channel.PHONE, kiosk=None, office_code=office)


@bp.post("/k/<kiosk_code>/api/laporan")
@limiter.limit(_cfg("RATELIMIT_API_KIOSK"), key_func=_per_kiosk)
def kiosk_submit(kiosk_code: str):
    """A kiosk's complaint, sent late after the network came back, perhaps
    numbered offline (`leased_number`). Accepted from a kiosk that was put out of
    service meanwhile: the citizen already holds its printed receipt."""
    _check_origin()
    kiosk = _kiosk(kiosk_code)
    data = payload.body()
    g.api_lang = payload.language_of(data)
    sub = payload.parse(data, kiosk=True)
    return _submit(sub, channel=Channel.KIOSK, kiosk=kiosk, office_code=None)


def _submit(sub: payload.Submission, *, channel: str, kiosk: Kiosk | None, office_code: str | None):
    a = sub.answers
    req = intake.IntakeRequest(
        idempotency_key=sub.idempotency_key, channel=channel, category_code=a["category"],
        kelurahan_code=a["kelurahan"], address=a["address"], rt=a["rt"], rw=a["rw"],
        description=a["description"], identity=a["identity"], consent=a["consent"], name=a["name"],
        phone=a["phone"], email=a["email"], nik=a["nik"], language=sub.language,
        kiosk_code=kiosk.code if kiosk else None, office_code=office_code,
        leased_number=sub.leased_number, device_created_at=sub.created_at,
    )
    try:
        req.photo = payload.photo(sub)
    except payload.PhotoInvalid as exc:
        problems = {"photo": exc.message}
        try:
            intake.validate(req)  # every problem at once, as the page's review screen shows them
        except intake.IntakeInvalid as invalid:
            problems = {**invalid.errors, **problems}
        return _refused(kiosk, sub, {"errors": problems})
    try:
        result = intake.submit(req)
    except intake.IntakeInvalid as exc:
        return _refused(kiosk, sub, {"errors": exc.errors})
    except intake.IdempotencyConflict:
        return _refused(kiosk, sub, {"errors": {"idempotency_key": CONFLICT}, "conflict": True})
    complaint = result.complaint
    linked = None
    if kiosk is not None:
        delivery_refusals.delivered(kiosk, sub.idempotency_key, complaint.number)
        if result.replayed:
            # Stored online before under another number (the answer was lost): the
            # receipt's leased number now names it too (backend/aliases.py).
            linked = aliases.link_leased(complaint, kiosk, sub.leased_number)
    with force_locale(sub.language):
        body = {
            "number": complaint.number,
            "replayed": result.replayed,
            "tracking_url": tracking_url(complaint.number),
            "receipt_url": receipt_links.url_for_complaint(complaint),
            "submitted_at": _iso(complaint.submitted_at),
            "office": complaint.office.title,
            "category": localized(complaint.category, "name"),
        }
    if linked:
        body["leased_number"], body["alias_of"] = linked, complaint.number
    return _json(body, 200 if result.replayed else 201, sub.language)


def _refused(kiosk: Kiosk | None, sub: payload.Submission, body: dict):
    """422. From a kiosk the citizen is gone and holds a receipt: the report is
    kept on the server for the office's officers (backend/delivery_refusals.py)
    and `kept` tells the kiosk to delete its copy. A phone's citizen sees the
    answer and fixes it, so nothing is kept for phones."""
    if kiosk is not None:
        try:
            photo = payload.photo(sub)  # decoded again on this rare path: the photo only if it is a valid image
        except payload.PhotoInvalid:
            photo = None
        report = delivery_refusals.report_of(sub.answers, sub.language, sub.created_at, photo)
        delivery_refusals.record(kiosk, sub.idempotency_key, sub.leased_number, body["errors"], report=report,
                                 photo=photo)
        body = {**body, "kept": True}
    return _json(body, 422, sub.language)


def _iso(dt: datetime) -> str:
    return dt.astimezone(WIB).isoformat(timespec="seconds")


# --- kiosk number leases -------------------------------------------------------------

@bp.post("/k/<kiosk_code>/api/nomor")
@limiter.limit(_cfg("RATELIMIT_API_LEASE"), key_func=_per_kiosk)
def lease(kiosk_code: str):
    """The kiosk's unused leased numbers, topped up; each with its tracking QR
    code (its modules packed, a third of the SVG's bytes: kiosk/static/js/flow.js
    draws it), so that a kiosk whose network is down can print a full receipt.
    Numbers printed offline but not delivered yet are among them: the kiosk
    drops those it has queued."""
    _check_origin()
    kiosk = _kiosk(kiosk_code)
    if not kiosk.active:
        _fail(403, OUT_OF_SERVICE)
    numbers = [str(n) for n in leases.refill(kiosk)]
    office = kiosk.office
    return _json({
        "numbers": [{"number": n, "tracking_url": tracking_url(n), "qr": qr_bits(tracking_url(n))}
                    for n in numbers],
        "office": {"code": office.code, "name": office.title, "address": _office_address(office)},
    })


# --- tracking -------------------------------------------------------------------------

@bp.get("/api/v1/lacak/<number>")
@limiter.limit(_cfg("RATELIMIT_API_TRACK"))
def track(number: str):
    """What the public tracking page shows of a complaint's progress; nothing it does not."""
    try:
        parsed = parse_number(number)
    except NumberError as exc:
        return _json({"error": TRACKING_MESSAGES[exc.reason], "reason": exc.reason}, 422)
    complaint, leased = tracking.find(str(parsed))  # a leased number linked to a complaint names it too
    if complaint is None:
        office = tracking.refused_office(str(parsed))
        if office is not None:
            with force_locale(_language()):
                message = tracking.REFUSED_MESSAGE % {"office": office["name"]}
            return _json({"error": message, "reason": tracking.REFUSED, "office": office}, 404)
        return _json({"error": NOT_FOUND}, 404)
    info = statuses.info(complaint.status)
    updated = complaint.events[-1].at if complaint.events else complaint.submitted_at
    body = {
        "number": complaint.number,
        "status": str(complaint.status),
        "status_label": info.label,
        "crm_number": complaint.crm_number,
        "updated_at": _iso(updated),
    }
    if leased:
        with force_locale(_language()):
            notice = tracking.ALIAS_MESSAGE % {"leased": leased, "number": complaint.number}
        body.update(leased_number=leased, alias_of=complaint.number, notice=notice)
    return _json(body)
