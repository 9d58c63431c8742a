"""SQLite writers queue at backend.database.WriteGate (a lock of the process,
then flock(2) of `<database>-writers`) before BEGIN IMMEDIATE. It must be
released on every path, so that the next writer always proceeds."""
from __future__ import annotations

import fcntl
import multiprocessing as mp
import os
import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from backend.database import _BEGIN_OPTION, WriteGate, configure_engine, immediate_transaction
from backend.extensions import db

IMMEDIATE = {_BEGIN_OPTION: "BEGIN IMMEDIATE"}


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "gate.sqlite3")


@pytest.fixture
def engine(path):
    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    gate = WriteGate.for_database(path)
    saved = gate.timeout
    yield engine
    gate.timeout = saved
    engine.dispose()


def gate_free(path: str) -> bool:
    """Neither this process's writer lock nor the lock file is held."""
    gate = WriteGate.for_database(path)
    if gate._mutex.locked():
        return False
    fd = os.open(path + "-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another open file: conflicts in this process too
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def rows(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT v FROM t ORDER BY id")).scalars())


def test_held_from_begin_immediate_to_commit(engine, path):
    with engine.connect().execution_options(**IMMEDIATE) as conn:
        with conn.begin():
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
            assert not gate_free(path)
        assert gate_free(path)
    with engine.connect() as conn, conn.begin():  # a deferred (reading) transaction takes no gate
        conn.exec_driver_sql("SELECT 1")
        assert gate_free(path)


def test_released_when_a_transaction_fails_midway_and_the_next_writer_proceeds(engine, path):
    with pytest.raises(OperationalError):
        with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('lost')")
            conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
    assert gate_free(path)
    with pytest.raises(RuntimeError):
        with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('lost too')")
            raise RuntimeError("a bug in the middle of a write")
    assert gate_free(path)
    WriteGate.for_database(path).timeout = 2  # a leaked gate would fail the next writer, not hang it
    done = []

    def next_writer():
        with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('next')")
        done.append(True)

    t = threading.Thread(target=next_writer)
    t.start()
    t.join(10)
    assert done == [True]
    assert rows(engine) == ["next"]


def test_released_when_the_connection_is_invalidated_or_closed(engine, path):
    conn = engine.connect().execution_options(**IMMEDIATE)
    conn.begin()
    conn.exec_driver_sql("INSERT INTO t (v) VALUES ('x')")
    assert not gate_free(path)
    conn.invalidate()  # as after a lost connection: the driver's connection is closed
    assert gate_free(path)
    conn.close()
    raw = engine.raw_connection()
    try:
        WriteGate.for_database(path).acquire(raw.dbapi_connection)
        assert not gate_free(path)
    finally:
        raw.invalidate()  # closed without COMMIT or ROLLBACK
    assert gate_free(path)


def test_released_when_begin_immediate_itself_fails(engine, path):
    """Another program (no gate: the sqlite3 shell, a backup) holds the write lock past the busy timeout."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=50")
            conn.commit()
            with pytest.raises(OperationalError, match="locked"):
                with conn.execution_options(**IMMEDIATE).begin():
                    pass
        assert gate_free(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('after')")
    assert rows(engine) == ["after"]


def test_a_writer_that_waits_for_itself_gets_an_error_not_a_hang(engine, path):
    WriteGate.for_database(path).timeout = 0.3
    with engine.connect().execution_options(**IMMEDIATE) as first, first.begin():
        first.exec_driver_sql("INSERT INTO t (v) VALUES ('first')")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            with engine.connect().execution_options(**IMMEDIATE) as second, second.begin():
                pass
        assert time.monotonic() - started < 5
    assert gate_free(path)
    assert rows(engine) == ["first"]


def test_threads_of_one_process_all_write(engine, path):
    def writer(i):
        for j in range(20):
            with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
                conn.exec_driver_sql(f"INSERT INTO t (v) VALUES ('{i}-{j}')")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(rows(engine)) == 120
    assert gate_free(path)


# --- across processes ----------------------------------------------------------------

def _writer_process(path: str, hold: float, timeout: float, ready, started, results) -> None:
    from sqlalchemy import create_engine

    from backend.database import _BEGIN_OPTION, WriteGate, configure_engine

    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine)
    WriteGate.for_database(path).timeout = timeout
    ready.set()
    t0 = time.monotonic()
    try:
        with engine.connect().execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"}) as conn, conn.begin():
            started.set()
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('child')")
            time.sleep(hold)
        results.put(("ok", time.monotonic() - t0))
    except Exception as exc:  # reported to the test
        results.put((f"{type(exc).__name__}: {exc}", time.monotonic() - t0))


def test_a_writer_in_another_process_waits_for_the_lock_file_then_proceeds(engine, path):
    ctx = mp.get_context("spawn")
    ready, started, results = ctx.Event(), ctx.Event(), ctx.Queue()
    with engine.connect().execution_options(**IMMEDIATE) as conn:
        with conn.begin():
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('parent')")
            child = ctx.Process(target=_writer_process, args=(path, 0, 10, ready, started, results))
            child.start()
            assert ready.wait(30)
            time.sleep(0.8)  # the child waits on the lock file meanwhile
            assert not started.is_set()
    outcome, waited = results.get(timeout=30)
    child.join(10)
    assert outcome == "ok" and waited >= 0.7
    assert rows(engine) == ["parent", "child"]


def test_a_process_that_dies_holding_the_lock_file_releases_it(engine, path):
    ctx = mp.get_context("spawn")
    ready, started, results = ctx.Event(), ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_writer_process, args=(path, 60, 10, ready, started, results))
    child.start()
    assert started.wait(30)
    assert not gate_free(path)
    child.kill()
    child.join(10)
    assert gate_free(path)
    with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('after')")
    assert rows(engine) == ["after"]


def test_the_app_releases_it_when_a_write_fails(app_ctx, lane):
    """Through the session, as the app writes: an error inside immediate_transaction()."""
    with pytest.raises(RuntimeError):
        with immediate_transaction() as session:
            session.execute(text("UPDATE kiosks SET name = name"))
            raise RuntimeError("midway")
    if lane == "sqlite":
        assert gate_free(db.engine.url.database)
    with immediate_transaction() as session:  # the next writer proceeds
        session.execute(text("UPDATE kiosks SET name = name"))
