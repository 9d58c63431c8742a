""""Forwarded": the CRM has the complaint and gave its number.

The one path shared by the relay (the CRM acknowledged a send) and manual
entry (an officer typed the complaint into the CRM and recorded its number),
so a complaint forwarded by hand looks exactly like one the relay sent.
Nobody is shown "forwarded" before this runs: it runs only on an answer
carrying the CRM's number, or on a number an officer recorded.

Plain statements, many rows at a time: the relay records a whole batch of
acknowledgements in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, insert, update

from backend.models import Complaint, OutboxItem, StatusEvent
from backend.monitoring import rollup
from backend.statuses import Status

CLOCK_SLACK = timedelta(seconds=60)


@dataclass(frozen=True)
class Forwarded:
    complaint_id: int
    outbox_id: int
    crm_number: str
    at: datetime


def mark_forwarded(session, items: list[Forwarded], *, source: str, note: str | None = None,
                   leased_by: str | None = None) -> None:
    """Within the caller's transaction: each complaint's CRM number, time,
    status (submitted -> forwarded) and one timeline event; its outbox row delivered.

    The caller has made sure the rows are its to mark (the relay: still its
    lease; manual entry: not being sent).
    """
    if not items:
        return
    tracked = rollup.before(session, [i.complaint_id for i in items])
    complaints = Complaint.__table__
    session.execute(
        update(complaints).where(complaints.c.id == bindparam("b_id")).values(
            crm_number=bindparam("b_crm"),
            forwarded_at=bindparam("b_at"),
            status=case((complaints.c.status == Status.SUBMITTED.value, Status.FORWARDED.value),
                        else_=complaints.c.status),
        ),
        [{"b_id": i.complaint_id, "b_crm": i.crm_number, "b_at": i.at} for i in items],
    )
    outbox = OutboxItem.__table__
    values = dict(state="delivered", delivered_at=bindparam("b_at"), lease_until=None, last_error=None)
    if leased_by is not None:
        values["leased_by"] = leased_by
    session.execute(update(outbox).where(outbox.c.id == bindparam("b_id")).values(**values),
                    [{"b_id": i.outbox_id, "b_at": i.at} for i in items])
    session.execute(insert(StatusEvent.__table__), [
        {"complaint_id": i.complaint_id, "status": Status.FORWARDED.value, "at": i.at, "source": source, "note": note}
        for i in items
    ])
    rollup.after(session, tracked)  # the dashboard's counters (delivered, status, ack time)


def forwarded_time(ack_time: datetime | None, submitted_at: datetime, now: datetime) -> datetime:
    """When the complaint entered the CRM: the CRM's own time if it gave one
    that makes sense, else now.

    The CRM's time matters when the acknowledgement arrived late (the CRM
    stored the record, the answer timed out, a re-send got the same record):
    the complaint entered the CRM then, not when we heard of it. A time in
    the future, or well before submission, is a clock out of step: now is
    used. CRM times have whole seconds, so one a moment before submission is
    raised to the submission time.
    """
    if ack_time is None or ack_time > now or ack_time < submitted_at - CLOCK_SLACK:
        return now
    return max(ack_time, submitted_at)
