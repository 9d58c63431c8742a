"""The stand-in CRM's own database: one SQLite file, plain sqlite3.

Tables: requests (the CRM records, with exactly what arrived on the wire),
history (each status a record went through, with its time), day_counters
(CRM numbers: JK + YYMMDD + a sequence per day, in WIB), deliveries (every
POST that reached the store: created, replayed by Idempotency-Key, or
refused), settings (the fault settings, shared by every thread and process).
"""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

STATUSES = ("Menunggu", "Menunggu Validasi", "Koordinasi", "Disposisi", "Proses", "Selesai", "TL Ditolak")
CLOSED_STATUSES = ("Selesai",)

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    crm_number TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
    token TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL,
    service_name TEXT,
    description TEXT NOT NULL,
    address_string TEXT,
    lat REAL,
    long REAL,
    first_name TEXT,
    last_name TEXT,
    email TEXT,
    phone TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    received TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT 'api',
    status TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS ix_history_request ON history(request_id);
CREATE TABLE IF NOT EXISTS day_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    idempotency_key TEXT,
    outcome TEXT NOT NULL,
    request_id INTEGER
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

NO_FAULT = {"mode": "ok", "delay": 0.0, "status": 503, "remaining": None}
FAULT_MODES = ("ok", "down", "slow", "error", "accept_then_timeout")


def now_wib() -> datetime:
    return datetime.now(WIB).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return dt.astimezone(WIB).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.connect()
        return conn

    def close_thread_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def write(self):
        """BEGIN IMMEDIATE ... COMMIT: one writer at a time, across threads and processes."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def read(self) -> sqlite3.Connection:
        return self._conn()

    # --- records ------------------------------------------------------------

    def create(self, *, fields: dict, attributes: dict, received: dict, idempotency_key: str | None,
               source: str = "api") -> tuple[sqlite3.Row, bool]:
        """Store a new record, or return the one this key already made (replayed=True)."""
        import secrets

        with self.write() as conn:
            if idempotency_key:
                row = conn.execute("SELECT * FROM requests WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
                if row is not None:
                    conn.execute("INSERT INTO deliveries (at, idempotency_key, outcome, request_id) VALUES (?, ?, ?, ?)",
                                 (iso(now_wib()), idempotency_key, "replayed", row["id"]))
                    return row, True
            now = now_wib()
            day = now.strftime("%y%m%d")
            seq = conn.execute(
                "INSERT INTO day_counters (day, last) VALUES (?, 1) "
                "ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last", (day,)
            ).fetchone()[0]
            crm_number = f"JK{day}{seq:04d}"
            cur = conn.execute(
                "INSERT INTO requests (crm_number, idempotency_key, token, service_code, service_name, description, "
                "address_string, lat, long, first_name, last_name, email, phone, attributes, received, source, "
                "status, requested_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (crm_number, idempotency_key or None, secrets.token_hex(8), fields["service_code"],
                 fields.get("service_name"), fields["description"], fields.get("address_string"),
                 fields.get("lat"), fields.get("long"), fields.get("first_name"), fields.get("last_name"),
                 fields.get("email"), fields.get("phone"), json.dumps(attributes, ensure_ascii=False),
                 json.dumps(received, ensure_ascii=False), source, STATUSES[0], iso(now), iso(now)),
            )
            rid = cur.lastrowid
            conn.execute("INSERT INTO history (request_id, status, at, note) VALUES (?, ?, ?, ?)",
                         (rid, STATUSES[0], iso(now), None))
            conn.execute("INSERT INTO deliveries (at, idempotency_key, outcome, request_id) VALUES (?, ?, ?, ?)",
                         (iso(now), idempotency_key, "created", rid))
            row = conn.execute("SELECT * FROM requests WHERE id = ?", (rid,)).fetchone()
            return row, False

    def import_records(self, records: list[dict]) -> list[str]:
        """Store records the CRM received earlier, each with its own time and
        status history (the demo history of `flask seed`, backend/demo.py).

        Each record: fields and attributes as `create` takes them,
        idempotency_key, requested_at (aware) and history, a list of
        (status, at, note) in order. Numbered from the day counter of its own
        day (WIB), so a number given later never collides with one. Returns
        the CRM numbers, in order."""
        import secrets

        numbers = []
        with self.write() as conn:
            for r in records:
                day = r["requested_at"].astimezone(WIB).strftime("%y%m%d")
                seq = conn.execute(
                    "INSERT INTO day_counters (day, last) VALUES (?, 1) "
                    "ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last", (day,)
                ).fetchone()[0]
                crm_number = f"JK{day}{seq:04d}"
                fields, history = r["fields"], r["history"]
                for status, _at, _note in history:
                    if status not in STATUSES:
                        raise ValueError(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
                cur = conn.execute(
                    "INSERT INTO requests (crm_number, idempotency_key, token, service_code, service_name, "
                    "description, address_string, lat, long, first_name, last_name, email, phone, attributes, "
                    "received, source, status, requested_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (crm_number, r.get("idempotency_key"), secrets.token_hex(8), fields["service_code"],
                     fields.get("service_name"), fields["description"], fields.get("address_string"),
                     fields.get("lat"), fields.get("long"), fields.get("first_name"), fields.get("last_name"),
                     fields.get("email"), fields.get("phone"),
                     json.dumps(r.get("attributes") or {}, ensure_ascii=False), json.dumps({"imported": True}),
                     "imported", history[-1][0], iso(r["requested_at"]), iso(history[-1][1])),
                )
                conn.executemany("INSERT INTO history (request_id, status, at, note) VALUES (?, ?, ?, ?)",
                                 [(cur.lastrowid, status, iso(at), note) for status, at, note in history])
                numbers.append(crm_number)
        return numbers

    def log_refused(self, idempotency_key: str | None, reason: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO deliveries (at, idempotency_key, outcome) VALUES (?, ?, ?)",
                         (iso(now_wib()), idempotency_key, f"refused: {reason}"[:200]))

    def get(self, crm_number: str) -> sqlite3.Row | None:
        return self.read().execute("SELECT * FROM requests WHERE crm_number = ?", (crm_number,)).fetchone()

    def by_token(self, token: str) -> sqlite3.Row | None:
        return self.read().execute("SELECT * FROM requests WHERE token = ?", (token,)).fetchone()

    def many(self, crm_numbers: list[str]) -> list[sqlite3.Row]:
        if not crm_numbers:
            return []
        marks = ",".join("?" * len(crm_numbers))
        return self.read().execute(f"SELECT * FROM requests WHERE crm_number IN ({marks}) ORDER BY id",
                                   crm_numbers).fetchall()

    def search(self, *, service_code: str | None = None, status: str | None = None, start: str | None = None,
               end: str | None = None, limit: int = 1000, newest_first: bool = False) -> list[sqlite3.Row]:
        where, args = [], []
        if service_code:
            where.append("service_code = ?")
            args.append(service_code)
        if status == "closed":
            where.append(f"status IN ({','.join('?' * len(CLOSED_STATUSES))})")
            args += CLOSED_STATUSES
        elif status == "open":
            where.append(f"status NOT IN ({','.join('?' * len(CLOSED_STATUSES))})")
            args += CLOSED_STATUSES
        if start:
            where.append("requested_at >= ?")
            args.append(start)
        if end:
            where.append("requested_at <= ?")
            args.append(end)
        sql = "SELECT * FROM requests" + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
        return self.read().execute(sql, (*args, limit)).fetchall()

    def history(self, request_ids: list[int]) -> dict[int, list[sqlite3.Row]]:
        out: dict[int, list[sqlite3.Row]] = {i: [] for i in request_ids}
        if not request_ids:
            return out
        marks = ",".join("?" * len(request_ids))
        for h in self.read().execute(f"SELECT * FROM history WHERE request_id IN ({marks}) ORDER BY at, id",
                                     request_ids):
            out[h["request_id"]].append(h)
        return out

    def set_status(self, crm_number: str, status: str, at: datetime | None = None, note: str | None = None) -> sqlite3.Row:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
        at = (at or now_wib()).replace(microsecond=0)
        with self.write() as conn:
            row = conn.execute("SELECT * FROM requests WHERE crm_number = ?", (crm_number,)).fetchone()
            if row is None:
                raise KeyError(crm_number)
            conn.execute("INSERT INTO history (request_id, status, at, note) VALUES (?, ?, ?, ?)",
                         (row["id"], status, iso(at), note))
            latest = conn.execute("SELECT status, at FROM history WHERE request_id = ? ORDER BY at DESC, id DESC LIMIT 1",
                                  (row["id"],)).fetchone()
            conn.execute("UPDATE requests SET status = ?, updated_at = ? WHERE id = ?",
                         (latest["status"], max(latest["at"], iso(now_wib())), row["id"]))
            return conn.execute("SELECT * FROM requests WHERE id = ?", (row["id"],)).fetchone()

    # --- faults ---------------------------------------------------------

    def faults(self) -> dict:
        row = self.read().execute("SELECT value FROM settings WHERE key = 'faults'").fetchone()
        return {**NO_FAULT, **json.loads(row["value"])} if row else dict(NO_FAULT)

    def set_faults(self, mode: str = "ok", delay: float = 0.0, status: int = 503,
                   remaining: int | None = None) -> dict:
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; one of: {', '.join(FAULT_MODES)}")
        if status not in (500, 502, 503, 504):
            raise ValueError("status must be 500, 502, 503 or 504")
        value = {"mode": mode, "delay": max(0.0, float(delay)), "status": int(status),
                 "remaining": None if remaining in (None, "") else max(0, int(remaining))}
        if value["mode"] == "ok" or value["remaining"] == 0:
            value = dict(NO_FAULT)
        with self.write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('faults', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (json.dumps(value),))
        return value

    def take_fault(self) -> dict:
        """The fault for this request; a counted fault ("the next N requests") is used up atomically."""
        current = self.faults()
        if current["mode"] == "ok" or current["remaining"] is None:
            return current
        with self.write() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = 'faults'").fetchone()
            current = {**NO_FAULT, **json.loads(row["value"])} if row else dict(NO_FAULT)
            if current["mode"] == "ok" or current["remaining"] is None:
                return current
            left = current["remaining"] - 1
            after = dict(NO_FAULT) if left <= 0 else {**current, "remaining": left}
            conn.execute("UPDATE settings SET value = ? WHERE key = 'faults'", (json.dumps(after),))
            return current

    # --- housekeeping -----------------------------------------------------

    def stats(self) -> dict:
        conn = self.read()
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        outcomes = dict(conn.execute("SELECT outcome, COUNT(*) FROM deliveries GROUP BY outcome").fetchall())
        return {
            "records": one("SELECT COUNT(*) FROM requests"),
            "records_with_key": one("SELECT COUNT(*) FROM requests WHERE idempotency_key IS NOT NULL"),
            "distinct_keys": one("SELECT COUNT(DISTINCT idempotency_key) FROM requests"),
            "posts": one("SELECT COUNT(*) FROM deliveries"),
            "posts_by_outcome": outcomes,
        }

    def reset(self) -> None:
        with self.write() as conn:
            for table in ("history", "deliveries", "requests", "day_counters", "settings"):
                conn.execute(f"DELETE FROM {table}")
