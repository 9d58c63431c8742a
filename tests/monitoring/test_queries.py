"""The query layer against a known dataset, on both database lanes."""
from __future__ import annotations

from backend.monitoring import queries
from backend.monitoring.scope import make_scope
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
