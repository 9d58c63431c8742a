"""ESC/POS receipts, checked byte by byte with python-escpos's Dummy printer."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from printing.escpos import COLUMNS, PrinterError, escpos_bytes, parse_target, plain, print_escpos
from tests.printing.devices import FakePrinter, closed_port
from tests.printing.samples import ANONYMOUS, ENGLISH, INDONESIAN, LONG

GOLDEN = Path(__file__).parent / "golden"
ESC, GS = b"\x1b", b"\x1d"
DOUBLE_SIZE = ESC + b"!\x30"  # ESC ! with double width and double height
QR_STORE = GS + b"(k"  # GS ( k: the printer's own QR code commands
CUT = GS + b"V"


def text_lines(data, paper_mm: int = 80) -> list[str]:
    """The lines of text a receipt prints (recorded as they are written)."""
    from escpos.printer import Dummy

    from printing.escpos import write_receipt

    class Recording(Dummy):
        def __init__(self):
            super().__init__()
            self.lines = []

        def text(self, txt):
            self.lines.extend(str(txt).split("\n"))
            super().text(txt)

    printer = Recording()
    write_receipt(printer, data, paper_mm)
    return [line for line in printer.lines if line.strip()]


def test_bytes_carry_the_number_double_size_the_qr_code_and_a_cut():
    payload = escpos_bytes(INDONESIAN, 80)
    number_at = payload.index(INDONESIAN.number.encode())
    assert payload.rfind(DOUBLE_SIZE, 0, number_at) > payload.rfind(ESC + b"!\x00", 0, number_at)
    # Native QR: model, size, error correction M, store the URL, print.
    store = QR_STORE + bytes([len(INDONESIAN.tracking_url) + 3, 0]) + b"1P0" + INDONESIAN.tracking_url.encode()
    assert store in payload
    assert QR_STORE + b"\x03\x001E1" in payload  # error correction level M
    assert QR_STORE + b"\x03\x001C\x08" in payload  # 8-dot modules on an 80 mm roll
    assert QR_STORE + b"\x03\x001Q0" in payload  # print the stored code
    assert payload.endswith(CUT + b"\x00")  # feed, then a full cut
    joined = " ".join(text_lines(INDONESIAN))
    for expected in ("Kelurahan Tebet Timur", "Jalan rusak / berlubang",
                     "Siti Rahayu", "5 Desember 2026", "112", "NOMOR PENGADUAN ANDA"):
        assert expected in joined, expected


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_every_line_fits_the_roll(paper_mm):
    for data in (INDONESIAN, LONG, ENGLISH):
        for line in text_lines(data, paper_mm):
            limit = COLUMNS[paper_mm] // 2 if line.strip() == data.number else COLUMNS[paper_mm]
            assert len(line) <= limit, (paper_mm, line)


def test_anonymous_prints_no_name_and_english_is_english():
    anonymous = " ".join(text_lines(ANONYMOUS, 58))
    assert "Siti" not in anonymous and "Anonim" in anonymous
    english = " ".join(text_lines(ENGLISH, 58))
    assert "WHAT HAPPENS NEXT" in english and "Follow-up due by: 5 December" in english.replace("\n", " ")


def test_raster_qr_for_printers_without_the_native_command():
    payload = escpos_bytes(INDONESIAN, 80, native_qr=False)
    assert QR_STORE not in payload
    assert GS + b"v0" in payload  # a raster image (GS v 0)
    assert INDONESIAN.number.encode() in payload and CUT in payload


def test_crm_number_appears_on_reprints():
    payload = escpos_bytes(replace(INDONESIAN, crm_number="JK2611280342"), 80)
    assert b"Nomor CRM: JK2611280342" in payload


def test_text_is_plain_ascii_for_every_code_page():
    assert plain("José — Rahayu · “Gang” … Łódź") == 'Jose - Rahayu - "Gang" ... odz'
    payload = escpos_bytes(replace(INDONESIAN, reporter_name="José Ñoño Łukasz"), 80)
    assert b"Jose Nono" in payload


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_bytes_match_the_golden_receipt(paper_mm):
    """The exact bytes a printer gets; regenerate with KIOS_UPDATE_GOLDEN=1 after a deliberate change."""
    payload = escpos_bytes(INDONESIAN, paper_mm)
    golden = GOLDEN / f"escpos-{paper_mm}.bin"
    if os.environ.get("KIOS_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(payload)
    assert payload == golden.read_bytes()


# --- sending -------------------------------------------------------------------------

def test_print_to_a_network_printer_sends_the_same_bytes():
    printer = FakePrinter()
    print_escpos(INDONESIAN, printer.url, 58, timeout=5)
    assert printer.close() == escpos_bytes(INDONESIAN, 58)


def test_print_to_a_device_file(tmp_path):
    device = tmp_path / "lp0"
    print_escpos(INDONESIAN, f"file://{device}?qr=raster", 80)
    assert device.read_bytes() == escpos_bytes(INDONESIAN, 80, native_qr=False)


def test_an_unreachable_printer_raises_printer_error():
    with pytest.raises(PrinterError):
        print_escpos(INDONESIAN, f"tcp://127.0.0.1:{closed_port()}", 80, timeout=2)
    with pytest.raises(PrinterError):
        print_escpos(INDONESIAN, "file:///nonexistent-dir/lp0", 80)


@pytest.mark.parametrize("url,kind,address", [
    ("tcp://10.0.0.20:9100", "tcp", "10.0.0.20"),
    ("tcp://printer.local", "tcp", "printer.local"),
    ("usb://04b8:0e15?profile=TM-T20II", "usb", "04b8:0e15"),
    ("file:///dev/usb/lp0", "file", "/dev/usb/lp0"),
])
def test_printer_addresses(url, kind, address):
    target = parse_target(url)
    assert (target.kind, target.address) == (kind, address)
    if kind == "tcp":
        assert target.port == 9100
    if "profile" in url:
        assert target.profile == "TM-T20II"


@pytest.mark.parametrize("url", ["", "http://printer/", "usb://zz:qq", "tcp://", "lpt1"])
def test_bad_printer_addresses_are_refused(url):
    with pytest.raises(PrinterError):
        parse_target(url)
