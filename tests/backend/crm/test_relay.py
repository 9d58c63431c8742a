"""The relay against the real stand-in: exactly once, whatever the CRM does."""
import logging
import re
import threading
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update

from backend.crm.outbox import OutboxError, health, resend
from backend.crm.relay import Relay, full_jitter
from backend.extensions import db
from backend.models import OutboxItem
from backend.statuses import Status
from tests.backend.crm.conftest import assert_exactly_once, complaints, file_complaints, outbox_rows, wait_for

WIB = ZoneInfo("Asia/Jakarta")


def test_each_complaint_reaches_the_crm_exactly_once(crm, standin):
    file_complaints(12)
    with Relay() as relay:
        stats = relay.run(drain=True)
        assert (stats.claimed, stats.delivered, stats.failed) == (12, 12, 0)
        assert relay.run_once().claimed == 0  # nothing is sent twice
    assert_exactly_once(standin, 12)
    assert standin.stats()["posts"] == 12  # one POST each: no retries were needed
    today = time.strftime("%y%m%d", time.gmtime(time.time() + 7 * 3600))
    for c in complaints():
        assert re.fullmatch(rf"JK{today}\d{{4}}", c.crm_number)
        assert c.status == Status.FORWARDED and c.forwarded_at is not None
        assert [e.status for e in c.events] == [Status.SUBMITTED, Status.FORWARDED]
    assert {r.attempts for r in outbox_rows()} == {1}


def test_sends_carry_the_complaints_key_and_explicit_timeouts(crm, standin):
    c = file_complaints(1)[0]
    with Relay() as relay:
        assert relay.client.timeout.connect == 0.5 and relay.client.timeout.read == 1.0
        relay.run_once()
    record = standin.records()[0]
    assert record["received"]["headers"]["Idempotency-Key"] == c.idempotency_key
    assert record["received"]["form"]["service_code"] == ["JALAN_RUSAK"]
    assert "Kelurahan Tebet Timur" in record["address_string"]


def test_down_slow_503_and_timeout_after_accepting_end_delivered_once(crm, standin, clock):
    """Step by step, with the relay's clock moved past each backoff."""
    file_complaints(6)
    clock.reset()

    def pending():
        return sum(r.state == "pending" for r in outbox_rows())

    with Relay(clock=clock) as relay:
        # Down: nothing listens on the port (connection refused).
        standin.stop()
        assert relay.run_once().failed == 6
        assert all("ConnectError" in r.last_error for r in outbox_rows())
        # Down, as the stand-in's fault: it hangs up without answering.
        standin.start()
        standin.faults("down")
        clock.advance(1)
        assert relay.run_once().failed == 6
        # Slow: two requests are answered after the client's read timeout (1 s);
        # the stand-in stores them after the client has left.
        standin.faults("slow", delay=1.4, remaining=2)
        clock.advance(1)
        s = relay.run_once()
        assert s.failed >= 2 and s.delivered + s.failed == 6
        # 503 for a while: every request until the fault is lifted.
        standin.faults("error", status=503)
        for _ in range(2):
            clock.advance(1)
            s = relay.run_once()
            assert s.failed == s.claimed == pending() > 0
        # Timing out after accepting: stored, then answered too late.
        file_complaints(2)
        standin.faults("accept_then_timeout", delay=1.4)
        clock.advance(1)
        s = relay.run_once()
        assert s.failed == s.claimed >= 4
        standin.faults("ok")
        for _ in range(5):
            clock.advance(1)
            relay.run_once()
    assert_exactly_once(standin, 8)
    # The re-sends after "slow" and "timeout after accepting" met the records already made.
    assert standin.stats()["posts_by_outcome"]["replayed"] >= 4


def test_relay_in_the_background_rides_out_a_flapping_crm(crm, standin):
    """The same, in real time: the relay loops while the CRM changes its mind."""
    file_complaints(20)
    stop = threading.Event()
    with Relay() as relay:
        def loop():
            with crm.app_context():
                relay.run(stop)

        worker = threading.Thread(target=loop, daemon=True)
        standin.stop()
        worker.start()
        time.sleep(0.25)
        standin.start()
        for fault in (dict(mode="slow", delay=1.2), dict(mode="error", status=503),
                      dict(mode="accept_then_timeout", delay=1.2), dict(mode="error", status=500), dict(mode="ok")):
            standin.faults(**fault)
            time.sleep(0.25)
        wait_for(lambda: all(r.state == "delivered" for r in outbox_rows()), timeout=30, what="all delivered")
        stop.set()
        worker.join(10)
    assert_exactly_once(standin, 20)


def test_gives_up_by_elapsed_time_never_by_attempts(crm, standin, clock, client, caplog):
    c = file_complaints(1)[0]
    created = outbox_rows()[0].created_at
    db.session.execute(update(OutboxItem).values(attempts=500))  # many attempts change nothing
    db.session.commit()
    standin.stop()
    with Relay(clock=clock) as relay:
        clock.now = created + timedelta(hours=71, minutes=59)
        assert relay.run_once().failed == 1
        row = outbox_rows()[0]
        assert row.state == "pending" and row.attempts == 501
        clock.now = created + timedelta(hours=72, seconds=1)
        with caplog.at_level(logging.ERROR, logger="backend.crm.relay"):
            assert relay.run_once().given_up == 1
    row = outbox_rows()[0]
    assert row.state == "given_up" and "ConnectError" in row.last_error
    assert any(r.levelno == logging.ERROR and c.number in r.getMessage() for r in caplog.records)
    # Still there, never shown as forwarded, and an alert for people.
    c = complaints()[0]
    assert c.status == Status.SUBMITTED and c.crm_number is None
    h = health()
    assert h.given_up == 1 and h.alert
    r = client.get("/healthz/crm")
    assert r.status_code == 503 and r.json["given_up"] == 1
    # The relay does not touch it again.
    with Relay(clock=clock) as relay:
        clock.advance(3600)
        assert relay.run_once().claimed == 0


def test_a_given_up_complaint_is_re_sent_with_the_same_key(crm, standin, clock, app):
    c = file_complaints(1)[0]
    created = outbox_rows()[0].created_at
    clock.reset()
    with Relay(clock=clock) as relay:
        # The CRM stores it but the answer never arrives...
        standin.faults("accept_then_timeout", delay=1.4, remaining=1)
        assert relay.run_once().failed == 1
        # ...and later the CRM is unreachable until the relay gives up.
        standin.faults("error", status=503, remaining=1)
        clock.now = created + timedelta(hours=73)
        assert relay.run_once().given_up == 1
        with pytest.raises(OutboxError):
            resend("0101-26-99999-9")
        result = app.test_cli_runner().invoke(args=["crm", "resend", c.number])
        assert result.exit_code == 0, result.output
        row = outbox_rows()[0]
        assert row.state == "pending" and row.retry_since is not None and row.attempts == 0
        with pytest.raises(OutboxError):
            resend(c.number)  # only given-up ones
        clock.advance(1)
        assert relay.run_once().delivered == 1
    assert_exactly_once(standin, 1)
    assert standin.stats()["posts_by_outcome"] == {"created": 1, "replayed": 1}


def test_the_give_up_clock_restarts_after_a_re_send(crm, standin, clock):
    file_complaints(1)
    created = outbox_rows()[0].created_at
    standin.stop()
    with Relay(clock=clock) as relay:
        clock.now = created + timedelta(hours=80)
        assert relay.run_once().given_up == 1
        resend(complaints()[0].number, now=clock())
        clock.advance(3600)  # an hour into the new window: retried, not given up
        s = relay.run_once()
        assert (s.failed, s.given_up) == (1, 0)


def test_a_late_answer_after_the_lease_moved_on_is_not_recorded_twice(crm, standin, clock):
    """Relay A's lease expires mid-send; relay B re-claims and delivers; A's answer changes nothing."""
    file_complaints(1)
    clock.reset()
    with Relay(clock=clock, name="relay-a") as a, Relay(clock=clock, name="relay-b") as b:
        jobs = a.claim(10)
        outcome_a = a._send(jobs[0])
        clock.advance(10)  # A's lease (3 s) is over
        assert b.run_once().delivered == 1
        stats = a.record([outcome_a])
        assert stats.lost_lease == 1 and stats.delivered == 0
    assert_exactly_once(standin, 1)
    assert outbox_rows()[0].leased_by == "relay-b"


def test_claims_lock_rows_on_each_database(crm, standin, lane):
    """SQLite: the claim holds the write lock (BEGIN IMMEDIATE); PostgreSQL: FOR UPDATE SKIP LOCKED."""
    file_complaints(1)
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with Relay() as relay:
            assert len(relay.claim(5)) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    update_at = next(i for i, s in enumerate(seen) if s.startswith("UPDATE CRM_OUTBOX"))
    if lane == "sqlite":
        begin_at = max(i for i, s in enumerate(seen[:update_at]) if s.startswith("BEGIN"))
        assert seen[begin_at] == "BEGIN IMMEDIATE"  # the claim holds the write lock from its start
        assert seen[begin_at + 1].startswith("SELECT CRM_OUTBOX.ID")
    else:
        assert seen[update_at - 1].startswith("SELECT CRM_OUTBOX.ID")
        assert seen[update_at - 1].endswith("FOR UPDATE SKIP LOCKED")


def test_manual_mode_sends_nothing(crm, standin):
    crm.config["CRM_MODE"] = "manual"
    file_complaints(3)
    with Relay() as relay:
        assert relay.run_once().claimed == 0
        assert relay.run(drain=True).claimed == 0  # drain: nothing is pending
    assert standin.stats()["posts"] == 0
    assert {r.state for r in outbox_rows()} == {"manual"}
    h = health()
    assert (h.manual, h.pending, h.alert) == (3, 0, False)


def test_full_jitter_stays_within_the_capped_exponential(crm):
    import random

    rng = random.Random(7)
    for attempt in range(1, 40):
        ceiling = min(900.0, 10.0 * 2 ** (attempt - 1))
        values = [full_jitter(attempt, 10.0, 900.0, rng) for _ in range(50)]
        assert all(0.0 <= v <= ceiling for v in values)
        assert max(values) - min(values) > ceiling / 10  # spread out, not one fixed delay
