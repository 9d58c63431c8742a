"""Working days and office hours: when an office receives complaints in person.

Hours are configurable per office, with a default and dated overrides (e.g.
Ramadan). Holidays are Indonesia's public holidays and cuti bersama from the
`holidays` package (categories public + government), plus local overrides for
late decrees. Electronic channels take complaints every day; these hours only
tell whether a complaint came in during office hours and, outside them, when
the office will next process it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from zoneinfo import ZoneInfo

import holidays

WIB = ZoneInfo("Asia/Jakarta")

# The days a typed date may name (the console's filters, ranges, reports and
# roster): wide enough for any real complaint, narrow enough that the day or
# month before or after one never leaves Python's dates (year 1 to 9999).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def plausible_day(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY

# Monday=0 ... Sunday=6 -> (opens, closes); missing days are closed.
Week = dict[int, tuple[time, time]]

DEFAULT_WEEK: Week = {
    0: (time(7, 30), time(16, 0)),
    1: (time(7, 30), time(16, 0)),
    2: (time(7, 30), time(16, 0)),
    3: (time(7, 30), time(16, 0)),
    4: (time(7, 30), time(16, 30)),
}


@dataclass(frozen=True)
class DatedHours:
    """Hours that replace the regular week between two dates (inclusive)."""

    starts: date
    ends: date
    week: Week
    label: str = ""


@dataclass(frozen=True)
class OfficeCalendar:
    week: Week = field(default_factory=lambda: dict(DEFAULT_WEEK))
    overrides: tuple[DatedHours, ...] = ()
    # date -> holiday name (an extra day off), or None (a working day after all).
    holiday_overrides: dict[date, str | None] = field(default_factory=dict)

    def holiday(self, day: date) -> str | None:
        """The holiday's name when `day` is one, else None."""
        if day in self.holiday_overrides:
            return self.holiday_overrides[day]
        return national_holidays(day.year).get(day)

    def hours(self, day: date) -> tuple[time, time] | None:
        """Opening and closing time on `day`, or None when the office is closed."""
        if self.holiday(day):
            return None
        week = self.week
        for o in self.overrides:
            if o.starts <= day <= o.ends:
                week = o.week
                break
        return week.get(day.weekday())

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(WIB)
        hours = self.hours(local.date())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, moment: datetime) -> datetime:
        """When the office next opens its doors at or after `moment` (WIB)."""
        local = moment.astimezone(WIB)
        day = local.date()
        for _ in range(60):  # the longest Indonesian holiday stretch is far shorter
            hours = self.hours(day)
            if hours is not None:
                opens = datetime.combine(day, hours[0], WIB)
                closes = datetime.combine(day, hours[1], WIB)
                if local < closes:
                    return max(opens, local)
            day += timedelta(days=1)
        raise RuntimeError("no working day within 60 days; check the office hours")


@lru_cache(maxsize=8)
def national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", categories=("public", "government"), language="id", years=year)


DEFAULT_CALENDAR = OfficeCalendar()

# Calendars read from the database, kept briefly: intake asks on every
# submission. Edits in the console call `invalidate()`; other worker
# processes see an edit within CACHE_SECONDS.
CACHE_SECONDS = 30.0
_cache: dict[tuple[str, str | None], tuple[float, OfficeCalendar]] = {}


def invalidate() -> None:
    _cache.clear()


def calendar_for(office_code: str | None) -> OfficeCalendar:
    """The calendar of an office: its hours (or every office's default),
    dated overrides such as Ramadan, and local holiday overrides, as kept in
    the database (officer console, admin pages). None: the default calendar
    of every office."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return DEFAULT_CALENDAR
    key = (str(current_app.config.get("SQLALCHEMY_DATABASE_URI")), office_code)
    hit = _cache.get(key)
    now = monotonic()
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    calendar = load_calendar(office_code)
    _cache[key] = (now, calendar)
    return calendar


def parse_week(data: dict | None) -> Week:
    """{"0": ["07:30", "16:00"], ...} (JSON keys are strings) -> Week."""
    week: Week = {}
    for day, span in (data or {}).items():
        if span:
            opens, closes = (time.fromisoformat(t) for t in span)
            week[int(day)] = (opens, closes)
    return week


def dump_week(week: Week) -> dict:
    return {str(d): [o.strftime("%H:%M"), c.strftime("%H:%M")] for d, (o, c) in sorted(week.items())}


def load_calendar(office_code: str | None) -> OfficeCalendar:
    from sqlalchemy import or_, select

    from backend.extensions import db
    from backend.models import HolidayOverride, Office, OfficeHours

    office_id = None
    if office_code:
        office_id = db.session.execute(select(Office.id).filter_by(code=office_code)).scalar_one_or_none()
    mine = OfficeHours.office_id == office_id if office_id is not None else OfficeHours.office_id.is_(None)
    rows = db.session.scalars(
        select(OfficeHours).where(or_(OfficeHours.office_id.is_(None), mine))
    ).all()
    # The office's own rows first: its regular week and its dated hours win.
    rows = sorted(rows, key=lambda r: (r.office_id is None, r.starts or date.min, r.id))
    regular = next((r for r in rows if r.starts is None), None)
    week = parse_week(regular.week) if regular is not None else dict(DEFAULT_WEEK)
    overrides = tuple(
        DatedHours(r.starts, r.ends or r.starts, parse_week(r.week), r.label or "")
        for r in rows if r.starts is not None
    )
    days = db.session.scalars(
        select(HolidayOverride).where(
            or_(HolidayOverride.office_id.is_(None),
                HolidayOverride.office_id == office_id if office_id is not None else HolidayOverride.office_id.is_(None))
        )
    ).all()
    holiday_overrides: dict[date, str | None] = {}
    for d in sorted(days, key=lambda h: h.office_id is not None):  # the office's own last: it wins
        holiday_overrides[d.day] = (d.name or "Libur") if d.closed else None
    return OfficeCalendar(week=week, overrides=overrides, holiday_overrides=holiday_overrides)
