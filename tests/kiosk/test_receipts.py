"""Receipts of real complaints: content, PDFs on phones, kiosk printing, reprints."""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import Complaint, Kiosk
from kiosk.helpers import wib
from kiosk.receipts import build_receipt, receipt_cache, receipt_pdf_for
from printing import receipts as printing_receipts
from tests.flowdriver import GOOD
from tests.printing import paper
from tests.printing.devices import FakePrinter, closed_port


def stored(app, number: str) -> Complaint:
    return db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()


@pytest.fixture
def fresh_cache(app):
    """No receipt cached by an earlier test (numbers restart in every test)."""
    cache = app.extensions.pop("kios_receipts", None)
    if cache is not None and cache.directory is not None:
        shutil.rmtree(cache.directory, ignore_errors=True)
    yield
    app.extensions.pop("kios_receipts", None)


@pytest.fixture
def kiosk_settings(app):
    """Change a demo kiosk's printing settings for one test, then put them back."""
    saved = {}

    def change(code="tebet-timur", **fields):
        with app.app_context():
            kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one()
            saved.setdefault(code, {k: getattr(kiosk, k) for k in
                                    ("paper_mm", "print_path", "auto_print", "printer_url", "printer_status",
                                     "printer_status_at")})
            for k, v in fields.items():
                setattr(kiosk, k, v)
            db.session.commit()

    yield change
    with app.app_context():
        for code, fields in saved.items():
            kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one()
            for k, v in fields.items():
                setattr(kiosk, k, v)
        db.session.commit()


# --- what a receipt says ---------------------------------------------------------

def test_receipt_of_a_named_complaint(app, flow):
    number = flow.file_complaint()
    with app.app_context():
        complaint = stored(app, number)
        data = build_receipt(complaint)
        due = wib(complaint.submitted_at + timedelta(days=7), "date")
    assert data.number == number and data.language == "id"
    assert data.office_title == "Kelurahan Tebet Timur"
    assert data.office_address == "Kecamatan Tebet, Jakarta Selatan 12820"
    assert data.category == "Jalan rusak / berlubang"
    assert data.place == "Kelurahan Tebet Timur, Kecamatan Tebet"
    assert data.location == "Jl. Tebet Raya No. 5, depan masjid, RT 005 / RW 002"
    assert data.channel == "Kios di kantor" and data.received_at.endswith("WIB")
    assert data.tracking_url == f"https://aduan.jakarta-selatan.example/lacak/{number}"
    assert data.follow_up_by == due and data.crm_number is None
    assert data.reporter_name == "Siti Rahayu"
    assert any("7 hari" in step for step in data.next_steps)
    everything = json.dumps(asdict(data), ensure_ascii=False)
    for private in (GOOD["nik"], "3456", GOOD["email"], "Lubang besar"):
        assert private not in everything


@pytest.mark.parametrize("identity,label", [("anonymous", "Anonim"), ("confidential", "Rahasia")])
def test_anonymous_and_confidential_receipts_print_no_name(app, flow, identity, label, fresh_cache):
    number = flow.file_complaint(identity=identity)
    with app.app_context():
        complaint = stored(app, number)
        data = build_receipt(complaint)
        pdf = receipt_pdf_for(complaint, "80")
    assert data.reporter_name is None and data.identity_label == label
    text = " ".join(paper.text(pdf).split())
    assert "Siti" not in text and "Rahayu" not in text and label in text
    assert "Siti" not in flow.get("/tanda-terima").html


def test_contact_details_typed_into_the_address_are_left_out(app, flow):
    number = flow.file_complaint(address="Depan rumah saya, hubungi 0812-3456-7890 atau siti@example.id, Jl. Melati 3")
    with app.app_context():
        data = build_receipt(stored(app, number))
    assert "3456" not in data.location and "@" not in data.location
    assert data.location.startswith("Depan rumah saya, hubungi …") and "Jl. Melati 3" in data.location


def test_receipt_in_english_when_the_citizen_chose_it(app, client, flow):
    flow.get("/")
    client.post("/bahasa", data={"lang": "en", "next": "/", "csrf_token": flow.token})
    number = flow.file_complaint()
    with app.app_context():
        complaint = stored(app, number)
        english = build_receipt(complaint)
        indonesian = build_receipt(complaint, "id")
    assert complaint.language == "en" and english.language == "en"
    assert english.category == "Damaged road or pothole" and english.channel == "Office kiosk"
    assert english.next_steps[2].startswith("If another agency is responsible")
    assert indonesian.category == "Jalan rusak / berlubang"
    html = flow.get("/tanda-terima").html
    assert "What happens next" in html and "Print receipt" in html


# --- the receipt screen -------------------------------------------------------------

def test_the_screen_includes_the_shared_receipt_template(app, flow):
    number = flow.file_complaint()
    html = flow.get("/tanda-terima").html
    assert f'class="rcpt rcpt--screen" data-receipt="{number}"' in html
    assert 'class="is-kiosk paper paper--58"' in html  # tebet-timur has a 58 mm roll
    assert "/printing/static/receipt.css" in html
    assert 'data-print="browser"' in html and "Cetak tanda terima" in html
    assert "data-auto-print" not in html
    assert "tanda-terima.pdf" not in html  # a shared kiosk offers no download


def test_auto_print_only_as_the_receipt_first_shows(app, flow, kiosk_settings):
    kiosk_settings(auto_print=True)
    flow.fill_all()
    first = flow.submit()
    assert first.status == 200 and "data-auto-print" in first.html
    again = flow.get("/tanda-terima")
    assert "data-auto-print" not in again.html and 'data-print="browser"' in again.html


def test_phone_receipt_offers_pdf_and_share(flow):
    flow.at("/lapor")
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi", kelurahan="0101")
    flow.answer("kejadian")
    flow.answer("identitas")
    page = flow.submit()
    html = page.html
    assert 'href="/lapor/tanda-terima.pdf?ukuran=a6" download hx-boost="false"' in html
    assert 'href="/lapor/tanda-terima.pdf?ukuran=a4" download hx-boost="false"' in html
    assert "Unduh PDF" in html and "Bagikan" in html and "data-share " in html.replace("\n", " ")
    assert 'class="is-web paper paper--a4"' in html
    assert "data-print" not in html


# --- the PDF route -------------------------------------------------------------------

def test_pdf_download_of_the_sessions_receipt(app, client, flow, fresh_cache):
    flow.at("/lapor")
    number = flow.file_complaint(kelurahan="0101")
    r = client.get("/lapor/tanda-terima.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == f'attachment; filename="tanda-terima-{number}-a6.pdf"'
    assert r.headers["Cache-Control"] == "no-store"
    pdf = r.get_data()
    assert paper.page_sizes_mm(pdf)[0] == pytest.approx((105, 148), abs=0.1)
    assert "".join(number.split("-")) in "".join(paper.text(pdf).split()).replace("-", "")
    a4 = client.get("/lapor/tanda-terima.pdf?ukuran=A4")
    assert a4.status_code == 200 and paper.page_sizes_mm(a4.get_data())[0] == pytest.approx((210, 297), abs=0.1)


def test_pdf_needs_the_session_and_a_known_size(app, client, flow):
    assert client.get("/lapor/tanda-terima.pdf").status_code == 302  # no session: back to the start
    flow.at("/lapor")
    flow.file_complaint(kelurahan="0101")
    bad = client.get("/lapor/tanda-terima.pdf?ukuran=a5")
    assert bad.status_code == 400
    assert "Ukuran kertas ini tidak tersedia. Silakan pilih A6 atau A4." in bad.get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.get("/lapor/tanda-terima.pdf").status_code == 302
    # After "Make another report" the old receipt is gone from this session too.
    flow.post("/selesai", {})
    assert client.get("/lapor/tanda-terima.pdf").status_code == 302


# --- printing at ESC/POS kiosks --------------------------------------------------------

def test_escpos_kiosk_prints_through_the_server(app, flow, kiosk_settings):
    printer = FakePrinter()
    kiosk_settings(print_path="escpos", printer_url=f"tcp://127.0.0.1:{printer.port}")
    number = flow.file_complaint()
    page = flow.get("/tanda-terima")
    assert 'form="print-form"' in page.html and 'data-print="escpos"' in page.html
    r = flow.post("/cetak", {})
    assert r.status == 303 and r.location.endswith("/k/tebet-timur/tanda-terima")
    printer.close()
    assert number.encode() in printer.received
    assert b"\x1d(k" in printer.received and b"\x1dV" in printer.received  # QR code, cut
    assert "Tanda terima Anda sedang dicetak" in flow.get("/tanda-terima").html
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
        assert kiosk.printer_status == "ok" and kiosk.printer_status_at is not None


def test_a_printer_failure_loses_nothing_and_says_what_to_do(app, flow, kiosk_settings):
    kiosk_settings(print_path="escpos", printer_url=f"tcp://127.0.0.1:{closed_port()}")
    number = flow.file_complaint()
    r = flow.post("/cetak", {})
    assert r.status == 303
    html = flow.get("/tanda-terima").html
    assert "tanda terima tidak dapat dicetak" in html and "pindai kode QR dengan ponsel Anda" in html
    assert "-".join(number.split("-")) in html.replace('<span class="number__group">', "").replace("</span>", "-")
    with app.app_context():
        assert stored(app, number).number == number
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
        assert kiosk.printer_status.startswith("error: ")


def test_print_route_needs_an_escpos_kiosk_and_a_token(app, client, flow, kiosk_settings):
    flow.file_complaint()
    assert flow.post("/cetak", {}).status == 404  # a browser-printing kiosk prints the page itself
    kiosk_settings(print_path="escpos", printer_url=f"tcp://127.0.0.1:{closed_port()}")
    bad = flow.post("/cetak", {"csrf_token": "forged"})
    assert bad.status == 303
    assert "sekali lagi" in flow.get("/tanda-terima").html
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
        assert kiosk.printer_status is None or not kiosk.printer_status.startswith("error")
    assert client.post("/lapor/cetak").status_code in (400, 404)


# --- reprints ---------------------------------------------------------------------------

def test_reprint_renders_again_only_when_the_content_changed(app, flow, fresh_cache):
    number = flow.file_complaint()
    renderer = printing_receipts.renderer()
    with app.app_context():
        complaint = stored(app, number)
        before = renderer.renders
        first = receipt_pdf_for(complaint, "80")
        assert receipt_pdf_for(complaint, 80) == first  # the console passes the width as a number
        assert renderer.renders == before + 1
        complaint.crm_number = "JK2611280042"
        db.session.commit()
        second = receipt_pdf_for(complaint, "80")
        assert renderer.renders == before + 2 and second != first
        assert "JK2611280042" in paper.text(second)
        assert len(list(receipt_cache().directory.glob(f"{number}-80-*.pdf"))) == 1


def test_cli_prints_the_same_pdf_again(app, flow, tmp_path, fresh_cache):
    number = flow.file_complaint()
    out = tmp_path / "again.pdf"
    result = app.test_cli_runner().invoke(args=["receipt", "print", number, "--size", "58", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert out.read_bytes() == receipt_pdf_for(stored(app, number), "58")
    assert paper.page_sizes_mm(out.read_bytes())[0][0] == pytest.approx(58, abs=0.1)
    missing = app.test_cli_runner().invoke(args=["receipt", "print", "0101-26-99999-9", "--out", str(out)])
    assert missing.exit_code != 0 and "no complaint" in missing.output
