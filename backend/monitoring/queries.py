"""Every figure of the monitoring dashboard, the exports and the monthly report.

`dashboard(scope)` returns a `Dashboard`: plain data (dataclasses, tuples,
numbers, dates), computed here once and only here. The console pages, the
CSV/XLSX exports and printing/reports.py read it; none of them counts.

Definitions
- A complaint counts for its intake office (`Complaint.office_id`) and for
  the WIB day it was submitted on; it belongs to the range when
  start 00:00 WIB <= submitted_at < the day after the end, 00:00 WIB.
- CRM delivery by the outbox row's state: waiting = pending or manual (and a
  complaint without an outbox row), delivered, given up.
- Time to CRM acknowledgement: forwarded_at - submitted_at of the complaints
  in scope that have forwarded_at; median and 95th percentile as PostgreSQL's
  percentile_cont (linear interpolation), the same on SQLite.
- Follow-up: finished = closed_at set (the CRM said Selesai, or closed);
  open past the limit = not finished and submitted more than
  FOLLOW_UP_DAYS (7) days before now; finished late = closed more than 7
  days after submission.
- A kiosk is offline when its last heartbeat is older than
  MONITORING_KIOSK_OFFLINE_MINUTES (5); its uptime over the range (up to
  now) is heartbeats x KIOSK_HEARTBEAT_SECONDS / the seconds of the range.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend import kiosks as kiosk_rules
from backend import roster
from backend.extensions import db
from backend.models import Category, Complaint, Kiosk, KioskUptime, OutboxItem
from backend.monitoring.scope import OfficeNode, Scope
from backend.statuses import CHANNEL_LABELS, STATUSES, Channel
from backend.workdays import WIB

FOLLOW_UP_DAYS = 7
WAITING_STATES = ("pending", "manual")


# --- plain data ----------------------------------------------------------------

@dataclass
class Counts:
    complaints: int = 0
    waiting: int = 0  # pending + manual (+ no outbox row)
    manual: int = 0  # waiting to be typed into the CRM by hand
    delivered: int = 0
    given_up: int = 0
    overdue: int = 0  # open past the 7-day limit
    in_hours: int = 0
    out_hours: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def unknown_hours(self) -> int:
        return self.complaints - self.in_hours - self.out_hours


@dataclass
class OfficeRow:
    """One office of the drillable table: its own counts and its subtree's."""

    office: OfficeNode
    own: Counts
    total: Counts
    children: list[OfficeRow] = field(default_factory=list)
    depth: int = 0


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int


@dataclass(frozen=True)
class KioskState:
    code: str
    name: str
    office_code: str
    office_title: str
    last_heartbeat_at: datetime | None
    offline: bool
    printer_problem: str | None
    uptime: float | None  # 0..1 over the range up to now; None: the range has not begun


@dataclass(frozen=True)
class DutyEntry:
    day: date
    section: str
    officers: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Attention:
    office: OfficeNode
    reasons: tuple[str, ...]  # codes: no_complaints, given_up, overdue, kiosk_offline, printer


@dataclass
class Dashboard:
    scope: Scope
    totals: Counts
    offices: list[OfficeRow]  # the top of the shown tree
    office_rows: list[OfficeRow]  # the same, flattened in tree order
    by_channel: list[Bar]
    by_category: list[Bar]
    by_day: list[Bar]
    by_hour: list[Bar]
    crm_pending: int
    crm_manual: int
    ack_count: int
    ack_median_seconds: float | None
    ack_p95_seconds: float | None
    by_status: list[Bar]
    finished: int
    finished_late: int
    silent_offices: list[OfficeNode]
    kiosks: list[KioskState]
    roster_today: DutyEntry | None
    roster_month: list[DutyEntry]
    attention: list[Attention]

    @property
    def open(self) -> int:
        return self.totals.complaints - self.finished

    @property
    def finished_on_time(self) -> int:
        return self.finished - self.finished_late

    @property
    def open_within_limit(self) -> int:
        return self.open - self.totals.overdue

    @property
    def kiosks_offline(self) -> list[KioskState]:
        return [k for k in self.kiosks if k.offline]

    @property
    def kiosks_printer_trouble(self) -> list[KioskState]:
        return [k for k in self.kiosks if k.printer_problem]


# --- SQL helpers (the two dialects) ----------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _seconds_between(later, earlier):
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _wib_hour_key(column):
    """The WIB hour a timestamp falls in, as 'YYYY-MM-DD HH' (SQLite) or a timestamp (PostgreSQL)."""
    if _dialect() == "postgresql":
        return func.date_trunc("hour", func.timezone("Asia/Jakarta", column))
    # SQLite stores naive UTC text; WIB is UTC+7 all year (no daylight saving).
    return func.strftime("%Y-%m-%d %H", column, "+7 hours")


def _parse_hour_key(value) -> tuple[date, int]:
    if isinstance(value, datetime):
        return value.date(), value.hour
    day, hour = value.split(" ")
    return date.fromisoformat(day), int(hour)


def _in_scope(scope: Scope, query):
    query = query.where(Complaint.submitted_at >= scope.start_utc, Complaint.submitted_at < scope.end_utc)
    if scope.office_ids is not None:
        query = query.where(Complaint.office_id.in_(sorted(scope.office_ids)))
    return query


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- the figures -------------------------------------------------------------------

def office_counts(scope: Scope) -> dict[int, Counts]:
    """Counts per intake office (only offices with complaints)."""
    limit = scope.at - timedelta(days=FOLLOW_UP_DAYS)
    state = OutboxItem.state
    q = _in_scope(scope, select(
        Complaint.office_id,
        func.count(),
        _sum(or_(state.is_(None), state.in_(WAITING_STATES))),
        _sum(state == "manual"),
        _sum(state == "delivered"),
        _sum(state == "given_up"),
        _sum(and_(Complaint.closed_at.is_(None), Complaint.submitted_at < limit)),
        _sum(Complaint.in_office_hours.is_(True)),
        _sum(Complaint.in_office_hours.is_(False)),
    ).select_from(Complaint).outerjoin(OutboxItem, OutboxItem.complaint_id == Complaint.id)).group_by(
        Complaint.office_id)
    return {row[0]: Counts(*[int(v) for v in row[1:]]) for row in db.session.execute(q)}


def _office_tree(scope: Scope, counts: dict[int, Counts]) -> list[OfficeRow]:
    tree = scope.tree

    def build(node: OfficeNode, depth: int) -> OfficeRow:
        own = counts.get(node.id, Counts())
        row = OfficeRow(node, own, Counts(), depth=depth)
        row.total.add(own)
        for child in tree.children.get(node.id, ()):
            if scope.counts(child.id):
                sub = build(child, depth + 1)
                row.children.append(sub)
                row.total.add(sub.total)
        return row

    if scope.area is not None:
        tops = [scope.area]
    else:
        tops = [o for o in scope.offices() if o.parent_id is None or not scope.counts(o.parent_id)]
    return [build(t, 0) for t in tops]


def _flatten(rows: list[OfficeRow]) -> list[OfficeRow]:
    out = []
    for r in rows:
        out.append(r)
        out.extend(_flatten(r.children))
    return out


def channel_category_counts(scope: Scope) -> dict[tuple[str, int], int]:
    q = _in_scope(scope, select(Complaint.channel, Complaint.category_id, func.count())).group_by(
        Complaint.channel, Complaint.category_id)
    return {(ch, cat): n for ch, cat, n in db.session.execute(q)}


def hourly_counts(scope: Scope) -> dict[tuple[date, int], int]:
    key = _wib_hour_key(Complaint.submitted_at).label("k")
    q = _in_scope(scope, select(key, func.count())).group_by(literal_column("k"))
    out: dict[tuple[date, int], int] = {}
    for k, n in db.session.execute(q):
        out[_parse_hour_key(k)] = out.get(_parse_hour_key(k), 0) + n
    return out


def status_counts(scope: Scope) -> tuple[dict[str, int], int, int]:
    """Complaints by status; finished; finished after the 7-day limit."""
    late = _seconds_between(Complaint.closed_at, Complaint.submitted_at) > FOLLOW_UP_DAYS * 86400
    q = _in_scope(scope, select(
        Complaint.status, func.count(), _sum(Complaint.closed_at.is_not(None)),
        _sum(and_(Complaint.closed_at.is_not(None), late)),
    )).group_by(Complaint.status)
    by_status, finished, finished_late = {}, 0, 0
    for status, n, fin, fin_late in db.session.execute(q):
        by_status[status] = n
        finished += int(fin)
        finished_late += int(fin_late)
    return by_status, finished, finished_late


def ack_percentiles(scope: Scope, fractions=(0.5, 0.95)) -> tuple[int, list[float | None]]:
    """How many complaints the CRM acknowledged, and percentiles of the time
    it took (seconds), as percentile_cont computes them."""
    duration = _seconds_between(Complaint.forwarded_at, Complaint.submitted_at)
    base = _in_scope(scope, select(func.count()).where(Complaint.forwarded_at.is_not(None)))
    if _dialect() == "postgresql":
        q = _in_scope(scope, select(func.count(), *[
            func.percentile_cont(f).within_group(duration) for f in fractions
        ]).where(Complaint.forwarded_at.is_not(None)))
        row = db.session.execute(q).one()
        return int(row[0]), [None if v is None else float(v) for v in row[1:]]
    n = db.session.scalar(base) or 0
    if n == 0:
        return 0, [None for _ in fractions]
    ordered = _in_scope(scope, select(duration.label("d")).where(Complaint.forwarded_at.is_not(None))).order_by(
        literal_column("d"))
    out = []
    for f in fractions:
        pos = f * (n - 1)
        lo = math.floor(pos)
        values = [float(v) for v in db.session.scalars(ordered.limit(2).offset(lo))]
        hi_value = values[1] if len(values) > 1 else values[0]
        out.append(values[0] + (hi_value - values[0]) * (pos - lo))
    return n, out


def kiosk_states(scope: Scope) -> list[KioskState]:
    cfg = current_app.config
    offline_after = timedelta(minutes=cfg.get("MONITORING_KIOSK_OFFLINE_MINUTES", 5))
    interval = cfg.get("KIOSK_HEARTBEAT_SECONDS", 60)
    now = scope.at
    q = select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.code)
    if scope.office_ids is not None:
        q = q.where(Kiosk.office_id.in_(sorted(scope.office_ids)))
    kiosks = db.session.scalars(q).all()
    window_end = min(scope.end_utc, now)
    window = (window_end - scope.start_utc).total_seconds()
    beats: dict[int, int] = {}
    if kiosks and window > 0:
        first_hour = scope.start_utc.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
        beats = dict(db.session.execute(
            select(KioskUptime.kiosk_id, func.sum(KioskUptime.beats))
            .where(KioskUptime.kiosk_id.in_([k.id for k in kiosks]), KioskUptime.hour >= first_hour,
                   KioskUptime.hour < window_end)
            .group_by(KioskUptime.kiosk_id)).all())
    out = []
    for k in kiosks:
        last = k.last_heartbeat_at
        uptime = None if window <= 0 else min(1.0, int(beats.get(k.id, 0)) * interval / window)
        node = scope.tree.by_id[k.office_id]
        out.append(KioskState(k.code, k.name, node.code, node.title, last,
                              last is None or now - last > offline_after, kiosk_rules.printer_problem(k), uptime))
    return out


def count_heartbeat(kiosk_id: int, at: datetime) -> None:
    """Add one heartbeat to its kiosk's hour (in the caller's transaction)."""
    hour = at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    insert = pg_insert if _dialect() == "postgresql" else sqlite_insert
    stmt = insert(KioskUptime).values(kiosk_id=kiosk_id, hour=hour, beats=1)
    stmt = stmt.on_conflict_do_update(index_elements=["kiosk_id", "hour"],
                                      set_={"beats": KioskUptime.beats + 1})
    db.session.execute(stmt)


def _duty(entry) -> DutyEntry:
    return DutyEntry(entry.day, entry.section.name, tuple(o.full_name for o in entry.officers), entry.note or "")


def duty_roster(scope: Scope) -> tuple[DutyEntry | None, list[DutyEntry]]:
    """Today's and this month's duty at the Mayor's office (WIB)."""
    today = scope.at.astimezone(WIB).date()
    entry = roster.duty_on(today)
    month = roster.month_roster(today.year, today.month)
    return (_duty(entry) if entry else None), [_duty(month[d]) for d in sorted(month)]


def _attention(scope: Scope, rows: list[OfficeRow], kiosks: list[KioskState]) -> list[Attention]:
    cfg = current_app.config
    given_up_min = cfg.get("MONITORING_ATTENTION_GIVEN_UP", 1)
    overdue_min = cfg.get("MONITORING_ATTENTION_OVERDUE", 5)
    offline = {k.office_code for k in kiosks if k.offline}
    printer = {k.office_code for k in kiosks if k.printer_problem}
    out = []
    for r in rows:
        reasons = []
        if r.own.complaints == 0:
            reasons.append("no_complaints")
        if r.own.given_up >= given_up_min:
            reasons.append("given_up")
        if r.own.overdue >= overdue_min:
            reasons.append("overdue")
        if r.office.code in offline:
            reasons.append("kiosk_offline")
        if r.office.code in printer:
            reasons.append("printer")
        if reasons:
            out.append(Attention(r.office, tuple(reasons)))
    return out


def category_names(lang: str = "id") -> dict[int, tuple[str, str]]:
    rows = db.session.execute(select(Category.id, Category.code, Category.name_id, Category.name_en)).all()
    return {r.id: (r.code, r.name_en if lang == "en" else r.name_id) for r in rows}


def dashboard(scope: Scope, lang: str = "id") -> Dashboard:
    counts = office_counts(scope)
    tops = _office_tree(scope, counts)
    flat = _flatten(tops)
    totals = Counts()
    for top in tops:
        totals.add(top.total)

    cc = channel_category_counts(scope)
    per_channel: dict[str, int] = {}
    per_category: dict[int, int] = {}
    for (ch, cat), n in cc.items():
        per_channel[ch] = per_channel.get(ch, 0) + n
        per_category[cat] = per_category.get(cat, 0) + n
    by_channel = [Bar(c.value, str(CHANNEL_LABELS[c]), per_channel.get(c.value, 0)) for c in Channel]
    names = category_names(lang)
    by_category = sorted((Bar(names[cid][0], names[cid][1], n) for cid, n in per_category.items()),
                         key=lambda b: (-b.value, b.label))

    hourly = hourly_counts(scope)
    per_day: dict[date, int] = {}
    per_hour = [0] * 24
    for (day, hour), n in hourly.items():
        per_day[day] = per_day.get(day, 0) + n
        per_hour[hour] += n
    by_day = [Bar(d.isoformat(), d.strftime("%d/%m"), per_day.get(d, 0)) for d in scope.days]
    by_hour = [Bar(f"{h:02d}", f"{h:02d}", per_hour[h]) for h in range(24)]

    ack_n, (median, p95) = ack_percentiles(scope)
    statuses, finished, finished_late = status_counts(scope)
    by_status = [Bar(s.value, str(info.label), statuses.get(s.value, 0)) for s, info in STATUSES.items()]

    silent = [r.office for r in flat if r.own.complaints == 0]
    kiosks = kiosk_states(scope)
    today, month = duty_roster(scope)
    return Dashboard(
        scope=scope, totals=totals, offices=tops, office_rows=flat, by_channel=by_channel,
        by_category=by_category, by_day=by_day, by_hour=by_hour,
        crm_pending=totals.waiting - totals.manual, crm_manual=totals.manual,
        ack_count=ack_n, ack_median_seconds=median, ack_p95_seconds=p95, by_status=by_status,
        finished=finished, finished_late=finished_late, silent_offices=silent, kiosks=kiosks,
        roster_today=today, roster_month=month, attention=_attention(scope, flat, kiosks),
    )


# --- the rows of the exports -----------------------------------------------------

EXPORT_COLUMNS = ("nomor", "diterima_wib", "kantor_kode", "kantor", "kanal", "kategori_kode", "kategori",
                  "kelurahan_lokasi", "status", "status_crm", "nomor_crm", "diteruskan_wib", "selesai_wib",
                  "jam_kerja", "identitas")
PERSONAL_COLUMNS = ("nama_pelapor", "telepon", "email", "alamat", "uraian")


def _wib(dt: datetime | None) -> str:
    return dt.astimezone(WIB).strftime("%Y-%m-%d %H:%M") if dt else ""


def complaint_rows(scope: Scope, *, personal: bool = False, lang: str = "id"):
    """The complaints in scope, oldest first, as tuples in EXPORT_COLUMNS order
    (+ PERSONAL_COLUMNS when `personal`). Reporter fields stay empty for
    anonymous complaints, and the NIK is never exported."""
    from backend.statuses import Identity

    names = category_names(lang)
    tree = scope.tree
    cols = [Complaint.number, Complaint.submitted_at, Complaint.office_id, Complaint.channel, Complaint.category_id,
            Complaint.kelurahan_id, Complaint.status, OutboxItem.state, Complaint.crm_number,
            Complaint.forwarded_at, Complaint.closed_at, Complaint.in_office_hours, Complaint.identity]
    if personal:
        cols += [Complaint.reporter_name, Complaint.reporter_phone, Complaint.reporter_email, Complaint.address,
                 Complaint.description]
    q = _in_scope(scope, select(*cols).select_from(Complaint)
                  .outerjoin(OutboxItem, OutboxItem.complaint_id == Complaint.id)).order_by(
        Complaint.submitted_at, Complaint.id)
    for r in db.session.execute(q).yield_per(2000):
        office = tree.by_id[r.office_id]
        row = (r.number, _wib(r.submitted_at), office.code, office.title, r.channel, names[r.category_id][0],
               names[r.category_id][1], tree.by_id[r.kelurahan_id].name, r.status, r.state or "pending",
               r.crm_number or "", _wib(r.forwarded_at), _wib(r.closed_at),
               "" if r.in_office_hours is None else ("ya" if r.in_office_hours else "tidak"), r.identity)
        if personal:
            anonymous = r.identity == Identity.ANONYMOUS
            row += (("", "", "") if anonymous else (r.reporter_name or "", r.reporter_phone or "",
                                                     r.reporter_email or "")) + (r.address or "", r.description)
        yield row
