"""Receipts in real Chromium: the kiosk's print stylesheet (printed to PDF the
way --kiosk-printing prints it), automatic printing, and a phone's PDF and
share buttons. Renders are kept under test-artifacts/ (look at them)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Kiosk
from tests.browser.test_intake_browser import receipt_number, shot, walk_to_review
from tests.conftest import TEST_CONFIG
from tests.printing import paper
from tests.printing.devices import FakePrinter

# Counts window.print() calls instead of opening a dialog.
PRINT_SPY = "window.__prints = 0; window.print = () => { window.__prints += 1; };"
MM = 96 / 25.4  # CSS px per mm


@pytest.fixture
def kiosk_setting(live_app):
    saved = {}

    def change(**fields):
        with live_app.app_context(), immediate_transaction():
            kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
            for k, v in fields.items():
                saved.setdefault(k, getattr(kiosk, k))
                setattr(kiosk, k, v)

    yield change
    change(**saved)


def file_at_kiosk(page):
    page.goto("/k/tebet-timur/")
    walk_to_review(page)
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    return receipt_number(page)


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_kiosk_print_stylesheet_prints_only_the_receipt(kiosk_page, kiosk_setting, artifacts, paper_mm):
    kiosk_setting(paper_mm=paper_mm, print_path="browser", auto_print=False)
    page = kiosk_page
    page.add_init_script(PRINT_SPY)
    number = file_at_kiosk(page)
    shot(page, artifacts, f"receipt-screen-{paper_mm}")
    assert page.evaluate("document.documentElement.className").endswith(f"paper paper--{paper_mm}")

    # The big print button calls the browser's print (no dialog under --kiosk-printing).
    button = page.get_by_role("button", name="Cetak tanda terima")
    expect(button).to_be_visible()
    assert button.bounding_box()["height"] >= 48
    button.click()
    page.wait_for_function("window.__prints === 1")

    # In print media only the receipt is laid out, at the printable width.
    page.emulate_media(media="print")
    for hidden in (".topbar", ".footer", ".receipt__head", ".actions", "#idle", "#net-error"):
        assert page.locator(hidden).first.evaluate("e => getComputedStyle(e).display") == "none", hidden
    width_mm = page.locator(".rcpt").evaluate("e => e.getBoundingClientRect().width") / MM
    assert width_mm == pytest.approx({58: 48, 80: 72}[paper_mm], abs=0.5)

    # Chromium's print to PDF, as the kiosk's printer gets it.
    pdf = page.pdf(width=f"{paper_mm}mm", height="600mm", print_background=True,
                   margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
    text = " ".join(paper.text(pdf).split())
    assert re.search(r"\s*".join(number.split("-")), text), text
    for expected in ("Kelurahan Tebet Timur", "Jalan rusak / berlubang", "112", "Siti Rahayu"):
        assert expected in text, expected
    for absent in ("Terima kasih", "Selesai", "Cetak tanda terima", "Langkah", "bukan layanan ini"):
        assert absent not in text, absent
    pages = paper.words(pdf)
    assert len(pages) == 1
    margin = (paper_mm - {58: 48, 80: 72}[paper_mm]) / 2
    for word in pages[0]:
        assert margin - 0.5 <= word.x0 and word.x1 <= paper_mm - margin + 0.5, word
    image = paper.png(pdf, artifacts / f"chromium-print-{paper_mm}mm.png", dpi=200)
    left, top, right, bottom = paper.ink_box_mm(image, 200)
    # Keep a copy cut to the receipt, easier to look at.
    image.crop((0, 0, image.width, int((bottom + 5) / 25.4 * 200))).save(artifacts / f"chromium-print-{paper_mm}mm-cut.png")
    assert left >= margin - 0.5 and right <= paper_mm - margin + 0.5
    assert paper.qr_codes(image) == [f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}"]


def test_kiosk_prints_by_itself_when_set_to(kiosk_page, kiosk_setting):
    kiosk_setting(paper_mm=80, print_path="browser", auto_print=True)
    page = kiosk_page
    page.add_init_script(PRINT_SPY)
    file_at_kiosk(page)
    page.wait_for_function("window.__prints === 1")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__prints") == 1  # once, not on every swap
    page.reload()
    expect(page.locator(".number")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__prints") == 0  # a reload shows the receipt, prints nothing


def test_escpos_kiosk_prints_by_itself_through_the_server(kiosk_page, kiosk_setting, artifacts):
    printer = FakePrinter()
    kiosk_setting(paper_mm=58, print_path="escpos", auto_print=True, printer_url=printer.url, printer_status=None)
    page = kiosk_page
    page.add_init_script(PRINT_SPY)
    number = file_at_kiosk(page)
    expect(page.locator(".notice--success")).to_contain_text("Tanda terima Anda sedang dicetak")
    expect(page.locator(".number")).to_be_visible()
    shot(page, artifacts, "escpos-printed")
    assert number.encode() in printer.close()
    assert page.evaluate("window.__prints") == 0  # the server printed, not the browser
    assert page.url.endswith("/k/tebet-timur/tanda-terima")


def file_on_phone(page):
    page.goto("/lapor/")
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("combobox", name="Kelurahan").select_option(label="Tebet Timur")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill("Lubang besar di tengah jalan sejak minggu lalu.")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("label.choice", has_text="Anonim").click()
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    return receipt_number(page)


def test_phone_downloads_the_pdf_and_shares_the_number(phone_page, artifacts):
    page = phone_page
    page.add_init_script("window.__shared = []; navigator.share = async (d) => { window.__shared.push(d); };")
    number = file_on_phone(page)
    shot(page, artifacts, "receipt-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh PDF", exact=True).click()
    pdf = download.value.path().read_bytes()
    assert download.value.suggested_filename == f"tanda-terima-{number}-a6.pdf"
    assert paper.page_sizes_mm(pdf)[0][0] == pytest.approx(105, abs=0.1)
    image = paper.png(pdf, artifacts / "downloaded-a6.png", dpi=200)
    assert paper.qr_codes(image) == [f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}"]

    page.get_by_role("button", name="Bagikan").click()
    page.wait_for_function("window.__shared.length === 1")
    shared = page.evaluate("window.__shared[0]")
    assert shared["url"] == f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}"
    assert number in shared["text"] and number in shared["title"]


def test_phone_without_web_share_copies_the_number(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    try:
        number = file_on_phone(page)
        assert page.evaluate("typeof navigator.share") == "undefined"
        page.get_by_role("button", name="Bagikan").click()
        status = page.locator("[data-share-status]")
        expect(status).to_have_text(f"Nomor {number} sudah disalin. Tempelkan ke pesan atau catatan.")
        assert page.evaluate("navigator.clipboard.readText()") == number
        shot(page, artifacts, "copied")
    finally:
        context.close()
