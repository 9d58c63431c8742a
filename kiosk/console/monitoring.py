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
from datetime import date, timedelta
from functools import lru_cache

from babel.numbers import get_group_symbol
from flask import abort, current_app, g, render_template, request
from flask_babel import force_locale, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from backend import auth
from backend.models import utcnow
from backend.monitoring import queries
from backend.monitoring.scope import PERIODS, ScopeError, ScopeForbidden, make_scope
from backend.workdays import WIB
from kiosk.console.access import requires
from kiosk.console.views import bp
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
        return make_scope(visible=visible, period=period_default, area_code=area), exc.message


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


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = int(round(seconds) / 60 + 0.5)  # whole seconds first (julianday arithmetic is inexact), half up
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
    return render_template(
        "console/monitoring/dashboard.html", d=d, scope=scope, error=error, args=_args(scope),
        charts=_charts(d), periods=PERIODS, area_choices=choices, path=scope.tree.path(scope.area.id) if scope.area else [],
        duration=duration, percent=_percent, num=_num, reasons=REASONS, area_label=_area_label(scope),
        period_label=_period_label(scope), section="monitoring",
        report_month=scope.end.strftime("%Y-%m"),
    )


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


def _csv(personal: bool):
    scope, _error = _scope()
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

    scope, _error = _scope()
    _audit(scope, personal, "xlsx")
    with force_locale("id"):
        d = queries.dashboard(scope, "id")
        wb = Workbook(write_only=True)
        sheet = wb.create_sheet("Aduan")
        sheet.append(list(_columns(personal)))
        for row in queries.complaint_rows(scope, personal=personal):
            sheet.append(list(row))
        summary = wb.create_sheet("Ringkasan")
        for label, value in _figures(d):
            summary.append([label, value])
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
    """The headline figures, labelled, in one order for the page, XLSX and PDF."""
    t = d.totals
    return [
        (_("Complaints received"), t.complaints),
        (_("Inside office hours"), t.in_hours),
        (_("Outside office hours"), t.out_hours),
        (_("Waiting for the CRM"), t.waiting),
        (_("Delivered to the CRM"), t.delivered),
        (_("Given up (not in the CRM)"), t.given_up),
        (_("Time to CRM acknowledgement, median"), duration(d.ack_median_seconds)),
        (_("Time to CRM acknowledgement, 95th percentile"), duration(d.ack_p95_seconds)),
        (_("Follow-up finished"), d.finished),
        (_("Finished within 7 days"), d.finished_on_time),
        (_("Finished after 7 days"), d.finished_late),
        (_("Open, within 7 days"), d.open_within_limit),
        (_("Open past 7 days"), t.overdue),
        (_("Offices without complaints"), len(d.silent_offices)),
        (_("Kiosks offline now"), len(d.kiosks_offline)),
        (_("Kiosks with printer trouble"), len(d.kiosks_printer_trouble)),
    ]


def report_data(d: queries.Dashboard, scope):
    """ReportData for printing/reports.py: labels and formatting only; every number from `d`."""
    from printing.reports import ReportChart, ReportData, ReportTable
    from flask_babel import format_date

    def chart(key, title, bars, head):
        return ReportChart(title, charts_[key], ReportTable(title, head, tuple((b.label, _num(b.value)) for b in bars)))

    charts_ = {k: str(v) for k, v in _charts(d).items()}
    n = _("Complaints")
    return ReportData(
        language="id",
        title=_("Monthly evaluation of complaint intake"),
        area=_area_label(scope),
        period=format_date(scope.start, "MMMM y"),
        generated_at=format_datetime(utcnow().astimezone(WIB), "d MMMM y, HH.mm") + " WIB",
        figures=tuple((label, value if isinstance(value, str) else _num(value)) for label, value in _figures(d)),
        charts=(
            chart("channel", _("Complaints by channel"), d.by_channel, (_("Channel"), n)),
            chart("category", _("Complaints by category"), d.by_category, (_("Category"), n)),
            chart("day", _("Complaints by day"), [b for b in d.by_day], (_("Day"), n)),
            chart("hour", _("Complaints by hour of the day (WIB)"), d.by_hour, (_("Hour"), n)),
        ),
        attention=ReportTable(_("Offices that need attention"), (_("Office"), _("Why")),
                              tuple((a.office.title, "; ".join(str(REASONS[r]) for r in a.reasons))
                                    for a in d.attention), numeric_from=9),
        offices=ReportTable(_("Complaints by office"),
                            (_("Office"), n, _("Waiting for the CRM"), _("Delivered to the CRM"), _("Given up"),
                             _("Open past 7 days")),
                            tuple(("  " * r.depth + r.office.title, _num(r.total.complaints), _num(r.total.waiting),
                                   _num(r.total.delivered), _num(r.total.given_up), _num(r.total.overdue))
                                  for r in d.office_rows)),
        kiosks=ReportTable(_("Kiosks"), (_("Kiosk"), _("Office"), _("Now"), _("Printer"), _("Uptime")),
                           tuple((k.name, k.office_title, _("offline") if k.offline else _("online"),
                                  k.printer_problem or _("good"), _percent(k.uptime)) for k in d.kiosks),
                           numeric_from=4),
        notes=(_("A complaint counts for the office where it came in. Times in WIB."),),
    )


def _month_scope():
    """The month named by ?bulan=YYYY-MM (default: this month), whole."""
    user = g.officer
    typed = request.args.get("bulan", "")
    today = utcnow().astimezone(WIB).date()
    try:
        year, month = (int(p) for p in typed.split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    try:
        return make_scope(visible=auth.scope_of(user), period="custom", start=first, end=last,
                          area_code=request.args.get("wilayah") or None)
    except ScopeForbidden:
        abort(403)
    except ScopeError:
        abort(404)


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
