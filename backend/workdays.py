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
from zoneinfo import ZoneInfo

import holidays

WIB = ZoneInfo("Asia/Jakarta")

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


def calendar_for(office_code: str | None) -> OfficeCalendar:
    """The calendar of an office. Every office keeps the default hours until
    per-office hours and overrides are kept in the database (officer console)."""
    return DEFAULT_CALENDAR
