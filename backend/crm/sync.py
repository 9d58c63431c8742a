"""Status sync: the CRM's statuses become timeline events, each change once.

`flask crm sync` (or the relay, every CRM_SYNC_INTERVAL_SECONDS) asks the CRM
about every complaint it has a number for that is still open, or finished
less than CRM_SYNC_CLOSED_GRACE_DAYS ago (the CRM may reopen it), in batches
of CRM_SYNC_BATCH_SIZE numbers per GET /requests.json.

Each change is stored as a StatusEvent(source="crm") with the CRM's own time.
A change is the pair (status, time): seeing it again adds nothing (and a
unique index makes sure of it even when two syncs run at once). When the CRM
reports its whole history, every step is recorded, including ones that came
and went between two syncs; when it reports only its current status, a new
event is added only when that status differs from the last one recorded.

- The complaint's status becomes the CRM's latest status.
- Selesai ("follow-up finished") and a plain Open311 "closed" close the
  complaint (closed_at = the CRM's time); any later status reopens it.
- TL Ditolak ("follow-up rejected") keeps it open: the agency must follow it
  up again. "Closed" is never shown as "fixed" (FixMyStreet PR #2167): the
  labels come from backend/statuses.py.
- A CRM time before the complaint was forwarded (clocks out of step, or
  whole seconds) is raised to the forwarding time, so the timeline reads in
  order; the CRM's own time is kept in the event's note.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from backend.crm.client import CrmError, Open311Client, RemoteRequest
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, StatusEvent, utcnow
from backend.monitoring import rollup
from backend.statuses import CRM_NAME_TO_STATUS, Status

log = logging.getLogger(__name__)

CLOSING = {Status.SELESAI, Status.CLOSED}


def _norm(name: str) -> str:
    return " ".join((name or "").split()).casefold()


_BY_NAME = {_norm(name): status for name, status in CRM_NAME_TO_STATUS.items()}
_BY_NAME["closed"] = Status.CLOSED


def status_for(crm_name: str) -> Status | None:
    return _BY_NAME.get(_norm(crm_name))


@dataclass
class SyncStats:
    checked: int = 0
    changes: int = 0
    errors: int = 0


def _watched(now: datetime, grace_days: int):
    return (Complaint.crm_number.is_not(None),
            or_(Complaint.closed_at.is_(None), Complaint.closed_at >= now - timedelta(days=grace_days)))


def run_once(client: Open311Client | None = None, *, clock=utcnow, batch_size: int | None = None) -> SyncStats:
    cfg = current_app.config
    batch_size = batch_size or int(cfg["CRM_SYNC_BATCH_SIZE"])
    own = client is None
    client = client or Open311Client.from_config(cfg)
    stats = SyncStats()
    last_id = 0
    try:
        while True:
            rows = db.session.execute(
                select(Complaint.id, Complaint.crm_number)
                .where(*_watched(clock(), int(cfg["CRM_SYNC_CLOSED_GRACE_DAYS"])), Complaint.id > last_id)
                .order_by(Complaint.id).limit(batch_size)
            ).all()
            db.session.rollback()  # no transaction open while we wait for the CRM
            if not rows:
                break
            last_id = rows[-1][0]
            try:
                remote = client.statuses([number for _id, number in rows])
            except CrmError as exc:
                stats.errors += 1
                log.warning("CRM status sync: %s; trying again at the next sync", exc)
                break
            stats.checked += len(rows)
            stats.changes += apply(remote, {number: cid for cid, number in rows}, clock())
    finally:
        if own:
            client.close()
    if stats.changes:
        log.info("CRM status sync: %d complaints checked, %d status changes recorded", stats.checked, stats.changes)
    return stats


def apply(remote: list[RemoteRequest], ids_by_number: dict[str, int], now: datetime) -> int:
    """Record what the CRM reported, in one transaction that locks the complaints."""
    relevant = [r for r in remote if r.crm_number in ids_by_number]
    if not relevant:
        return 0
    with immediate_transaction() as session:
        complaints = {
            c.crm_number: c for c in session.scalars(
                select(Complaint).where(Complaint.id.in_([ids_by_number[r.crm_number] for r in relevant]))
                .options(selectinload(Complaint.events))
                .order_by(Complaint.id)
                .with_for_update(of=Complaint)  # PostgreSQL: two syncs take turns per complaint
            )
        }
        tracked = rollup.before(session, [c.id for c in complaints.values()])
        added = sum(record_changes(session, complaints[r.crm_number], r, now)
                    for r in relevant if r.crm_number in complaints)
        rollup.after(session, tracked)  # the dashboard's status and finished counters
        return added


def record_changes(session, complaint: Complaint, remote: RemoteRequest, now: datetime) -> int:
    crm_events = [e for e in complaint.events if e.source == "crm"]
    seen = {(e.status, e.at) for e in crm_events}
    floor = complaint.forwarded_at
    added = 0
    for change in remote.changes():
        status = status_for(change.name)
        if status is None:
            log.warning("CRM status sync: complaint %s has an unknown CRM status %r; not recorded",
                        complaint.number, change.name)
            continue
        at = change.at or now
        note = (change.note or "")[:500] or None
        if floor is not None and at < floor:
            note = f"CRM time {at.isoformat(timespec='seconds')}"
            at = floor
        if (status, at) in seen:
            continue
        if not remote.history and crm_events and crm_events[-1].status == status:
            continue  # only the current status is known, and it has not changed
        event = StatusEvent(complaint=complaint, status=status, at=at, source="crm", note=note)
        session.add(event)
        crm_events.append(event)
        seen.add((status, at))
        added += 1
    if crm_events:
        latest = max(enumerate(crm_events), key=lambda pair: (pair[1].at, pair[0]))[1]
        if complaint.status != latest.status:
            complaint.status = latest.status
        if latest.status in CLOSING:
            if complaint.closed_at is None:
                complaint.closed_at = latest.at
        elif complaint.closed_at is not None:
            complaint.closed_at = None  # the CRM reopened it
    return added
