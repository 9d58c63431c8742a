"""Kiosk deliveries the server refused, so that officers can act on them.

A kiosk that lost its network numbers complaints from its leased block, prints
the receipts and delivers the complaints later (kiosk/api). If the server
refuses one (422), the kiosk keeps it as "failed" and never retries on its own
(kiosk/static/js/queue.js); the citizen left long ago with a receipt whose
number the server never stored. Each refusal is recorded here, without
personal data (field names as reason codes, never the values or messages),
shown to the office's officers in the console, and explained on the public
tracking page of its number until it is resolved: by an officer ("what I
did") or by a later successful delivery with the same idempotency key.
"""
from __future__ import annotations

import logging
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Kiosk, KioskDeliveryRefusal, User, utcnow
from backend.numbering import NumberError, parse_number

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


def record(kiosk: Kiosk, idempotency_key: str, leased_number: str | None, errors) -> KioskDeliveryRefusal:
    """Record a refused delivery in a transaction of its own (the complaint
    itself was not stored); a replay of the same key counts up the same row."""
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
                    session.add(row)
                else:
                    row.times += 1
                    row.last_refused_at = now
                    row.reasons = reasons
                    row.leased_number = number or row.leased_number
                    # Refused again after it was marked done: it needs an officer again.
                    row.resolved_at = row.resolved_by_id = row.resolution_note = row.delivered_number = None
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
            .values(resolved_at=utcnow(), delivered_number=complaint_number))
    log.info("kiosk delivery refused earlier now stored: kiosk=%s number=%s", kiosk.code, complaint_number)


NOTE_REQUIRED = _l("Write what you did.")  # the field's hint gives an example


class NoteMissing(Exception):
    message = NOTE_REQUIRED


def resolve(refusal: KioskDeliveryRefusal, user: User, note: str) -> None:
    """An officer marks it done (the caller audits and commits)."""
    note = " ".join((note or "").split())
    if not note:
        raise NoteMissing()
    refusal.resolved_at = utcnow()
    refusal.resolved_by_id = user.id
    refusal.resolution_note = note[:NOTE_MAX]


def open_counts(kiosk_ids: list[int]) -> dict[int, int]:
    if not kiosk_ids:
        return {}
    return dict(db.session.execute(
        select(KioskDeliveryRefusal.kiosk_id, func.count())
        .where(KioskDeliveryRefusal.kiosk_id.in_(kiosk_ids), KioskDeliveryRefusal.resolved_at.is_(None))
        .group_by(KioskDeliveryRefusal.kiosk_id)).all())


def open_for_kiosk(kiosk: Kiosk) -> list[KioskDeliveryRefusal]:
    return list(db.session.scalars(
        select(KioskDeliveryRefusal)
        .where(KioskDeliveryRefusal.kiosk_id == kiosk.id, KioskDeliveryRefusal.resolved_at.is_(None))
        .order_by(KioskDeliveryRefusal.first_refused_at, KioskDeliveryRefusal.id)))


def open_for_number(number: str) -> KioskDeliveryRefusal | None:
    """The open refusal of a leased number (public tracking: no complaint has it)."""
    return db.session.execute(
        select(KioskDeliveryRefusal)
        .where(KioskDeliveryRefusal.leased_number == number, KioskDeliveryRefusal.resolved_at.is_(None))
        .order_by(KioskDeliveryRefusal.last_refused_at.desc()).limit(1)).scalar_one_or_none()
