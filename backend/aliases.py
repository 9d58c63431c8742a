"""Leased numbers linked to a complaint stored under another number.

The race: a kiosk's network fails while its online "Kirim laporan" is in
flight. The server may have stored the complaint (number N, idempotency key K)
though the kiosk never saw the answer; the offline page then numbers the same
report from its leased block (L), prints L for the citizen and delivers it
later under the same key K (kiosk/static/js/flow.js carries it). The intake
service answers that delivery as a replay of N (the fingerprint leaves the
leased number out), so no second complaint is made; here L is recorded as an
alias of N, so that:

- /lacak/L and /api/v1/lacak/L show N's progress (kiosk/tracking);
- L counts as used: never leased again, never stored on another complaint
  (backend/leases.py);
- officers find N by L, and see L on N's page (kiosk/console).

Only a number of a lease of the delivering kiosk, for a complaint taken in at
that kiosk, is linked: a key alone does not let a kiosk claim numbers.
"""
from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from backend import leases
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, ComplaintNumberAlias, Kiosk, utcnow
from backend.numbering import NumberError, parse_number

log = logging.getLogger(__name__)


def link_leased(complaint: Complaint, kiosk: Kiosk, leased_number: str | None) -> str | None:
    """Record `leased_number` as an alias of `complaint`, which a delivery of
    `kiosk` was answered with as a replay. Returns the leased number (normal
    form) when it is linked to this complaint, now or by an earlier delivery
    (idempotent: nothing new is recorded then); None when there is nothing to
    link (no leased number, the complaint's own number) or it cannot be linked
    (not this kiosk's, or used by another complaint: logged)."""
    if not leased_number:
        return None
    try:
        number = str(parse_number(leased_number))
    except NumberError:
        return None
    if number == complaint.number:
        return None  # stored under the leased number itself: nothing to link
    # Read now: the commit below expires the objects.
    complaint_id, complaint_number, kiosk_id, kiosk_code = complaint.id, complaint.number, kiosk.id, kiosk.code
    if _linked_to(number) == complaint_id:
        return number  # the same delivery again
    if complaint.kiosk_id != kiosk_id:
        log.warning("leased number not linked: kiosk=%s number=%s complaint=%s is not this kiosk's",
                    kiosk_code, number, complaint_number)
        return None
    try:
        with immediate_transaction() as session:
            # Under the write lock: still this kiosk's lease and used by nothing (aliases included).
            leases.check(kiosk_code, number)
            session.add(ComplaintNumberAlias(number=number, complaint_id=complaint_id, kiosk_id=kiosk_id,
                                             created_at=utcnow()))
    except leases.LeaseInvalid as exc:
        if _linked_to(number) == complaint_id:
            return number  # a concurrent delivery of the same report linked it first
        log.warning("leased number not linked: kiosk=%s number=%s complaint=%s: %s",
                    kiosk_code, number, complaint_number, exc)
        return None
    except IntegrityError:
        # PostgreSQL: a concurrent delivery inserted the same number first.
        db.session.rollback()
        if _linked_to(number) == complaint_id:
            return number
        raise
    log.info("leased number linked: kiosk=%s number=%s -> %s", kiosk_code, number, complaint_number)
    return number


def _linked_to(number: str) -> int | None:
    return db.session.execute(
        select(ComplaintNumberAlias.complaint_id).filter_by(number=number)).scalar_one_or_none()


def resolve(number: str) -> tuple[Complaint, str | None] | None:
    """The complaint a (normalised) number names: (complaint, None) for its own
    number, (complaint, number) for a leased number linked to it; None if neither."""
    complaint = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one_or_none()
    if complaint is not None:
        return complaint, None
    complaint = db.session.execute(
        select(Complaint).join(ComplaintNumberAlias, ComplaintNumberAlias.complaint_id == Complaint.id)
        .where(ComplaintNumberAlias.number == number)).scalar_one_or_none()
    return (complaint, number) if complaint is not None else None


def number_clause(number: str):
    """A WHERE clause on Complaint: its own number, or a leased number linked to it."""
    return or_(Complaint.number == number, Complaint.id.in_(
        select(ComplaintNumberAlias.complaint_id).where(ComplaintNumberAlias.number == number)))
