"""The kiosk's submission (POST /k/<code>/kirim) takes the database's write
lock for the write only (backend.database.reads_first), takes its hot locks
last, and stays correct when kiosks in several processes submit at once."""
from __future__ import annotations

import multiprocessing as mp
import os
import threading

import pytest
from sqlalchemy import event, func, select

from backend import damm, intake, numbering
from backend.database import _wants_write_lock
from backend.extensions import db
from backend.models import Complaint, Draft, MonitoringDaily, OutboxItem, StatusEvent
from backend.numbering import parse_number
from tests.flowdriver import _KEY, FlowDriver, receipt_number

HTMX = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "page",
        "HX-Current-URL": "http://localhost/k/tebet-timur/periksa"}


def _record(engine):
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()[:3]).upper())

    def commit(conn):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    return seen, lambda: (event.remove(engine, "before_cursor_execute", before), event.remove(engine, "commit", commit))


def _review(flow: FlowDriver) -> str:
    flow.fill_all()
    page = flow.get("/periksa")
    assert page.status == 200
    return _KEY.search(page.html).group(1)


def _first(seen: list[str], prefix: str) -> int:
    return next(i for i, s in enumerate(seen) if s.startswith(prefix))


def test_the_submission_reads_before_the_write_lock_and_shows_the_receipt_after_it(app, flow, lane):
    key = _review(flow)
    with app.app_context():
        engine = db.engine
    seen, stop = _record(engine)
    try:
        page = flow.post("/kirim", {"idempotency_key": key}, headers=HTMX)
    finally:
        stop()
    assert page.status == 200 and "<!doctype" not in page.html[:100].lower()  # #page only, to htmx
    number = receipt_number(page.html)
    assert damm.is_valid(number.replace("-", ""))
    write = _first(seen, "INSERT INTO COMPLAINTS")
    commit = seen.index("COMMIT", write)
    # The hot rows last: the counter, the number, then the dashboard's counters, then COMMIT.
    counter, renumber = _first(seen, "INSERT INTO NUMBER_COUNTERS"), _first(seen, "UPDATE COMPLAINTS SET")
    assert write < counter < renumber < _first(seen, "INSERT INTO MONITORING_DAILY") < commit
    if lane == "sqlite":
        assert seen[0] == "BEGIN"  # the kiosk, the draft, validation: a deferred read
        immediate = seen.index("BEGIN IMMEDIATE")
        assert seen.count("BEGIN IMMEDIATE") == 1
        assert _first(seen, "SELECT CATEGORIES.ID,") < immediate < write
        # Under the lock the key is looked up again before anything is written.
        assert seen[immediate + 1].startswith("SELECT COMPLAINTS.ID,")
        # After COMMIT: no write lock again (the receipt reads in a deferred transaction, if at all).
        assert all(s != "BEGIN IMMEDIATE" for s in seen[commit:])
    with app.app_context():
        stored = db.session.execute(select(Complaint)).scalar_one()
        assert stored.number == number
        assert db.session.scalar(select(func.count()).select_from(StatusEvent)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 1
        assert db.session.execute(select(Draft.complaint_id)).scalar_one() == stored.id
        # Counted once in its kelurahan, kecamatan and the city, at the day and month grains.
        assert db.session.scalar(select(func.sum(MonitoringDaily.complaints))) == 6


def test_the_whole_page_answer_is_the_same_receipt(app, flow):
    key = _review(flow)
    page = flow.post("/kirim", {"idempotency_key": key})
    assert page.status == 200 and page.html.lstrip().lower().startswith("<!doctype")
    again = flow.post("/kirim", {"idempotency_key": key}, headers=HTMX)  # a double tap: the same receipt
    assert again.status in (200, 303)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_only_the_kiosk_submission_is_read_first(app):
    with app.test_request_context("/k/tebet-timur/kirim", method="POST"):
        assert not _wants_write_lock()
    for path in ("/k/tebet-timur/kategori", "/k/tebet-timur/mulai", "/k/tebet-timur/selesai", "/api/v1/laporan"):
        with app.test_request_context(path, method="POST"):
            assert _wants_write_lock(), path
    with app.test_request_context("/k/tebet-timur/periksa", method="GET"):
        assert not _wants_write_lock()


def test_a_complaint_stored_under_the_same_key_meanwhile_is_replayed_not_doubled(app_ctx, monkeypatch):
    """Between the reads and the write lock another request stores the same
    answers under the same key: the check under the lock finds it."""
    req = intake.IntakeRequest(
        idempotency_key="same-key-raced", channel="kiosk", category_code="JALAN_RUSAK", kelurahan_code="0101",
        description="Lampu jalan mati sejak tiga hari, gelap sekali.", identity="anonymous", consent=True,
        kiosk_code="tebet-timur",
    )
    app = app_ctx
    real_route, other = intake.route, {}

    def racing_route(category, kelurahan):
        if not other:  # the first call only (the other request routes too)
            other["started"] = True

            def run():
                with app.app_context():
                    other["number"] = intake.submit(req).complaint.number

            t = threading.Thread(target=run)
            t.start()
            t.join(30)
        return real_route(category, kelurahan)

    monkeypatch.setattr(intake, "route", racing_route)
    result = intake.submit(req)
    assert result.replayed and result.complaint.number == other["number"]
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_a_failure_after_the_rows_are_written_leaves_nothing_and_the_next_one_is_numbered(app, flow, monkeypatch):
    key = _review(flow)

    def exhausted(*args, **kwargs):
        raise numbering.SequenceExhausted("test")

    monkeypatch.setattr(numbering, "allocate", exhausted)
    with pytest.raises(numbering.SequenceExhausted):
        flow.post("/kirim", {"idempotency_key": key})
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0  # no row under a placeholder
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0
        assert db.session.scalar(select(func.count()).select_from(MonitoringDaily)) == 0
    page = flow.post("/kirim", {"idempotency_key": key})
    assert page.status == 200
    assert parse_number(receipt_number(page.html)).sequence == 1


# --- kiosks in several processes ------------------------------------------------------

PROCESSES = 3
EACH = 6


def _kiosk_worker(db_url: str, instance: str, barrier, results, worker: int) -> None:
    os.environ["KIOS_INSTANCE_PATH"] = instance
    from tests.conftest import make_app

    app = make_app(db_url, instance)
    out = {"numbers": [], "errors": []}
    try:
        flows = []
        for _ in range(EACH):  # untimed: citizens at the review screen
            flow = FlowDriver(app.test_client())
            flows.append((flow, _review(flow)))
        barrier.wait(timeout=60)
        for i, (flow, key) in enumerate(flows):
            page = flow.post("/kirim", {"idempotency_key": key}, headers=HTMX if i % 2 else {})
            if page.status != 200:
                out["errors"].append(f"{page.status}: {page.html[:300]}")
            else:
                out["numbers"].append(receipt_number(page.html))
    except Exception as exc:  # reported to the test, which fails with it
        out["errors"].append(f"{type(exc).__name__}: {exc}")
    results.put(out)


def test_kiosk_submissions_from_several_processes_at_once(app, db_url, tmp_path):
    """No "database is locked", no 500: every submission gets a unique, valid, gap-free number."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_kiosk_worker, args=(db_url, str(tmp_path), barrier, results, w))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    outs = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    errors = [e for o in outs for e in o["errors"]]
    assert errors == []
    numbers = [n for o in outs for n in o["numbers"]]
    assert len(numbers) == PROCESSES * EACH == len(set(numbers))
    assert sorted(parse_number(n).sequence for n in numbers) == list(range(1, PROCESSES * EACH + 1))
    with app.app_context():
        assert sorted(db.session.scalars(select(Complaint.number))) == sorted(numbers)
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == len(numbers)


def test_an_expired_draft_is_discarded_by_a_reading_request_while_others_write(app, flow, monkeypatch):
    """GET /periksa finds the draft expired and deletes it. On SQLite its
    deferred read transaction could not become a write after another request
    committed meanwhile (SQLITE_BUSY at once): the delete takes the write lock."""
    from datetime import timedelta

    from backend import drafts
    from backend.models import utcnow

    _review(flow)
    with app.app_context():
        draft = db.session.execute(select(Draft)).scalar_one()
        draft.updated_at = utcnow() - timedelta(days=30)
        db.session.commit()

    def now_while_another_writes():
        def write():
            with app.app_context():
                db.session.execute(select(func.count()).select_from(Complaint))
                intake.submit(intake.IntakeRequest(
                    idempotency_key=os.urandom(8).hex(), channel="kiosk", category_code="JALAN_RUSAK",
                    kelurahan_code="0101", description="Trotoar rusak di depan pasar, banyak lubang.",
                    identity="anonymous", consent=True, kiosk_code="tebet-timur"))

        t = threading.Thread(target=write)
        t.start()
        t.join(30)
        return utcnow()

    monkeypatch.setattr(drafts, "utcnow", now_while_another_writes)
    page = flow.get("/periksa")
    assert page.status == 302 and page.location.endswith("/k/tebet-timur/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
