"""A kiosk's photo from the citizen's phone, in real Chromium: the kiosk's
"what happened" screen has a QR code (scanned here from its pixels) and no
file picker; a phone opens the code's page and sends a photo; the kiosk's
screen shows it within seconds, without disturbing what is being typed (the
on-screen keyboard stays); the receipt's complaint has the photo."""
import io
import re

from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode
from sqlalchemy import select

from backend.extensions import db
from backend.models import Complaint, ComplaintPhoto
from tests.browser.test_intake_browser import kiosk_to_location, receipt_number, shot
from tests.browser.test_offline import png_bytes, watch_errors
from tests.conftest import TEST_CONFIG


def scan(page) -> str:
    """The kiosk's QR code, read from its pixels: the phone's page on the public address."""
    qr = page.locator(".handoff__qr svg")
    expect(qr).to_be_visible()
    codes = [c.data.decode() for c in decode(Image.open(io.BytesIO(qr.screenshot())))]
    assert len(codes) == 1 and re.fullmatch(re.escape(TEST_CONFIG["PUBLIC_BASE_URL"]) + r"/foto-kios/[\w-]{32}", codes[0])
    return codes[0]


def send(phone, code: str) -> None:
    phone.goto(code.removeprefix(TEST_CONFIG["PUBLIC_BASE_URL"]))  # the test server stands in for the public one
    expect(phone.locator("h1")).to_have_text("Kirim foto ke kios")
    expect(phone.locator("main")).to_contain_text("Kelurahan Tebet Timur")
    phone.locator("input[type=file]").set_input_files(files=[{"name": "lubang.png", "mimeType": "image/png",
                                                              "buffer": png_bytes(size=(800, 600))}])
    phone.get_by_role("button", name="Kirim foto").click()
    expect(phone.locator("h1")).to_have_text("Foto terkirim")


def test_a_photo_taken_on_the_phone_joins_the_kiosk_report(kiosk_page, phone_page, live_app, artifacts):
    page = kiosk_page
    errors = watch_errors(page)
    kiosk_to_location(page)
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Apa yang terjadi")
    expect(page.locator("input[type=file]")).to_have_count(0)  # no file picker on a public PC

    # The code scans to this report's page on the public address a phone reaches.
    code = scan(page)
    shot(page, artifacts, "1-kios-kode")

    # The citizen types meanwhile, on the kiosk's keyboard.
    area = page.locator("textarea")
    area.tap()
    keyboard = page.get_by_role("group", name="Keyboard layar")
    expect(keyboard).to_be_visible()
    for key in "Lubang":
        page.locator(f"#osk button[data-skbtn='{key}']").tap()

    # The phone opens the code's page (on the test server) and sends a photo.
    send(phone_page, code)
    shot(phone_page, artifacts, "2-ponsel-terkirim")

    # On the kiosk, within a few seconds: the photo, and the typing undisturbed.
    expect(page.locator(".handoff--done img")).to_be_visible(timeout=10000)
    expect(area).to_have_value("Lubang")
    expect(area).to_be_focused()
    expect(keyboard).to_be_visible()
    page.locator("#osk button[data-skbtn='{space}']").tap()
    page.locator("#osk button[data-skbtn='b']").tap()
    expect(area).to_have_value("Lubang b")
    shot(page, artifacts, "3-kios-foto-masuk")
    # Not that one: taken off at once, and a new code for another.
    page.get_by_role("button", name="Hapus foto ini").click()
    expect(page.locator(".handoff--done")).to_have_count(0)
    another = scan(page)
    assert another != code
    send(phone_page, another)
    expect(page.locator(".handoff--done img")).to_be_visible(timeout=10000)

    area.fill("Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("label.choice", has_text="Anonim").click()
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("img.summary__photo")).to_be_visible()  # the review shows the photo
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator(".number")).to_be_visible()
    number = receipt_number(page)
    with live_app.app_context():
        complaint = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        photo = db.session.execute(select(ComplaintPhoto).filter_by(complaint_id=complaint.id)).scalar_one()
        assert photo.mime == "image/jpeg"
    assert errors == []
