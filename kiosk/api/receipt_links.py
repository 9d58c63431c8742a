"""Receipt links: the receipt of a complaint a phone delivered later, without a session.

The page flow shows the receipt to the session that sent the complaint. A
report queued offline is delivered by a service worker, with no page session;
the API answers with `receipt_url`, a signed link that expires
(RECEIPT_LINK_MAX_AGE_SECONDS, 7 days by default), for the same receipt
screen and PDFs. The token names the number and a digest of the idempotency
key (the device's own secret of the report; only its digest is in the URL), so
a guessed or scanned number is not enough, and a token from another database
(numbers restart) opens nothing.

    GET  /tanda-terima/<token>            the receipt screen (intake/receipt.html)
    GET  /tanda-terima/<token>.pdf        the PDF, ?ukuran=a6 (default) or a4
    POST /tanda-terima/<token>/selesai    "Make another report": to the phone flow

A tampered token is a 404, an expired one a 410 that still names the number.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, current_app, g, redirect, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from backend.extensions import csrf, db, limiter
from backend.models import Complaint
from kiosk import receipts
from kiosk.errors import render_error
from kiosk.intake import views as intake_views
from printing.receipts import LANGUAGES

bp = Blueprint("receipt_link", __name__, url_prefix="/tanda-terima")

SALT = "kios-aduan/receipt-link"
NOT_VALID = _l("This receipt link is not valid. Track your complaint with its number on the tracking page.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _key_digest(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def make_token(complaint: Complaint) -> str:
    return _serializer().dumps({"n": complaint.number, "k": _key_digest(complaint.idempotency_key)})


def url_for_complaint(complaint: Complaint) -> str:
    """A root-relative URL: it opens on whatever host the phone reached us by."""
    return url_for("receipt_link.receipt", token=make_token(complaint))


class _Refused(Exception):
    def __init__(self, response):
        self.response = response


def _complaint(token: str) -> Complaint:
    try:
        data = _serializer().loads(token, max_age=current_app.config["RECEIPT_LINK_MAX_AGE_SECONDS"])
    except SignatureExpired as exc:
        # The signature is ours, only too old: the number it names can be said.
        try:
            payload = _serializer().load_payload(exc.payload)
        except BadSignature:  # BadPayload
            payload = None
        number = payload.get("n") if isinstance(payload, dict) else None
        message = _("This receipt link has expired. Your complaint number is %(number)s: track it on the "
                    "tracking page.", number=number) if isinstance(number, str) else NOT_VALID
        raise _Refused(render_error(410, message)) from None
    except BadSignature:
        raise _Refused(render_error(404, NOT_VALID)) from None
    complaint = None
    if isinstance(data, dict) and isinstance(data.get("n"), str) and isinstance(data.get("k"), str):
        complaint = db.session.execute(select(Complaint).filter_by(number=data["n"])).scalar_one_or_none()
    if complaint is None or not hmac.compare_digest(_key_digest(complaint.idempotency_key), data["k"]):
        raise _Refused(render_error(404, NOT_VALID))
    g.receipt_token = token
    return complaint


@bp.errorhandler(_Refused)
def _refused(exc: _Refused):
    return exc.response


@bp.url_defaults
def _push_token(endpoint, values):
    # The receipt template links to ".receipt_pdf" and ".finish" of the blueprint that renders it.
    if "token" not in values and g.get("receipt_token"):
        values["token"] = g.receipt_token


def _lang(complaint: Complaint) -> str:
    """The language the citizen switched to on this device, else the one they reported in."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else receipts.receipt_language(complaint)


def _no_index(response):
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_RECEIPT_LINK"])
def receipt(token: str):
    complaint = _complaint(token)
    with force_locale(_lang(complaint)):
        return _no_index(intake_views._render_receipt(complaint))  # the page flow's own receipt screen


@bp.get("/<token>.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_RECEIPT_LINK"])
def receipt_pdf(token: str):
    complaint = _complaint(token)
    lang = _lang(complaint)
    size = (request.args.get("ukuran") or "a6").strip().lower()
    if size not in intake_views.PDF_SIZES:
        with force_locale(lang):
            return render_error(400, _l("This paper size is not available. Choose A6 or A4."))
    pdf = receipts.receipt_pdf_for(complaint, size, lang)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{receipts.pdf_filename(complaint, size)}"'
    return _no_index(response)


@bp.post("/<token>/selesai")
@csrf.exempt  # only a redirect: it changes nothing (the page flow's /selesai also clears a session)
def finish(token: str):
    return redirect(url_for("phone.start"), code=303)
