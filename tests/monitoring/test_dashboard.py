"""Every figure of the known dataset on the dashboard page, in the CSV and
XLSX exports and in the PDF report, on both database lanes; scope limits
for pimpinan; personal data only for admin and pimpinan, audited."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditLog
from tests.monitoring import known
from tests.officers import make_user, sign_in

NOV = {"periode": "custom", "dari": "2026-11-01", "sampai": "2026-11-30"}


@pytest.fixture
def dataset(app, monkeypatch):
    monkeypatch.setattr("backend.monitoring.scope.utcnow", lambda: known.NOW)
    with app.app_context():
        data = known.build()
    return data


def _signed(app, role, office=None, name=None):
    client = app.test_client()
    with app.app_context():
        uid = make_user(name or f"{role}.{office or 'x'}", role, office)
    sign_in(app, client, uid)
    return client


def figure(html: str, name: str) -> str:
    m = re.search(rf'data-figure="{name}"[^>]*>(.*?)</', html, re.S)
    assert m, name
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def table(html: str, name: str) -> dict[str, str]:
    m = re.search(rf'data-table="{name}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert m, name
    rows = {}
    for key, body in re.findall(r'data-key="([^"]+)">(.*?)</tr>', m.group(1), re.S):
        rows[key] = re.findall(r'<td class="num">([^<]*)</td>', body)[0]
    return rows


def change(html: str, name: str) -> tuple[str, str]:
    """A figure's change since the period before, and what it was then."""
    m = re.search(rf'data-change="{name}"[^>]*>(.*?)</dd>', html, re.S)
    assert m, name
    return tuple(re.sub(r"<[^>]+>", "", part).strip() for part in re.findall(r"<span[^>]*>(.*?)</span>", m.group(1)))


def office_row(html: str, code: str) -> list[str]:
    m = re.search(rf'data-office="{code}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, code
    return re.findall(r'<td class="num">([^<]*)</td>', m.group(1))


def test_dashboard_shows_every_figure(app, dataset):
    client = _signed(app, "monitor")
    r = client.get("/petugas/pemantauan", query_string=NOV)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert figure(html, "complaints") == "9"
    assert (figure(html, "in_hours"), figure(html, "out_hours")) == ("6", "3")
    assert (figure(html, "waiting"), figure(html, "delivered"), figure(html, "given_up")) == ("2", "6", "1")
    assert figure(html, "ack_median") == "35 mnt"
    assert figure(html, "ack_p95") == "58 mnt"
    assert figure(html, "overdue") == "3"
    assert (figure(html, "finished_on_time"), figure(html, "finished_late"), figure(html, "open_within")) == ("2", "1", "3")
    assert table(html, "channel") == {"kiosk": "3", "phone": "2", "desk": "2", "telephone": "1", "letter": "1"}
    assert table(html, "category") == {"JALAN_RUSAK": "5", dataset["other"]: "4"}
    days = {k: v for k, v in table(html, "day").items() if v != "0"}
    assert days == {"2026-11-02": "2", "2026-11-03": "2", "2026-11-04": "1", "2026-11-05": "1",
                    "2026-11-16": "2", "2026-11-17": "1"}
    hours = {k: v for k, v in table(html, "hour").items() if v != "0"}
    assert hours == {"07": "1", "08": "2", "09": "1", "10": "2", "14": "1", "20": "1", "21": "1"}
    assert table(html, "status") == {"selesai": "3", "proses": "3", "submitted": "3"}
    # office table: complaints, waiting, delivered, given up, past 7 days, outside hours
    assert office_row(html, "0000") == ["9", "2", "6", "1", "3", "3"]
    assert office_row(html, "0100") == ["6", "1", "4", "1", "2", "1"]
    assert office_row(html, "0101") == ["3", "0", "3", "0", "1", "1"]
    assert office_row(html, "0601") == ["2", "1", "1", "0", "1", "1"]
    assert "Offices without complaints in the range: 71" in html or "Kantor tanpa aduan" in html
    assert figure(html, "silent").endswith("71")
    assert html.count("<svg class=\"chart") == 4
    # Against the same days of October (now is 17 November): 1-17 October holds #11 only (0102,
    # inside office hours, delivered after 15 minutes, closed after 2 days).
    assert figure(html, "previous_range") == "Perubahan dibandingkan dengan 1–17 Oktober 2026"
    assert change(html, "complaints") == ("+8 (+800%)", "dari 1")
    assert change(html, "in_hours") == ("+5 (+500%)", "dari 1")
    assert change(html, "out_hours") == ("+3", "dari 0")
    assert change(html, "waiting") == ("+2", "dari 0")
    assert change(html, "delivered") == ("+5 (+500%)", "dari 1")
    assert change(html, "given_up") == ("+1", "dari 0")
    assert change(html, "ack_median") == ("+20 mnt (+133%)", "dari 15 mnt")
    assert change(html, "ack_p95") == ("+43 mnt (+287%)", "dari 15 mnt")
    assert 'data-change="overdue"' not in html  # a state now, not a figure of a period
    # The monthly report of this month so far or of the eleven before, for the area shown.
    form = re.search(r'<form[^>]*data-report-form[^>]*>(.*?)</form>', html, re.S).group(0)
    months = re.findall(r'<option value="([\d-]+)"( selected)?>([^<]*)</option>', form)
    assert [m[0] for m in months] == [f"2026-{m:02d}" for m in range(11, 0, -1)] + ["2025-12"]
    assert months[0] == ("2026-11", " selected", "November 2026 (sampai hari ini)") and months[1][2] == "Oktober 2026"
    assert 'name="wilayah"' not in form
    # Needing attention: the demo kiosks' offices (no heartbeat: offline) and 0100 (#6 given up);
    # the 71 offices that only received nothing are one line, listed on demand.
    attention = dict(re.findall(r'<li data-office="(\d+)"><strong>[^<]*</strong>: ([^<]*)</li>',
                                re.search(r'data-table="attention">(.*?)</ul>', html, re.S).group(1)))
    assert set(attention) == {"0000", "0100", "0101", "0601"}
    assert all("Kios tidak aktif" in why and "Tidak ada aduan" not in why for why in attention.values())
    assert "Ada aduan yang gagal dikirim ke CRM" in attention["0100"]
    silent = re.findall(r'<span data-office="(\d+)">', re.search(r'data-table="silent">(.*?)</p>', html, re.S).group(1))
    assert len(silent) == 71 and not {"0000", "0100", "0101", "0102", "0601"} & set(silent)


def test_drill_down_and_pimpinan_scope(app, dataset):
    camat = _signed(app, "pimpinan", "0100")
    html = camat.get("/petugas/pemantauan", query_string=NOV).get_data(as_text=True)
    assert figure(html, "complaints") == "6"
    assert change(html, "complaints") == ("+5 (+500%)", "dari 1")  # #11 came in at 0102
    assert 'data-office="0601"' not in html and 'data-office="0000"' not in html
    assert camat.get("/petugas/pemantauan", query_string={**NOV, "wilayah": "0600"}).status_code == 403
    assert camat.get("/petugas/pemantauan/ekspor.csv", query_string={**NOV, "wilayah": "0000"}).status_code == 403
    html = camat.get("/petugas/pemantauan", query_string={**NOV, "wilayah": "0101"}).get_data(as_text=True)
    assert figure(html, "complaints") == "3"
    rows = list(csv.reader(io.StringIO(camat.get("/petugas/pemantauan/ekspor.csv", query_string=NOV)
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) - 1 == 6 and {r[2] for r in rows[1:]} == {"0100", "0101", "0102"}
    monitor = _signed(app, "monitor")
    html = monitor.get("/petugas/pemantauan", query_string={**NOV, "wilayah": "0100"}).get_data(as_text=True)
    assert figure(html, "complaints") == "6"
    assert '<input type="hidden" name="wilayah" value="0100">' in html  # the report of the area shown
    assert 'href="/petugas/pemantauan?periode=custom&amp;wilayah=0000' in html or "wilayah=0000" in html
    petugas = _signed(app, "petugas", "0101")
    assert petugas.get("/petugas/pemantauan").status_code == 403


def test_exports_agree_and_personal_data_is_limited_and_audited(app, dataset):
    monitor = _signed(app, "monitor")
    r = monitor.get("/petugas/pemantauan/ekspor.csv", query_string=NOV)
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 9
    assert sum(1 for x in rows if x["kanal"] == "kiosk") == 3
    assert sum(1 for x in rows if x["status_crm"] == "given_up") == 1
    assert sum(1 for x in rows if x["jam_kerja"] == "tidak") == 3
    assert "nama_pelapor" not in rows[0] and "Budi" not in r.get_data(as_text=True)
    assert monitor.get("/petugas/pemantauan/ekspor-pribadi.xlsx", query_string=NOV).status_code == 403

    r = monitor.get("/petugas/pemantauan/ekspor.xlsx", query_string=NOV)
    wb = load_workbook(io.BytesIO(r.data), read_only=True)
    sheet = list(wb["Aduan"].iter_rows(values_only=True))
    assert len(sheet) == 10 and "nama_pelapor" not in sheet[0]
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Aduan diterima"] == 9
    assert summary["Di luar jam kerja"] == 3
    assert summary["Diserahkan ke CRM"] == 6
    assert summary["Dihentikan (tidak masuk CRM)"] == 1
    assert summary["Terbuka lewat 7 hari"] == 3
    assert summary["Kantor tanpa aduan"] == 71
    # Beside each comparable figure: 1-17 October (#11 only) and the change.
    rows = {row[0]: row[1:4] for row in wb["Ringkasan"].iter_rows(values_only=True) if row and row[0]}
    assert rows["Indikator"] == ("1 November 2026 – 30 November 2026", "Sebelumnya (1–17 Oktober 2026)", "Perubahan")
    assert rows["Aduan diterima"] == (9, 1, "+8 (+800%)")
    assert rows["Di luar jam kerja"] == (3, 0, "+3")
    assert rows["Waktu sampai diterima CRM, median"] == ("35 mnt", "15 mnt", "+20 mnt (+133%)")
    assert rows["Terbuka lewat 7 hari"] == (3,)  # not compared: a state now
    offices = {row[0]: row[2:] for row in wb["Kantor"].iter_rows(values_only=True)}
    assert offices["0100"] == (6, 1, 4, 1, 2, 1)

    admin = _signed(app, "admin")
    r = admin.get("/petugas/pemantauan/ekspor-pribadi.csv", query_string=NOV)
    text = r.get_data(as_text=True)
    assert "Budi Santoso" in text and "081234567890" in text
    assert "Rahasia Sekali" not in text  # anonymous complaints never show the reporter
    camat = _signed(app, "pimpinan", "0600")
    r = camat.get("/petugas/pemantauan/ekspor-pribadi.xlsx", query_string=NOV)
    assert r.status_code == 200
    sheet = list(load_workbook(io.BytesIO(r.data), read_only=True)["Aduan"].iter_rows(values_only=True))
    assert len(sheet) == 3 and "nama_pelapor" in sheet[0]
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions.count("export_personal") == 2
    assert actions.count("export") == 2


def _pdf_text(client, **query) -> str:
    r = client.get("/petugas/pemantauan/laporan.pdf", query_string=query)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    return re.sub(r"[ \t]+", " ", text)


def _line(text: str, *cells: str) -> bool:
    """Whether the PDF text has a table row of exactly these cells."""
    return re.search(r"^" + r" ".join(re.escape(c) for c in cells) + r"$", text, re.M) is not None


# November so far (now is 17 November) against 1-17 October, city-wide: (figure, November,
# October, change). 1-17 October holds only complaint #11 (0102, phone, Tuesday 6 Oct 09:00: inside
# office hours, delivered after 15 minutes, closed 2 days later); #10 (31 October) is after the 17th.
# States now (open, silent offices, kiosks) are not compared.
NOV_FIGURES = (
    ("Aduan diterima", "9", "1", "+8 (+800%)"),
    ("Di dalam jam kerja", "6", "1", "+5 (+500%)"),
    ("Di luar jam kerja", "3", "0", "+3"),
    ("Menunggu CRM", "2", "0", "+2"),
    ("Diserahkan ke CRM", "6", "1", "+5 (+500%)"),
    ("Dihentikan (tidak masuk CRM)", "1", "0", "+1"),
    ("Waktu sampai diterima CRM, median", "35 mnt", "15 mnt", "+20 mnt (+133%)"),
    ("Waktu sampai diterima CRM, persentil ke-95", "58 mnt", "15 mnt", "+43 mnt (+287%)"),
    ("Selesai", "3", "1", "+2 (+200%)"),
    ("Selesai dalam 7 hari", "2", "1", "+1 (+100%)"),
    ("Selesai setelah 7 hari", "1", "0", "+1"),
    ("Terbuka, masih dalam 7 hari", "3", "–", "–"),
    ("Terbuka lewat 7 hari", "3", "–", "–"),
    ("Kantor tanpa aduan", "71", "–", "–"),
)


def test_monthly_report_pdf(app, dataset):
    client = _signed(app, "monitor")
    text = _pdf_text(client, bulan="2026-11")
    assert "Evaluasi bulanan" in text
    # The month in progress: up to today, against the same days of the month before.
    assert "Seluruh kota · 1–17 November 2026 ·" in text
    assert _line(text, "Indikator", "1–17 November 2026", "1–17 Oktober 2026", "Perubahan")
    for row in NOV_FIGURES:
        assert _line(text, *row), row
    # The kota and its kecamatan (subtree totals), then every office grouped by kecamatan:
    # complaints, waiting, delivered, given up, open past 7 days.
    summary = text[text.index("Aduan per kecamatan"):text.index("Kantor yang perlu perhatian")]
    assert _line(summary, "Seluruh kota", "9", "2", "6", "1", "3")
    assert _line(summary, "Langsung di kantor wali kota", "1", "0", "1", "0", "0")  # #9 at 0000
    assert _line(summary, "Kecamatan Tebet", "6", "1", "4", "1", "2")
    assert _line(summary, "Kecamatan Cilandak", "2", "1", "1", "0", "1")  # 0600: #7 and #8 at 0601
    assert len(re.findall(r"^Kecamatan ", summary, re.M)) == 10
    detail = text[text.index("Aduan per kantor"):]
    assert _line(detail, "Kecamatan Tebet", "6", "1", "4", "1", "2")
    assert _line(detail, "Langsung di kantor kecamatan", "1", "0", "0", "1", "0")  # #6 at 0100
    assert _line(detail, "Kelurahan Tebet Timur", "3", "0", "3", "0", "1")  # 0101
    assert _line(detail, "Kelurahan Tebet Barat", "2", "1", "1", "0", "1")  # 0102
    assert len(re.findall(r"^Kelurahan .* \d+ \d+ \d+ \d+ \d+$", detail, re.M)) == 65
    assert "Kantor yang perlu perhatian" in text
    # The offices with a problem as rows; those that only received nothing in one paragraph.
    attention = text[text.index("Kantor yang perlu perhatian"):]
    assert _line(attention, "Kelurahan Tebet Timur", "Kios tidak aktif")
    assert "Kantor tanpa aduan dalam rentang ini: 71." in attention
    assert not re.search(r"^Kelurahan \w+.* Tidak ada aduan dalam rentang ini$", attention, re.M)
    # The charts' numbers: days and hours in a few rows of columns, channels and categories in tables.
    assert _line(text, "Pengaduan", *"0 2 2 1 1 0 0 0 0 0 0 0 0 0 0 2".split())  # 1-16 November
    assert _line(text, "Tanggal", "17/11") and _line(text, "Pengaduan", "1")  # 17 November: no days to come
    assert _line(text, "Jam", *"06 07 08 09 10 11".split())
    assert _line(text, "Pengaduan", *"0 1 2 1 2 0".split())  # 06-11 WIB
    assert _line(text, "Pengaduan", *"0 0 1 1 0 0".split())  # 18-23 WIB
    assert _line(text, "Kios di kantor", "3") and _line(text, "Surat", "1")
    with app.app_context():
        from backend.models import Category, Office
        other = db.session.scalar(select(Category.name_id).where(Category.code == dataset["other"]))
        tebet = set(db.session.scalars(select(Office.name).where(Office.code.like("01__"), Office.code != "0100")))
    assert _line(text, "Jalan rusak / berlubang", "5") and _line(text, other, "4")

    # A kecamatan's report: only its offices, compared with its own 1-17 October (#11 is at 0102).
    text = _pdf_text(client, bulan="2026-11", wilayah="0100")
    assert _line(text, "Aduan diterima", "6", "1", "+5 (+500%)")
    assert _line(text, "Di luar jam kerja", "1", "0", "+1")
    assert _line(text, "Waktu sampai diterima CRM, median", "25 mnt", "15 mnt", "+10 mnt (+67%)")
    assert "Aduan per kecamatan" not in text and "Seluruh kota" not in text
    offices = re.findall(r"^((?:Kecamatan|Kelurahan) [^\d]+?) \d+ \d+ \d+ \d+ \d+$", text, re.M)
    assert offices[0] == "Kecamatan Tebet" and len(offices) == 8
    assert all(o.startswith("Kelurahan") for o in offices[1:])
    assert {o.removeprefix("Kelurahan ") for o in offices[1:]} == tebet

    # A month gone by: whole, against the whole month before. October holds #10 and #11
    # (acknowledged after 5 and 15 minutes); September nothing.
    text = _pdf_text(client, bulan="2026-10")
    assert _line(text, "Indikator", "Oktober 2026", "September 2026", "Perubahan")
    assert _line(text, "Aduan diterima", "2", "0", "+2")
    assert _line(text, "Di dalam jam kerja", "1", "0", "+1") and _line(text, "Di luar jam kerja", "1", "0", "+1")
    assert _line(text, "Waktu sampai diterima CRM, median", "10 mnt", "–", "–")
    assert _line(text, "Selesai dalam 7 hari", "1", "0", "+1")
    assert _line(text, "Tanggal", *[f"{day:02d}/10" for day in range(17, 32)])  # all 31 days


@pytest.mark.parametrize("now, before, fmt, change", [
    (9, 1, None, "+8 (+800%)"),
    (27, 30, None, "\u22123 (\u221210%)"),
    (12, 0, None, "+12"),
    (0, 4, None, "\u22124 (\u2212100%)"),
    (5, 5, None, "0"),
    (1001, 1000, None, "+1 (+0,1%)"),
    (12345, 1000, None, "+11.345 (+1.135%)"),
    (None, 5, None, "–"),
    (35, 5, "minutes", "+30 mnt (+600%)"),
    (5, 125, "minutes", "\u22122 jam 0 mnt (\u221296%)"),
    (1000, 1004, None, "\u22124 (\u22120,4%)"),
])
def test_change_is_signed_with_a_percentage(app, now, before, fmt, change):
    from flask_babel import force_locale

    from kiosk.console import monitoring

    with app.test_request_context(), force_locale("id"):
        f = (lambda m: monitoring.duration(m * 60)) if fmt == "minutes" else None
        assert monitoring._change(now, before, f) == change


@pytest.mark.parametrize("query, message", [
    ({"periode": "custom", "dari": "0001-01-01", "sampai": "0001-01-31"}, "Pilih tanggal dari tahun 2000 sampai 2099."),
    ({"periode": "custom", "dari": "9999-12-01", "sampai": "9999-12-31"}, "Pilih tanggal dari tahun 2000 sampai 2099."),
    ({"periode": "custom", "dari": "2026-11-30", "sampai": "2026-11-01"}, "Hari terakhir jatuh sebelum hari pertama."),
    ({"wilayah": "<script>"}, "Tidak ada kantor dengan kode &lt;script&gt;."),
])
def test_a_range_or_area_it_cannot_show_is_told(app, dataset, query, message):
    """Days a date cannot reach (the period before, the day after) or an unknown area: a 400 that
    says why, the dashboard shows this month instead, and no export of some other range."""
    client = _signed(app, "monitor")
    r = client.get("/petugas/pemantauan", query_string=query)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert message in html, re.findall(r'</svg><p>.{0,100}', html, re.S)[:3]
    assert figure(html, "complaints") == "9"  # this month (now is 17 November), city-wide
    for export in ("ekspor.csv", "ekspor.xlsx"):
        r = client.get(f"/petugas/pemantauan/{export}", query_string=query)
        assert r.status_code == 400 and message in r.get_data(as_text=True), export
    with app.app_context():
        assert not db.session.scalars(select(AuditLog.action).where(AuditLog.action == "export")).all()


def test_dates_out_of_reach_elsewhere_in_the_console(app, dataset):
    client = _signed(app, "admin", "0000")
    assert client.get("/petugas/pemantauan/laporan.pdf", query_string={"bulan": "9999-12"}).status_code == 404
    assert client.get("/petugas/pemantauan/laporan.pdf", query_string={"bulan": "1999-12"}).status_code == 404
    for args in ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}):
        html = client.get("/petugas/", query_string=args).get_data(as_text=True)
        assert "Pilih tanggal dari tahun 2000 sampai 2099." in html, args
        assert client.get("/petugas/ekspor.csv", query_string=args).status_code == 200  # the header row only
    r = client.get("/petugas/piket", query_string={"bulan": "9999-12"})
    assert r.status_code == 200  # this month's roster instead
    assert client.get("/petugas/piket/hari/9999-12-31").status_code == 404
    # The first month there is compares with the month before it.
    assert client.get("/petugas/pemantauan", query_string={"periode": "custom", "dari": "2000-01-01",
                                                           "sampai": "2000-01-31"}).status_code == 200


def test_kiosk_help_calls_are_counted_in_the_range(app, dataset):
    """Each "Panggil petugas" is a row of kiosk_help_calls (backend/kiosks.py):
    the dashboard and the monthly report count them per kiosk, in the range
    only, with the median wait of the answered ones."""
    from datetime import datetime, timedelta

    from backend.models import Kiosk, KioskHelpCall
    from backend.workdays import WIB

    def at(*args):
        return datetime(*args, tzinfo=WIB)

    with app.app_context():
        ids = dict(db.session.execute(select(Kiosk.code, Kiosk.id)).all())
        for code, asked, wait in (("tebet-timur", at(2026, 11, 3, 9, 0), 4), ("tebet-timur", at(2026, 11, 16, 14, 0), 10),
                                  ("tebet-timur", at(2026, 11, 16, 15, 0), 7),
                                  ("tebet-timur", at(2026, 10, 30, 9, 0), 60),  # October: not in November's figures
                                  ("tebet", at(2026, 11, 10, 10, 0), None)):  # never answered
            db.session.add(KioskHelpCall(kiosk_id=ids[code], requested_at=asked,
                                         answered_at=asked + timedelta(minutes=wait) if wait else None,
                                         answered_how="desk" if wait else None))
        db.session.commit()
    client = _signed(app, "monitor")
    html = client.get("/petugas/pemantauan", query_string=NOV).get_data(as_text=True)

    def cells(page, code):
        row = re.search(rf'<tr data-kiosk="{code}">(.*?)</tr>', page, re.S)
        assert row, code
        return (re.search(r"<td[^>]*data-help-calls>([^<]*)</td>", row.group(1)).group(1),
                re.search(r"<td[^>]*data-help-wait>([^<]*)</td>", row.group(1)).group(1))

    assert "Panggilan petugas" in html and "Tunggu petugas, median" in html
    assert cells(html, "tebet-timur") == ("3", "7 mnt")
    assert cells(html, "tebet") == ("1", "–") and cells(html, "cilandak-barat") == ("0", "–")
    october = client.get("/petugas/pemantauan", query_string={"periode": "custom", "dari": "2026-10-01",
                                                               "sampai": "2026-10-31"}).get_data(as_text=True)
    assert cells(october, "tebet-timur") == ("1", "1 jam 0 mnt")
    text = _pdf_text(client, bulan="2026-11")
    # The kiosks table, its cells' wrapped lines joined: each row ends with its printer, its calls,
    # the median wait and its uptime.
    kiosks_part = " ".join(text[text.rindex("Kios Kantor"):].split())
    assert kiosks_part.startswith("Kios Kantor Saat ini Printer Panggilan petugas Tunggu petugas, median Waktu aktif")
    assert re.search(r"Kelurahan Tebet Timur [^%]*?baik 3 7 mnt \d+%", kiosks_part), kiosks_part[:700]
    assert re.search(r"Kecamatan Tebet [^%]*?baik 1 – \d+%", kiosks_part), kiosks_part[:700]
