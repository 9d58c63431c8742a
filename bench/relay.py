#!/usr/bin/env python
"""How fast the CRM relay drains a backlog, against the stand-in's own accept rate.

    .venv/bin/python bench/relay.py                     # SQLite in a temp dir
    .venv/bin/python bench/relay.py --db postgresql     # a fresh PG database on 127.0.0.1:5432
    .venv/bin/python bench/relay.py --complaints 2000 --direct 1000   # a quicker run

What it does (a measurement, not a test):

1. A fresh database (migrated, seeded) with a backlog of N complaints (default
   10,000), each with its outbox row, loaded in bulk (untimed; the mix of
   categories, kelurahan and named/anonymous/confidential is realistic).
2. The CRM stand-in in its own process (`python -m backend.crm.standin`), as
   `make run` serves it, with its own database file.
3. The stand-in's accept rate, hit directly: D POSTs of the same payloads the
   relay sends (built by backend/crm/payload.py), each with its own
   Idempotency-Key, from C concurrent clients (C = the relay's CRM_CONCURRENCY).
   Then the stand-in is emptied.
4. The relay's drain rate: one relay (in this process, as `flask crm relay
   --drain` runs it) sends the whole backlog; timed from start to empty queue.
5. A report: both rates, `relay_ratio=` (drain / accept), and, counted at the
   stand-in, `lost=` (complaints without exactly one record there, or not
   delivered here) and `duplicates=` (records beyond one per complaint).

Targets: lost=0 duplicates=0, relay_ratio >= 0.5.
Exit status: 0 whatever the rates, 1 if anything was lost or duplicated, 2 if the set-up failed.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import HOST, BackgroundServer, SetupError, free_port  # noqa: E402
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_RATIO = 0.5


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--complaints", type=int, default=10_000, help="backlog size (default 10000)")
    p.add_argument("--direct", type=int, default=3_000, help="POSTs for the stand-in's direct rate (default 3000)")
    p.add_argument("--concurrency", type=int, default=None, help="senders (default: CRM_CONCURRENCY, 16)")
    p.add_argument("--batch", type=int, default=None, help="relay batch size (default: CRM_BATCH_SIZE, 100)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (databases, stand-in log)")
    return p.parse_args(argv)


# --- the database and the backlog -----------------------------------------

def new_database(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'kios.sqlite3'}", None
    import psycopg

    name = f"kios_bench_relay_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise SetupError(f"cannot reach PostgreSQL at {PG_ADMIN_URL}: {exc}") from None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def drop_database(name: str | None) -> None:
    if name:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_backlog(n: int) -> None:
    """N complaints with their first event and outbox row, as intake writes them, in bulk."""
    from sqlalchemy import insert, select

    from backend.extensions import db
    from backend.intake import CONSENT_VERSION, WIB
    from backend.models import Category, Complaint, Kiosk, NumberCounter, Office, OutboxItem, StatusEvent, utcnow
    from backend.numbering import format_number

    kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
    categories = db.session.scalars(select(Category).order_by(Category.id)).all()
    kelurahan = db.session.scalars(select(Office).filter_by(kind="kelurahan").order_by(Office.code)).all()
    now = utcnow()
    year = now.astimezone(WIB).year % 100
    identities = ["named"] * 7 + ["anonymous"] * 2 + ["confidential"]
    chunk = 1000
    for start in range(0, n, chunk):
        complaints, events, outbox = [], [], []
        for i in range(start, min(n, start + chunk)):
            cat, kel, ident = categories[i % len(categories)], kelurahan[i % len(kelurahan)], identities[i % 10]
            named = ident != "anonymous"
            submitted = now - timedelta(seconds=n - i)
            complaints.append(dict(
                id=i + 1, number=format_number(kiosk.office.code, year, i + 1), idempotency_key=uuid.uuid4().hex,
                payload_hash=hashlib.sha256(str(i).encode()).hexdigest(), channel="kiosk",
                office_id=kiosk.office_id, kiosk_id=kiosk.id, language="id", category_id=cat.id,
                kelurahan_id=kel.id, address=f"Jl. Contoh No. {i % 200 + 1}", rt=f"{i % 12 + 1:03d}",
                rw=f"{i % 7 + 1:03d}",
                description=(f"Laporan nomor {i}: {cat.name_id} di sekitar Kelurahan {kel.name}, sudah berlangsung "
                             "sejak minggu lalu dan mengganggu warga yang lewat setiap hari. Mohon segera ditindaklanjuti."),
                identity=ident, reporter_name="Warga Contoh" if named else None,
                reporter_phone="+6281234567890" if named else None,
                reporter_email="warga@example.id" if named else None, reporter_nik=None,
                consent_at=submitted, consent_version=CONSENT_VERSION, agency_id=cat.agency_id,
                follow_up_office_id=kel.id, status="submitted", submitted_at=submitted, in_office_hours=True,
            ))
            events.append(dict(complaint_id=i + 1, status="submitted", at=submitted, source="local"))
            outbox.append(dict(complaint_id=i + 1, state="pending", created_at=submitted, next_attempt_at=submitted,
                               attempts=0))
        db.session.execute(insert(Complaint), complaints)
        db.session.execute(insert(StatusEvent), events)
        db.session.execute(insert(OutboxItem), outbox)
        db.session.commit()
    db.session.add(NumberCounter(office_code=kiosk.office.code, year=year, last_value=n))
    db.session.commit()


# --- the stand-in -------------------------------------------------------------

class StandIn(BackgroundServer):
    def __init__(self, tmp: Path):
        super().__init__("the stand-in", tmp / "standin.log")
        self.port = free_port()
        self.root = f"http://{HOST}:{self.port}"
        self.base_url = self.root + "/open311/v2"
        self.database = tmp / "crm-standin.sqlite3"

    def start(self, timeout: float = 30) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDIN_", "FLASK_", "KIOS_"))}
        cmd = [sys.executable, "-m", "backend.crm.standin", "--host", HOST, "--port", str(self.port),
               "--database", str(self.database), "--quiet"]
        self.launch(cmd, env, self.base_url + "/discovery.json", timeout)

    def admin(self, method: str, path: str, **kw):
        r = httpx.request(method, self.root + "/admin/api/" + path, timeout=120, **kw)
        r.raise_for_status()
        return r.json()


# --- the two measurements ---------------------------------------------------

def measure_direct(standin: StandIn, forms: list[dict], count: int, concurrency: int) -> float:
    """POSTs/s the stand-in accepts from `concurrency` clients sending as fast as it answers."""
    client = httpx.Client(timeout=httpx.Timeout(30.0), trust_env=False,
                          limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency))
    counter = iter(range(count))
    lock = threading.Lock()
    failures = []

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            r = client.post(standin.base_url + "/requests.json", data=forms[i % len(forms)],
                            headers={"Idempotency-Key": f"direct-{uuid.uuid4().hex}"})
            if r.status_code != 201:
                failures.append(r.status_code)

    # Warm up: connections open, code paths hot (untimed).
    for _ in range(min(100, count)):
        client.post(standin.base_url + "/requests.json", data=forms[0], headers={"Idempotency-Key": uuid.uuid4().hex})
    t = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    elapsed = time.perf_counter() - t
    client.close()
    if failures:
        raise SetupError(f"{len(failures)} direct POSTs failed (e.g. HTTP {failures[0]})")
    return count / elapsed


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kios-bench-relay-"))
    os.environ["KIOS_INSTANCE_PATH"] = str(tmp / "instance")
    pg_name = None
    standin = StandIn(tmp)
    load_before = os.getloadavg()
    t0 = time.monotonic()
    try:
        db_url, pg_name = new_database(args.db, tmp)
        from flask_migrate import upgrade
        from sqlalchemy import func, select

        from backend import create_app, seed
        from backend.crm import payload
        from backend.crm.relay import Relay
        from backend.extensions import db
        from backend.models import Complaint, OutboxItem

        overrides = {"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", "CRM_MODE": "api",
                     "CRM_BASE_URL": standin.base_url, "CRM_LEASE_SECONDS": 300.0,
                     "CRM_CONNECT_TIMEOUT": 5.0, "CRM_READ_TIMEOUT": 30.0}
        if args.concurrency:
            overrides["CRM_CONCURRENCY"] = args.concurrency
        if args.batch:
            overrides["CRM_BATCH_SIZE"] = args.batch
        app = create_app(overrides)
        concurrency = int(app.config["CRM_CONCURRENCY"])
        with app.app_context():
            import logging

            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade()
            seed.load_reference_data()
            seed.load_demo_data()
            t = time.perf_counter()
            load_backlog(args.complaints)
            print(f"backlog: {args.complaints} complaints on {args.db}, loaded in {time.perf_counter() - t:.1f}s "
                  "(untimed)", flush=True)
            sample = db.session.scalars(select(Complaint).order_by(Complaint.id).limit(200)).all()
            forms = [payload.build(c).form() for c in sample]
            db.session.rollback()

            standin.start()
            accept_rps = measure_direct(standin, forms, args.direct, concurrency)
            print(f"stand-in, hit directly: {args.direct} POSTs from {concurrency} clients -> "
                  f"standin_accept_rps={accept_rps:.0f}", flush=True)
            standin.admin("POST", "reset")

            with Relay() as relay:
                t = time.perf_counter()
                stats = relay.run(drain=True)
                elapsed = time.perf_counter() - t
            drain_rps = args.complaints / elapsed
            print(f"relay (batch {relay.batch_size}, {concurrency} at once): {stats.delivered} delivered, "
                  f"{stats.failed} failed in {elapsed:.1f}s -> relay_drain_rps={drain_rps:.0f}", flush=True)

            # Counted at the stand-in, against the local database.
            records = standin.admin("GET", "requests")
            by_key: dict[str, list[str]] = {}
            for r in records:
                by_key.setdefault(r["idempotency_key"], []).append(r["crm_number"])
            local = dict(db.session.execute(select(Complaint.idempotency_key, Complaint.crm_number)).all())
            not_delivered = db.session.scalar(select(func.count()).select_from(OutboxItem)
                                              .where(OutboxItem.state != "delivered"))
            db.session.rollback()
        lost = sum(1 for key, crm in local.items() if len(by_key.get(key, ())) == 0 or crm not in by_key[key])
        lost = max(lost, not_delivered)
        duplicates = sum(len(v) - 1 for v in by_key.values()) + sum(1 for k in by_key if k not in local)
        ratio = drain_rps / accept_rps
        print()
        print(f"standin_accept_rps={accept_rps:.0f}")
        print(f"relay_drain_rps={drain_rps:.0f}")
        print(f"relay_ratio={ratio:.2f}  (target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")
        print(f"lost={lost} duplicates={duplicates}  (target 0 and 0: "
              f"{'met' if lost == 0 and duplicates == 0 else 'NOT met'})")
        print(f"(load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs; "
              f"total {time.monotonic() - t0:.0f}s)")
        return 1 if lost or duplicates else 0
    except SetupError as exc:
        print(f"set-up failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        standin.stop()
        try:
            drop_database(pg_name)
        except Exception as exc:  # noqa: BLE001 - report, keep cleaning up
            print(f"could not drop the benchmark database: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
