"""The offline-capable flow in real Chromium: the phone's app shell (draft kept
on the phone, reports queued offline and delivered exactly once), "Laporan
saya", and a kiosk whose network is cut (a leased number, a printed receipt,
the report sent later). Screenshots of every new screen go to test-artifacts/."""
from __future__ import annotations

import io
import logging
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from backend import damm
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Category, Complaint, Draft
from tests.browser.test_intake_browser import assert_touch_targets, start_to_location
from tests.conftest import TEST_CONFIG
from tests.flowdriver import csrf_token
from printing.qr import qr_svg
from tests.printing import paper

PRINT_SPY = "window.__prints = 0; window.print = () => { window.__prints += 1; };"
PHONE = dict(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2,
             locale="id-ID", timezone_id="Asia/Jakarta")
KIOSK = dict(viewport={"width": 1280, "height": 800}, has_touch=True, locale="id-ID", timezone_id="Asia/Jakarta")
PORTRAIT_KIOSK = {**KIOSK, "viewport": {"width": 1080, "height": 1920}}
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
NUMBER = re.compile(r"^\d{4}-\d{2}-\d{5}-\d$")
DESCRIPTION = "Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh."


@pytest.fixture
def device(browser_type, browser_type_launch_args, live_server, tmp_path):
    """A phone or a kiosk with a real profile and the service worker in
    control (in Playwright's incognito contexts the worker's own fetches stall,
    so it never finishes installing). A fresh profile per call."""
    contexts = []

    def open_device(kind: str):
        context = browser_type.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), base_url=live_server, **browser_type_launch_args,
            **{"phone": PHONE, "portrait-kiosk": PORTRAIT_KIOSK}.get(kind, KIOSK))
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        return page

    yield open_device
    for context in contexts:
        context.close()


@pytest.fixture
def server_log():
    """The live server's request lines (werkzeug's log) while the test runs."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger = logging.getLogger("werkzeug")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def png_bytes(color=(200, 60, 40), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def send_photo_from_phone(live_app) -> None:
    """What the citizen's phone does with the QR code on a kiosk's "what
    happened" screen (kiosk/handoff): open its page, send a photo. The newest
    code is the screen's that was shown last."""
    with live_app.app_context():
        token = db.session.scalars(select(Draft.photo_handoff).where(Draft.photo_handoff.is_not(None))
                                   .order_by(Draft.photo_handoff_until.desc())).first()
    phone = live_app.test_client()
    html = phone.get(f"/foto-kios/{token}").get_data(as_text=True)
    sent = phone.post(f"/foto-kios/{token}", data={"csrf_token": csrf_token(html), "photo": (io.BytesIO(png_bytes()), "lubang.png")},
                      content_type="multipart/form-data")
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]


def complaints_with_key(live_app, key: str) -> list[Complaint]:
    with live_app.app_context():
        rows = db.session.scalars(select(Complaint).filter_by(idempotency_key=key)).all()
        db.session.expunge_all()
        return rows


def complaint_numbered(live_app, number: str) -> Complaint | None:
    with live_app.app_context():
        row = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one_or_none()
        db.session.expunge_all()
        return row


def shot(page, folder, name):
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True, animations="disabled")


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def draft(page) -> dict | None:
    return page.evaluate("""() => KiosQueue.draft.get().then(d => d
        ? {key: d.key, step: d.step, answers: d.answers, photo: !!d.photo, queued: d.queued} : null)""")


def wait_for(page, script: str, arg=None, timeout_ms: int = 5000):
    """Poll an async page function until it answers something truthy
    (wait_for_function takes a Promise itself as truthy)."""
    for _ in range(timeout_ms // 100):
        value = page.evaluate(script, arg)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script} (last: {value!r})")


def shown_number(locator) -> str:
    return "-".join(locator.locator(".number__group").all_inner_texts())


def phone_to_review(page, folder=None, prefix=""):
    """The phone shell from its start screen to the review, by clicks."""
    def snap(name):
        if folder is not None:
            shot(page, folder, prefix + name)

    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("[data-step=category] h1")).to_contain_text("tentang apa")
    # Nothing chosen: the same message as the server's, on the same screen.
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=category] .error-summary")).to_contain_text("pilih jenis masalah")
    snap("2-kategori-error")
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=location] h1")).to_contain_text("Di mana")
    page.get_by_role("combobox", name="Kelurahan").select_option(label="Tebet Timur")
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Tebet Raya No. 5, depan masjid")
    page.locator("#rt").fill("5")
    snap("3-lokasi")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=description] h1")).to_contain_text("Apa yang terjadi")
    page.locator("textarea").fill("Pendek")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=description] .field__error")).to_contain_text("10 karakter")
    page.locator("textarea").fill(DESCRIPTION)
    snap("4-kejadian")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=identity] h1")).to_contain_text("Bagaimana")
    page.get_by_role("textbox", name="Nama").fill("Siti Rahayu")
    page.get_by_role("textbox", name="Nomor ponsel atau WhatsApp").fill("12345")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=identity] .error-summary li")).to_have_count(2)  # the phone, the consent
    snap("5-identitas-error")
    page.get_by_role("textbox", name="Nomor ponsel atau WhatsApp").fill("0812 3456 7890")
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=review] h1")).to_contain_text("Periksa")
    snap("6-periksa")


def hurry_idle_reset(page) -> None:
    """The kiosk's idle timer, shortened to 1 s (+1 s of warning) from now on."""
    page.evaluate("""() => {
        const dialog = document.getElementById('idle');
        dialog.dataset.idleSeconds = '1';
        dialog.dataset.warningSeconds = '1';
        document.dispatchEvent(new Event('keydown'));  // re-arms with the short times
    }""")


def test_phone_draft_survives_a_reload(phone_page, artifacts):
    page = phone_page
    errors = watch_errors(page)
    page.goto("/lapor/")
    shot(page, artifacts, "1-mulai")
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("combobox", name="Kelurahan").select_option(label="Tebet Timur")
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Tebet Raya No. 5")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill(DESCRIPTION)
    page.locator("input[type=file][name=photo]").set_input_files(
        files=[{"name": "lubang.png", "mimeType": "image/png", "buffer": png_bytes()}])
    expect(page.locator("[data-photo-preview]")).to_be_visible()
    shot(page, artifacts, "2-kejadian-foto")
    # Kept on the phone as the citizen types (debounced), the photo included.
    wait_for(page, "() => KiosQueue.draft.get().then(d => d && d.photo && d.answers.description.length > 20)")
    before = draft(page)
    assert before["step"] == "description" and before["photo"]
    assert before["answers"]["kelurahan"] == "0101"
    assert re.fullmatch(r"[0-9a-f-]{36}", before["key"])  # made when the form was opened

    page.reload()
    expect(page.locator("[data-step=description] h1")).to_be_visible()
    expect(page.locator("textarea")).to_have_value(DESCRIPTION)
    expect(page.locator("[data-photo-preview]")).to_be_visible()
    shot(page, artifacts, "3-setelah-muat-ulang")
    page.get_by_role("link", name="Kembali").click()
    expect(page.get_by_role("combobox", name="Kelurahan")).to_have_value("0101")
    expect(page.get_by_label("Alamat jalan atau patokan")).to_have_value("Jl. Tebet Raya No. 5")
    assert draft(page)["key"] == before["key"]  # the same report, the same key
    assert errors == []


def test_phone_report_sent_offline_is_delivered_once(device, live_app, artifacts, server_log):
    page = device("phone")
    errors = watch_errors(page)
    page.goto("/lapor/")
    page.wait_for_function(CONTROLLED)  # the worker too can flush (Background Sync)
    phone_to_review(page, artifacts)
    key = draft(page)["key"]
    other = page.context.new_page()  # another page of the app, open meanwhile
    other.goto("/laporan-saya")
    review = page.locator("[data-step=review]")
    expect(review).to_contain_text("Kelurahan Tebet Timur, Jl. Tebet Raya No. 5, depan masjid, RT 005")

    page.context.set_offline(True)
    expect(page.locator("[data-offline-note]")).to_be_visible()
    page.get_by_role("button", name="Kirim laporan").click()
    queued = page.locator("[data-step=queued]")
    expect(queued).to_be_visible()
    expect(queued.locator("h1")).to_have_text("Laporan Anda tersimpan di ponsel ini")
    expect(queued).to_contain_text("dikirim otomatis")
    shot(page, artifacts, "7-tersimpan-luring")
    assert complaints_with_key(live_app, key) == []
    assert page.evaluate("() => KiosQueue.all().then(q => q.map(e => e.state))") == ["pending"]

    # Back online: the window's `online` event and a flush (as Background
    # Sync would call it) fire at the same moment; a second page flushes too.
    server_log.clear()
    page.context.set_offline(False)
    other.evaluate("() => { setTimeout(() => KiosQueue.flush(), 0); }")
    page.evaluate("""() => Promise.all([
        KiosQueue.flush(), (window.dispatchEvent(new Event('online')), KiosQueue.flush())])""")
    delivered = page.locator("[data-step=delivered]")
    expect(delivered).to_be_visible()
    number = shown_number(delivered.locator("[data-delivered-number]"))
    assert NUMBER.match(number) and damm.is_valid(number.replace("-", ""))
    shot(page, artifacts, "8-terkirim")
    other.wait_for_timeout(500)
    rows = complaints_with_key(live_app, key)
    assert [r.number for r in rows] == [number]  # exactly one complaint for the key
    # ...and sent once: the device let one flush run at a time (the server would dedupe a replay too).
    assert sum("POST /api/v1/laporan" in line for line in server_log) == 1
    assert rows[0].channel == "phone" and rows[0].reporter_name == "Siti Rahayu"
    # The answers have left the phone; the number stays for "Laporan saya".
    assert page.evaluate("() => KiosQueue.all().then(q => q.length)") == 0
    assert draft(page) is None
    receipt = delivered.get_by_role("link", name="Buka tanda terima")
    assert receipt.get_attribute("href").startswith("/tanda-terima/")

    # The same key with other answers is refused (422), through the page's own fetch.
    status, body = page.evaluate("""async (key) => {
        const send = (description) => fetch('/api/v1/laporan', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({idempotency_key: key, language: 'id', answers: {category: 'JALAN_RUSAK',
                kelurahan: '0101', description, identity: 'anonymous', consent: true}})});
        const r = await send('Sesuatu yang lain sama sekali, bukan laporan yang tadi.');
        return [r.status, await r.json()];
    }""", key)
    assert status == 422 and body["conflict"] is True and "idempotency_key" in body["errors"]
    assert len(complaints_with_key(live_app, key)) == 1

    receipt.click()
    expect(page.locator(".number")).to_be_visible()
    assert "-".join(page.locator(".rcpt .number__group").all_inner_texts()) == number
    other.close()
    assert errors == []


def test_online_phone_report_opens_the_receipt_and_laporan_saya_lists_it(phone_page, live_app, artifacts):
    page = phone_page
    errors = watch_errors(page)
    page.goto("/laporan-saya")
    expect(page.locator("[data-mine-empty]")).to_be_visible()
    shot(page, artifacts, "1-laporan-saya-kosong")
    page.goto("/lapor/?kantor=0101")
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice:has(input[value=SAMPAH])").click()
    page.get_by_role("button", name="Lanjut").click()
    # A poster's office preset: its kelurahan is chosen already.
    expect(page.get_by_role("combobox", name="Kelurahan")).to_have_value("0101")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill("Sampah menumpuk di pinggir jalan dekat pasar, sudah tiga hari.")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("label.choice", has_text="Anonim").click()
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Kirim laporan").click()
    # Delivered at once: the receipt screen (PDF, share), as in the server flow.
    expect(page).to_have_url(re.compile(r"/tanda-terima/"))
    number = "-".join(page.locator(".rcpt .number__group").all_inner_texts())
    assert number.startswith("0101-")
    shot(page, artifacts, "2-tanda-terima")

    page.get_by_role("link", name="Laporan saya").click()
    item = page.locator(".mine-item").first
    expect(item).to_be_visible()
    assert shown_number(item.locator("[data-item-number]")) == number
    expect(item.locator("[data-item-status]")).to_have_text("Diterima, sedang dikirim ke CRM")
    expect(item).to_contain_text("Sampah menumpuk")
    shot(page, artifacts, "3-laporan-saya")
    assert "dekat pasar" not in page.content()  # numbers and links, never the answers
    page.get_by_role("button", name="Lupakan daftar ini").click()
    shot(page, artifacts, "4-lupakan")
    page.get_by_role("button", name="Ya, lupakan daftar").click()
    expect(page.locator("[data-mine-empty]")).to_be_visible()
    assert page.evaluate("() => KiosQueue.mine.list().then(l => l.length)") == 0
    assert errors == []


def test_kiosk_with_the_network_cut_numbers_prints_and_sends_later(device, live_app, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    page.add_init_script(PRINT_SPY)
    page.goto("/k/tebet-timur/")
    # Online, the start screen fetched the kiosk's leased numbers and had the
    # service worker keep the kiosk's offline shell.
    wait_for(page, "() => KiosQueue.leases.get('tebet-timur').then(l => l && l.numbers.length > 0)")
    leased = page.evaluate("() => KiosQueue.leases.get('tebet-timur').then(l => l.numbers.map(n => n.number))")
    wait_for(page, "() => navigator.serviceWorker.controller && caches.match('/k/tebet-timur/luring/').then(r => !!r)",
             timeout_ms=20000)

    # The network goes down: the start button's request fails, the shell takes over.
    page.context.set_offline(True)
    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator(".notice--offline")).to_be_visible()
    assert page.url.endswith("/k/tebet-timur/luring/")
    shot(page, artifacts, "1-luring-mulai")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20
    assert_touch_targets(page, "[data-step=start] button, [data-step=start] .btn")

    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_role("combobox", name="Kelurahan")).to_have_value("0101")  # the kiosk's own
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Tebet Raya No. 5, depan masjid")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill(DESCRIPTION)
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("textbox", name="Nama").fill("Siti Rahayu")
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    shot(page, artifacts, "2-luring-periksa")
    assert_touch_targets(page, "[data-step=review] button, [data-step=review] .btn")
    page.get_by_role("button", name="Kirim laporan").click()

    receipt = page.locator("[data-step=receipt]")
    expect(receipt).to_be_visible()
    number = shown_number(receipt.locator(".rcpt .number").first)
    assert number == leased[0]
    expect(receipt).to_contain_text("Kelurahan Tebet Timur")
    expect(receipt).to_contain_text("Siti Rahayu")
    # Its QR code, drawn by the page from the lease's packed modules, is the server's own, line for line.
    drawn = receipt.locator(".rcpt svg.qr").first.evaluate(
        "e => [e.getAttribute('viewBox'), e.querySelector('path').getAttribute('d')]")
    server = qr_svg(f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}")
    assert drawn == [re.search(r'viewBox="([^"]+)"', server).group(1), re.search(r' d="([^"]+)"', server).group(1)]
    shot(page, artifacts, "3-luring-tanda-terima")
    assert complaint_numbered(live_app, number) is None  # not sent yet: the network is down
    page.get_by_role("button", name="Cetak tanda terima").click()
    page.wait_for_function("window.__prints === 1")

    # On paper: the receipt alone, its number and the QR code of its tracking page.
    page.emulate_media(media="print")
    for hidden in (".topbar", ".footer", ".receipt__head", ".actions", ".notice--offline"):
        assert page.locator(hidden).first.evaluate("e => getComputedStyle(e).display") == "none", hidden
    pdf = page.pdf(width="80mm", height="600mm", print_background=True,
                   margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
    text = " ".join(paper.text(pdf).split())
    assert re.search(r"\s*".join(number.split("-")), text), text
    for expected in ("Kelurahan Tebet Timur", "Jalan rusak / berlubang", "Siti Rahayu", "Kios di kantor", "WIB"):
        assert expected in text, expected
    assert "[[" not in text
    image = paper.png(pdf, artifacts / "4-luring-cetak-80mm.png", dpi=200)
    assert paper.qr_codes(image) == [f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lacak/{number}"]
    page.emulate_media(media="screen")

    # Finish (still offline): the screen is wiped; the report waits in the queue.
    page.get_by_role("button", name="Selesai").click()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert "Siti Rahayu" not in page.locator("#main").inner_html()
    assert page.evaluate("() => KiosQueue.all().then(q => q.map(e => e.leased_number))") == [number]

    # The network is back: sent with its leased number, then gone from the kiosk.
    page.context.set_offline(False)
    page.evaluate("() => KiosQueue.flush()")
    row = complaint_numbered(live_app, number)
    assert row is not None and row.channel == "kiosk"
    assert page.evaluate("() => KiosQueue.all().then(q => q.length)") == 0
    assert errors == []


def test_kiosk_offline_shell_is_wiped_by_the_idle_reset(kiosk_page):
    page = kiosk_page
    page.clock.install()
    page.goto("/k/tebet-timur/luring/")
    page.clock.run_for(200_000)
    expect(page.locator("dialog#idle")).to_be_hidden()  # the start screen has nothing to clear
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    address = page.get_by_label("Alamat jalan atau patokan")
    address.fill("Jl. Kenanga No. 9")
    # The on-screen keyboard comes up for the field (its showing scrolls the page: the wait starts again).
    expect(page.get_by_role("group", name="Keyboard layar")).to_be_visible()
    # As online: a warning after the idle time, then the screen is cleared (here, in the page).
    page.clock.run_for(90_000 + 1_000)
    expect(page.locator("dialog#idle")).to_be_visible()
    page.clock.run_for(21_000)
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert address.input_value() == ""
    expect(page.get_by_role("group", name="Keyboard layar")).to_be_hidden()
    assert page.evaluate("() => KiosQueue.all().then(q => q.length)") == 0  # nothing kept on the kiosk



# --- a kiosk cut off half-way through the online flow -------------------------

CARRIED = "() => JSON.parse(sessionStorage.getItem('kios-aduan:answers:tebet-timur'))"


def kiosk_ready(page):
    """The online kiosk's start screen, with leased numbers and its offline shell kept."""
    page.goto("/k/tebet-timur/")
    wait_for(page, "() => KiosQueue.leases.get('tebet-timur').then(l => l && l.numbers.length > 0)")
    wait_for(page, "() => navigator.serviceWorker.controller && caches.match('/k/tebet-timur/luring/').then(r => !!r)",
             timeout_ms=20000)


def test_kiosk_cut_off_mid_flow_carries_the_answers_to_the_offline_shell(device, live_app, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    page.add_init_script(PRINT_SPY)
    kiosk_ready(page)
    assert page.evaluate(CARRIED) is None
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Di mana")
    page.get_by_role("combobox", name="Kelurahan").select_option(label="Menteng Dalam")
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Kenanga No. 9")
    page.locator("#rt").fill("7")
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Apa yang terjadi")
    page.locator("textarea").fill(DESCRIPTION)
    # A kiosk has no file picker: the photo comes from the citizen's phone, and shows on the screen.
    expect(page.locator("input[type=file]")).to_have_count(0)
    send_photo_from_phone(live_app)
    expect(page.locator(".handoff--done img")).to_be_visible(timeout=10000)
    expect(page.locator("textarea")).to_have_value(DESCRIPTION)  # the panel's swap left the typing alone
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Bagaimana")

    # Each step's answers as sent, in this tab only: no token, no key, no photo.
    carried = page.evaluate(CARRIED)
    assert carried["done"] == ["category", "location", "description"] and carried["photo"] is True
    assert carried["answers"] == {"category": "JALAN_RUSAK", "kelurahan": "0103", "address": "Jl. Kenanga No. 9",
                                  "rt": "7", "rw": "", "description": DESCRIPTION}
    assert page.evaluate("() => localStorage.length") == 0

    # The network goes down as the citizen sends the identity screen.
    page.get_by_role("textbox", name="Nama").fill("Siti Rahayu")
    page.get_by_role("textbox", name="Nomor ponsel atau WhatsApp").fill("0812 3456 7890")
    page.locator("label.consent").click()
    page.context.set_offline(True)
    page.get_by_role("button", name="Lanjut").click()
    review = page.locator("[data-step=review]")
    expect(review).to_be_visible()
    assert page.url.endswith("/k/tebet-timur/luring/#review")
    notice = page.locator("[data-carried]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Koneksi ke server terputus, tetapi jawaban Anda masih tersimpan.")
    expect(notice.locator("[data-carried-photo]")).to_contain_text("Laporan Anda dikirim tanpa foto")
    expect(page.locator("[data-kiosk-offline]")).to_be_hidden()  # the notice says it already
    for text in ("Jalan rusak / berlubang", "Menteng Dalam, Jl. Kenanga No. 9, RT 007", DESCRIPTION,
                 "Siti Rahayu", "0812 3456 7890"):
        expect(review).to_contain_text(text)
    assert page.evaluate(CARRIED) is None  # taken into the page's memory at once
    shot(page, artifacts, "1-luring-jawaban-terbawa")

    # Offline the kiosk takes no photo (no file picker, no phone to reach the server): sent without one.
    review.locator("a[data-goto=description]").click()
    expect(page.locator("[data-step=description] textarea")).to_have_value(DESCRIPTION)
    expect(notice).to_be_hidden()  # said once, where the shell opened
    expect(page.locator("[data-step=description]")).to_contain_text("Foto tidak dapat ditambahkan selama kios ini luring")
    expect(page.locator("input[type=file]")).to_have_count(0)
    page.get_by_role("button", name="Lanjut").click()
    expect(review).to_be_visible()
    page.get_by_role("button", name="Kirim laporan").click()
    receipt = page.locator("[data-step=receipt]")
    expect(receipt).to_be_visible()
    number = shown_number(receipt.locator(".rcpt .number").first)
    expect(receipt).to_contain_text("Siti Rahayu")
    expect(receipt).to_contain_text("Kelurahan Menteng Dalam")

    page.context.set_offline(False)
    page.evaluate("() => KiosQueue.flush()")
    wait_for(page, "() => KiosQueue.all().then(q => q.length === 0)")  # the receipt screen's own flush may be the one
    row = complaint_numbered(live_app, number)
    assert row is not None and row.reporter_name == "Siti Rahayu" and row.description == DESCRIPTION
    assert errors == []


def test_kiosk_carries_no_identity_for_an_anonymous_report_and_what_was_typed_when_cut_off(device, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    kiosk_ready(page)
    start_to_location(page)
    page.get_by_role("button", name="Lanjut").click()  # the kiosk's own kelurahan
    page.locator("textarea").fill(DESCRIPTION)
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("textbox", name="Nama").fill("Budi Santoso")
    page.get_by_role("textbox", name="Email").fill("santoso@example.id")
    page.locator("label.choice", has_text="Anonim").click()
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Periksa")
    carried = page.evaluate(CARRIED)
    assert carried["answers"]["identity"] == "anonymous" and carried["answers"]["consent"] is True
    assert not {"name", "phone", "email", "nik"} & set(carried["answers"]) and carried["photo"] is False
    assert "Santoso" not in page.evaluate("() => sessionStorage.getItem('kios-aduan:answers:tebet-timur')")

    # Back to the description, typed further, then the network fails on "Back" (nothing sent):
    # what the screen held comes along.
    page.locator("a[href*='kejadian']").click()
    expect(page.locator("h1")).to_contain_text("Apa yang terjadi")
    page.locator("textarea").fill(DESCRIPTION + " Sudah dua orang terluka.")
    page.context.set_offline(True)
    page.get_by_role("link", name="Kembali").click()
    review = page.locator("[data-step=review]")
    expect(review).to_be_visible()
    expect(review).to_contain_text("Sudah dua orang terluka.")
    expect(review).to_contain_text("Anonim")
    expect(page.locator("[data-carried-photo]")).to_be_hidden()
    assert "Santoso" not in page.content()
    for name in ("name", "phone", "email", "nik"):  # the hidden identity screen's fields too
        assert page.locator(f"[data-step=identity] input[name={name}]").input_value() == ""
    shot(page, artifacts, "1-luring-anonim")
    assert errors == []


def test_kiosk_idle_reset_leaves_the_next_citizen_nothing_to_carry(device, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    kiosk_ready(page)
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Alamat jalan atau patokan").fill("Jl. Kenanga No. 9")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill(DESCRIPTION)
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Bagaimana")
    assert page.evaluate(CARRIED)["answers"]["address"] == "Jl. Kenanga No. 9"

    # The citizen walks away. The reset's own request answers a bare page, so
    # that only app.js can have wiped the copy (not the start screen after it).
    page.route("**/k/tebet-timur/selesai", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>reset</title>"))
    hurry_idle_reset(page)
    page.wait_for_url("**/k/tebet-timur/selesai", timeout=10000)
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('kios-aduan:'))") == []
    page.unroute("**/k/tebet-timur/selesai")

    # The next citizen, and the network fails at once: an empty form.
    page.goto("/k/tebet-timur/")
    page.context.set_offline(True)
    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("[data-step=start]")).to_be_visible()
    expect(page.locator("[data-carried]")).to_be_hidden()
    page.get_by_role("button", name="Mulai melapor").click()
    expect(page.locator("[data-step=category]")).to_be_visible()
    assert page.locator("input[name=category]:checked").count() == 0
    assert page.get_by_label("Alamat jalan atau patokan").input_value() == ""
    assert page.locator("textarea").input_value() == ""
    assert "Kenanga" not in page.content()
    assert errors == []

def test_without_javascript_the_phone_start_posts_to_the_server_flow(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server, locale="id-ID",
                                  viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto("/lapor/")
        expect(page.locator("[data-step=category]")).to_be_hidden()
        page.get_by_role("button", name="Mulai melapor").click()
        expect(page).to_have_url(re.compile(r"/lapor/kategori$"))
        expect(page.locator("h1")).to_contain_text("tentang apa")
    finally:
        context.close()


def set_category_active(live_app, code: str, active: bool) -> int:
    """Switch a category on or off (officers do, in the console); its id."""
    # Read and written under the write lock from the start (the app's way): a
    # read first and a write after would meet the live server's writes with
    # SQLite's "database is locked" rather than wait for them.
    with live_app.app_context(), immediate_transaction():
        category = db.session.scalars(select(Category).filter_by(code=code)).one()
        category.active = active
        return category.id


def test_a_report_the_server_refuses_is_kept_to_be_changed_and_sent_again(phone_page, live_app, artifacts):
    page = phone_page
    errors = watch_errors(page)
    page.goto("/lapor/")
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("combobox", name="Kelurahan").select_option(label="Tebet Timur")
    page.get_by_role("button", name="Lanjut").click()
    page.locator("textarea").fill(DESCRIPTION)
    page.get_by_role("button", name="Lanjut").click()
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    key = draft(page)["key"]
    # The page checks the answers as the server does (answers.js), but its copy is
    # older than the server's data: meanwhile the category was switched off.
    set_category_active(live_app, "JALAN_RUSAK", False)
    try:
        page.get_by_role("button", name="Kirim laporan").click()

        summary = page.locator("[data-step=review] .error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("Silakan pilih salah satu jenis masalah yang ada")
        shot(page, artifacts, "1-ditolak")
        assert complaints_with_key(live_app, key) == []
        assert page.evaluate("() => KiosQueue.all().then(q => q.map(e => e.state))") == ["failed"]
        assert draft(page)["answers"]["category"] == "JALAN_RUSAK"  # the draft is kept

        # The link leads to the answer; once changed, back to the review and sent.
        summary.get_by_role("link").click()
        expect(page.locator("[data-step=category] h1")).to_be_visible()
        page.locator("label.choice", has_text="Trotoar rusak").click()
        page.get_by_role("button", name="Lanjut").click()
        expect(page.locator("[data-step=review] h1")).to_be_visible()
        page.get_by_role("button", name="Kirim laporan").click()
        expect(page).to_have_url(re.compile(r"/tanda-terima/"))
    finally:
        set_category_active(live_app, "JALAN_RUSAK", True)
    rows = complaints_with_key(live_app, key)
    assert len(rows) == 1 and rows[0].category_id == set_category_active(live_app, "TROTOAR_RUSAK", True)
    assert errors == []


# --- offline, in the language the person chose ----------------------------------

DEVICE_LANG = "() => caches.open('kios-aduan:device').then(c => c.match('/.kios-aduan/lang')).then(r => r ? r.text() : '')"


def test_phone_offline_opens_in_the_language_chosen_online(device, artifacts):
    page, fresh = device("phone"), device("phone")
    errors = watch_errors(page)
    for phone in (page, fresh):
        phone.goto("/lapor/")
        phone.wait_for_function(CONTROLLED)  # installed: every copy of the shell is kept
    # Online, the citizen chooses English; the page tells the worker.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    wait_for(page, f"() => ({DEVICE_LANG})().then(l => l === 'en')")

    page.context.set_offline(True)
    page.goto("/lapor/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Start reporting")).to_be_visible()
    shot(page, artifacts, "1-luring-inggris")
    # The language link works offline: the other kept copy, both ways.
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert page.url.endswith("/lapor/?lang=id")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("button", name="Start reporting")).to_be_visible()
    # A page never kept: the offline page, in English; its language form opens the Indonesian copy.
    page.goto("/lacak/0101-26-00042-8")
    expect(page.locator("h1")).to_have_text("No internet connection")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.locator("h1")).to_have_text("Tidak ada koneksi internet")
    # The last choice counts (once the page has told the worker: pwa.js writes it as the page loads).
    wait_for(page, f"() => ({DEVICE_LANG})().then(l => l === 'id')")
    page.goto("/lapor/")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert page.evaluate(DEVICE_LANG) == "id"

    # A phone whose owner never chose: Indonesian.
    fresh.context.set_offline(True)
    fresh.goto("/lapor/")
    expect(fresh.locator("html")).to_have_attribute("lang", "id")
    expect(fresh.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert errors == []


def test_kiosk_in_english_cut_off_continues_in_english_until_the_next_citizen(device, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    kiosk_ready(page)
    wait_for(page, "() => caches.match('/k/tebet-timur/luring/?lang=en').then(r => !!r)")  # kept beside it
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Start reporting").click()
    page.locator("label.choice:has(input[value=JALAN_RUSAK])").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Street address or landmark").fill("Jl. Kenanga No. 9")

    # The network fails as the citizen goes on: the English offline flow, the answers kept.
    page.context.set_offline(True)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("[data-step=description]")).to_be_visible()
    assert "/k/tebet-timur/luring/?lang=en" in page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-carried]")).to_contain_text("your answers are still here")
    expect(page.locator(".topbar .lang")).to_be_hidden()  # a switch now would lose the answers
    shot(page, artifacts, "1-luring-inggris")

    # The citizen walks away: the idle reset brings the next one the Indonesian shell.
    hurry_idle_reset(page)
    page.wait_for_url("**/k/tebet-timur/luring/?lang=id", timeout=10000)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert "Kenanga" not in page.content()
    wait_for(page, f"() => ({DEVICE_LANG})().then(l => l === 'id')")
    page.goto("/k/tebet-timur/kategori")  # any kiosk page offline: the shell, in Indonesian too
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    # On its start screen, the offline shell's own language link (nothing to lose there).
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("button", name="Start reporting")).to_be_visible()
    shot(page, artifacts, "2-luring-mulai-inggris")

    # The network is back: "Finish" returns through the kiosk's reset, so the
    # session of the citizen cut off online (English) is gone with its language.
    page.context.set_offline(False)
    page.evaluate("() => document.querySelector('[data-finish]').click()")  # the receipt screen's button
    page.wait_for_url("**/k/tebet-timur/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible()
    assert errors == []


def cut_off_after_the_category(page):
    """From the online kiosk's start screen: a category chosen, then the
    network fails as the citizen goes on, to the offline shell's next screen."""
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.context.set_offline(True)
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("[data-step=location]")).to_be_visible()
    assert "/k/tebet-timur/luring/" in page.url


def test_kiosk_with_larger_text_cut_off_keeps_it_until_the_next_citizen(device, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    kiosk_ready(page)
    root_px = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
    usual = page.evaluate(root_px)
    page.get_by_role("button", name="Huruf besar").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    page.wait_for_load_state("load")  # the new page's stylesheets are in
    large = page.evaluate(root_px)
    assert large > usual
    # The network fails as the citizen goes on: the offline shell, in larger text still.
    cut_off_after_the_category(page)
    page.wait_for_load_state("load")
    assert page.evaluate(root_px) == large
    toggle = page.get_by_role("button", name="Huruf besar")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    shot(page, artifacts, "1-luring-huruf-besar")
    # The shell's own button works without the server.
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(root_px) == usual
    toggle.click()
    assert page.evaluate(root_px) == large

    # The citizen walks away: the next one gets the usual size.
    hurry_idle_reset(page)
    expect(page.get_by_role("button", name="Mulai melapor")).to_be_visible(timeout=10000)
    expect(page.get_by_role("button", name="Huruf besar")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(root_px) == usual
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.endsWith(':text-large'))") == []
    assert errors == []
