"""What a dashboard, export or report covers: a date range in WIB and an area."""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.extensions import db
from backend.models import Office, OfficeKind, utcnow
from backend.workdays import FIRST_DAY, LAST_DAY, WIB, plausible_day

PERIODS = {
    "today": _l("Today"),
    "week": _l("This week"),
    "month": _l("This month"),
    "custom": _l("Custom range"),
}
MAX_DAYS = 731  # a custom range of at most two years
DAYS_OUT_OF_RANGE = _l("Choose days from the year %(first)d to %(last)d.", first=FIRST_DAY.year, last=LAST_DAY.year)


class ScopeError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ScopeForbidden(ScopeError):
    """An area outside the offices the user may see."""


@dataclass(frozen=True)
class OfficeNode:
    id: int
    code: str
    kind: str
    name: str
    title: str
    parent_id: int | None


class OfficeTree:
    """The 76 offices, read once per call: kota -> kecamatan -> kelurahan."""

    def __init__(self, offices: list[OfficeNode]):
        self.by_id = {o.id: o for o in offices}
        self.by_code = {o.code: o for o in offices}
        self.children: dict[int | None, list[OfficeNode]] = {}
        for o in sorted(offices, key=lambda o: o.code):
            self.children.setdefault(o.parent_id, []).append(o)

    @classmethod
    def load(cls) -> OfficeTree:
        rows = db.session.execute(select(Office.id, Office.code, Office.kind, Office.name, Office.parent_id)).all()
        nodes = []
        for r in rows:
            title = r.name if r.kind == OfficeKind.KOTA else f"{r.kind.capitalize()} {r.name}"
            nodes.append(OfficeNode(r.id, r.code, r.kind, r.name, title, r.parent_id))
        return cls(nodes)

    def subtree(self, office_id: int) -> list[int]:
        out, stack = [], [office_id]
        while stack:
            oid = stack.pop()
            out.append(oid)
            stack.extend(c.id for c in self.children.get(oid, ()))
        return out

    def roots(self) -> list[OfficeNode]:
        return self.children.get(None, [])

    def path(self, office_id: int) -> list[OfficeNode]:
        """From the city down to `office_id` (for breadcrumbs)."""
        out = []
        node = self.by_id.get(office_id)
        while node is not None:
            out.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id else None
        return out[::-1]


def period_dates(period: str, today: date, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """First and last day (inclusive, WIB) of a named period."""
    if period == "today":
        return today, today
    if period == "week":  # Monday to today
        return today - timedelta(days=today.weekday()), today
    if period == "month":
        return today.replace(day=1), today
    if period == "custom":
        if start is None or end is None:
            raise ScopeError(_l("Choose the first and the last day."))
        if end < start:
            raise ScopeError(_l("The last day comes before the first day."))
        if (end - start).days + 1 > MAX_DAYS:
            raise ScopeError(_l("A range covers at most %(n)d days.", n=MAX_DAYS))
        if not (plausible_day(start) and plausible_day(end)):
            raise ScopeError(DAYS_OUT_OF_RANGE)
        return start, end
    raise ScopeError(_l("Unknown period."))


@dataclass(frozen=True)
class Scope:
    """A WIB date range (inclusive) and an area, within what a user may see.

    `visible`: the office ids the user may see (backend.auth.office_scope),
    None for every office. `area`: the office whose subtree is shown (None:
    the whole of what is visible). `office_ids`: the intake offices counted,
    None meaning every office (no filter at all).
    """

    start: date
    end: date
    period: str = "custom"
    area: OfficeNode | None = None
    office_ids: frozenset[int] | None = None
    tree: OfficeTree | None = None
    now: datetime | None = None

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), WIB)

    @property
    def end_utc(self) -> datetime:
        """Exclusive: midnight WIB after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time(0), WIB)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def at(self) -> datetime:
        return self.now or utcnow()

    def counts(self, office_id: int) -> bool:
        return self.office_ids is None or office_id in self.office_ids

    def offices(self) -> list[OfficeNode]:
        """Every office in scope, in code order."""
        return [o for o in sorted(self.tree.by_id.values(), key=lambda o: o.code) if self.counts(o.id)]

    def previous(self) -> Scope:
        """The same area over the period before, to compare with (see
        previous_range), for the part of this range that has begun: 1-30
        November seen on the 17th compares with 1-17 October."""
        today = self.at.astimezone(WIB).date()
        first, last = previous_range(self.period, self.start, min(self.end, max(self.start, today)))
        return replace(self, start=first, end=last, period="custom")


def _months_back(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to that month's length."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _month_end(day: date) -> bool:
    return day.day == monthrange(day.year, day.month)[1]


def previous_range(period: str, start: date, end: date) -> tuple[date, date]:
    """The period a range is compared with, first and last day (inclusive).

    Calendar months compare with the same days of the months before: this
    month so far (1-29 November) with 1-29 October, a whole month (a monthly
    report) with the whole month before, 1 September-15 November with
    1 June-15 August (any range from the 1st of a month). Every other range (today, this week, any custom range
    not starting on the 1st) with as many days just before it: a week from
    Monday to Wednesday with the Monday to Wednesday before.
    """
    if start.day == 1 and period in ("month", "custom"):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = _months_back(start, months)
        last = _months_back(end, months)
        if _month_end(end):
            last = last.replace(day=monthrange(last.year, last.month)[1])
        return first, last
    last = start - timedelta(days=1)
    return last - (end - start), last


def make_scope(*, visible: frozenset[int] | None, period: str = "month", start: date | None = None,
               end: date | None = None, area_code: str | None = None, now: datetime | None = None,
               tree: OfficeTree | None = None) -> Scope:
    """A scope for a user who may see `visible` (None: every office).

    An area outside what the user may see raises ScopeError (the view answers 403).
    Without an area, a user limited to some offices gets the top of their tree.
    """
    tree = tree or OfficeTree.load()
    now = now or utcnow()
    first, last = period_dates(period, now.astimezone(WIB).date(), start, end)
    area = None
    if area_code:
        area = tree.by_code.get(area_code)
        if area is None:
            raise ScopeError(_l("There is no office with the code %(code)s.", code=area_code))
    if area is not None and area.kind == OfficeKind.KOTA and visible is None:
        area = None  # the whole city: no filter
    if area is None:
        if visible is None:
            ids = None
        else:
            ids = frozenset(visible)
            tops = [tree.by_id[i] for i in ids if tree.by_id[i].parent_id not in ids]
            area = tops[0] if len(tops) == 1 else None
    else:
        sub = frozenset(tree.subtree(area.id))
        if visible is not None and not sub <= visible:
            raise ScopeForbidden(_l("You may not see this office."))
        ids = sub
    return Scope(start=first, end=last, period=period, area=area, office_ids=ids, tree=tree, now=now)
