"""The dashboard's figures counted live from the complaints (the query layer
before the rollups, issue 7): an oracle for tests/monitoring/test_rollup.py.
Exact times; the rollups count acknowledgement in whole minutes."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, literal_column, or_, select

from backend.extensions import db
from backend.models import Complaint, OutboxItem
from backend.monitoring.scope import Scope

FOLLOW_UP_DAYS = 7
WAITING_STATES = ("pending", "manual")


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _seconds_between(later, earlier):
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _wib_hour_key(column):
    if _dialect() == "postgresql":
        return func.date_trunc("hour", func.timezone("Asia/Jakarta", column))
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


def office_counts(scope: Scope) -> dict[int, tuple]:
    """office -> (complaints, waiting, manual, delivered, given_up, overdue, in_hours, out_hours)."""
    limit = scope.at - timedelta(days=FOLLOW_UP_DAYS)
    state = OutboxItem.state
    q = _in_scope(scope, select(
        Complaint.office_id, func.count(),
        _sum(or_(state.is_(None), state.in_(WAITING_STATES))), _sum(state == "manual"), _sum(state == "delivered"),
        _sum(state == "given_up"), _sum(and_(Complaint.closed_at.is_(None), Complaint.submitted_at < limit)),
        _sum(Complaint.in_office_hours.is_(True)), _sum(Complaint.in_office_hours.is_(False)),
    ).select_from(Complaint).outerjoin(OutboxItem, OutboxItem.complaint_id == Complaint.id)).group_by(
        Complaint.office_id)
    return {row[0]: tuple(int(v) for v in row[1:]) for row in db.session.execute(q)}


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
