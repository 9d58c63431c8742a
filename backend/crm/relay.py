"""The outbox relay: every complaint reaches the CRM exactly once.

A separate process (`flask crm relay`). Intake writes each complaint with an
outbox row in the same transaction; the relay

1. claims due rows with a lease: PostgreSQL `SELECT ... FOR UPDATE SKIP
   LOCKED` (several relays never claim the same row), SQLite `BEGIN
   IMMEDIATE` (one writer at a time; run one relay). The claim sets
   lease_until/leased_by, counts the attempt, reads what is to be sent, and
   commits at once: no transaction stays open while the network is used;
2. sends concurrently (a thread pool of CRM_CONCURRENCY), with explicit
   connect/read timeouts and the complaint's own Idempotency-Key, so a repeat
   after a lost answer returns the CRM's existing record, never a second one;
3. records the outcomes in batches. Success: the row is delivered and the
   complaint forwarded (backend/crm/forwarding.py), only if the row is still
   this relay's lease, so a send that finished after its lease moved on
   cannot record twice. Failure: the next attempt is scheduled with capped
   exponential backoff and full jitter. A row whose sending window (since
   created_at, or since a re-send) is longer than CRM_GIVE_UP_AFTER_SECONDS
   is given up: it stays, with its last error, an ERROR log line and a count
   on /healthz/crm, until `flask crm resend` sends it again with the same key.
   There is no limit on the number of attempts.

A relay killed at any moment loses nothing: rows it claimed come back when
their lease expires, and the CRM's idempotency turns a repeat into the same
record. Sends are pipelined: new rows are claimed while earlier ones are in
flight, so the relay keeps the CRM as busy as the pool allows.
"""
from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend.crm import payload
from backend.crm.client import Ack, CrmError, Open311Client, ServiceRequest
from backend.crm.forwarding import Forwarded, forwarded_time, mark_forwarded
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, OutboxItem, utcnow
from backend.monitoring import rollup

log = logging.getLogger(__name__)

REFERENCES_MAX_AGE = 600.0  # seconds: edits to offices or categories reach a running relay


def full_jitter(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt `attempt + 1`: uniform in [0, min(cap, base * 2^(attempt-1))].

    "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter):
    relays that failed together do not come back together.
    """
    exp = min(cap, base * (2 ** max(0, min(attempt - 1, 60))))
    return (rng or random).uniform(0.0, exp)


@dataclass(frozen=True)
class Job:
    outbox_id: int
    complaint_id: int
    number: str
    key: str
    submitted_at: datetime
    window_start: datetime  # the give-up clock counts from here
    attempts: int  # including this one
    request: ServiceRequest = field(repr=False)


@dataclass(frozen=True)
class Outcome:
    job: Job
    ack: Ack | None
    error: str | None


@dataclass
class RunStats:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    lost_lease: int = 0

    def add(self, other: RunStats) -> None:
        for name in ("claimed", "delivered", "failed", "given_up", "lost_lease"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def relay_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Relay:
    """One relay. Use inside an application context; close() when done."""

    def __init__(self, client: Open311Client | None = None, *, clock: Callable[[], datetime] = utcnow,
                 rng: random.Random | None = None, name: str | None = None, config=None):
        cfg = config or current_app.config
        self.client = client or Open311Client.from_config(cfg)
        self._own_client = client is None
        self.clock = clock
        self.rng = rng or random.Random()
        self.name = name or relay_name()
        self.batch_size = max(1, int(cfg["CRM_BATCH_SIZE"]))
        self.concurrency = max(1, int(cfg["CRM_CONCURRENCY"]))
        self.lease = timedelta(seconds=float(cfg["CRM_LEASE_SECONDS"]))
        self.backoff_base = float(cfg["CRM_BACKOFF_BASE_SECONDS"])
        self.backoff_max = float(cfg["CRM_BACKOFF_MAX_SECONDS"])
        self.give_up_after = timedelta(seconds=float(cfg["CRM_GIVE_UP_AFTER_SECONDS"]))
        self.poll_seconds = float(cfg.get("CRM_POLL_SECONDS", 1.0))
        self.manual_mode = cfg.get("CRM_MODE") == "manual"
        send_time = float(cfg["CRM_CONNECT_TIMEOUT"]) + float(cfg["CRM_READ_TIMEOUT"])
        if self.lease.total_seconds() < 2 * send_time:
            log.warning("CRM_LEASE_SECONDS (%.0f) is shorter than twice a send's timeouts (%.0f): "
                        "a slow send may be repeated by another relay (harmless, but wasteful)",
                        self.lease.total_seconds(), 2 * send_time)
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="crm-send")
        self._refs: payload.References | None = None  # offices, categories, agencies
        self._refs_at = 0.0

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
        if self._own_client:
            self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- 1. claim ---------------------------------------------------------

    def claim(self, limit: int) -> list[Job]:
        """Lease up to `limit` due rows and read what to send; committed before returning."""
        if self.manual_mode or limit <= 0:
            return []
        now = self.clock()
        due = (OutboxItem.state == "pending", OutboxItem.next_attempt_at <= now,
               or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until <= now))
        if db.engine.dialect.name == "sqlite":
            # An idle relay polls every second: look before taking SQLite's one write lock.
            found = db.session.execute(select(OutboxItem.id).where(*due).limit(1)).first()
            db.session.rollback()
            if found is None:
                return []
        with immediate_transaction() as session:
            ids = session.execute(
                select(OutboxItem.id)
                .where(*due)
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(limit)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite holds the write lock already
            ).scalars().all()
            if not ids:
                return []
            session.execute(
                update(OutboxItem).where(OutboxItem.id.in_(ids))
                .values(lease_until=now + self.lease, leased_by=self.name, attempts=OutboxItem.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            rows = session.execute(
                select(OutboxItem, Complaint).join(Complaint, Complaint.id == OutboxItem.complaint_id)
                .where(OutboxItem.id.in_(ids))
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .execution_options(populate_existing=True)
            ).all()
            if self._refs is None or time.monotonic() - self._refs_at > REFERENCES_MAX_AGE:
                self._refs, self._refs_at = payload.References(session), time.monotonic()
            jobs = [
                Job(outbox_id=o.id, complaint_id=c.id, number=c.number, key=c.idempotency_key,
                    submitted_at=c.submitted_at, window_start=o.retry_since or o.created_at,
                    attempts=o.attempts, request=payload.build(c, self._refs))
                for o, c in rows
            ]
        return jobs

    # --- 2. send (in the pool; no database here) -------------------------

    def _send(self, job: Job) -> Outcome:
        try:
            return Outcome(job, self.client.submit(job.request, job.key), None)
        except CrmError as exc:
            return Outcome(job, None, str(exc))
        except Exception as exc:  # a bug must not stop the relay; the row is retried
            log.exception("CRM relay: unexpected error sending complaint %s", job.number)
            return Outcome(job, None, f"{type(exc).__name__}: {exc}")

    # --- 3. record ----------------------------------------------------------

    def record(self, outcomes: list[Outcome]) -> RunStats:
        """Write outcomes in one transaction; if one cannot be written, each in its own."""
        if not outcomes:
            return RunStats()
        try:
            return self._record(outcomes)
        except IntegrityError:
            db.session.rollback()
        stats = RunStats()
        for o in outcomes:
            try:
                stats.add(self._record([o]))
            except IntegrityError as exc:
                db.session.rollback()
                bad = replace(o, ack=None, error=f"could not record CRM number {o.ack.crm_number if o.ack else '?'}: "
                                                 f"{type(exc.orig).__name__}")
                stats.add(self._record([bad]))
        return stats

    def _record(self, outcomes: list[Outcome]) -> RunStats:
        stats = RunStats()
        now = self.clock()
        outbox = OutboxItem.__table__
        with immediate_transaction() as session:
            # Only rows still under this relay's lease are this relay's to
            # record (PostgreSQL: locked until commit; SQLite: we hold the
            # write lock). A row whose lease ran out may be another relay's
            # now; with the same key it got the same CRM record, and records it.
            ids = [o.job.outbox_id for o in outcomes]
            mine = set(session.execute(
                select(outbox.c.id).where(outbox.c.id.in_(ids), outbox.c.state == "pending",
                                          outbox.c.leased_by == self.name)
                .order_by(outbox.c.id)  # rows locked in one order: no deadlock between relays
                .with_for_update()
            ).scalars())
            stats.lost_lease = len(set(ids) - mine)
            outcomes = [o for o in outcomes if o.job.outbox_id in mine]
            # A CRM number already recorded for another complaint is not an acknowledgement.
            numbers = {o.ack.crm_number for o in outcomes if o.ack}
            owners = dict(session.execute(
                select(Complaint.crm_number, Complaint.id).where(Complaint.crm_number.in_(numbers))
            ).all()) if numbers else {}
            delivered, failed = [], []
            for o in outcomes:
                if o.ack is not None and owners.setdefault(o.ack.crm_number, o.job.complaint_id) != o.job.complaint_id:
                    o = replace(o, ack=None, error=f"the CRM answered with number {o.ack.crm_number}, "
                                                   f"already recorded for another complaint")
                (delivered if o.ack is not None else failed).append(o)
            mark_forwarded(session, [
                Forwarded(o.job.complaint_id, o.job.outbox_id, o.ack.crm_number,
                          forwarded_time(o.ack.requested_at, o.job.submitted_at, now))
                for o in delivered
            ], source="local")
            stats.delivered = len(delivered)
            retry, give_up = [], []
            for o in failed:
                (give_up if now - o.job.window_start >= self.give_up_after else retry).append(o)
            if retry:
                session.execute(
                    update(outbox).where(outbox.c.id == bindparam("b_id"))
                    .values(next_attempt_at=bindparam("b_next"), lease_until=None, last_error=bindparam("b_error")),
                    [{"b_id": o.job.outbox_id, "b_error": (o.error or "unknown error")[:500],
                      "b_next": now + timedelta(seconds=full_jitter(o.job.attempts, self.backoff_base,
                                                                    self.backoff_max, self.rng))}
                     for o in retry],
                )
            if give_up:
                tracked = rollup.before(session, [o.job.complaint_id for o in give_up])
                session.execute(
                    update(outbox).where(outbox.c.id == bindparam("b_id"))
                    .values(state="given_up", lease_until=None, last_error=bindparam("b_error")),
                    [{"b_id": o.job.outbox_id, "b_error": (o.error or "unknown error")[:500]} for o in give_up],
                )
                rollup.after(session, tracked)  # the dashboard's given-up counter
            stats.failed, stats.given_up = len(retry), len(give_up)
        for o in delivered:
            log.info("CRM relay: complaint %s forwarded as %s", o.job.number, o.ack.crm_number)
        for o in give_up:
            log.error("CRM relay: GAVE UP on complaint %s after %.1f hours and %d attempts; last error: %s. "
                      "It stays in the database; re-send it with `flask crm resend %s`.",
                      o.job.number, (now - o.job.window_start).total_seconds() / 3600, o.job.attempts,
                      o.error, o.job.number)
        if retry:
            log.warning("CRM relay: %d of %d sends failed and will be retried (first: %s: %s)",
                        len(retry), len(outcomes), retry[0].job.number, retry[0].error)
        return stats

    # --- loops ------------------------------------------------------------

    def run_once(self) -> RunStats:
        """One batch: claim, send all concurrently, record. Returns what happened."""
        jobs = self.claim(self.batch_size)
        stats = RunStats(claimed=len(jobs))
        if jobs:
            outcomes = list(self._pool.map(self._send, jobs))
            stats.add(self.record(outcomes))
        return stats

    def pending_left(self) -> int:
        n = db.session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "pending"))
        db.session.rollback()
        return n or 0

    def run(self, stop: threading.Event | None = None, *, drain: bool = False,
            sync_interval: float | None = None, sync_fn: Callable[[], object] | None = None) -> RunStats:
        """Relay until `stop` is set (then finish what is in flight), or with
        `drain` until no row is pending any more. With `sync_interval`, run the
        status sync that often, between sends."""
        stop = stop or threading.Event()
        stats = RunStats()
        capacity = self.concurrency * 2  # some queued, so no sender idles while we write
        in_flight: set[Future] = set()
        finished: list[Outcome] = []
        last_flush = time.monotonic()
        next_claim = 0.0
        next_sync = time.monotonic() if sync_interval else None
        while True:
            if in_flight:
                done, _ = wait(in_flight, timeout=0.05, return_when=FIRST_COMPLETED)
                for f in done:
                    in_flight.discard(f)
                    finished.append(f.result())
            mono = time.monotonic()
            try:
                if finished and (len(finished) >= self.batch_size or not in_flight or mono - last_flush >= 0.1):
                    stats.add(self.record(finished))
                    finished = []
                    last_flush = mono
                if stop.is_set():
                    if not in_flight and not finished:
                        break
                    continue
                claimed = 0
                room = capacity - len(in_flight)
                if mono >= next_claim and room > 0 and (not in_flight or room >= max(1, min(self.batch_size, capacity) // 2)):
                    ask = min(room, self.batch_size)
                    jobs = self.claim(ask)
                    claimed = len(jobs)
                    stats.claimed += claimed
                    for job in jobs:
                        in_flight.add(self._pool.submit(self._send, job))
                    if claimed < ask:  # nothing more due now: look again a little later
                        next_claim = mono + min(self.poll_seconds, 0.25 if in_flight else self.poll_seconds)
                if next_sync is not None and mono >= next_sync:
                    next_sync = mono + sync_interval
                    try:
                        (sync_fn or self._sync)()
                    except Exception:
                        db.session.rollback()
                        log.exception("CRM status sync failed; the relay goes on")
                if not in_flight and not finished and claimed == 0:
                    if drain and self.pending_left() == 0:
                        break
                    stop.wait(self.poll_seconds)
            except Exception:
                # The database went away, a lock timed out...: keep the outcomes
                # (or let leases expire) and try again shortly.
                db.session.rollback()
                log.exception("CRM relay: database error; retrying shortly")
                if stop.is_set() and not in_flight:
                    # Stopping: what could not be recorded is sent again once
                    # its lease expires, and the CRM answers with the same record.
                    log.warning("CRM relay: stopping with %d answers unrecorded", len(finished))
                    break
                time.sleep(self.poll_seconds)
        return stats

    def _sync(self):
        from backend.crm import sync

        return sync.run_once(self.client, clock=self.clock)
