"""The CRM outbox seen from outside the relay: counts and alerts for the
health endpoint and the CLI, and re-sending a complaint the relay gave up on.

States: pending (the relay will send it), manual (waiting for an officer to
type it into the CRM, CRM_MODE=manual), delivered (the CRM has it), given_up
(the relay tried for CRM_GIVE_UP_AFTER_SECONDS and stopped; it stays here,
with its last error, until someone re-sends it).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, OutboxItem, UTCDateTime, utcnow
from backend.monitoring import rollup
from backend.numbering import NumberError, parse_number

STATES = ("pending", "manual", "delivered", "given_up")

# As officers read them (the officer console shows these).
STATE_LABELS = {
    "pending": _l("Waiting to be sent to the CRM"),
    "manual": _l("Not yet entered into the CRM"),
    "delivered": _l("Entered into the CRM"),
    "given_up": _l("Sending failed"),
}


class OutboxError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Health:
    pending: int
    manual: int
    given_up: int
    oldest_pending_age_seconds: float | None
    oldest_manual_age_seconds: float | None
    alert: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["reasons"] = list(self.reasons)
        return d


def health(now: datetime | None = None) -> Health:
    """Counts by state and the age of the oldest waiting row.

    An alert is raised when any complaint was given up (someone must look at
    it) or when a complaint has been waiting for the CRM longer than
    CRM_PENDING_ALERT_SECONDS (the relay is not running, or the CRM has been
    unreachable for long): a stuck queue must not go unnoticed (FixMyStreet #2091).
    """
    now = now or utcnow()
    # Only the waiting states: they are few and indexed (ix_crm_outbox_due);
    # delivered rows grow forever and are not counted here.
    counts = dict(db.session.execute(
        select(OutboxItem.state, func.count()).where(OutboxItem.state.in_(("pending", "manual", "given_up")))
        .group_by(OutboxItem.state)
    ).all())
    since = func.coalesce(OutboxItem.retry_since, OutboxItem.created_at)
    oldest = dict(db.session.execute(
        select(OutboxItem.state, func.min(since, type_=UTCDateTime())).where(OutboxItem.state.in_(("pending", "manual")))
        .group_by(OutboxItem.state)
    ).all())
    db.session.rollback()  # a read: end it, do not hold a snapshot

    def age(state):
        t = oldest.get(state)
        return None if t is None else round(max(0.0, (now - t).total_seconds()), 1)

    pending_age = age("pending")
    reasons = []
    if counts.get("given_up", 0):
        reasons.append(f"{counts['given_up']} complaint(s) given up: re-send with `flask crm resend NUMBER`")
    limit = float(current_app.config["CRM_PENDING_ALERT_SECONDS"])
    if pending_age is not None and pending_age > limit:
        reasons.append(f"a complaint has waited {pending_age:.0f} s for the CRM (limit {limit:.0f} s)")
    return Health(
        pending=counts.get("pending", 0),
        manual=counts.get("manual", 0),
        given_up=counts.get("given_up", 0),
        oldest_pending_age_seconds=pending_age,
        oldest_manual_age_seconds=age("manual"),
        alert=bool(reasons),
        reasons=tuple(reasons),
    )


def find_complaint(session, number: str, *, lock: bool = False) -> tuple[Complaint, OutboxItem]:
    """The complaint with this receipt number (typed freely) and its outbox row, or OutboxError."""
    try:
        canonical = str(parse_number(number))
    except NumberError:
        raise OutboxError(_l("%(number)s is not a complaint number.", number=number)) from None
    query = select(Complaint, OutboxItem).join(OutboxItem, OutboxItem.complaint_id == Complaint.id) \
        .where(Complaint.number == canonical)
    if lock:
        query = query.with_for_update(of=OutboxItem)
    row = session.execute(query).one_or_none()
    if row is None:
        raise OutboxError(_l("There is no complaint with the number %(number)s.", number=canonical))
    return row[0], row[1]


def resend(number: str, now: datetime | None = None) -> OutboxItem:
    """Send a given-up complaint again, with the same Idempotency-Key.

    If the CRM did store it after all (an answer lost to a timeout), the CRM
    answers with the record it has: still one record. The give-up clock
    starts again from now.
    """
    now = now or utcnow()
    with immediate_transaction() as session:
        complaint, outbox = find_complaint(session, number, lock=True)
        if outbox.state != "given_up":
            raise OutboxError(_l("Only a complaint whose sending failed can be sent again; this one is: %(state)s.",
                                 state=STATE_LABELS[outbox.state]))
        tracked = rollup.before(session, [complaint.id])
        outbox.state = "pending"
        outbox.retry_since = now
        outbox.next_attempt_at = now
        outbox.attempts = 0
        outbox.lease_until = None
        outbox.leased_by = None
        rollup.after(session, tracked)  # the dashboard's given-up counter
    return outbox
