"""A kiosk report the server refuses (422) and keeps for the office leaves no
personal data in the kiosk's IndexedDB: real Chromium, the kiosk's own queue
(kiosk/static/js/queue.js) against the live server."""
from __future__ import annotations

import base64
import json

from playwright.sync_api import expect
from sqlalchemy import delete, select

from backend.extensions import db
from backend.models import Complaint, Kiosk, KioskDeliveryRefusal
from tests.browser import axe
from tests.browser.test_intake_browser import shot
from tests.browser.test_offline import png_bytes, wait_for, watch_errors
from tests.browser.test_officer_browser import console_errors, officer, sign_in_by_form

KIOSK = "tebet-timur"
PERSONAL = ("Siti Rahayu", "0812-3456-7890", "siti@example.id", "3174011234567890", "Lubang besar",
            "Jl. Tebet Raya")

# Queue a kiosk report as flow.js does (leased number, photo Blob), then flush it.
QUEUE_AND_FLUSH = """async ({url, category, photo}) => {
  const lease = await KiosQueue.leases.take('tebet-timur');
  const key = KiosQueue.uuid();
  const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
  const payload = {
    idempotency_key: key, language: 'id', created_at: new Date().toISOString(), leased_number: lease.number,
    answers: {category, kelurahan: '0101', address: 'Jl. Tebet Raya No. 5', rt: '5', rw: '2',
      description: 'Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.', identity: 'named',
      name: 'Siti Rahayu', phone: '0812-3456-7890', email: 'siti@example.id', nik: '3174011234567890',
      consent: true},
  };
  await KiosQueue.add({key, kind: 'kiosk', url, payload, photo: new Blob([bytes], {type: 'image/png'})});
  const summary = await KiosQueue.flush();
  return {key, number: lease.number, failed: summary.failed};
}"""

# Everything this origin keeps in IndexedDB, as text (a Blob shows as "[Blob]").
DUMP_INDEXEDDB = """async () => {
  const out = {};
  for (const info of await indexedDB.databases()) {
    const database = await new Promise((ok, ko) => {
      const req = indexedDB.open(info.name);
      req.onsuccess = () => ok(req.result);
      req.onerror = () => ko(req.error);
    });
    for (const name of database.objectStoreNames) {
      const values = await new Promise((ok, ko) => {
        const req = database.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => ok(req.result);
        req.onerror = () => ko(req.error);
      });
      out[`${info.name}/${name}`] = JSON.stringify(values, (_k, v) => (v instanceof Blob ? '[Blob]' : v));
    }
    database.close();
  }
  return out;
}"""


def _ready(page):
    page.goto(f"/k/{KIOSK}/")
    wait_for(page, f"() => KiosQueue.leases.get('{KIOSK}').then(l => l && l.numbers.length > 1)")


def test_a_kept_refusal_leaves_no_personal_data_on_the_kiosk(kiosk_page, live_app):
    page = kiosk_page
    errors = watch_errors(page)
    _ready(page)
    photo = base64.b64encode(png_bytes()).decode()
    sent = page.evaluate(QUEUE_AND_FLUSH, {"url": f"/k/{KIOSK}/api/laporan", "category": "SUDAH_DIHAPUS",
                                           "photo": photo})
    assert sent["failed"] == [sent["key"]]

    entry = page.evaluate("(key) => KiosQueue.get(key)", sent["key"])
    assert entry["state"] == "failed" and entry["kept"] is True and entry["status"] == 422
    assert entry["leased_number"] == sent["number"] and entry["reasons"] == ["category"]
    assert entry["payload"] is None and entry["photo"] is None and entry["errors"] is None
    stored = page.evaluate(DUMP_INDEXEDDB)
    assert stored, "the kiosk's IndexedDB was not read"
    text = json.dumps(stored)
    for value in PERSONAL:
        assert value not in text, value
    assert "[Blob]" not in text  # no photo left either
    # Its leased number stays taken on the kiosk: a refill from the server never hands it out again.
    refill = page.evaluate("""(n) => KiosQueue.leases.store('tebet-timur', {numbers: [{number: n}, {number: 'x'}]})
        .then(r => r.numbers.map(e => e.number))""", sent["number"])
    assert refill == ["x"]

    # The server has the report, for the office.
    with live_app.app_context():
        row = db.session.execute(select(KioskDeliveryRefusal).filter_by(idempotency_key=sent["key"])).scalar_one()
        assert row.leased_number == sent["number"] and row.report["answers"]["name"] == "Siti Rahayu"
        assert row.photo_mime == "image/jpeg"  # re-encoded as for complaints
    assert errors == []


def test_the_lurah_completes_a_kept_report_in_the_console(kiosk_page, browser, live_server, live_app, artifacts):
    """The office's side of a kept refusal, by clicks: the kiosk page lists it, "Lihat laporan" shows the
    answers with the reason, "Lanjutkan sebagai laporan" stores it under the receipt's number."""
    page = kiosk_page
    _ready(page)
    photo = base64.b64encode(png_bytes()).decode()
    sent = page.evaluate(QUEUE_AND_FLUSH, {"url": f"/k/{KIOSK}/api/laporan", "category": "SUDAH_DIHAPUS",
                                           "photo": photo})
    assert sent["failed"] == [sent["key"]]
    officer(live_app, "lurah.tolakan", "pimpinan", "0101", full_name="H. Ahmad Fauzi")
    with live_app.app_context():
        kiosk_id = db.session.execute(select(Kiosk.id).filter_by(code=KIOSK)).scalar_one()
    context = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=live_server, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    desk = context.new_page()
    errors = console_errors(desk)
    try:
        desk.goto("/petugas/")
        sign_in_by_form(desk, "lurah.tolakan")
        expect(desk.locator("h1")).to_have_text("Pengaduan")
        desk.goto(f"/petugas/kios/{kiosk_id}")
        row = desk.locator("#kiriman-ditolak li.refusal", has_text=sent["number"])
        expect(row).to_be_visible()
        shot(desk, artifacts, "1-kios-kiriman-ditolak")
        row.get_by_role("link", name="Lihat laporan").click()
        expect(desk.locator("h1")).to_have_text(sent["number"])
        expect(desk.get_by_text("Siti Rahayu")).to_be_visible()
        expect(desk.locator("[data-reason=category]")).to_be_visible()
        shot(desk, artifacts, "2-laporan-ditolak")
        desk.get_by_role("link", name="Lanjutkan sebagai laporan").click()
        expect(desk.get_by_label("Tentang apa pengaduannya?")).to_be_visible()
        shot(desk, artifacts, "3-lanjutkan")
        desk.get_by_label("Tentang apa pengaduannya?").select_option(label="Jalan rusak / berlubang")
        desk.get_by_role("button", name="Simpan sebagai aduan").click()
        expect(desk.locator(".notice--success")).to_be_visible()
        shot(desk, artifacts, "4-tersimpan")
        assert errors == []
    finally:
        context.close()
    with live_app.app_context():
        complaint = db.session.execute(select(Complaint).filter_by(number=sent["number"])).scalar_one()
        assert complaint.category.code == "JALAN_RUSAK" and complaint.reporter_name == "Siti Rahayu"
        refusal = db.session.execute(select(KioskDeliveryRefusal).filter_by(idempotency_key=sent["key"])).scalar_one()
        assert refusal.resolved_at is not None and refusal.report is None and refusal.photo is None


def test_the_desk_finds_a_refused_report_from_its_queue(kiosk_page, browser, live_server, live_app, artifacts):
    """A petugas of the kiosk's office (not a kiosk manager): the queue says citizens hold receipts
    the system does not know, the list shows the report, and dealing with it leads back to the list."""
    with live_app.app_context():  # earlier tests of this module leave theirs open: the count is this test's
        db.session.execute(delete(KioskDeliveryRefusal))
        db.session.commit()
    page = kiosk_page
    _ready(page)
    sent = page.evaluate(QUEUE_AND_FLUSH, {"url": f"/k/{KIOSK}/api/laporan", "category": "SUDAH_DIHAPUS",
                                           "photo": base64.b64encode(png_bytes()).decode()})
    assert sent["failed"] == [sent["key"]]
    officer(live_app, "petugas.tolakan", "petugas", "0101", full_name="Dewi Lestari")
    # bypass_csp: axe is injected as a script (tests/browser/axe.py)
    context = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=live_server, locale="id-ID",
                                  timezone_id="Asia/Jakarta", bypass_csp=True)
    desk = context.new_page()
    errors = console_errors(desk)
    try:
        desk.goto("/petugas/")
        sign_in_by_form(desk, "petugas.tolakan")
        notice = desk.locator("[data-refused-notice]")
        expect(notice).to_have_attribute("data-refused-notice", "1")
        shot(desk, artifacts, "1-antrean")
        notice.get_by_role("link").click()
        row = desk.locator("li.refusal", has_text=sent["number"])
        expect(row).to_be_visible()
        shot(desk, artifacts, "2-kiriman-ditolak")
        axe.check(desk, artifacts, "kiriman-ditolak")
        row.get_by_label("Apa yang Anda lakukan?").fill("Warga ditelepon, dicatat ulang di loket.")
        row.get_by_role("button", name="Tandai selesai").click()
        expect(desk.locator("[data-no-refusals]")).to_be_visible()
        shot(desk, artifacts, "3-selesai")
        desk.goto("/petugas/")
        expect(desk.locator("[data-refused-notice]")).to_have_count(0)
        assert errors == []
    finally:
        context.close()


def test_a_422_without_kept_keeps_todays_behaviour(kiosk_page):
    """A server that does not keep the report (an older one): the kiosk keeps its copy, as before."""
    page = kiosk_page
    _ready(page)
    old_server = f"/k/{KIOSK}/api/laporan-lama"
    page.route(f"**{old_server}", lambda route: route.fulfill(
        status=422, content_type="application/json", body=json.dumps({"errors": {"category": "Pilih kategori."}})))
    photo = base64.b64encode(png_bytes()).decode()
    sent = page.evaluate(QUEUE_AND_FLUSH, {"url": old_server, "category": "JALAN_RUSAK", "photo": photo})
    assert sent["failed"] == [sent["key"]]
    entry = page.evaluate("""(key) => KiosQueue.get(key).then(e => ({state: e.state, kept: e.kept || false,
        name: e.payload.answers.name, photo: e.photo instanceof Blob, errors: e.errors}))""", sent["key"])
    assert entry == {"state": "failed", "kept": False, "name": "Siti Rahayu", "photo": True,
                     "errors": {"category": "Pilih kategori."}}
