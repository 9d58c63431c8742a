"""The relay as the separate process it is: killed mid-batch, and several at once."""
import signal
import subprocess
from datetime import timedelta

from sqlalchemy import update

from backend.extensions import db
from backend.models import OutboxItem, utcnow
from tests.backend.crm.conftest import (
    FLASK, ROOT, assert_exactly_once, file_complaints, outbox_rows, relay_env, start_relay, wait_for,
)


def test_relay_killed_mid_batch_loses_nothing(crm, standin, db_url, tmp_path):
    file_complaints(24)
    standin.faults("slow", delay=0.15)  # sends are in flight when the kill comes
    env = relay_env(db_url, standin, tmp_path, CRM_LEASE_SECONDS=1.5, CRM_CONNECT_TIMEOUT=0.2,
                    CRM_READ_TIMEOUT=0.5, CRM_BATCH_SIZE=8, CRM_CONCURRENCY=4)
    log = tmp_path / "relay-1.log"
    first = start_relay(env, log)
    try:
        # Some complaints delivered, others claimed and on the wire.
        wait_for(lambda: sum(r.state == "delivered" for r in outbox_rows()) >= 4, timeout=30,
                 what="the first deliveries", processes=((first, log),))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    rows = outbox_rows()
    in_flight = [r for r in rows if r.state == "pending" and r.lease_until is not None and r.lease_until > utcnow()]
    assert in_flight, "the kill came between batches: nothing was mid-batch"
    assert any(r.state == "pending" for r in rows)

    standin.faults("ok")
    second = subprocess.run([FLASK, "crm", "relay", "--no-sync", "--drain"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stdout + second.stderr
    assert_exactly_once(standin, 24)
    # The killed batch was sent again, and the CRM answered with the records it had.
    assert standin.stats()["posts"] >= 24


def test_several_relays_at_once_send_each_complaint_once(crm, standin, db_url, lane, tmp_path):
    """PostgreSQL: three relays (FOR UPDATE SKIP LOCKED); SQLite: one relay (BEGIN IMMEDIATE)."""
    relays = 3 if lane == "postgresql" else 1
    file_complaints(45)
    # Hold every row back until all relays are up and polling, then release them at once.
    db.session.execute(update(OutboxItem).values(next_attempt_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    standin.faults("slow", delay=0.05)
    env = relay_env(db_url, standin, tmp_path, CRM_BATCH_SIZE=5, CRM_CONCURRENCY=3, CRM_LEASE_SECONDS=5.0,
                    CRM_POLL_SECONDS=0.02)
    logs = [tmp_path / f"relay-{i}.log" for i in range(relays)]
    procs = [start_relay(env, log, "--drain") for log in logs]
    try:
        wait_for(lambda: all("sending to" in log.read_text() for log in logs), timeout=30, what="relays up",
                 processes=tuple(zip(procs, logs)))
        db.session.execute(update(OutboxItem).values(next_attempt_at=utcnow()))
        db.session.commit()
        for p in procs:
            p.wait(60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    assert [p.returncode for p in procs] == [0] * relays, [log.read_text()[-2000:] for log in logs]
    assert_exactly_once(standin, 45)
    assert standin.stats()["posts"] == 45  # not one complaint was even sent twice
    senders = {r.leased_by for r in outbox_rows()}
    if lane == "postgresql":
        assert len(senders) >= 2, senders  # they really shared the work
