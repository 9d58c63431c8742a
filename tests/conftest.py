"""Fixtures: the app on each database lane, a test client, a flow driver,
a live server and a real Chromium.

Database lanes: every test that uses `app` runs on SQLite and on PostgreSQL.
The PostgreSQL lane creates a database of its own on the local server
(KIOS_TEST_PG_ADMIN_URL) and drops it at the end. Lanes are never skipped:
if PostgreSQL is not reachable the lane fails and says how to start it.
Choose lanes with KIOS_TEST_LANES=sqlite (for a quick local run only).
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
PG_ADMIN_URL = os.environ.get("KIOS_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LANES = [lane for lane in os.environ.get("KIOS_TEST_LANES", "sqlite,postgresql").split(",") if lane]
if os.environ.get("CI") == "true":
    LANES = ["sqlite", "postgresql"]  # CI runs every lane, whatever the environment says

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PUBLIC_BASE_URL": "https://aduan.jakarta-selatan.example",
    "CRM_TRACKING_URL_TEMPLATE": "https://crm.jakarta.go.id/?lacak={crm_number}",
    "CRM_MODE": "api",  # a test that switches to manual mode must not leak it into the next
    # Every test client and browser test comes from 127.0.0.1: the per-address
    # phone limit would turn a long browser run's later submissions into 429s.
    # Tests of the limits themselves lower them (tests/kiosk/test_api*.py).
    "RATELIMIT_API_PHONE": "10000 per minute",
    "RATELIMIT_API_TRACK": "10000 per minute",
    "RATELIMIT_RECEIPT_LINK": "10000 per minute",
    # Every kiosk page in a fresh browser profile leases numbers for tebet-timur:
    # a long browser run passes the kiosk's 30 a minute.
    "RATELIMIT_API_LEASE": "10000 per minute",
}


def _create_pg_database() -> tuple[str, str]:
    name = f"kios_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL lane: cannot reach {PG_ADMIN_URL} ({exc}). "
                    "Start it with scripts/services.sh, or set KIOS_TEST_LANES=sqlite for a quick local run.")
    admin = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL)
    url = f"postgresql+psycopg://{admin.get('user', 'postgres')}@{admin.get('host', '127.0.0.1')}:{admin.get('port', 5432)}/{name}"
    return name, url


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(db_url: str, instance: Path, **overrides):
    os.environ["KIOS_INSTANCE_PATH"] = str(instance)
    from backend import create_app

    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db_url, **overrides})


def migrate_and_seed(app) -> None:
    from flask_migrate import upgrade

    from backend import seed

    with app.app_context():
        upgrade()
        seed.load_reference_data()
        seed.load_demo_data()


@contextmanager
def scratch_app(lane: str, tmp_path: Path):
    """An app on a migrated, seeded database of its own in `lane`, for a test
    that moves the migrations down and up; the database goes afterwards."""
    name, url = (None, f"sqlite:///{tmp_path / 'scratch.sqlite3'}") if lane == "sqlite" else _create_pg_database()
    try:
        app = make_app(url, tmp_path / "instance")
        migrate_and_seed(app)
        yield app
        from backend.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if name:
            _drop_pg_database(name)


@pytest.fixture(scope="session", params=LANES)
def db_url(request, tmp_path_factory):
    """A migrated, seeded database per lane: its SQLAlchemy URL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "kios.sqlite3"
        yield f"sqlite:///{path}"
        return
    name, url = _create_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def _lane_app(db_url, tmp_path_factory):
    app = make_app(db_url, tmp_path_factory.mktemp("instance"))
    migrate_and_seed(app)
    return app


# Tables that tests write; reference data (offices, categories...) stays.
def _clear_transactional_tables(app) -> None:
    from backend.extensions import db
    from backend.models import (
        Complaint, ComplaintPhoto, Draft, KioskDeliveryRefusal, MonitoringDaily, MonitoringFacet, NumberCounter,
        NumberLease, OutboxItem, StatusEvent,
    )

    with app.app_context():
        # The monitoring rollups count the complaints: cleared with them.
        for model in (KioskDeliveryRefusal, Draft, OutboxItem, StatusEvent, ComplaintPhoto, Complaint, NumberLease,
                      NumberCounter, MonitoringDaily, MonitoringFacet):
            db.session.execute(delete(model))
        _clear_officer_tables(db)
        db.session.commit()


def _clear_officer_tables(db) -> None:
    """Officers, sessions, audit, roster, hours; kiosks back to the demo seed."""
    from sqlalchemy import update

    from backend import workdays
    from backend.models import (
        AuditLog, DutyDay, DutyOfficer, DutySection, HolidayOverride, Kiosk, KioskHelpCall, LoginFailure,
        OfficeHours, OfficerSession, User,
    )
    from backend.seed import DEMO_KIOSKS

    for model in (KioskHelpCall, DutyOfficer, DutyDay, DutySection, OfficerSession, AuditLog, LoginFailure,
                  OfficeHours, HolidayOverride, User):
        db.session.execute(delete(model))
    demo = [code for code, *_rest in DEMO_KIOSKS]
    db.session.execute(delete(Kiosk).where(Kiosk.code.not_in(demo)))
    db.session.execute(update(Kiosk).values(active=True, device_token_hash=None, pairing_code_hash=None,
                                            pairing_expires_at=None, last_heartbeat_at=None, printer_status=None,
                                            printer_status_at=None))
    workdays.invalidate()


@pytest.fixture
def app(_lane_app):
    _lane_app.config.update(TEST_CONFIG)
    yield _lane_app
    _clear_transactional_tables(_lane_app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def lane(db_url) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def flow(client):
    from tests.flowdriver import FlowDriver

    return FlowDriver(client)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


# --- live server and browser (SQLite; the browser sees what users see) -----

@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "kios.sqlite3"
    app = make_app(f"sqlite:///{path}", tmp_path_factory.mktemp("live-instance"),
                   KIOSK_IDLE_SECONDS=90, KIOSK_IDLE_WARNING_SECONDS=20,
                   KIOSK_HELP_POLL_SECONDS=1)  # a caller's screen sees the answer within a second
    migrate_and_seed(app)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright's own browser builds cannot be downloaded here.
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("KIOS_CHROMIUM", "/usr/bin/chromium"),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"],
    }


@pytest.fixture
def artifacts(request) -> Path:
    """A folder for screenshots and renders of this test, kept after the run."""
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
