"""Kiosk deliveries the server refused, so that officers can act on them.

A kiosk that lost its network numbers complaints from its leased block (number
L), prints the receipts and delivers the complaints later (kiosk/api). If the
server refuses one (422), the citizen left long ago with a receipt whose number
the server never stored. Each refusal is recorded here with its reason codes
(the refused fields, never the server's messages) and, while it is open, the
refused report itself (answers, language, device time, the photo if it was a
valid image): personal data, kept on the server for the office's officers and
protected as complaints are (console pages for the office's petugas, pimpinan
and admin, every view audited). The 422 tells the kiosk so (`"kept": true`) and the kiosk
deletes its copy, keeping only the key, L and the reason codes
(kiosk/static/js/queue.js).

The refusal is shown in the console and explained on the public tracking page
of L until it is resolved: by an officer who completes the report (`complete`:
stored as a kiosk complaint under L, or under a new number if L can no longer
be used, which the tracking page of L then names) or marks it done (`resolve`),
or by a later successful delivery with the same idempotency key
(`delivered`). Resolving deletes the kept report; one left open loses it after
REFUSAL_RETENTION_DAYS (`purge_expired`, run by the housekeeping loop, backend/housekeeping.py).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend import auth, intake
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, Kiosk, KioskDeliveryRefusal, Office, User, utcnow
from backend.numbering import NumberError, parse_number
from backend.photos import CleanPhoto
from backend.statuses import Channel

log = logging.getLogger(__name__)

NOTE_MAX = 200

# Reason code (the refused field, as the intake service names it) -> plain words
# for officers. The one place these labels live.
REASON_LABELS = {
    "leased_number": _l("The number on the receipt was not accepted (given to another kiosk, already used, or "
                        "not a number of this kiosk)"),
    "idempotency_key": _l("The kiosk sent this report before with other answers, or its form had expired"),
    "category": _l("Category no longer offered"),
    "kelurahan": _l("Kelurahan not recognised"),
    "address": _l("Address not accepted"),
    "rt": _l("RT not accepted"),
    "rw": _l("RW not accepted"),
    "description": _l("Description too short or too long"),
    "identity": _l("Reporting choice (named, anonymous) missing"),
    "name": _l("Name not accepted"),
    "phone": _l("Phone number not accepted"),
    "email": _l("Email address not accepted"),
    "nik": _l("NIK not accepted"),
    "consent": _l("Privacy consent missing"),
    "photo": _l("Photo could not be opened"),
    "channel": _l("Channel not accepted"),
}
OTHER = _l("Other answers not accepted")
_CODE = re.compile(r"^[a-z_]{1,32}$")
ANSWER_KEEP_MAX = 20_000  # characters per kept answer: a refused one may be far too long, never unbounded


def reason_label(code: str):
    return REASON_LABELS.get(code, OTHER)


def _codes(errors) -> list[str]:
    # Only the field names: the messages could quote what the citizen wrote.
    return sorted({str(k) for k in errors if _CODE.match(str(k))})


def _number(typed: str | None) -> str | None:
    """The leased number in its normal form; a malformed one is not kept (it could be any text)."""
    if not typed:
        return None
    try:
        return str(parse_number(typed))
    except NumberError:
        return None


def report_of(answers: dict, language: str, created_at: datetime | None, photo: CleanPhoto | None) -> dict:
    """What is kept of a refused kiosk report (JSON): its answers, language, channel and device time."""
    kept = {str(k): (v[:ANSWER_KEEP_MAX] if isinstance(v, str) else v) for k, v in answers.items()
            if isinstance(v, (str, bool)) or v is None}
    return {"answers": kept, "language": language, "channel": str(Channel.KIOSK),
            "created_at": created_at.isoformat() if created_at else None,
            "photo": {"width": photo.width, "height": photo.height} if photo else None}


def _keep(row: KioskDeliveryRefusal, report: dict | None, photo: CleanPhoto | None) -> None:
    row.report = report
    row.photo = photo.data if photo else None
    row.photo_mime = photo.mime if photo else None


def _forget(row: KioskDeliveryRefusal) -> None:
    """The kept report leaves the server (personal data)."""
    row.report = row.photo = row.photo_mime = None


def record(kiosk: Kiosk, idempotency_key: str, leased_number: str | None, errors, *,
           report: dict | None = None, photo: CleanPhoto | None = None) -> KioskDeliveryRefusal:
    """Record a refused delivery in a transaction of its own (the complaint
    itself was not stored), with the refused report to keep (`report_of`); a
    replay of the same key counts up the same row and its answers win."""
    reasons = _codes(errors)
    number = _number(leased_number)
    key = idempotency_key[:64]
    for attempt in (1, 2):
        try:
            with immediate_transaction() as session:
                now = utcnow()
                row = session.execute(select(KioskDeliveryRefusal).filter_by(
                    kiosk_id=kiosk.id, idempotency_key=key)).scalar_one_or_none()
                if row is None:
                    row = KioskDeliveryRefusal(kiosk_id=kiosk.id, office_id=kiosk.office_id, idempotency_key=key,
                                               leased_number=number, reasons=reasons, first_refused_at=now,
                                               last_refused_at=now, times=1)
                    _keep(row, report, photo)
                    session.add(row)
                elif row.delivered_number is not None:
                    # A stale resend of a report already stored as a complaint (by an officer or a
                    # later delivery): counted, nothing reopened, nothing kept again.
                    row.times += 1
                    row.last_refused_at = now
                else:
                    row.times += 1
                    row.last_refused_at = now
                    row.reasons = reasons
                    row.leased_number = number or row.leased_number
                    _keep(row, report, photo)
                    # Refused again after it was marked done: it needs an officer again.
                    row.resolved_at = row.resolved_by_id = row.resolution_note = None
        except IntegrityError:
            # PostgreSQL: a concurrent replay of the same key inserted first; count on its row.
            if attempt == 2:
                raise
            continue
        break
    log.warning("kiosk delivery refused: kiosk=%s number=%s reasons=%s times=%d",
                kiosk.code, number or "-", ",".join(reasons) or "-", row.times)
    return row


def delivered(kiosk: Kiosk, idempotency_key: str, complaint_number: str) -> None:
    """A delivery with this key was stored after all: its refusal is resolved."""
    open_id = db.session.execute(select(KioskDeliveryRefusal.id).where(
        KioskDeliveryRefusal.kiosk_id == kiosk.id, KioskDeliveryRefusal.idempotency_key == idempotency_key,
        KioskDeliveryRefusal.resolved_at.is_(None))).scalar_one_or_none()
    if open_id is None:  # the usual case: one indexed read, no write
        return
    with immediate_transaction() as session:
        session.execute(update(KioskDeliveryRefusal).where(
            KioskDeliveryRefusal.id == open_id, KioskDeliveryRefusal.resolved_at.is_(None))
            .values(resolved_at=utcnow(), delivered_number=complaint_number, report=None, photo=None,
                    photo_mime=None))
    log.info("kiosk delivery refused earlier now stored: kiosk=%s number=%s", kiosk.code, complaint_number)


NOTE_REQUIRED = _l("Write what you did.")  # the field's hint gives an example


class NoteMissing(Exception):
    message = NOTE_REQUIRED


def resolve(refusal: KioskDeliveryRefusal, user: User, note: str) -> None:
    """An officer marks it done; the kept report is deleted (the caller audits and commits)."""
    note = " ".join((note or "").split())
    if not note:
        raise NoteMissing()
    refusal.resolved_at = utcnow()
    refusal.resolved_by_id = user.id
    refusal.resolution_note = note[:NOTE_MAX]
    _forget(refusal)


# --- an officer completes the refused report --------------------------------------

@dataclass(frozen=True)
class Completed:
    complaint: Complaint
    leased_number: str | None  # the receipt's number (L)

    @property
    def number_changed(self) -> bool:
        """L could not be used: the citizen's receipt names another number than the complaint's."""
        return self.leased_number is not None and self.complaint.number != self.leased_number


def device_time(refusal: KioskDeliveryRefusal) -> datetime | None:
    raw = (refusal.report or {}).get("created_at")
    try:
        return datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def kept_photo(refusal: KioskDeliveryRefusal) -> CleanPhoto | None:
    size = (refusal.report or {}).get("photo") or {}
    if refusal.photo is None or not refusal.photo_mime:
        return None
    return CleanPhoto(data=refusal.photo, mime=refusal.photo_mime, width=int(size.get("width") or 0),
                      height=int(size.get("height") or 0))


def _submit(req: intake.IntakeRequest) -> intake.IntakeResult:
    try:
        return intake.submit(req)
    except intake.IntakeInvalid as exc:
        if req.leased_number is None or "leased_number" not in exc.errors:
            raise
        others = {k: v for k, v in exc.errors.items() if k != "leased_number"}
        if others:
            raise intake.IntakeInvalid(others) from None  # the officer's to correct; L is tried again then
        # L was taken meanwhile or never was this kiosk's: the complaint gets a new number.
        req.leased_number = req.device_created_at = None
        return intake.submit(req)
    except intake.IdempotencyConflict:
        # Stored from this refusal already, with other answers, by a completion
        # whose resolution was lost: that complaint is the report.
        db.session.rollback()
        found = db.session.execute(select(Complaint).filter_by(idempotency_key=req.idempotency_key)).scalar_one()
        return intake.IntakeResult(found, replayed=True)


def complete(refusal: KioskDeliveryRefusal, user: User, req: intake.IntakeRequest) -> Completed:
    """Store the refused report, as the officer corrected it (`req`: the answers
    and photo), as a kiosk complaint of the refusal's kiosk under the receipt's
    number and device time, or under a new number if that number can no longer
    be used; then resolve the refusal and delete its kept report. Audited.
    Raises intake.IntakeInvalid with the answers the officer must correct."""
    refusal_id, leased, kiosk_code = refusal.id, refusal.leased_number, refusal.kiosk.code
    req.idempotency_key = f"kiosk-refusal-{refusal_id}"  # a double submit is a replay, never a second complaint
    req.channel = Channel.KIOSK
    req.kiosk_code = kiosk_code
    req.office_code = None
    req.officer_id = user.id  # recorded, and their own phone or email refused as the citizen's (intake.validate)
    req.leased_number = leased
    req.device_created_at = device_time(refusal) if leased else None
    result = _submit(req)
    number = result.complaint.number
    with immediate_transaction() as session:
        row = session.get(KioskDeliveryRefusal, refusal_id)
        complaint = session.get(Complaint, result.complaint.id)
        row.resolved_at = utcnow()
        row.resolved_by_id = user.id
        row.resolution_note = None
        row.delivered_number = number
        _forget(row)
        auth.audit("kiosk_refusal_complete", user=user, complaint_number=number, target=f"kiosk:{kiosk_code}",
                   detail=f"refusal {refusal_id}, number {leased or '-'}"
                          + (f", stored as {number}" if leased and leased != number else ""))
    log.info("refused kiosk delivery completed by an officer: kiosk=%s number=%s stored=%s",
             kiosk_code, leased or "-", number)
    return Completed(complaint, leased)


# --- retention ---------------------------------------------------------------------

def retention() -> timedelta:
    return timedelta(days=current_app.config["REFUSAL_RETENTION_DAYS"])


def kept_until(refusal: KioskDeliveryRefusal) -> datetime:
    """When an open refusal's kept report is deleted if nobody acts on it."""
    return refusal.last_refused_at + retention()


def purge_expired(now: datetime | None = None) -> int:
    """Delete the kept reports of refusals left open longer than
    REFUSAL_RETENTION_DAYS (and any a resolution left behind); the refusals
    themselves stay, with their reason codes. Returns how many were purged."""
    cutoff = (now or utcnow()) - retention()
    with immediate_transaction() as session:
        purged = session.execute(
            update(KioskDeliveryRefusal)
            .where(or_(KioskDeliveryRefusal.report.is_not(None), KioskDeliveryRefusal.photo_mime.is_not(None),
                       KioskDeliveryRefusal.photo.is_not(None)),
                   or_(KioskDeliveryRefusal.resolved_at.is_not(None), KioskDeliveryRefusal.last_refused_at < cutoff))
            .values(report=None, photo=None, photo_mime=None)
            .execution_options(synchronize_session=False)).rowcount
    if purged:
        log.info("refused kiosk reports deleted after the retention period: %d", purged)
    return purged


def open_counts(kiosk_ids: list[int]) -> dict[int, int]:
    if not kiosk_ids:
        return {}
    return dict(db.session.execute(
        select(KioskDeliveryRefusal.kiosk_id, func.count())
        .where(KioskDeliveryRefusal.kiosk_id.in_(kiosk_ids), KioskDeliveryRefusal.resolved_at.is_(None))
        .group_by(KioskDeliveryRefusal.kiosk_id)).all())


def _open_in_scope(user: User):
    # Scoped by the kiosk's office, as the console's kiosk routes check it (access.require_office).
    return (select(KioskDeliveryRefusal.id).join(Kiosk, Kiosk.id == KioskDeliveryRefusal.kiosk_id)
            .where(KioskDeliveryRefusal.resolved_at.is_(None), auth.scope_clause(user, Kiosk.office_id)))


def open_count_in_scope(user: User) -> int:
    """Open refusals of every kiosk `user` may see: one query (the queue's notice)."""
    return db.session.scalar(select(func.count()).select_from(_open_in_scope(user).subquery())) or 0


def kiosks_with_open(user: User) -> list[Kiosk]:
    """The kiosks `user` may see that have open refusals, by office and code."""
    return list(db.session.scalars(
        select(Kiosk).join(Office, Office.id == Kiosk.office_id)
        .where(Kiosk.id.in_(_open_in_scope(user).with_only_columns(KioskDeliveryRefusal.kiosk_id)))
        .order_by(Office.code, Kiosk.code)))


def open_for_kiosk(kiosk: Kiosk) -> list[KioskDeliveryRefusal]:
    return list(db.session.scalars(
        select(KioskDeliveryRefusal)
        .where(KioskDeliveryRefusal.kiosk_id == kiosk.id, KioskDeliveryRefusal.resolved_at.is_(None))
        .order_by(KioskDeliveryRefusal.first_refused_at, KioskDeliveryRefusal.id)))


def moved_number(number: str) -> str | None:
    """The number an officer stored a refused report under when its receipt's
    number could not be used (public tracking of the receipt's number)."""
    return db.session.execute(
        select(KioskDeliveryRefusal.delivered_number)
        .where(KioskDeliveryRefusal.leased_number == number, KioskDeliveryRefusal.resolved_at.is_not(None),
               KioskDeliveryRefusal.delivered_number.is_not(None), KioskDeliveryRefusal.delivered_number != number)
        .order_by(KioskDeliveryRefusal.resolved_at.desc()).limit(1)).scalar_one_or_none()


def open_for_number(number: str) -> KioskDeliveryRefusal | None:
    """The open refusal of a leased number (public tracking: no complaint has it)."""
    return db.session.execute(
        select(KioskDeliveryRefusal)
        .where(KioskDeliveryRefusal.leased_number == number, KioskDeliveryRefusal.resolved_at.is_(None))
        .order_by(KioskDeliveryRefusal.last_refused_at.desc()).limit(1)).scalar_one_or_none()
