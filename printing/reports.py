"""The monthly evaluation report as a PDF (issue 7).

Handed plain data (`ReportData`: strings, numbers, ready SVG charts); it
knows nothing of the database. kiosk/console/monitoring.py fills it from
backend.monitoring.queries.dashboard(), the figures' one source.

WeasyPrint is the receipts' set-up, reused: the same vendored fonts and
@font-face rules, the process's FontConfiguration and the URL fetcher that
refuses outside URLs (printing.receipts.renderer()); only the stylesheet
(static/report.css) and the template (templates/report/monthly.html) are
the report's own.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from markupsafe import Markup

from printing import receipts

REPORT_CSS = receipts.STATIC / "report.css"


@dataclass(frozen=True)
class ReportTable:
    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple, ...]
    numeric_from: int = 1  # columns from this index are right-aligned numbers
    split: int = 1  # a long, narrow table printed as this many side-by-side halves


@dataclass(frozen=True)
class ReportRow:
    cells: tuple[str, ...]
    indent: int = 0  # of the first cell
    strong: bool = False  # a group's total


@dataclass(frozen=True)
class ReportGroups:
    """A table of row groups (an office and the offices under it), each
    kept on one page where it fits; the head repeats on every page."""

    caption: str
    head: tuple[str, ...]
    groups: tuple[tuple[ReportRow, ...], ...]
    numeric_from: int = 1


@dataclass(frozen=True)
class ReportStrip:
    """A sequence's numbers (days, hours) as a few rows of columns: each of
    `rows` prints as a line of keys over a line of values."""

    caption: str
    key_label: str
    value_label: str
    rows: tuple[tuple[tuple[str, str], ...], ...]  # (key, value) per column


@dataclass(frozen=True)
class ReportChart:
    title: str
    svg: str  # from printing.charts
    table: ReportTable | ReportStrip  # the chart's numbers, printed beside it


@dataclass(frozen=True)
class ReportData:
    language: str
    title: str
    area: str
    period: str
    generated_at: str
    figures: ReportTable  # figure | this period | the period before | change
    charts: tuple[tuple[ReportChart, ...], ...]  # rows of one (full width) or two charts (side by side)
    attention: ReportTable  # the offices with a problem beyond having received nothing
    offices: ReportGroups
    kiosks: ReportTable
    summary: ReportGroups | None = None  # the top offices and the ones right under them, before the detail
    silent: tuple[str, ...] = ()  # the offices that received nothing in the month, by name
    notes: tuple[str, ...] = field(default_factory=tuple)


class ReportRenderer:
    def __init__(self, base: receipts.Renderer | None = None):
        from weasyprint import CSS

        self.base = base or receipts.renderer()
        css = receipts.font_faces(self.base.font_dir) + "\n" + REPORT_CSS.read_text(encoding="utf-8")
        self.stylesheet = CSS(string=css, base_url=receipts.STATIC.as_uri() + "/", url_fetcher=self.base.url_fetcher,
                              font_config=self.base.font_config)
        self._lock = threading.Lock()

    def html(self, data: ReportData) -> str:
        env = self.base.envs[data.language]
        charts = [[(c, Markup(c.svg)) for c in row] for row in data.charts]
        return env.get_template("report/monthly.html").render(report=data, charts=charts)

    def pdf(self, data: ReportData) -> bytes:
        from weasyprint import HTML

        html = self.html(data)
        with self.base.render_lock:  # Pango and the font configuration are shared with receipts
            document = HTML(string=html, base_url=receipts.STATIC.as_uri() + "/",
                            url_fetcher=self.base.url_fetcher).render(
                stylesheets=[self.stylesheet], font_config=self.base.font_config)
            return document.write_pdf()


_default: ReportRenderer | None = None
_default_lock = threading.Lock()


def renderer() -> ReportRenderer:
    global _default
    if _default is None or _default.base is not receipts.renderer():
        with _default_lock:
            if _default is None or _default.base is not receipts.renderer():
                _default = ReportRenderer()
    return _default


def render_report_html(data: ReportData) -> str:
    return renderer().html(data)


def render_report_pdf(data: ReportData) -> bytes:
    return renderer().pdf(data)
