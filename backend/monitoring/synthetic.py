"""Synthetic complaints for tests and benchmarks, inserted in bulk.

    rows = [complaint_row(ctx, office_code="0101", category_code="JALAN_RUSAK",
                          submitted_at=..., state="delivered", ...)]
    insert_complaints(rows)           # exact datasets: every field chosen by the caller
    generate(n, start, end, seed=1)   # n plausible complaints over the 76 offices

Rows are plain dicts inserted with SQLAlchemy Core in batches (PostgreSQL:
COPY), with their ids chosen here so the outbox rows need no round trip; on
PostgreSQL the id sequences are moved past them afterwards. Numbers start
with "S" and never collide with real complaint numbers (KKLL-YY-NNNNN-C).
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select, text

from backend.extensions import db
from backend.models import Category, Complaint, Office, OfficeKind, OutboxItem
from backend.monitoring import rollup
from backend.statuses import Channel, Status
from backend.workdays import DEFAULT_WEEK, WIB

BATCH = 20_000


@dataclass
class Context:
    """Ids of the reference data, read once; and the next free ids."""

    offices: dict[str, tuple[int, str, int | None]]  # code -> (id, kind, parent id)
    categories: dict[str, int]
    kelurahan_ids: list[int]
    kelurahan_of: dict[int, list[int]]  # kecamatan id -> its kelurahan ids
    next_complaint_id: int
    next_outbox_id: int
    run: str

    @classmethod
    def load(cls) -> Context:
        offices = {r.code: (r.id, r.kind, r.parent_id)
                   for r in db.session.execute(select(Office.code, Office.id, Office.kind, Office.parent_id))}
        kel = [(oid, parent) for oid, kind, parent in offices.values() if kind == OfficeKind.KELURAHAN]
        kelurahan_of: dict[int, list[int]] = {}
        for oid, parent in kel:
            kelurahan_of.setdefault(parent, []).append(oid)
        categories = dict(db.session.execute(select(Category.code, Category.id).where(Category.active.is_(True))).all())
        return cls(
            offices=offices, categories=categories, kelurahan_ids=sorted(o for o, _ in kel),
            kelurahan_of=kelurahan_of,
            next_complaint_id=(db.session.scalar(select(func.max(Complaint.id))) or 0) + 1,
            next_outbox_id=(db.session.scalar(select(func.max(OutboxItem.id))) or 0) + 1,
            run=uuid.uuid4().hex[:6],
        )


def in_default_hours(moment: datetime) -> bool:
    local = moment.astimezone(WIB)
    hours = DEFAULT_WEEK.get(local.weekday())
    return bool(hours) and hours[0] <= local.time() < hours[1]


def complaint_row(ctx: Context, *, office_code: str, category_code: str, submitted_at: datetime,
                  channel: str = Channel.KIOSK, state: str | None = "delivered",
                  forwarded_after: timedelta | None = None, status: str | None = None,
                  closed_after: timedelta | None = None, in_office_hours: bool | None | str = "auto",
                  kelurahan_code: str | None = None, identity: str = "named", reporter_name: str | None = None,
                  reporter_phone: str | None = None, reporter_email: str | None = None,
                  description: str = "Keluhan uji coba.", address: str = "") -> tuple[dict, dict | None]:
    """One complaint (and its outbox row unless `state` is None), as dicts.

    Delivered complaints are forwarded `forwarded_after` (default 10 min)
    after submission and get a CRM number; `closed_after` closes it
    (status Selesai unless `status` says otherwise).
    """
    cid = ctx.next_complaint_id
    ctx.next_complaint_id += 1
    office_id, kind, parent = ctx.offices[office_code]
    if kelurahan_code:
        kelurahan_id = ctx.offices[kelurahan_code][0]
    elif kind == OfficeKind.KELURAHAN:
        kelurahan_id = office_id
    else:
        pool = ctx.kelurahan_of.get(office_id) or ctx.kelurahan_ids
        kelurahan_id = pool[cid % len(pool)]
    forwarded_at = crm_number = None
    if state == "delivered":
        forwarded_at = submitted_at + (forwarded_after if forwarded_after is not None else timedelta(minutes=10))
        crm_number = f"JKS{ctx.run}{cid:010d}"
    closed_at = submitted_at + closed_after if closed_after is not None else None
    if status is None:
        status = Status.SELESAI if closed_at else (Status.PROSES if forwarded_at else Status.SUBMITTED)
    if in_office_hours == "auto":
        in_office_hours = in_default_hours(submitted_at)
    row = dict(
        id=cid, number=f"S{ctx.run}{cid:011d}"[:20], idempotency_key=f"syn-{ctx.run}-{cid}", payload_hash="0" * 64,
        channel=str(channel), office_id=office_id, kiosk_id=None, language="id",
        category_id=ctx.categories[category_code], kelurahan_id=kelurahan_id, address=address, rt=None, rw=None,
        latitude=None, longitude=None, description=description, identity=identity, reporter_name=reporter_name,
        reporter_phone=reporter_phone, reporter_email=reporter_email, reporter_nik=None,
        consent_at=submitted_at, consent_version="2026-1", agency_id=None, follow_up_office_id=None,
        status=str(status), submitted_at=submitted_at, in_office_hours=in_office_hours, crm_number=crm_number,
        forwarded_at=forwarded_at, closed_at=closed_at, officer_id=None,
    )
    outbox = None
    if state is not None:
        outbox = dict(id=ctx.next_outbox_id, complaint_id=cid, state=state, created_at=submitted_at,
                      next_attempt_at=submitted_at, lease_until=None, leased_by=None,
                      attempts=1 if state != "pending" else 0, last_error=None,
                      delivered_at=forwarded_at, retry_since=None)
        ctx.next_outbox_id += 1
    return row, outbox


def _copy(connection, table, rows: list[dict]) -> None:
    cols = list(rows[0])
    raw = connection.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([r[c] for c in cols])


def insert_complaints(pairs, *, rebuild_rollups: bool = True) -> int:
    """Insert (complaint, outbox) pairs in batches; commits. Returns the count.

    Bulk inserts bypass the rollup hooks: the rollups are rebuilt from
    scratch afterwards (pass rebuild_rollups=False to do it yourself once
    after several inserts)."""
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    count = 0
    batch_c, batch_o = [], []

    def flush():
        if not batch_c:
            return
        if postgres:
            _copy(connection, Complaint.__table__, batch_c)
            if batch_o:
                _copy(connection, OutboxItem.__table__, batch_o)
        else:
            connection.execute(insert(Complaint.__table__), batch_c)
            if batch_o:
                connection.execute(insert(OutboxItem.__table__), batch_o)
        batch_c.clear()
        batch_o.clear()

    for row, outbox in pairs:
        batch_c.append(row)
        if outbox:
            batch_o.append(outbox)
        count += 1
        if len(batch_c) >= BATCH:
            flush()
    flush()
    if postgres:
        for table in ("complaints", "crm_outbox"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    db.session.commit()
    if rebuild_rollups:
        rollup.rebuild()
    return count


# --- plausible data ---------------------------------------------------------------

CHANNEL_WEIGHTS = {Channel.KIOSK: 40, Channel.PHONE: 30, Channel.DESK: 20, Channel.TELEPHONE: 7, Channel.LETTER: 3}


def generate(n: int, start: datetime, end: datetime, *, seed: int = 1, now: datetime | None = None,
             ctx: Context | None = None):
    """Yield n plausible (complaint, outbox) pairs submitted between start and end.

    Every office, channel and category; more complaints in office hours;
    CRM states by age: recent ones still pending, most delivered within
    minutes, a few typed by hand (manual) or given up; most finished within
    a week, some late, some still open.
    """
    rng = random.Random(seed)
    ctx = ctx or Context.load()
    now = now or datetime.now(timezone.utc)
    codes = sorted(ctx.offices)
    weights = [1 if ctx.offices[c][1] == OfficeKind.KELURAHAN else (2 if ctx.offices[c][1] == "kecamatan" else 4)
               for c in codes]
    cats = sorted(ctx.categories)
    channels = list(CHANNEL_WEIGHTS)
    ch_weights = list(CHANNEL_WEIGHTS.values())
    span = (end - start).total_seconds()
    for i in range(n):
        code = codes[i % len(codes)] if i < len(codes) else rng.choices(codes, weights)[0]
        channel = channels[i % len(channels)] if i < len(channels) else rng.choices(channels, ch_weights)[0]
        category = cats[i % len(cats)] if i < len(cats) else rng.choice(cats)
        at = start + timedelta(seconds=rng.random() * span)
        if rng.random() < 0.6:  # pull most into office hours
            local = at.astimezone(WIB)
            at = datetime.combine(local.date(), time(8), WIB) + timedelta(minutes=rng.randrange(0, 470))
            if at >= end:
                at = end - timedelta(seconds=1)
        age = now - at
        roll = rng.random()
        if age < timedelta(minutes=2) or roll < 0.02:
            state = "pending"
        elif roll < 0.05:
            state = "manual"
        elif roll < 0.08:
            state = "given_up"
        else:
            state = "delivered"
        forwarded = timedelta(seconds=min(86400 * 3, rng.lognormvariate(5.5, 1.2))) if state == "delivered" else None
        closed = None
        if state == "delivered" and rng.random() < 0.8:
            closed = timedelta(days=rng.choice((1, 2, 3, 4, 5, 6, 6, 7, 9, 12)), hours=rng.random() * 20)
            if at + closed > now:
                closed = None
        status = None
        if state == "delivered" and closed is None:
            status = rng.choice((Status.MENUNGGU, Status.MENUNGGU_VALIDASI, Status.KOORDINASI,
                                 Status.DISPOSISI, Status.PROSES, Status.TL_DITOLAK))
        yield complaint_row(ctx, office_code=code, category_code=category, submitted_at=at, channel=channel,
                            state=state, forwarded_after=forwarded, status=status, closed_after=closed,
                            identity="anonymous" if rng.random() < 0.2 else "named",
                            reporter_name=None, description="Keluhan sintetis.")
