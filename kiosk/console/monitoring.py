"""Monitoring and evaluation (issue 7): the dashboard, the exports and the
monthly PDF report, under /petugas/pemantauan.

Who: monitor and admin see the city; pimpinan (camat, lurah, the mayor's
office) their own office and the offices under it; petugas are refused
(their office's complaints are in the queue). Personal data only in the
"pribadi" exports (admin; pimpinan for their own offices), audited before
the file leaves. Every figure comes from backend.monitoring.queries.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from babel.numbers import get_group_symbol
from flask import abort, current_app, g, render_template, request
from flask_babel import force_locale, format_datetime, format_decimal, get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from backend import auth
from backend.models import OfficeKind, utcnow
from backend.monitoring import queries
from backend.monitoring.scope import PERIODS, ScopeError, ScopeForbidden, make_scope
from backend.workdays import WIB, plausible_day
from kiosk.console.access import requires
from kiosk.console.views import bp
from kiosk.errors import render_error
from printing import charts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REASONS = {
    "no_complaints": _l("No complaints in the range"),
    "given_up": _l("Complaints the CRM relay gave up on"),
    "overdue": _l("Many complaints open past 7 days"),
    "kiosk_offline": _l("Kiosk offline"),
    "printer": _l("Printer trouble"),
}


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _scope(period_default: str = "month"):
    """The scope the request asks for; (scope, error message or None)."""
    user = g.officer
    visible = auth.scope_of(user)
    period = request.args.get("periode") or period_default
    if period not in PERIODS:
        period = period_default
    area = request.args.get("wilayah") or None
    try:
        return make_scope(visible=visible, period=period, start=_date("dari"), end=_date("sampai"),
                          area_code=area), None
    except ScopeForbidden:
        abort(403)
    except ScopeError as exc:
        # What was asked for, shown as the default instead, with the reason;
        # without the area when the area itself is what is wrong.
        try:
            return make_scope(visible=visible, period=period_default, area_code=area), exc.message
        except ScopeError:
            return make_scope(visible=visible, period=period_default), exc.message


def _args(scope) -> dict:
    args = {"periode": scope.period, "wilayah": scope.area.code if scope.area else None}
    if scope.period == "custom":
        args.update(dari=scope.start.isoformat(), sampai=scope.end.isoformat())
    return {k: v for k, v in args.items() if v}


@lru_cache(maxsize=8)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


def _num(n) -> str:
    if n is None:
        return "–"
    if isinstance(n, int):  # the page prints hundreds of counts: babel's full formatter per number is slow
        return f"{n:,}".replace(",", _group_symbol(str(get_locale() or "id")))
    return format_decimal(n)


def _minutes(seconds: float) -> int:
    return int(round(seconds) / 60 + 0.5)  # whole seconds first (julianday arithmetic is inexact), half up


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = _minutes(seconds)
    if minutes < 60:
        return _("%(m)d min", m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return _("%(d)d days %(h)d h", d=days, h=hours)


def _percent(part: float | None) -> str:
    return "–" if part is None else f"{part * 100:.0f}%".replace(".", ",")


def _charts(d: queries.Dashboard) -> dict[str, Markup]:
    return {
        "channel": Markup(charts.hbars([(b.label, b.value) for b in d.by_channel], _("Complaints by channel"))),
        "category": Markup(charts.hbars([(b.label, b.value) for b in d.by_category[:15]],
                                        _("Complaints by category"))),
        # Day labels are thinned by charts.columns to what fits, for a week or a year alike.
        "day": Markup(charts.columns([(b.label, b.value) for b in d.by_day], _("Complaints by day"))),
        "hour": Markup(charts.columns([(b.label, b.value) for b in d.by_hour],
                                      _("Complaints by hour of the day (WIB)"), every=3)),
        "office": Markup(charts.hbars([(r.office.title, r.total.complaints) for r in d.offices[0].children]
                                      if len(d.offices) == 1 and d.offices[0].children else
                                      [(r.office.title, r.total.complaints) for r in d.offices],
                                      _("Complaints by office"))),
    }


def _area_label(scope) -> str:
    return scope.area.title if scope.area else _("The whole city")


def _period_label(scope) -> str:
    from flask_babel import format_date

    if scope.start == scope.end:
        return format_date(scope.start, "d MMMM y")
    return f"{format_date(scope.start, 'd MMMM y')} – {format_date(scope.end, 'd MMMM y')}"


@bp.get("/pemantauan")
@requires("monitoring")
def monitoring():
    scope, error = _scope()
    d = queries.dashboard(scope, str(get_locale() or "id"))
    # Offices the user may pick as the area: what they may see.
    choices = [o for o in scope.tree.by_id.values() if auth.may_see_office(g.officer, o.id)]
    choices.sort(key=lambda o: o.code)
    return render_template(  # a range or area it cannot show: the default, with the reason, as a 400
        "console/monitoring/dashboard.html", d=d, scope=scope, error=error, args=_args(scope),
        charts=_charts(d), periods=PERIODS, area_choices=choices, path=scope.tree.path(scope.area.id) if scope.area else [],
        duration=duration, percent=_percent, num=_num, reasons=REASONS, area_label=_area_label(scope),
        period_label=_period_label(scope), section="monitoring", compared=_compared(d),
        figures={key: (label, value) for key, label, value in _figures(d)},
        previous_label=_month_label(d.previous.start, d.previous.end),
        report_month=scope.end.strftime("%Y-%m"), report_months=_report_months(scope),
    ), 400 if error else 200


def _report_months(scope, count: int = 12) -> list[tuple[str, str]]:
    """The months a monthly report can be asked for from the page: this one
    (in progress) and the ones before, newest first, as (YYYY-MM, label)."""
    from flask_babel import format_date

    month = scope.at.astimezone(WIB).date().replace(day=1)
    out = []
    for i in range(count):
        label = format_date(month, "MMMM y")
        out.append((month.strftime("%Y-%m"), _("%(month)s (so far)", month=label) if i == 0 else label))
        month = (month - timedelta(days=1)).replace(day=1)
    shown = scope.end.strftime("%Y-%m")
    if shown not in dict(out):  # a range further back: its own month too
        out.append((shown, format_date(scope.end, "MMMM y")))
    return out


# --- exports -------------------------------------------------------------------

def _columns(personal: bool) -> tuple[str, ...]:
    return queries.EXPORT_COLUMNS + (queries.PERSONAL_COLUMNS if personal else ())


def _filename(scope, ext: str, personal: bool) -> str:
    area = scope.area.code if scope.area else "kota"
    return f"aduan-{area}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}{'-pribadi' if personal else ''}.{ext}"


def _audit(scope, personal: bool, fmt: str) -> None:
    detail = (f"{fmt}; {'with personal data; ' if personal else ''}{scope.start}..{scope.end}; "
              f"area {scope.area.code if scope.area else 'kota'}")
    auth.audit_now("export_personal" if personal else "export", user=g.officer, detail=detail,
                   target=f"monitoring:{scope.area.code if scope.area else 'kota'}")


def _asked_scope():
    """The scope an export asks for; a range or area it cannot have is a 400
    with the reason, never a file of some other range."""
    scope, error = _scope()
    if error:
        abort(current_app.make_response(render_error(400, error)))
    return scope


def _csv(personal: bool):
    scope = _asked_scope()
    _audit(scope, personal, "csv")  # before the data leaves
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_columns(personal))
    for row in queries.complaint_rows(scope, personal=personal):
        writer.writerow(row)
    response = current_app.response_class(out.getvalue().encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(scope, "csv", personal)}"'
    return response


def _xlsx(personal: bool):
    from openpyxl import Workbook

    scope = _asked_scope()
    _audit(scope, personal, "xlsx")
    with force_locale("id"):
        d = queries.dashboard(scope, "id")
        wb = Workbook(write_only=True)
        sheet = wb.create_sheet("Aduan")
        sheet.append(list(_columns(personal)))
        for row in queries.complaint_rows(scope, personal=personal):
            sheet.append(list(row))
        summary = wb.create_sheet("Ringkasan")
        previous = _("Before (%(range)s)", range=_month_label(d.previous.start, d.previous.end))
        summary.append([_("Figure"), _period_label(scope), previous, pgettext("comparison", "Change")])
        for (_key, label, value), compared in zip(_figures(d), _comparison(d)):
            summary.append([label, value, *(compared or (None, None))])
        summary.append([])
        summary.append([_("Channel"), _("Complaints")])
        for b in d.by_channel:
            summary.append([b.label, b.value])
        summary.append([])
        summary.append([_("Category"), _("Complaints")])
        for b in d.by_category:
            summary.append([b.label, b.value])
        offices = wb.create_sheet("Kantor")
        offices.append([_("Code"), _("Office"), _("Complaints"), _("Waiting for the CRM"), _("Delivered to the CRM"),
                        _("Given up"), _("Open past 7 days"), _("Outside office hours")])
        for r in d.office_rows:
            t = r.total
            offices.append([r.office.code, r.office.title, t.complaints, t.waiting, t.delivered, t.given_up, t.overdue,
                            t.out_hours])
    out = io.BytesIO()
    wb.save(out)
    response = current_app.response_class(out.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(scope, "xlsx", personal)}"'
    return response


@bp.get("/pemantauan/ekspor.csv")
@requires("monitoring")
def monitoring_csv():
    return _csv(False)


@bp.get("/pemantauan/ekspor.xlsx")
@requires("monitoring")
def monitoring_xlsx():
    return _xlsx(False)


@bp.get("/pemantauan/ekspor-pribadi.csv")
@requires("export_personal")
def monitoring_csv_personal():
    return _csv(True)


@bp.get("/pemantauan/ekspor-pribadi.xlsx")
@requires("export_personal")
def monitoring_xlsx_personal():
    return _xlsx(True)


# --- the monthly report -------------------------------------------------------

def _figures(d: queries.Dashboard) -> list[tuple[str, object]]:
    """The headline figures, (key, label, value), in one order for the page, XLSX and PDF.
    The keys name them on the page (data-figure) and in _compared()."""
    t = d.totals
    return [
        ("complaints", _("Complaints received"), t.complaints),
        ("in_hours", _("Inside office hours"), t.in_hours),
        ("out_hours", _("Outside office hours"), t.out_hours),
        ("waiting", _("Waiting for the CRM"), t.waiting),
        ("delivered", _("Delivered to the CRM"), t.delivered),
        ("given_up", _("Given up (not in the CRM)"), t.given_up),
        ("ack_median", _("Time to CRM acknowledgement, median"), duration(d.ack_median_seconds)),
        ("ack_p95", _("Time to CRM acknowledgement, 95th percentile"), duration(d.ack_p95_seconds)),
        ("finished", _("Follow-up finished"), d.finished),
        ("finished_on_time", _("Finished within 7 days"), d.finished_on_time),
        ("finished_late", _("Finished after 7 days"), d.finished_late),
        ("open_within", _("Open, within 7 days"), d.open_within_limit),
        ("overdue", _("Open past 7 days"), t.overdue),
        ("silent", _("Offices without complaints"), len(d.silent_offices)),
        ("kiosks_offline", _("Kiosks offline now"), len(d.kiosks_offline)),
        ("printer", _("Kiosks with printer trouble"), len(d.kiosks_printer_trouble)),
    ]


MINUS = "\u2212"  # a real minus sign: a hyphen reads as a dash in a column of figures


def _change(now: int | None, before: int | None, fmt=None) -> str:
    """The change from `before` to `now`: "+12 (+4%)", "−3 (−10%)", "0"; the
    percentage only where `before` is not 0; "–" where either is unknown."""
    if now is None or before is None:
        return "–"
    delta = now - before
    if delta == 0:
        return "0"
    sign = "+" if delta > 0 else MINUS
    out = sign + (fmt or _num)(abs(delta))
    if before:
        pct = abs(delta) * 100 / before
        whole = int(pct + 0.5)  # half up, as duration()
        # Under 1% one decimal, so a real change never reads as 0%.
        pct_text = format_decimal(whole, "#,##0") if whole else format_decimal(max(int(pct * 10 + 0.5), 1) / 10,
                                                                                 "0.0")
        out += f" ({sign}{pct_text}%)"
    return out


def _comparison(d: queries.Dashboard) -> list[tuple[object, str] | None]:
    """Per figure of _figures(d), in its order: (the period before's value,
    the change), or None where the two periods do not compare: open within /
    past 7 days are states now, and the silent offices and kiosks describe
    today. The value is of the figure's kind (a count, or a duration's text);
    durations change in minutes, as the page shows them."""
    figures = _figures(d)
    p = d.previous
    if p is None:
        return [None] * len(figures)
    b = p.totals
    before = {"complaints": b.complaints, "in_hours": b.in_hours, "out_hours": b.out_hours, "waiting": b.waiting,
              "delivered": b.delivered, "given_up": b.given_up, "finished": b.finished,
              "finished_on_time": b.finished - b.finished_late, "finished_late": b.finished_late,
              "ack_median": p.ack_median_seconds, "ack_p95": p.ack_p95_seconds}
    seconds = {"ack_median": d.ack_median_seconds, "ack_p95": d.ack_p95_seconds}  # their values are text

    def minutes(value):
        return None if value is None else _minutes(value)

    out: list[tuple[object, str] | None] = []
    for key, _label, value in figures:
        if key not in before:
            out.append(None)
        elif key in seconds:
            out.append((duration(before[key]), _change(minutes(seconds[key]), minutes(before[key]),
                                                       lambda m: duration(m * 60))))
        else:
            out.append((before[key], _change(value, before[key])))
    return out


def _compared(d: queries.Dashboard) -> dict[str, tuple[object, str]]:
    """The page's comparison: figure key -> (the period before's value, change)."""
    return {key: c for (key, _label, _value), c in zip(_figures(d), _comparison(d)) if c is not None}


def _month_label(start: date, end: date) -> str:
    from flask_babel import format_date

    same_month = (start.year, start.month) == (end.year, end.month)
    if same_month and start.day == 1 and (end + timedelta(days=1)).day == 1:
        return format_date(start, "MMMM y")
    if same_month:  # "1–17 November 2026": a month in progress, or its part before
        return f"{start.day}–{format_date(end, 'd MMMM y')}"
    return f"{format_date(start, 'd MMM y')} – {format_date(end, 'd MMM y')}"


def _report_charts(d: queries.Dashboard):
    """The report's charts in rows (one full width, or two side by side), each
    with its numbers: days and hours as a few rows of columns. The viewBoxes
    are sized for print (the SVG is scaled to its column): the charts' text
    comes out at about 7-8 pt."""
    from printing.reports import ReportChart, ReportStrip, ReportTable

    n = _("Complaints")

    def strip(caption, key_label, bars, per_row):
        cells = [(b.label, _num(b.value)) for b in bars]
        return ReportStrip(caption, key_label, n, tuple(tuple(cells[i:i + per_row])
                                                        for i in range(0, len(cells), per_row)))

    def pairs(bars):
        return [(b.label, b.value) for b in bars]

    day, hour = _("Complaints by day"), _("Complaints by hour of the day (WIB)")
    channel, category = _("Complaints by channel"), _("Complaints by category")
    return (
        (ReportChart(day, charts.columns(pairs(d.by_day), day, width=760, height=150),
                     strip(day, _("Date"), d.by_day, 16)),),
        (ReportChart(category, charts.hbars(pairs(d.by_category[:15]), category, width=760, label_width=250, row=18),
                     ReportTable(category, (_("Category"), n), tuple((b.label, _num(b.value)) for b in d.by_category),
                                 split=2 if len(d.by_category) > 6 else 1)),),
        (ReportChart(channel, charts.hbars(pairs(d.by_channel), channel, width=400, label_width=180),
                     ReportTable(channel, (_("Channel"), n), tuple((b.label, _num(b.value)) for b in d.by_channel))),
         # Six hours a row: five-digit counts fit a half-width column.
         ReportChart(hour, charts.columns(pairs(d.by_hour), hour, width=400, height=170, every=3),
                     strip(hour, _("Hour"), d.by_hour, 6))),
    )


def _office_label(row: queries.OfficeRow) -> str:
    return _("The whole city") if row.office.kind == OfficeKind.KOTA else row.office.title


def _own_label(row: queries.OfficeRow) -> str:
    return {OfficeKind.KOTA: _("Directly at the mayor's office"),
            OfficeKind.KECAMATAN: _("Directly at the kecamatan office")}.get(row.office.kind,
                                                                              _("Directly at this office"))


def _office_groups(tops: list[queries.OfficeRow], *, nested: bool):
    """The office tables' row groups: an office with offices under it gives
    a group of its total (bold), what came in at the office itself (when
    anything did, so the rows add up to the total), then its offices,
    indented. With `nested`, an office under it that has offices of its own
    gives its own group after it (kecamatan under the city) instead of one
    row; without, each is one row of its subtree's totals (the summary)."""
    from printing.reports import ReportRow

    def cells(label, c: queries.Counts):
        return (label, _num(c.complaints), _num(c.waiting), _num(c.delivered), _num(c.given_up), _num(c.overdue))

    groups = []

    def visit(r: queries.OfficeRow):
        group = [ReportRow(cells(_office_label(r), r.total), strong=True)]
        if r.children and (r.own.complaints or r.own.overdue):
            group.append(ReportRow(cells(_own_label(r), r.own), indent=1))
        later = []
        for c in r.children:
            if nested and c.children:
                later.append(c)
            else:
                group.append(ReportRow(cells(c.office.title, c.total), indent=1))
        groups.append(tuple(group))
        for c in later:
            visit(c)

    for top in tops:
        visit(top)
    return tuple(groups)


def report_data(d: queries.Dashboard, scope):
    """ReportData for printing/reports.py: labels and formatting only; every number from `d`."""
    from printing.reports import ReportData, ReportGroups, ReportTable

    n = _("Complaints")
    this_month = _month_label(scope.start, scope.end)
    before = _month_label(d.previous.start, d.previous.end) if d.previous else "–"
    figures = []
    for (_key, label, value), compared in zip(_figures(d), _comparison(d)):
        previous, change = compared or ("–", "–")
        figures.append(tuple(v if isinstance(v, str) else _num(v) for v in (label, value, previous, change)))
    office_head = (_("Office"), n, _("Waiting for the CRM"), _("Delivered to the CRM"), _("Given up"),
                   _("Open past 7 days"))
    # The kota and its kecamatan first, when the report covers more than one level under its top.
    deep = any(c.children for top in d.offices for c in top.children)
    return ReportData(
        language="id",
        title=_("Monthly evaluation of complaint intake"),
        area=_area_label(scope),
        period=this_month,
        generated_at=format_datetime(utcnow().astimezone(WIB), "d MMMM y, HH.mm") + " WIB",
        figures=ReportTable(_("Figures"), (_("Figure"), this_month, before, pgettext("comparison", "Change")),
                            tuple(figures)),
        charts=_report_charts(d),
        attention=ReportTable(_("Offices that need attention"), (_("Office"), _("Why")),
                              tuple((a.office.title, "; ".join(str(REASONS[r]) for r in a.reasons))
                                    for a in d.attention_beyond_silence), numeric_from=9),
        silent=tuple(o.title for o in d.silent_offices),
        summary=ReportGroups(_("Complaints by kecamatan"), office_head,
                             _office_groups(d.offices, nested=False)) if deep else None,
        offices=ReportGroups(_("Complaints by office"), office_head, _office_groups(d.offices, nested=True)),
        kiosks=ReportTable(_("Kiosks"), (_("Kiosk"), _("Office"), _("Now"), _("Printer"), _("Calls for an officer"),
                                         _("Wait for an officer, median"), _("Uptime")),
                           tuple((k.name, k.office_title, _("offline") if k.offline else _("online"),
                                  k.printer_problem or _("good"), _num(k.help_calls), duration(k.help_wait),
                                  _percent(k.uptime))
                                 for k in d.kiosks),
                           numeric_from=4),
        notes=(_("A complaint counts for the office where it came in. Times in WIB."),
               _("An office's bold row is the sum of the rows under it. The month before is compared as it "
                 "stands now: its complaints' CRM delivery and follow-up may have moved on since."),),
    )


def _month_scope():
    """The month named by ?bulan=YYYY-MM (default: this month): whole, or up to today."""
    user = g.officer
    typed = request.args.get("bulan", "")
    today = utcnow().astimezone(WIB).date()
    try:
        year, month = (int(p) for p in typed.split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    if not plausible_day(first):
        abort(404)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    try:
        scope = make_scope(visible=auth.scope_of(user), period="custom", start=first, end=last,
                           area_code=request.args.get("wilayah") or None)
    except ScopeForbidden:
        abort(403)
    except ScopeError:
        abort(404)
    # The month in progress up to today: its empty days to come would read as
    # a fall against the whole month before.
    return replace(scope, end=min(scope.end, max(scope.start, scope.at.astimezone(WIB).date())))


@bp.get("/pemantauan/laporan.pdf")
@requires("monitoring")
def monitoring_report():
    from printing.reports import render_report_pdf

    scope = _month_scope()
    with force_locale("id"):  # the report is in Bahasa Indonesia
        d = queries.dashboard(scope, "id")
        data = report_data(d, scope)
    pdf = render_report_pdf(data)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    area = scope.area.code if scope.area else "kota"
    response.headers["Content-Disposition"] = f'inline; filename="evaluasi-{area}-{scope.start:%Y-%m}.pdf"'
    return response
