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
  in scope that have forwarded_at, in whole minutes (truncated); median and
  95th percentile as percentile_cont (linear interpolation) over those
  whole-minute values: at most a minute under the figure over exact times.
- Follow-up: finished = closed_at set (the CRM said Selesai, or closed);
  open past the limit = not finished and submitted more than
  FOLLOW_UP_DAYS (7) days before now; finished late = closed more than 7
  days after submission.
- A kiosk is offline as the console says it is "silent": no heartbeat for
  three KIOSK_HEARTBEAT_SECONDS (backend/kiosks.py heartbeat_late); its
  uptime over the range (up to now) is heartbeats x KIOSK_HEARTBEAT_SECONDS
  / the seconds of the range.

Where they come from: the rollup tables (backend/monitoring/rollup.py):
whole months from month rows, the days at the ends of the range from day
rows (`segments`), for one node per whole subtree in scope (`weights`);
only "open past the limit" reads complaints, for the one day the 7-day
cut-off falls on. Kiosks, uptime and the roster are read live (small).
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from flask import current_app
from sqlalchemy import Date, Integer, bindparam, func, literal, select, text, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend import kiosks as kiosk_rules
from backend import roster
from backend.extensions import db
from backend.models import Category, Complaint, Kiosk, KioskHelpCall, KioskUptime, MonitoringDaily, MonitoringFacet, OutboxItem
from backend.monitoring import rollup
from backend.monitoring.scope import OfficeNode, Scope
from backend.statuses import CHANNEL_LABELS, STATUSES, Channel
from backend.workdays import WIB

FOLLOW_UP_DAYS = 7


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
    finished: int = 0  # closed_at set
    finished_late: int = 0  # closed more than 7 days after submission

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
    help_calls: int = 0  # citizens at the screen who called an officer in the range ("Panggil petugas")
    help_wait: float | None = None  # seconds to an officer's answer, median of the answered calls; None: none


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


@dataclass(frozen=True)
class PeriodFigures:
    """The headline figures of the period before (Scope.previous), to compare
    with. Overdue is left 0: "open past 7 days" is a state now, not a
    figure of a period."""

    start: date
    end: date
    totals: Counts
    ack_count: int
    ack_median_seconds: float | None
    ack_p95_seconds: float | None


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
    previous: PeriodFigures | None = None

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
    def attention_beyond_silence(self) -> list[Attention]:
        """The offices that need attention for more than having received
        nothing: on a short range nearly every office received nothing, and
        a list of them all would hide the kiosk that is down."""
        return [a for a in self.attention if set(a.reasons) - {"no_complaints"}]

    @property
    def kiosks_offline(self) -> list[KioskState]:
        return [k for k in self.kiosks if k.offline]

    @property
    def kiosks_printer_trouble(self) -> list[KioskState]:
        return [k for k in self.kiosks if k.printer_problem]


# --- SQL helpers ----------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _in_scope(scope: Scope, query):
    query = query.where(Complaint.submitted_at >= scope.start_utc, Complaint.submitted_at < scope.end_utc)
    if scope.office_ids is not None:
        query = query.where(Complaint.office_id.in_(sorted(scope.office_ids)))
    return query


# --- the figures, from the rollups (backend/monitoring/rollup.py) -----------------

def weights(scope: Scope) -> dict[int, int]:
    """Rollup node -> weight; the weighted sum of the nodes is the scope's
    offices: [m in S] - [parent(m) in S]. One node, weight 1, for the city
    or any whole subtree."""
    tree = scope.tree
    if scope.office_ids is None:
        return {o.id: 1 for o in tree.roots()}
    ids = scope.office_ids
    out = {}
    for oid in ids:
        if tree.by_id[oid].parent_id not in ids:
            out[oid] = 1
        for child in tree.children.get(oid, ()):
            if child.id not in ids:
                out[child.id] = -1
    return out


def segments(first: date, last: date) -> list[tuple[str, date, date, int]]:
    """(grain, from, to, sign): rollup rows whose signed sum is the days
    first..last (inclusive). Whole months come from month rows; a month
    mostly in the range is its month row less the days outside; the other
    days from day rows. A year reads about 12 month rows and at most ~30
    day rows per node instead of 365."""
    out = []
    month = first.replace(day=1)
    while month <= last:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_end = following - timedelta(days=1)
        lo, hi = max(first, month), min(last, month_end)
        inside, length = (hi - lo).days + 1, (month_end - month).days + 1
        if 2 * inside > length:
            out.append((rollup.MONTH, month, month, 1))
            if month < lo:
                out.append((rollup.DAY, month, lo - timedelta(days=1), -1))
            if hi < month_end:
                out.append((rollup.DAY, hi + timedelta(days=1), month_end, -1))
        else:
            out.append((rollup.DAY, lo, hi, 1))
        month = following
    return _merged(out)


def _merged(segs: list[tuple[str, date, date, int]]) -> list[tuple[str, date, date, int]]:
    """Neighbouring segments of the same grain and sign as one range."""
    out: list[tuple[str, date, date, int]] = []
    for seg in sorted(segs):
        if out:
            grain, lo, hi, sign = out[-1]
            after = (hi.replace(day=28) + timedelta(days=4)).replace(day=1) if grain == rollup.MONTH \
                else hi + timedelta(days=1)
            if seg[0] == grain and seg[3] == sign and seg[1] == after:
                out[-1] = (grain, lo, seg[2], sign)
                continue
        out.append(seg)
    return out


# The statements are built once per shape (how many segments) with bound
# parameters: building SQLAlchemy constructs costs more than running them.

def _branch(table, i: int, columns):
    return select(table.node_id, *columns).where(
        table.node_id.in_(bindparam("nodes", expanding=True)), table.grain == bindparam(f"g{i}"),
        table.day >= bindparam(f"lo{i}", type_=Date), table.day <= bindparam(f"hi{i}", type_=Date))


def _sign(i: int):
    return bindparam(f"s{i}", type_=Integer)


@lru_cache(maxsize=32)
def _office_statement(main: int, before: int):
    d = MonitoringDaily
    zero = [literal(0).label(c) for c in rollup.DAILY_COLUMNS]
    branches = [_branch(d, i, [*[(getattr(d, c) * _sign(i)).label(c) for c in rollup.DAILY_COLUMNS],
                               literal(0).label("open_before")]) for i in range(main)]
    branches += [_branch(d, i, [*zero, (d.open * _sign(i)).label("open_before")])
                 for i in range(main, main + before)]
    parts = union_all(*branches).subquery()
    columns = rollup.DAILY_COLUMNS + ("open_before",)
    return select(parts.c.node_id, *[func.sum(parts.c[c]) for c in columns]).group_by(parts.c.node_id)


@lru_cache(maxsize=32)
def _facet_statement(n: int, facet: str | None = None):
    f = MonitoringFacet
    branches = [_branch(f, i, [f.facet, f.value, (f.n * _sign(i)).label("n")]) for i in range(n)]
    if facet is not None:
        branches = [b.where(f.facet == facet) for b in branches]
    parts = union_all(*branches).subquery()
    return select(parts.c.node_id, parts.c.facet, parts.c.value, func.sum(parts.c.n)).group_by(
        parts.c.node_id, parts.c.facet, parts.c.value)


@lru_cache(maxsize=1)
def _day_statement():
    d = MonitoringDaily
    return select(d.node_id, d.day, d.complaints).where(
        d.node_id.in_(bindparam("nodes", expanding=True)), d.grain == rollup.DAY,
        d.day >= bindparam("lo", type_=Date), d.day <= bindparam("hi", type_=Date))


def _params(nodes, segs, offset: int = 0) -> dict:
    params = {"nodes": sorted(nodes)}
    for i, (grain, lo, hi, sign) in enumerate(segs, offset):
        params.update({f"g{i}": grain, f"lo{i}": lo, f"hi{i}": hi, f"s{i}": sign})
    return params


def office_counts(scope: Scope) -> dict[int, Counts]:
    """Counts per intake office (only offices with complaints).

    Each office's own counts are its node less its children's nodes. Open
    past the limit depends on now: the days before the cut-off's WIB day
    come from the rollup's open counter; the cut-off's own day is counted
    live (at most one day of complaints, on the submitted_at index).
    """
    tree = scope.tree
    cutoff = scope.at - rollup.FOLLOW_UP_LIMIT
    cut_day = rollup.wib_day(cutoff)
    if scope.office_ids is None:
        nodes = set(tree.by_id)
    else:
        nodes = set(scope.office_ids)
        for oid in scope.office_ids:
            nodes.update(c.id for c in tree.children.get(oid, ()))
    main = segments(scope.start, scope.end)
    before_cut = min(scope.end, cut_day - timedelta(days=1))
    before = segments(scope.start, before_cut) if scope.start <= before_cut else []
    params = _params(nodes, main)
    params.update(_params(nodes, before, len(main)))
    whole = {row[0]: [int(v) for v in row[1:]]
             for row in db.session.execute(_office_statement(len(main), len(before)), params)}
    live: dict[int, int] = {}
    if scope.start <= cut_day <= scope.end:
        lo, hi = max(scope.start_utc, rollup.day_start(cut_day)), min(cutoff, scope.end_utc)
        if lo < hi:
            live_q = _in_scope(scope, select(Complaint.office_id, func.count()).where(
                Complaint.submitted_at >= lo, Complaint.submitted_at < hi, Complaint.closed_at.is_(None)))
            live = dict(db.session.execute(live_q.group_by(Complaint.office_id)).all())
    width = len(rollup.DAILY_COLUMNS) + 1
    out = {}
    for oid in (scope.office_ids if scope.office_ids is not None else tree.by_id):
        own = list(whole.get(oid, ()) or [0] * width)
        for child in tree.children.get(oid, ()):
            for i, v in enumerate(whole.get(child.id, ())):
                own[i] -= v
        complaints, in_hours, out_hours, manual, delivered, given_up, open_, late, open_before = own
        overdue = open_before + live.get(oid, 0)
        if complaints or overdue:
            out[oid] = Counts(complaints=complaints, waiting=complaints - delivered - given_up, manual=manual,
                              delivered=delivered, given_up=given_up, overdue=overdue, in_hours=in_hours,
                              out_hours=out_hours, finished=complaints - open_, finished_late=late)
    return out


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


def daily_counts(scope: Scope) -> dict[date, int]:
    """Complaints per WIB day of the range."""
    w = weights(scope)
    out: dict[date, int] = {}
    for node, day, n in db.session.execute(_day_statement(), {"nodes": sorted(w), "lo": scope.start,
                                                              "hi": scope.end}):
        out[day] = out.get(day, 0) + w[node] * n
    return {day: n for day, n in out.items() if n}


def facet_counts(scope: Scope) -> dict[str, dict[str, int]]:
    """Complaints by channel, category (id), hour ("00".."23"), status and
    ack (whole minutes to CRM acknowledgement) over the range."""
    w = weights(scope)
    segs = segments(scope.start, scope.end)
    out: dict[str, dict[str, int]] = {name: {} for name in rollup.FACETS}
    for node, facet, value, n in db.session.execute(_facet_statement(len(segs)), _params(w, segs)):
        values = out.setdefault(facet, {})
        values[value] = values.get(value, 0) + w[node] * int(n)
    return {facet: {v: n for v, n in values.items() if n} for facet, values in out.items()}


def period_figures(scope: Scope) -> PeriodFigures:
    """The headline figures of a scope alone: its weighted nodes' sums, no
    per-office rows, no live count (two small reads of the rollups)."""
    w = weights(scope)
    segs = segments(scope.start, scope.end)
    sums = [0] * len(rollup.DAILY_COLUMNS)
    for row in db.session.execute(_office_statement(len(segs), 0), _params(w, segs)):
        for i, value in enumerate(row[1:1 + len(sums)]):
            sums[i] += w[row[0]] * int(value or 0)
    complaints, in_hours, out_hours, manual, delivered, given_up, open_, late = sums
    totals = Counts(complaints=complaints, waiting=complaints - delivered - given_up, manual=manual,
                    delivered=delivered, given_up=given_up, in_hours=in_hours, out_hours=out_hours,
                    finished=complaints - open_, finished_late=late)
    ack: dict[int, int] = {}
    for node, _facet, value, n in db.session.execute(_facet_statement(len(segs), "ack"), _params(w, segs)):
        ack[int(value)] = ack.get(int(value), 0) + w[node] * int(n)
    ack_n, (median, p95) = ack_percentiles({"ack": ack})
    return PeriodFigures(scope.start, scope.end, totals, ack_n, median, p95)


def percentiles(histogram: dict[int, int], fractions=(0.5, 0.95)) -> tuple[int, list[float | None]]:
    """Count and percentile_cont (linear interpolation between the two
    neighbouring ranks) of the values of a histogram {value: count}."""
    items = sorted((v, n) for v, n in histogram.items() if n > 0)
    total = sum(n for _v, n in items)
    if total == 0:
        return 0, [None for _ in fractions]

    def at_rank(rank: int) -> int:
        seen = 0
        for value, n in items:
            seen += n
            if rank < seen:
                return value
        return items[-1][0]

    out = []
    for f in fractions:
        pos = f * (total - 1)
        lo = math.floor(pos)
        low, high = at_rank(lo), at_rank(min(lo + 1, total - 1))
        out.append(float(low + (high - low) * (pos - lo)))
    return total, out


def ack_percentiles(facets: dict[str, dict[str, int]], fractions=(0.5, 0.95)) -> tuple[int, list[float | None]]:
    """How many complaints the CRM acknowledged, and percentiles of the time
    it took in seconds, over whole minutes (see rollup.ack_minutes)."""
    n, values = percentiles({int(m): c for m, c in facets.get("ack", {}).items()}, fractions)
    return n, [None if v is None else v * 60 for v in values]



def kiosk_states(scope: Scope) -> list[KioskState]:
    interval = current_app.config.get("KIOSK_HEARTBEAT_SECONDS", 60)
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
    calls: dict[int, int] = {}
    waits: dict[int, list[float]] = {}
    if kiosks:
        # The calls made in the range (a few a day at most), and how long each answered one waited.
        for kiosk_id, asked, answered in db.session.execute(
                select(KioskHelpCall.kiosk_id, KioskHelpCall.requested_at, KioskHelpCall.answered_at)
                .where(KioskHelpCall.kiosk_id.in_([k.id for k in kiosks]),
                       KioskHelpCall.requested_at >= scope.start_utc, KioskHelpCall.requested_at < scope.end_utc)):
            calls[kiosk_id] = calls.get(kiosk_id, 0) + 1
            if answered is not None:
                waits.setdefault(kiosk_id, []).append((answered - asked).total_seconds())
    out = []
    for k in kiosks:
        last = k.last_heartbeat_at
        uptime = None if window <= 0 else min(1.0, int(beats.get(k.id, 0)) * interval / window)
        node = scope.tree.by_id[k.office_id]
        out.append(KioskState(k.code, k.name, node.code, node.title, last,
                              kiosk_rules.heartbeat_late(k, now), kiosk_rules.printer_problem(k), uptime,
                              calls.get(k.id, 0), statistics.median(waits[k.id]) if k.id in waits else None))
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
    if _dialect() == "postgresql":
        # The rollup reads touch a few thousand rows: starting parallel workers
        # costs PostgreSQL more (~20 ms) than the reads themselves.
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    counts = office_counts(scope)
    tops = _office_tree(scope, counts)
    flat = _flatten(tops)
    totals = Counts()
    for top in tops:
        totals.add(top.total)

    facets = facet_counts(scope)
    per_channel = facets["channel"]
    by_channel = [Bar(c.value, str(CHANNEL_LABELS[c]), per_channel.get(c.value, 0)) for c in Channel]
    names = category_names(lang)
    by_category = sorted((Bar(names[int(cid)][0], names[int(cid)][1], n) for cid, n in facets["category"].items()),
                         key=lambda b: (-b.value, b.label))
    per_day = daily_counts(scope)
    by_day = [Bar(d.isoformat(), d.strftime("%d/%m"), per_day.get(d, 0)) for d in scope.days]
    by_hour = [Bar(f"{h:02d}", f"{h:02d}", facets["hour"].get(f"{h:02d}", 0)) for h in range(24)]
    ack_n, (median, p95) = ack_percentiles(facets)
    statuses = facets["status"]
    by_status = [Bar(s.value, str(info.label), statuses.get(s.value, 0)) for s, info in STATUSES.items()]

    silent = [r.office for r in flat if r.own.complaints == 0]
    kiosks = kiosk_states(scope)
    today, month = duty_roster(scope)
    return Dashboard(
        scope=scope, totals=totals, offices=tops, office_rows=flat, by_channel=by_channel,
        by_category=by_category, by_day=by_day, by_hour=by_hour,
        crm_pending=totals.waiting - totals.manual, crm_manual=totals.manual,
        ack_count=ack_n, ack_median_seconds=median, ack_p95_seconds=p95, by_status=by_status,
        finished=totals.finished, finished_late=totals.finished_late, silent_offices=silent, kiosks=kiosks,
        roster_today=today, roster_month=month, attention=_attention(scope, flat, kiosks),
        previous=period_figures(scope.previous()),
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
