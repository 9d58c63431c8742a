"""The query layer against a known dataset, on both database lanes."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from backend.monitoring import queries
from backend.monitoring.scope import make_scope, previous_range
from backend.workdays import WIB
from tests.monitoring import known


def test_every_figure_of_a_known_month(app_ctx):
    data = known.build()
    scope = make_scope(visible=None, period="custom", start=known.MONTH[0], end=known.MONTH[1], now=known.NOW)
    d = queries.dashboard(scope)
    t = d.totals
    assert t.complaints == 9
    assert (t.waiting, t.delivered, t.given_up) == (2, 6, 1)
    assert (d.crm_pending, d.crm_manual) == (1, 1)
    assert (t.in_hours, t.out_hours) == (6, 3)
    # open past 7 days at 17 Nov 12:00: #3, #4, #8 (submitted before 10 Nov, not closed)
    assert t.overdue == 3
    assert (d.finished, d.finished_late, d.finished_on_time) == (3, 1, 2)
    assert d.open == 6 and d.open_within_limit == 3
    assert {b.key: b.value for b in d.by_channel} == {"kiosk": 3, "phone": 2, "desk": 2, "telephone": 1, "letter": 1}
    assert {b.key: b.value for b in d.by_category} == {"JALAN_RUSAK": 5, data["other"]: 4}
    days = {b.key: b.value for b in d.by_day if b.value}
    assert days == {"2026-11-02": 2, "2026-11-03": 2, "2026-11-04": 1, "2026-11-05": 1, "2026-11-16": 2,
                    "2026-11-17": 1}
    assert len(d.by_day) == 30
    hours = {b.key: b.value for b in d.by_hour if b.value}
    assert hours == {"07": 1, "08": 2, "09": 1, "10": 2, "14": 1, "20": 1, "21": 1}
    # acknowledgement: 10, 20, 30, 40, 50, 60 minutes
    assert d.ack_count == 6
    assert round(d.ack_median_seconds) == 35 * 60
    assert round(d.ack_p95_seconds) == round((50 + 0.75 * 10) * 60)
    rows = {r.office.code: r for r in d.office_rows}
    assert rows["0000"].total.complaints == 9 and rows["0000"].own.complaints == 1
    assert rows["0100"].total.complaints == 6 and rows["0100"].own.complaints == 1
    assert rows["0101"].own.complaints == 3 and rows["0102"].own.complaints == 2
    assert rows["0600"].total.complaints == 2 and rows["0601"].own.complaints == 2
    assert len(d.office_rows) == 76
    assert len(d.silent_offices) == 76 - 5
    status = {b.key: b.value for b in d.by_status if b.value}
    assert status == {"selesai": 3, "proses": 3, "submitted": 3}


def test_a_kecamatan_scope_counts_only_its_offices(app_ctx):
    known.build()
    visible = frozenset(make_scope(visible=None, area_code="0100", now=known.NOW).office_ids)
    scope = make_scope(visible=visible, period="custom", start=known.MONTH[0], end=known.MONTH[1], now=known.NOW)
    d = queries.dashboard(scope)
    assert d.totals.complaints == 6
    assert d.offices[0].office.code == "0100"
    assert {r.office.code for r in d.office_rows} == visible_codes(scope)
    rows = list(queries.complaint_rows(scope))
    assert len(rows) == 6 and {r[2] for r in rows} == {"0100", "0101", "0102"}


def visible_codes(scope):
    return {o.code for o in scope.offices()}


# --- the period before (Scope.previous, queries.period_figures) ---------------------

@pytest.mark.parametrize("period, start, end, before", [
    # calendar months: the same days of the months before, clamped to their length
    ("month", date(2026, 11, 1), date(2026, 11, 17), (date(2026, 10, 1), date(2026, 10, 17))),
    ("month", date(2026, 3, 1), date(2026, 3, 30), (date(2026, 2, 1), date(2026, 2, 28))),
    ("custom", date(2026, 11, 1), date(2026, 11, 30), (date(2026, 10, 1), date(2026, 10, 31))),
    ("custom", date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
    ("custom", date(2026, 2, 1), date(2026, 2, 28), (date(2026, 1, 1), date(2026, 1, 31))),
    ("custom", date(2026, 1, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
    ("custom", date(2026, 9, 1), date(2026, 11, 15), (date(2026, 6, 1), date(2026, 8, 15))),
    ("custom", date(2026, 1, 1), date(2026, 12, 31), (date(2025, 1, 1), date(2025, 12, 31))),
    # other ranges: as many days just before
    ("today", date(2026, 11, 17), date(2026, 11, 17), (date(2026, 11, 16), date(2026, 11, 16))),
    ("today", date(2026, 12, 1), date(2026, 12, 1), (date(2026, 11, 30), date(2026, 11, 30))),
    ("week", date(2026, 11, 16), date(2026, 11, 18), (date(2026, 11, 13), date(2026, 11, 15))),
    ("week", date(2026, 6, 1), date(2026, 6, 7), (date(2026, 5, 25), date(2026, 5, 31))),
    ("custom", date(2026, 11, 10), date(2026, 11, 19), (date(2026, 10, 31), date(2026, 11, 9))),
])
def test_the_period_before(period, start, end, before):
    assert previous_range(period, start, end) == before


def test_the_month_before_a_known_month(app_ctx):
    known.build()
    # October 2026 holds #10 (0101, kiosk, Saturday 31 Oct 10:00, delivered after 5 minutes, open) and
    # #11 (0102, phone, Tuesday 6 Oct 09:00, delivered after 15 minutes, closed 2 days later).
    scope = make_scope(visible=None, period="custom", start=date(2026, 11, 1), end=date(2026, 11, 30),
                       now=datetime(2026, 12, 2, 9, 0, tzinfo=WIB))
    p = queries.dashboard(scope).previous
    assert (p.start, p.end) == (date(2026, 10, 1), date(2026, 10, 31))
    t = p.totals
    assert (t.complaints, t.waiting, t.delivered, t.given_up, t.manual) == (2, 0, 2, 0, 0)
    assert (t.in_hours, t.out_hours) == (1, 1)
    assert (t.finished, t.finished_late, t.overdue) == (1, 0, 0)
    assert p.ack_count == 2 and round(p.ack_median_seconds) == 10 * 60 and round(p.ack_p95_seconds) == 14.5 * 60
    # November seen on the 17th compares with 1-17 October: #11 only.
    scope = make_scope(visible=None, period="custom", start=known.MONTH[0], end=known.MONTH[1], now=known.NOW)
    p = queries.dashboard(scope).previous
    assert (p.start, p.end) == (date(2026, 10, 1), date(2026, 10, 17))
    assert (p.totals.complaints, p.totals.in_hours, p.totals.finished) == (1, 1, 1)
    assert round(p.ack_median_seconds) == 15 * 60
    # A kecamatan without October complaints, and the months before: nothing.
    d = queries.dashboard(make_scope(visible=None, period="custom", start=known.MONTH[0], end=known.MONTH[1],
                                     area_code="0600", now=known.NOW))
    assert d.previous.totals.complaints == 0 and d.previous.ack_median_seconds is None
    older = queries.period_figures(scope.previous().previous())
    assert older.totals.complaints == 0 and older.ack_count == 0


@pytest.mark.parametrize("area, visible_area", [(None, None), ("0100", None), ("0101", None), (None, "0600")])
def test_period_figures_are_the_dashboards_totals(app_ctx, area, visible_area):
    """The comparison's figures come from the same rollups by the same rules as the page's."""
    known.build()
    visible = None
    if visible_area:
        visible = frozenset(make_scope(visible=None, area_code=visible_area, now=known.NOW).office_ids)
    for start, end in ((date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 31), date(2026, 11, 3)),
                       (date(2026, 11, 16), date(2026, 11, 17)), (date(2026, 9, 1), date(2026, 12, 31))):
        scope = make_scope(visible=visible, period="custom", start=start, end=end, area_code=area, now=known.NOW)
        d = queries.dashboard(scope)
        p = queries.period_figures(scope)
        fields = ("complaints", "waiting", "manual", "delivered", "given_up", "in_hours", "out_hours", "finished",
                  "finished_late")
        assert [getattr(p.totals, f) for f in fields] == [getattr(d.totals, f) for f in fields], (area, start, end)
        assert (p.ack_count, p.ack_median_seconds, p.ack_p95_seconds) == (
            d.ack_count, d.ack_median_seconds, d.ack_p95_seconds)
