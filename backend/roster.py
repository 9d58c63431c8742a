"""The duty roster (jadwal piket) of the Mayor's office: which section and
which officers receive complaints in person on a day."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.extensions import db
from backend.models import DutyDay, DutySection, utcnow
from backend.workdays import WIB


def today_wib(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(WIB).date()


def duty_on(day: date) -> DutyDay | None:
    return db.session.execute(
        select(DutyDay).options(selectinload(DutyDay.officers), selectinload(DutyDay.section))
        .filter_by(day=day)
    ).scalar_one_or_none()


def month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def month_roster(year: int, month: int) -> dict[date, DutyDay]:
    days = month_days(year, month)
    rows = db.session.scalars(
        select(DutyDay).options(selectinload(DutyDay.officers), selectinload(DutyDay.section))
        .where(DutyDay.day >= days[0], DutyDay.day <= days[-1])
    ).all()
    return {r.day: r for r in rows}


def active_sections() -> list[DutySection]:
    return list(db.session.scalars(
        select(DutySection).filter_by(active=True).order_by(DutySection.sort, DutySection.name)))


def fill_rotation(year: int, month: int, calendar, sections: list[DutySection]) -> int:
    """Give each working day without a section the next section in turn,
    continuing from the last assigned day; returns how many days were filled."""
    if not sections:
        return 0
    roster = month_roster(year, month)
    order = [s.id for s in sections]
    previous = db.session.execute(
        select(DutyDay.section_id).where(DutyDay.day < date(year, month, 1)).order_by(DutyDay.day.desc()).limit(1)
    ).scalar_one_or_none()
    i = (order.index(previous) + 1) if previous in order else 0
    filled = 0
    for day in month_days(year, month):
        if calendar.hours(day) is None:
            continue
        if day in roster:
            if roster[day].section_id in order:
                i = order.index(roster[day].section_id) + 1
            continue
        db.session.add(DutyDay(day=day, section_id=order[i % len(order)]))
        i += 1
        filled += 1
    return filled
