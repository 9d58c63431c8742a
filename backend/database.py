"""Database engine set-up that differs between SQLite and PostgreSQL."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from backend.extensions import db

_BEGIN_OPTION = "kios_sqlite_begin"


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, synchronous=FULL, foreign keys, and a BEGIN we control.

    pysqlite's own transaction handling would start transactions lazily with
    a plain BEGIN; we take it over so that intake can ask for BEGIN IMMEDIATE
    (the write lock up front, so that two submissions never read the same
    counter) while ordinary reads keep a deferred BEGIN.
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
        conn.exec_driver_sql(conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))


@contextmanager
def immediate_transaction():
    """A session transaction that holds the database's write lock from its start.

    On SQLite this is BEGIN IMMEDIATE; on PostgreSQL an ordinary transaction
    (row locks taken by the counter upsert serialise what must be serial).
    Commits on success, rolls back on error.
    """
    session = db.session
    # Finish whatever the request read so far: the new transaction must begin
    # with our BEGIN, not continue a deferred one.
    session.rollback()
    session.connection(execution_options={_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
