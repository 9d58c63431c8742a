"""The demo history and the CRM stand-in agree (backend/demo.py): the status
sync finds nothing to change, the relay delivers only the waiting demo
complaints and gets numbers of its own, a status set on the stand-in reaches
a demo complaint."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from backend import demo
from backend.crm import sync
from backend.crm.relay import Relay
from backend.extensions import db
from backend.models import KioskUptime, OutboxItem, utcnow
from backend.statuses import Identity, Status, info
from tests.backend.crm.conftest import complaints


@pytest.fixture
def demo_crm(crm, standin, monkeypatch):
    monkeypatch.setitem(crm.config, "STANDIN_DATABASE", standin.app.config["STANDIN_DATABASE"])
    yield crm
    db.session.rollback()
    db.session.execute(delete(KioskUptime))
    db.session.commit()


def test_demo_history_agrees_with_the_standin(demo_crm, standin):
    assert demo.load_demo_complaints(150) == 150
    before = complaints()
    delivered = [c for c in before if c.crm_number]
    records = {r["crm_number"]: r for r in standin.records()}
    assert set(records) == {c.crm_number for c in delivered}
    for c in delivered:
        record = records[c.crm_number]
        assert record["idempotency_key"] == c.idempotency_key
        assert record["attributes"]["local_number"] == c.number
        assert record["status"] == info(c.status).crm_name
        assert [(h["status"]) for h in record["history"]] == [info(e.status).crm_name for e in c.events
                                                              if e.source == "crm"]
        if c.identity == Identity.ANONYMOUS:
            assert record["first_name"] is None and record["email"] is None

    # The status sync asks about the open ones and finds its own history.
    stats = sync.run_once()
    assert stats.errors == 0 and stats.checked > 0 and stats.changes == 0

    # The relay sends only the waiting ones (never a delivered demo row again),
    # and the stand-in numbers them after the demo's own.
    waiting = {c.id for c in before if c.crm_number is None}
    pending = set(db.session.scalars(select(OutboxItem.complaint_id).where(OutboxItem.state == "pending")))
    assert len(pending) == demo.LIVE and pending <= waiting
    with Relay() as relay:
        stats = relay.run(drain=True)
    assert stats.delivered == demo.LIVE and stats.failed == 0
    after = {c.id: c for c in complaints()}
    fresh = {after[i].crm_number for i in pending}
    assert None not in fresh and not fresh & set(records)
    assert standin.stats()["posts_by_outcome"] == {"created": demo.LIVE}
    assert db.session.scalar(select(func.count()).where(OutboxItem.state == "pending")) == 0
    assert sync.run_once().changes == demo.LIVE  # the CRM's first status of each, as for any complaint

    # A status set on the stand-in's admin reaches the demo complaint.
    target = max((c for c in delivered if c.closed_at is None), key=lambda c: c.forwarded_at)
    at = utcnow().replace(microsecond=0) - timedelta(seconds=5)
    standin.set_status(target.crm_number, "Selesai", at=at)
    assert sync.run_once().changes == 1
    target = next(c for c in complaints() if c.id == target.id)
    assert target.status == Status.SELESAI and target.closed_at == at
