"""Database engine set-up that differs between SQLite and PostgreSQL."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from backend.extensions import db

_BEGIN_OPTION = "kios_sqlite_begin"
_IMMEDIATE = "kios_immediate"  # connection.info flag: this transaction holds the write lock
_READS_FIRST = "_kios_reads_first"  # attribute set on a view by @reads_first
BUSY_TIMEOUT_MS = 15000


def reads_first(view):
    """Opt a writing view out of BEGIN IMMEDIATE at its first statement.

    Its reads run in ordinary (deferred) transactions and every write must go
    through `immediate_transaction()` (which ends the read transaction and
    begins IMMEDIATE), also after its main write (an audit row, a discarded
    draft): never ORM changes committed by the view itself, which would
    upgrade a deferred transaction (see `_wants_write_lock`). Worth it for a
    hot endpoint whose reads and rendering would otherwise hold the
    database's write lock (the kiosk's submission). PostgreSQL is unaffected.
    """
    setattr(view, _READS_FIRST, True)
    return view


def _wants_write_lock() -> bool:
    # Requests that change state read first, then write. In WAL mode a
    # deferred transaction that read an older snapshot cannot upgrade to a
    # writer while another writes: SQLite answers SQLITE_BUSY at once, without
    # waiting for busy_timeout. Taking the write lock at BEGIN makes writers
    # queue (with busy_timeout) instead of failing.
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, _READS_FIRST, False)


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, synchronous=FULL, foreign keys, and a BEGIN we control.

    pysqlite's own transaction handling would start transactions lazily with
    a plain BEGIN; we take it over so that writing requests and intake get
    BEGIN IMMEDIATE (the write lock up front, so that two submissions never
    read the same counter) while reads keep a deferred BEGIN. Each BEGIN
    IMMEDIATE first passes the database file's WriteGate.
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
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    gate = WriteGate.for_database(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        begin = conn.get_execution_options().get(_BEGIN_OPTION)
        if begin is None:
            begin = "BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN"
        conn.info[_IMMEDIATE] = begin == "BEGIN IMMEDIATE"
        if gate is None or begin != "BEGIN IMMEDIATE":
            conn.exec_driver_sql(begin)
            return
        raw = conn.connection.dbapi_connection
        try:
            gate.acquire(raw)
        except sqlite3.OperationalError as exc:  # as SQLite's own "database is locked" would come
            raise OperationalError(begin, None, exc) from exc
        try:
            conn.exec_driver_sql(begin)
        except BaseException:
            gate.release(raw)
            raise

    if gate is not None:
        gate.hook(engine.dialect)


class WriteGate:
    """Writers to one SQLite file queue here, blocked in the kernel, before BEGIN IMMEDIATE.

    Without it, a writer that finds the write lock taken polls in SQLite's
    busy handler, which sleeps 1, 2, 5, 10... 100 ms between tries: under
    load the lock stands free while the next writer sleeps. Here a writer
    waits on a lock of its process (threading.Lock) and then on an exclusive
    flock(2) of `<database>-writers` shared by every process, and wakes as
    soon as the writer before it commits or rolls back.

    Advisory only: SQLite's own lock still serialises writers (busy_timeout
    stays the fallback, e.g. for the sqlite3 shell, which takes no gate).
    Released after COMMIT, ROLLBACK and when the connection is closed or
    invalidated (the dialect's do_commit/do_rollback/do_close/do_terminate),
    whatever they raise; a process that dies releases its flock with it.
    Waits are bounded by the busy timeout and then fail as SQLite would
    ("database is locked"), so a writer that waits for itself (a second
    connection in the same thread) gets an error, not a hang.
    """

    _gates: dict[str, WriteGate] = {}
    _gates_lock = threading.Lock()

    def __init__(self, path: str, timeout: float):
        self.path = path
        self.timeout = timeout
        self._mutex = threading.Lock()  # one writer per process: one flock waiter per process
        self._holder = None  # the raw DBAPI connection that holds the gate
        self._fd: int | None = None
        self._swap = threading.Lock()  # guards _holder/_fd: a release happens once

    @classmethod
    def for_database(cls, database: str | None) -> WriteGate | None:
        """The gate of a database file (one per file and process), or None for an in-memory one."""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = os.path.abspath(database) + "-writers"
        with cls._gates_lock:
            gate = cls._gates.get(path)
            if gate is None:
                gate = cls._gates[path] = cls(path, BUSY_TIMEOUT_MS / 1000)
            return gate

    def acquire(self, holder) -> None:
        if not self._mutex.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (waited for this process's writer)")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._flock(fd)
        except BaseException:
            self._mutex.release()
            raise
        with self._swap:
            self._fd, self._holder = fd, holder

    def _flock(self, fd: int) -> None:
        """Lock `fd`; on failure it is closed (here or by an abandoned helper)."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        # Taken by another process: block in flock(2) in a helper thread, so
        # that this wait can time out. The fd is this attempt's own; an
        # abandoned helper closes it, which releases the lock it may get.
        state = {"got": False, "abandoned": False, "error": None}
        lock, done = threading.Lock(), threading.Event()

        def wait():
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:
                state["error"] = exc
            with lock:
                if state["abandoned"]:
                    os.close(fd)
                else:
                    state["got"] = state["error"] is None
                done.set()

        try:
            threading.Thread(target=wait, name="sqlite-write-gate", daemon=True).start()
        except BaseException:
            os.close(fd)
            raise
        if not done.wait(self.timeout):
            with lock:
                if not done.is_set():
                    state["abandoned"] = True  # the helper closes fd
                    raise sqlite3.OperationalError("database is locked (waited for another process's writer)")
        if not state["got"]:
            os.close(fd)
            raise state["error"] or sqlite3.OperationalError("database is locked")

    def release(self, holder) -> None:
        """Release if `holder` (a raw DBAPI connection) holds the gate; else nothing."""
        with self._swap:
            if holder is None or self._holder is not holder:
                return
            fd, self._fd, self._holder = self._fd, None, None
        try:
            os.close(fd)  # releases the flock
        finally:
            self._mutex.release()

    def _after_fork_in_child(self) -> None:
        # The parent's writer is not ours: a fresh mutex, and our copy of its
        # fd closed (the parent's flock stays until the parent closes its own).
        self._mutex, self._swap = threading.Lock(), threading.Lock()
        fd, self._fd, self._holder = self._fd, None, None
        if fd is not None:
            os.close(fd)

    def hook(self, dialect) -> None:
        """Release after the driver's COMMIT / ROLLBACK / close, whatever it raised."""

        def releasing(original):
            def call(dbapi_connection, *args, **kwargs):
                try:
                    return original(dbapi_connection, *args, **kwargs)
                finally:
                    self.release(getattr(dbapi_connection, "dbapi_connection", dbapi_connection))

            return call

        for name in ("do_commit", "do_rollback", "do_close", "do_terminate"):
            setattr(dialect, name, releasing(getattr(dialect, name)))


def _holds_write_lock(scoped) -> bool:
    session = scoped()  # the request's Session behind the scoped_session proxy
    if not session.in_transaction():
        return False
    conn = session.connection()
    return conn.dialect.name != "sqlite" or conn.info.get(_IMMEDIATE, False)


@contextmanager
def immediate_transaction(*, keep_loaded: bool = False):
    """A session transaction that holds the database's write lock from its start.

    On SQLite this is BEGIN IMMEDIATE; on PostgreSQL an ordinary transaction
    (row locks taken by the counter upsert serialise what must be serial).
    A transaction that already holds the lock (a writing request's) is
    continued, so that what the request loaded stays loaded. Commits on
    success, rolls back on error.

    `keep_loaded`: commit without expiring what the session has loaded, at
    both ends. A deferred read transaction that has to end first (and has
    nothing unflushed) ends with such a COMMIT, so what was read is not read
    again under the write lock; and the objects written keep the values just
    committed, so showing them reads nothing again. Only for callers that
    re-read under the lock whatever must be current (intake: the idempotency
    key, leases).
    """
    session = db.session
    if not _holds_write_lock(session):
        # Finish what was read so far: the new transaction must begin with
        # our BEGIN IMMEDIATE, not continue a deferred one.
        if keep_loaded and not (session.new or session.dirty or session.deleted):
            _commit_keeping_loaded(session)  # nothing to write: ends the snapshot only
        else:
            session.rollback()
        session.connection(execution_options={_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    try:
        yield session
        if keep_loaded:
            _commit_keeping_loaded(session)
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise


def _commit_keeping_loaded(scoped) -> None:
    session = scoped()  # the Session behind the scoped_session proxy
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _reset_gates_in_child() -> None:
    for gate in WriteGate._gates.values():
        gate._after_fork_in_child()
    WriteGate._gates_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_gates_in_child)
