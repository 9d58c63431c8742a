"""The monitoring dashboard's figures, pre-aggregated (issue 7's speed target).

Two tables (backend/models.py), keyed by a *node* and a WIB day: a node is an
office standing for itself and every office under it (kota > kecamatan >
kelurahan); a complaint counts in the node of its intake office and in every
node above. Each is kept at two grains: "day" (the day of submission) and
"month" (day = the 1st): a year reads ~12 month rows and a few day rows per
node (queries.segments), not 365.

    monitoring_daily    per node, grain and day: complaints, in / out of
                        office hours, CRM manual / delivered / given up,
                        open (not closed), finished late (> 7 days)
    monitoring_facets   per node, grain, day, facet and value: channel,
                        category (id), hour (WIB), status, ack (below)

Any set S of offices is a signed sum of nodes: the complaints of S's own
offices are sum over o in S of node(o) - node(children of o), so node m
weighs [m in S] - [parent(m) in S] (queries.weights). For every scope the
dashboard has (the city, a kecamatan, a kelurahan, a pimpinan's subtree)
that is a single node with weight 1.

Time to CRM acknowledgement is counted in whole minutes, truncated
(`ack_minutes`); the median and 95th percentile are percentile_cont over
those whole-minute values: never above the figure over exact times and less
than a minute below it; exact for times in whole minutes.

Kept in step in the same transaction as every write that changes a figure:

    intake (backend/intake.py _store)   added(session, [complaint_id])
    CRM forwarding, give-up, re-send, status sync (backend/crm/):
        tracked = before(session, ids)  ...the writes...  after(session, tracked)

`after` re-reads the complaints and queues the difference of what they
count for (`Tally.add`) after and before. A transaction's differences are
summed in session.info and written once, just before it commits, as upserts
(n = n + delta) in key order, so concurrent PostgreSQL transactions lock the
counter rows in one order and cannot deadlock on them; a rollback drops
them. `rebuild()` (`flask monitoring rebuild-rollups`) recomputes both
tables from the complaints with the same `Tally.add`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, delete, event, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, MonitoringDaily, MonitoringFacet, Office, OutboxItem
from backend.workdays import WIB

FOLLOW_UP_LIMIT = timedelta(days=7)  # finished late / open past the limit
DAILY_COLUMNS = ("complaints", "in_hours", "out_hours", "manual", "delivered", "given_up", "open", "finished_late")
FACETS = ("channel", "category", "hour", "status", "ack")
DAY, MONTH = "day", "month"  # grains
_HOURS = tuple(f"{h:02d}" for h in range(24))
_PENDING = "monitoring_rollup_pending"
_PARENTS = "monitoring_rollup_parents"  # the office tree, read by `added` before the hot locks
_CHUNK = 2000  # ids per IN (...) when reading complaints back


def ack_minutes(submitted_at: datetime, forwarded_at: datetime) -> int:
    """Whole minutes from submission to CRM acknowledgement, truncated."""
    return max(0, (forwarded_at - submitted_at) // timedelta(minutes=1))


def wib_day(moment: datetime) -> date:
    return moment.astimezone(WIB).date()


def day_start(day: date) -> datetime:
    """Midnight WIB opening `day`, as an aware datetime."""
    return datetime.combine(day, time(0), WIB)


# --- what one complaint counts for --------------------------------------------------

_COLUMNS = (Complaint.id, Complaint.office_id, Complaint.submitted_at, Complaint.channel, Complaint.category_id,
            Complaint.in_office_hours, Complaint.status, Complaint.forwarded_at, Complaint.closed_at,
            OutboxItem.state)


def _query():
    return select(*_COLUMNS).select_from(Complaint).outerjoin(OutboxItem, OutboxItem.complaint_id == Complaint.id)


class Tally:
    """Counts per (office, day) and (office, day, facet, value), an office
    standing for itself only, until `nodes()` spreads them over the nodes
    above it and over the day and month grains."""

    __slots__ = ("daily", "facets")

    def __init__(self):
        self.daily: dict[tuple, list[int]] = {}
        self.facets: dict[tuple, int] = defaultdict(int)

    def add(self, row, sign: int = 1) -> None:
        """Add (sign -1: take away) one complaint, a row of `_query()`."""
        _id, office, submitted, channel, category, in_hours, status, forwarded, closed, state = row
        local = submitted.astimezone(WIB)
        key = (office, local.date())
        vector = self.daily.get(key)
        if vector is None:
            vector = self.daily[key] = [0] * len(DAILY_COLUMNS)
        vector[0] += sign
        if in_hours is True:
            vector[1] += sign
        elif in_hours is False:
            vector[2] += sign
        if state == "manual":
            vector[3] += sign
        elif state == "delivered":
            vector[4] += sign
        elif state == "given_up":
            vector[5] += sign
        if closed is None:
            vector[6] += sign
        elif closed - submitted > FOLLOW_UP_LIMIT:
            vector[7] += sign
        facets = self.facets
        facets[key + ("channel", channel)] += sign
        facets[key + ("category", str(category))] += sign
        facets[key + ("hour", _HOURS[local.hour])] += sign
        facets[key + ("status", status)] += sign
        if forwarded is not None:
            facets[key + ("ack", str(ack_minutes(submitted, forwarded)))] += sign

    def merge(self, other: Tally) -> None:
        for key, vector in other.daily.items():
            mine = self.daily.setdefault(key, [0] * len(DAILY_COLUMNS))
            for i, v in enumerate(vector):
                mine[i] += v
        for key, n in other.facets.items():
            self.facets[key] += n

    def nodes(self, parents: dict[int, int | None]) -> Tally:
        """The same counts keyed (node, grain, day, ...): in the office's node
        and each above it, for the day and for its month (day 1)."""
        paths: dict[int, tuple[int, ...]] = {}
        for office in {k[0] for k in self.daily} | {k[0] for k in self.facets}:
            out, node = [], office
            while node is not None:
                out.append(node)
                node = parents.get(node)
            paths[office] = tuple(out)
        # Days fold into months per office first: far fewer keys to spread.
        daily: dict[tuple, list[int]] = {}
        monthly: dict[tuple, list[int]] = {}
        for (office, day), vector in self.daily.items():
            for grain, when, target in ((DAY, day, daily), (MONTH, day.replace(day=1), monthly)):
                key = (office, grain, when)
                mine = target.get(key)
                if mine is None:
                    target[key] = list(vector)
                else:
                    for i, v in enumerate(vector):
                        mine[i] += v
        facets: dict[tuple, int] = defaultdict(int)
        months: dict[tuple, int] = defaultdict(int)
        for (office, day, facet, value), n in self.facets.items():
            facets[(office, DAY, day, facet, value)] = n
            months[(office, MONTH, day.replace(day=1), facet, value)] += n
        facets.update(months)
        out = Tally()
        for source in (daily, monthly):
            for key, vector in source.items():
                rest = key[1:]
                for node in paths[key[0]]:
                    mine = out.daily.get((node,) + rest)
                    if mine is None:
                        out.daily[(node,) + rest] = list(vector)
                    else:
                        for i, v in enumerate(vector):
                            mine[i] += v
        spread = out.facets
        for key, n in facets.items():
            rest = key[1:]
            for node in paths[key[0]]:
                spread[(node,) + rest] += n
        return out

    def __bool__(self) -> bool:
        return any(any(v) for v in self.daily.values()) or any(self.facets.values())


# --- hooks for the writes --------------------------------------------------------

def _read(session, ids) -> dict:
    ids = sorted(set(ids))
    out = {}
    for i in range(0, len(ids), _CHUNK):
        for row in session.execute(_query().where(Complaint.id.in_(ids[i:i + _CHUNK]))):
            out[row.id] = row
    return out


@dataclass(frozen=True)
class Tracked:
    ids: tuple[int, ...]
    rows: dict


def before(session, complaint_ids) -> Tracked:
    """Read what the figures need of these complaints before they change.
    Call it after the caller's row locks are taken, in the same transaction."""
    ids = tuple(complaint_ids)
    return Tracked(ids, _read(session, ids) if ids else {})


def after(session, tracked: Tracked) -> None:
    """After the writes: queue the difference for the end of the transaction."""
    if not tracked.ids:
        return
    session.flush()
    now = _read(session, tracked.ids)
    delta = Tally()
    for row in tracked.rows.values():
        delta.add(row, -1)
    for row in now.values():
        delta.add(row, +1)
    _queue(session, delta)


def added(session, complaint_ids, *, flushed=None) -> None:
    """New complaints (intake): count them at the end of the transaction.

    `flushed`: [(complaint, its outbox row's state)] for these complaints,
    just flushed (intake has them in hand): counted from the objects instead
    of read back. Either way the office tree is read now, not in the commit
    hook: that runs while the transaction holds its hottest locks (PostgreSQL).
    """
    if _PARENTS not in session.info:
        session.info[_PARENTS] = parents(session)
    if flushed is None:
        after(session, Tracked(tuple(complaint_ids), {}))
        return
    delta = Tally()
    for complaint, state in flushed:
        delta.add(tuple(getattr(complaint, c.key) for c in _COLUMNS[:-1]) + (state,))
    _queue(session, delta)


def _queue(session, delta: Tally) -> None:
    pending = session.info.get(_PENDING)
    if pending is None:
        session.info[_PENDING] = delta
    else:
        pending.merge(delta)


@event.listens_for(Session, "before_commit")
def _write_pending(session) -> None:
    delta = session.info.pop(_PENDING, None)
    tree = session.info.pop(_PARENTS, None)
    if delta:
        # The transaction's own writes first: the counter rows are the last locks it takes.
        session.flush()
        write(session, delta.nodes(tree or parents(session)))


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: committed (written above) or rolled back
        session.info.pop(_PENDING, None)
        session.info.pop(_PARENTS, None)


def parents(session) -> dict[int, int | None]:
    return dict(session.execute(select(Office.id, Office.parent_id)).all())


# --- writing ------------------------------------------------------------------------

def _insert(session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


_UPSERTS: dict[str, tuple] = {}  # dialect name -> the two upserts: built once (every commit that counts runs them)


def _upserts(session) -> tuple:
    name = session.get_bind().dialect.name
    found = _UPSERTS.get(name)
    if found is None:
        ins = _insert(session)
        t = MonitoringDaily.__table__
        stmt = ins(t)
        daily = stmt.on_conflict_do_update(index_elements=[t.c.node_id, t.c.grain, t.c.day],
                                           set_={c: t.c[c] + stmt.excluded[c] for c in DAILY_COLUMNS})
        t = MonitoringFacet.__table__
        stmt = ins(t)
        facets = stmt.on_conflict_do_update(index_elements=[t.c.node_id, t.c.grain, t.c.day, t.c.facet, t.c.value],
                                            set_={"n": t.c.n + stmt.excluded.n})
        found = _UPSERTS[name] = (daily, facets)
    return found


def write(session, tally: Tally) -> None:
    """Add a node tally to the tables (upserts, in key order)."""
    daily = [dict(node_id=k[0], grain=k[1], day=k[2], **dict(zip(DAILY_COLUMNS, v)))
             for k, v in sorted(tally.daily.items()) if any(v)]
    facets = [dict(node_id=k[0], grain=k[1], day=k[2], facet=k[3], value=k[4], n=n)
              for k, n in sorted(tally.facets.items()) if n]
    daily_upsert, facet_upsert = _upserts(session)
    if daily:
        session.execute(daily_upsert, daily)
    if facets:
        t = MonitoringFacet.__table__
        session.execute(facet_upsert, facets)
        # A value nobody has any more (a status moved on) leaves no row behind.
        gone = [f for f in facets if f["n"] < 0]
        if gone:
            session.execute(delete(t).where(t.c.node_id == bindparam("b_node"), t.c.grain == bindparam("b_grain"),
                                            t.c.day == bindparam("b_day"), t.c.facet == bindparam("b_facet"),
                                            t.c.value == bindparam("b_value"), t.c.n == 0),
                            [dict(b_node=f["node_id"], b_grain=f["grain"], b_day=f["day"], b_facet=f["facet"],
                                  b_value=f["value"]) for f in gone])


# --- from scratch ---------------------------------------------------------------------

def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def rebuild() -> dict[str, int]:
    """Recompute both tables from the complaints; commits. Returns row counts.

    Holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the rollup
    tables locked EXCLUSIVE, which the hooks' upserts wait for), so a write
    that commits meanwhile is counted exactly once: by this rebuild if it
    committed before, by its own hook after. Reads the complaints a WIB
    month at a time (on the submitted_at index): memory stays bounded and
    each month's rows are final when written.
    """
    counts = {"complaints": 0, "monitoring_daily": 0, "monitoring_facets": 0}
    with immediate_transaction() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("LOCK TABLE monitoring_daily, monitoring_facets IN EXCLUSIVE MODE"))
        session.execute(delete(MonitoringFacet))
        session.execute(delete(MonitoringDaily))
        first, last = session.execute(select(func.min(Complaint.submitted_at), func.max(Complaint.submitted_at))).one()
        if first is not None:
            tree = parents(session)
            month, end = wib_day(first).replace(day=1), wib_day(last)
            while month <= end:
                upto = _next_month(month)
                tally = Tally()
                for row in session.execute(_query().where(Complaint.submitted_at >= day_start(month),
                                                          Complaint.submitted_at < day_start(upto))):
                    tally.add(row)
                    counts["complaints"] += 1
                written = _insert_fresh(session, tally.nodes(tree))
                counts["monitoring_daily"] += written[0]
                counts["monitoring_facets"] += written[1]
                month = upto
    if postgres:  # fresh statistics for the planner, and the visibility map for index-only scans
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE monitoring_daily"))
            conn.execute(text("VACUUM ANALYZE monitoring_facets"))
    return counts


def _insert_fresh(session, tally: Tally) -> tuple[int, int]:
    """Plain inserts into emptied tables, through the driver (COPY on
    PostgreSQL): a rebuild writes millions of rows."""
    # In key order: appends to the clustered keys, not scattered inserts.
    daily = sorted((*k, *v) for k, v in tally.daily.items() if any(v))
    facets = sorted((*k, n) for k, n in tally.facets.items() if n)
    daily_cols = ("node_id", "grain", "day") + DAILY_COLUMNS
    facet_cols = ("node_id", "grain", "day", "facet", "value", "n")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cur:
            for table, cols, rows in (("monitoring_daily", daily_cols, daily), ("monitoring_facets", facet_cols, facets)):
                if rows:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for r in rows:
                            copy.write_row(r)
    else:
        # Dates as SQLAlchemy stores them on SQLite (ISO text).
        for table, cols, rows in (("monitoring_daily", daily_cols, daily), ("monitoring_facets", facet_cols, facets)):
            if rows:
                iso: dict[date, str] = {}
                connection.exec_driver_sql(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [r[:2] + (iso.get(r[2]) or iso.setdefault(r[2], r[2].isoformat()),) + r[3:] for r in rows])
    return len(daily), len(facets)
