"""Erasing the reporter's personal data (UU 27/2022).

The privacy notice promises every citizen that their personal data is deleted
PERSONAL_DATA_RETENTION_DAYS after the complaint is finished (Pasal 42-44),
and that they may ask for it to be deleted sooner (Pasal 32). Either way the
same thing happens (`_erase`): the fields of `backend.privacy.FIELDS` become
NULL, the photo row is deleted, and the complaint records when and why
(`personal_data_erased_at`, `personal_data_erased_reason`). The description,
place, category, dates, statuses and `identity` stay: they are the
public-service record and the statistics (monitoring counts identity).

"Finished" is what the CRM status sync says it is (backend/crm/sync.py):
`closed_at` is set while the complaint's status is a closing one, and a
reopened complaint has it cleared. `erase_expired` runs from the
housekeeping loop (backend/housekeeping.py, `flask housekeeping`) and by hand
(`flask privacy erase-expired`): in batches, each in a transaction of its
own under the write lock, idempotent (erased complaints are never picked
again), and audited once per run, not once per complaint.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from backend import auth, privacy
from backend.crm.sync import CLOSING
from backend.database import immediate_transaction
from backend.models import Complaint, ComplaintPhoto, User, utcnow

log = logging.getLogger(__name__)

RETENTION = "retention"
REQUEST = "request"
BATCH_SIZE = 500
NOTE_MAX = 200

ALREADY_ERASED = _l("The reporter's personal data of this complaint has already been erased.")


@dataclass(frozen=True)
class Erased:
    complaints: int = 0
    photos: int = 0


def retention() -> timedelta:
    return timedelta(days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])


def _expired(cutoff: datetime) -> tuple:
    return (Complaint.personal_data_erased_at.is_(None), Complaint.closed_at.is_not(None),
            Complaint.closed_at < cutoff, Complaint.status.in_([str(s) for s in CLOSING]))


def _erase(session, ids: list[int], reason: str, now: datetime) -> int:
    """Erase in the caller's transaction (it holds the write lock); returns the photos deleted."""
    session.execute(update(Complaint).where(Complaint.id.in_(ids))
                    .values(**dict.fromkeys(privacy.COLUMNS), personal_data_erased_at=now,
                            personal_data_erased_reason=reason)
                    .execution_options(synchronize_session=False))
    return session.execute(delete(ComplaintPhoto).where(ComplaintPhoto.complaint_id.in_(ids))
                           .execution_options(synchronize_session=False)).rowcount


def erase_expired(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> Erased:
    """Erase the personal data of every complaint finished more than
    PERSONAL_DATA_RETENTION_DAYS ago; one audit row for the run if any was."""
    now = now or utcnow()
    cutoff = now - retention()
    complaints = photos = 0
    try:
        while True:
            with immediate_transaction() as session:
                # Read under the lock: a complaint the CRM reopened meanwhile is not picked.
                rows = session.execute(
                    select(Complaint.id, Complaint.number, Complaint.reporter_name).where(*_expired(cutoff))
                    .order_by(Complaint.id).limit(batch_size)
                    .with_for_update(skip_locked=True)  # PostgreSQL: one being synced waits for the next run
                ).all()
                if rows:
                    photos += _erase(session, [r.id for r in rows], RETENTION, now)
            if not rows:
                break
            complaints += len(rows)
            privacy.notify_changed(r.number for r in rows if r.reporter_name)
            if len(rows) < batch_size:
                break
    finally:
        # Also when a later batch failed: the batches committed before it are on record.
        if complaints:
            with immediate_transaction():
                auth.audit("privacy.retention", detail=f"{complaints} complaints erased after "
                           f"{retention().days} days, {photos} photos deleted")
            log.info("personal data erased at the end of the retention period: %d complaints, %d photos",
                     complaints, photos)
    return Erased(complaints, photos)


def erase_on_request(complaint: Complaint, user: User, note: str) -> None:
    """Erase at the citizen's request; `note` says how and when the request
    came in (required, kept in the audit row "privacy.erase"). Raises
    privacy.RequestRefused if it is already erased."""
    note = " ".join((note or "").split())[:NOTE_MAX]
    if not note:
        raise ValueError("a request needs its note")
    with immediate_transaction() as session:
        row = privacy.lock_complaint(complaint, session)
        if row.personal_data_erased_at is not None:
            raise privacy.RequestRefused(ALREADY_ERASED)
        named, number = bool(row.reporter_name), row.number
        photos = _erase(session, [row.id], REQUEST, utcnow())
        auth.audit("privacy.erase", user=user, complaint_number=number, detail=note)
    if named:
        privacy.notify_changed([number])
    log.info("personal data erased at the citizen's request: complaint %s (%d photo)", number, photos)
