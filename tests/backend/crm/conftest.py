"""CRM fixtures: the real stand-in on a loopback port, the app pointed at it
with small timeouts and backoff, a clock the test moves, and helpers to file
complaints and read what the stand-in received.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend import intake
from backend.extensions import db
from backend.models import Complaint, OutboxItem, utcnow
from backend.statuses import Channel

ROOT = Path(__file__).resolve().parents[3]
FLASK = str(ROOT / ".venv" / "bin" / "flask")

# Small values so that retries, leases and timeouts take a fraction of a second.
FAST = {
    "CRM_MODE": "api",
    "CRM_CONNECT_TIMEOUT": 0.5,
    "CRM_READ_TIMEOUT": 1.0,
    "CRM_BACKOFF_BASE_SECONDS": 0.01,
    "CRM_BACKOFF_MAX_SECONDS": 0.05,
    "CRM_LEASE_SECONDS": 3.0,
    "CRM_GIVE_UP_AFTER_SECONDS": 72 * 3600.0,
    "CRM_BATCH_SIZE": 20,
    "CRM_CONCURRENCY": 4,
    "CRM_POLL_SECONDS": 0.05,
    "CRM_SYNC_BATCH_SIZE": 50,
    "CRM_API_KEY": "",
}


class StandIn:
    """The stand-in CRM app served by werkzeug in a thread; stop() and start()
    again on the same port to play "down" (connection refused)."""

    def __init__(self, database: Path):
        from backend.crm.standin import create_app

        self.app = create_app({"STANDIN_DATABASE": str(database)})
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
        self.port = 0
        self._server = None
        self._thread = None
        self.http = httpx.Client(timeout=10)
        self.start()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + "/open311/v2"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        from werkzeug.serving import make_server

        if self._server is not None:
            return
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self._server = None

    # --- the admin API, over HTTP as any client would use it ----------------

    def faults(self, mode: str = "ok", **kw) -> dict:
        r = self.http.post(self.root + "/admin/api/faults", json={"mode": mode, **kw})
        r.raise_for_status()
        return r.json()

    def records(self) -> list[dict]:
        return self.http.get(self.root + "/admin/api/requests").json()

    def stats(self) -> dict:
        return self.http.get(self.root + "/admin/api/stats").json()

    def set_status(self, crm_number: str, status: str, at=None, note=None) -> dict:
        body = {"status": status}
        if at is not None:
            body["at"] = at.isoformat()
        if note:
            body["note"] = note
        r = self.http.post(self.root + f"/admin/api/requests/{crm_number}/status", json=body)
        r.raise_for_status()
        return r.json()

    def reset(self) -> None:
        self.start()
        self.http.post(self.root + "/admin/api/reset").raise_for_status()


@pytest.fixture(scope="session")
def _standin(tmp_path_factory):
    s = StandIn(tmp_path_factory.mktemp("standin") / "crm-standin.sqlite3")
    yield s
    s.stop()
    s.http.close()


@pytest.fixture
def standin(_standin):
    _standin.reset()
    yield _standin
    _standin.start()
    _standin.faults("ok")


@pytest.fixture
def crm(app, standin):
    """The app (on its database lane) talking to the stand-in, inside an app context."""
    saved = {k: app.config.get(k) for k in (*FAST, "CRM_BASE_URL")}
    app.config.update(FAST, CRM_BASE_URL=standin.base_url)
    with app.app_context():
        yield app
    app.config.update(saved)


class Clock:
    """A clock the test moves: the relay reads time only through it."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def reset(self) -> None:
        """To the real time now (after filing complaints, so that they are due)."""
        self.now = utcnow()


@pytest.fixture
def clock():
    return Clock()


def file_complaints(n: int = 1, **overrides) -> list[Complaint]:
    out = []
    for i in range(n):
        fields = dict(
            idempotency_key=uuid.uuid4().hex, channel=Channel.KIOSK, category_code="JALAN_RUSAK",
            kelurahan_code="0101", description=f"Lubang besar di depan sekolah nomor {i}, berbahaya.",
            identity="named", consent=True, name="Budi Santoso", phone="081234567890",
            email="budi@example.id", nik="3174011234567890", kiosk_code="tebet-timur",
        )
        fields.update(overrides)
        out.append(intake.submit(intake.IntakeRequest(**fields)).complaint)
    return out


def complaints() -> list[Complaint]:
    db.session.rollback()  # a fresh snapshot: the relay may have written from elsewhere
    return db.session.scalars(select(Complaint).order_by(Complaint.id)).all()


def outbox_rows() -> list[OutboxItem]:
    db.session.rollback()
    return db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()


def assert_exactly_once(standin: StandIn, expected: int) -> None:
    """Every complaint delivered, and the stand-in holds one record per complaint, matching its number."""
    rows = outbox_rows()
    assert len(rows) == expected
    assert {r.state for r in rows} == {"delivered"}
    records = standin.records()
    assert len(records) == expected
    by_key = {r["idempotency_key"]: r for r in records}
    assert len(by_key) == expected  # no key twice
    for c in complaints():
        assert by_key[c.idempotency_key]["crm_number"] == c.crm_number
        assert by_key[c.idempotency_key]["attributes"]["local_number"] == c.number
        assert [e.status for e in c.events].count("forwarded") == 1


# --- the relay as a separate process ------------------------------------------

def relay_env(db_url: str, standin: StandIn, instance: Path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "KIOS_", "DATABASE_URL"))}
    env.update({
        "FLASK_APP": "backend",
        "DATABASE_URL": db_url,
        "KIOS_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "CRM_BASE_URL": standin.base_url,
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in FAST.items()})
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def start_relay(env: dict, log: Path, *args: str) -> subprocess.Popen:
    fh = open(log, "w")
    try:
        return subprocess.Popen([FLASK, "crm", "relay", "--no-sync", *args], cwd=ROOT, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)
    finally:
        fh.close()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.02, what: str = "condition",
             processes: tuple[tuple[subprocess.Popen, Path], ...] = ()):
    """Poll until `predicate()` is true; fail at once if one of `processes` (with its log) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        for proc, log in processes:
            if proc.poll() is not None:
                raise AssertionError(f"{' '.join(proc.args[1:4])} exited with {proc.returncode} while waiting for "
                                     f"{what}:\n{log.read_text()[-3000:]}")
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def python() -> str:
    return sys.executable
