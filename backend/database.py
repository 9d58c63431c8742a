"""Database engine set-up that differs between SQLite and PostgreSQL."""
from __future__ import annotations

from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from backend.extensions import db

_BEGIN_OPTION = "kios_sqlite_begin"
_IMMEDIATE = "kios_immediate"  # connection.info flag: this transaction holds the write lock


def _wants_write_lock() -> bool:
    # Requests that change state read first, then write. In WAL mode a
    # deferred transaction that read an older snapshot cannot upgrade to a
    # writer while another writes: SQLite answers SQLITE_BUSY at once, without
    # waiting for busy_timeout. Taking the write lock at BEGIN makes writers
    # queue (with busy_timeout) instead of failing.
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, synchronous=FULL, foreign keys, and a BEGIN we control.

    pysqlite's own transaction handling would start transactions lazily with
    a plain BEGIN; we take it over so that writing requests and intake get
    BEGIN IMMEDIATE (the write lock up front, so that two submissions never
    read the same counter) while reads keep a deferred BEGIN.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # A printed receipt must never name a row lost to a power cut.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        begin = conn.get_execution_options().get(_BEGIN_OPTION)
        if begin is None:
            begin = "BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN"
        conn.info[_IMMEDIATE] = begin == "BEGIN IMMEDIATE"
        conn.exec_driver_sql(begin)


def _holds_write_lock(scoped) -> bool:
    session = scoped()  # the request's Session behind the scoped_session proxy
    if not session.in_transaction():
        return False
    conn = session.connection()
    return conn.dialect.name != "sqlite" or conn.info.get(_IMMEDIATE, False)


@contextmanager
def immediate_transaction():
    """A session transaction that holds the database's write lock from its start.

    On SQLite this is BEGIN IMMEDIATE; on PostgreSQL an ordinary transaction
    (row locks taken by the counter upsert serialise what must be serial).
    A transaction that already holds the lock (a writing request's) is
    continued, so that what the request loaded stays loaded. Commits on
    success, rolls back on error.
    """
    session = db.session
    if not _holds_write_lock(session):
        # Finish what was read so far: the new transaction must begin with
        # our BEGIN IMMEDIATE, not continue a deferred one.
        session.rollback()
        session.connection(execution_options={_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
