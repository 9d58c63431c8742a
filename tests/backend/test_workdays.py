from datetime import date, datetime, time

from backend.workdays import WIB, DatedHours, OfficeCalendar

cal = OfficeCalendar()


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def test_default_hours_monday_to_friday():
    assert cal.hours(date(2026, 11, 30)) == (time(7, 30), time(16, 0))  # Monday
    assert cal.hours(date(2026, 12, 4)) == (time(7, 30), time(16, 30))  # Friday closes later
    assert cal.hours(date(2026, 11, 28)) is None  # Saturday


def test_is_open_uses_jakarta_time_whatever_the_input_zone():
    assert cal.is_open(wib(2026, 11, 30, 7, 30))
    assert not cal.is_open(wib(2026, 11, 30, 16, 0))
    assert cal.is_open(wib(2026, 12, 4, 16, 15))  # Friday
    from datetime import timezone

    assert cal.is_open(datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc))  # 08:00 WIB


def test_public_holidays_and_cuti_bersama_are_closed():
    assert cal.holiday(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert "Cuti Bersama" in cal.holiday(date(2026, 12, 24))
    assert not cal.is_open(wib(2026, 12, 24, 9, 0))


def test_local_overrides_add_a_day_off_or_restore_a_working_day():
    local = OfficeCalendar(holiday_overrides={date(2026, 12, 2): "Libur daerah", date(2026, 12, 24): None})
    assert not local.is_open(wib(2026, 12, 2, 9, 0))
    assert local.is_open(wib(2026, 12, 24, 9, 0))


def test_ramadan_hours_as_a_dated_override():
    ramadan = DatedHours(date(2027, 2, 8), date(2027, 3, 9), {
        d: (time(7, 0), time(14, 0)) for d in range(4)} | {4: (time(7, 0), time(14, 30))}, "Ramadan")
    c = OfficeCalendar(overrides=(ramadan,))
    assert c.hours(date(2027, 2, 10)) == (time(7, 0), time(14, 0))
    assert not c.is_open(wib(2027, 2, 10, 15, 0))
    assert c.hours(date(2027, 3, 22)) == (time(7, 30), time(16, 0))  # after Ramadan and Lebaran


def test_next_opening_skips_weekends_and_holidays():
    # Wednesday 23 Dec 2026 after hours -> 24 (cuti bersama), 25 (Natal), weekend -> Monday 28.
    assert cal.next_opening(wib(2026, 12, 23, 18, 0)) == wib(2026, 12, 28, 7, 30)
    # Saturday -> Monday 07:30.
    assert cal.next_opening(wib(2026, 11, 28, 10, 0)) == wib(2026, 11, 30, 7, 30)
    # Before opening on a working day -> the same morning; while open -> now.
    assert cal.next_opening(wib(2026, 11, 30, 6, 0)) == wib(2026, 11, 30, 7, 30)
    assert cal.next_opening(wib(2026, 11, 30, 9, 0)) == wib(2026, 11, 30, 9, 0)
