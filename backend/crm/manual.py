"""Manual entry: an officer typed the complaint into the CRM by hand and
records the number the CRM gave it.

With CRM_MODE=manual the relay sends nothing: complaints wait in the outbox
as "manual" ("belum diinput ke CRM") until this service records their CRM
number; from then on they are forwarded exactly as if the relay had sent
them (backend/crm/forwarding.py). It also takes a number for a complaint the
relay gave up on, or one still waiting to be sent, unless a relay is sending
it at this very moment. `flask crm record NUMBER CRM_NUMBER` calls it; the
officer console puts a queue and a form on top of it.
"""
from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.crm.forwarding import Forwarded, mark_forwarded
from backend.crm.outbox import OutboxError, find_complaint
from backend.database import immediate_transaction
from backend.models import Complaint, utcnow

# JK + YYMMDD + 4-digit sequence (a busy day may need a fifth digit).
DEFAULT_CRM_NUMBER_PATTERN = r"JK\d{10,11}"


class ManualEntryError(OutboxError):
    pass


def normalise_crm_number(typed: str) -> str:
    return re.sub(r"[\s\-./]", "", typed or "").upper()


def record_crm_number(number: str, crm_number: str, *, by: str | None = None,
                      now: datetime | None = None) -> Complaint:
    """Record the CRM number of a complaint typed into the CRM by hand.

    Idempotent: recording the same number again changes nothing. Raises
    ManualEntryError with a message for the officer otherwise.
    """
    now = now or utcnow()
    crm_number = normalise_crm_number(crm_number)
    pattern = current_app.config.get("CRM_NUMBER_PATTERN") or DEFAULT_CRM_NUMBER_PATTERN
    if not re.fullmatch(pattern, crm_number):
        raise ManualEntryError(_l("%(crm)s does not look like a CRM number: it starts with JK followed by "
                                  "10 digits, for example JK2306180342.", crm=crm_number or "—"))
    with immediate_transaction() as session:
        try:
            complaint, outbox = find_complaint(session, number, lock=True)
        except OutboxError as exc:
            raise ManualEntryError(exc.message) from None
        if complaint.crm_number == crm_number:
            return complaint
        if complaint.crm_number:
            raise ManualEntryError(_l("Complaint %(number)s already has CRM number %(crm)s.",
                                      number=complaint.number, crm=complaint.crm_number))
        if outbox.state == "pending" and outbox.lease_until is not None and outbox.lease_until > now:
            raise ManualEntryError(_l("Complaint %(number)s is being sent to the CRM right now. "
                                      "Check again in a few minutes before typing it in.", number=complaint.number))
        other = session.execute(select(Complaint.number).where(Complaint.crm_number == crm_number)).scalar_one_or_none()
        if other is not None:
            raise ManualEntryError(_l("CRM number %(crm)s is already recorded for complaint %(number)s.",
                                      crm=crm_number, number=other))
        mark_forwarded(session, [Forwarded(complaint.id, outbox.id, crm_number, now)], source="officer",
                       note=by, leased_by=(f"manual:{by}" if by else "manual")[:64])
    return complaint
