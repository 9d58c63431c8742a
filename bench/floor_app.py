"""The floor under bench/submit.py: only the writes a submission must make, in a bare Flask app.

POST /intake stores one complaint with the rows `backend.intake.submit`
writes, and nothing else: no session, CSRF, draft, validation, routing,
receipt page, translation or ORM unit of work. One transaction (BEGIN
IMMEDIATE on SQLite, as the app takes it): the replay check on the
idempotency key, the complaint under a placeholder number, its first status
event, its CRM outbox row, the dashboard's rollups, the office's number
counter and the number. It answers the number as JSON.

With FLOOR_ROLLUPS=0 in the environment (bench/submit.py passes it on) the
rollups are left out: the rows the intake rules alone ask for.

It is a yardstick, not a second implementation: the reference rows (office,
category, agency) are read once at start, and every complaint is the same
anonymous one. Whatever the real submission adds to it is the app's own
work; no implementation of the issue's rules on this stack goes below it.

    gunicorn "bench.floor_app:create_app()"    # DATABASE_URL of a migrated, seeded database
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import bindparam, insert, select, update

from backend import numbering
from backend.models import Agency, Category, Complaint, Office, OutboxItem, StatusEvent
from backend.monitoring import rollup
from backend.statuses import Channel, Identity, Status
from backend.workdays import WIB
from bench.baseline_app import yardstick_app

OFFICE = "0101"  # Kelurahan Tebet Timur, the kiosk's office in bench/submit.py
# FLOOR_ROLLUPS=0: without the dashboard's rollups (issue 7's design, not a rule
# of the submission itself), to show what they cost.
ROLLUPS = os.environ.get("FLOOR_ROLLUPS", "1") != "0"
CATEGORY = "JALAN_RUSAK"

db = SQLAlchemy(metadata=Complaint.metadata)

_COMPLAINTS = Complaint.__table__
_BY_KEY = select(_COMPLAINTS.c.id).where(_COMPLAINTS.c.idempotency_key == bindparam("key"))
_COMPLAINT = insert(_COMPLAINTS).returning(_COMPLAINTS.c.id)
_EVENT = insert(StatusEvent.__table__)
_OUTBOX = insert(OutboxItem.__table__)
_NUMBER = update(_COMPLAINTS).where(_COMPLAINTS.c.id == bindparam("cid")).values(number=bindparam("number"))


def create_app() -> Flask:
    app = yardstick_app(__name__, db, immediate=True)  # the write lock first, as immediate_transaction
    with app.app_context():
        s = db.session
        office = s.execute(select(Office.id).where(Office.code == OFFICE)).scalar_one()
        category, agency = s.execute(select(Category.id, Category.agency_id).where(Category.code == CATEGORY)).one()
        agency = agency or s.execute(select(Agency.id)).scalars().first()
        parents = rollup.parents(s)
        s.rollback()

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.post("/intake")
    def intake():
        s = db.session
        key = request.form["idempotency_key"]
        now = datetime.now(timezone.utc)
        found = s.execute(_BY_KEY, {"key": key}).scalar_one_or_none()
        if found is not None:
            s.rollback()
            return jsonify(id=found)
        cid = s.execute(_COMPLAINT, {
            "number": "~" + secrets.token_hex(9), "idempotency_key": key, "payload_hash": "0" * 64,
            "channel": Channel.KIOSK, "office_id": office, "language": "id", "category_id": category,
            "kelurahan_id": office, "address": request.form.get("address", ""), "rt": "5", "rw": "2",
            "description": request.form["description"], "identity": Identity.ANONYMOUS, "consent_at": now,
            "consent_version": "pdp-2024-1", "agency_id": agency, "follow_up_office_id": office,
            "status": Status.SUBMITTED, "submitted_at": now, "received_at": now, "in_office_hours": True,
        }).scalar_one()
        s.execute(_EVENT, {"complaint_id": cid, "status": Status.SUBMITTED, "at": now, "source": "local"})
        s.execute(_OUTBOX, {"complaint_id": cid, "state": "pending", "created_at": now, "next_attempt_at": now})
        tally = rollup.Tally()
        tally.add((cid, office, now, Channel.KIOSK, category, True, Status.SUBMITTED, None, None, "pending"))
        if ROLLUPS:
            rollup.write(s, tally.nodes(parents))
        year = now.astimezone(WIB).year % 100
        number = numbering.format_number(OFFICE, year, numbering.allocate(s.connection(), OFFICE, year))
        s.execute(_NUMBER, {"cid": cid, "number": number})
        s.commit()
        return jsonify(number=number)

    return app
