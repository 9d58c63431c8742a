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


def test_drill_down_and_pimpinan_scope(app, dataset):
    camat = _signed(app, "pimpinan", "0100")
    html = camat.get("/petugas/pemantauan", query_string=NOV).get_data(as_text=True)
    assert figure(html, "complaints") == "6"
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


def test_monthly_report_pdf(app, dataset):
    client = _signed(app, "monitor")
    r = client.get("/petugas/pemantauan/laporan.pdf", query_string={"bulan": "2026-11"})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    text = re.sub(r"[ \t]+", " ", text)
    assert "Evaluasi bulanan" in text
    for label, value in (("Aduan diterima", "9"), ("Di dalam jam kerja", "6"), ("Di luar jam kerja", "3"),
                         ("Menunggu CRM", "2"), ("Diserahkan ke CRM", "6"), ("Terbuka lewat 7 hari", "3"),
                         ("Selesai dalam 7 hari", "2"), ("Selesai setelah 7 hari", "1"),
                         ("Kantor tanpa aduan", "71")):
        assert re.search(rf"{value}\s*\n?\s*{label}", text), (label, value)
    assert "35 mnt" in text and "58 mnt" in text
    assert "Kantor yang perlu perhatian" in text
    assert "Kelurahan Manggarai" in text or "Kelurahan" in text
