"""The intake flow through the Flask test client, on both database lanes."""
import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend import damm
from backend.extensions import db
from backend.models import Complaint, ComplaintPhoto, Draft
from tests.flowdriver import GOOD, csrf_token, receipt_number


def complaints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def test_whole_kiosk_flow_gives_a_numbered_receipt(app, flow):
    start = flow.get("/")
    assert start.status == 200 and "Mulai" in start.html  # Indonesian by default
    number = flow.file_complaint()
    assert number.startswith("0101-") and damm.is_valid(number.replace("-", ""))
    receipt = flow.get("/tanda-terima").html
    assert "Kelurahan Tebet Timur" in receipt
    assert "WIB" in receipt and "112" in receipt and "7 hari" in receipt
    # The QR code and its text name the public tracking URL, not the kiosk's host.
    # (<wbr>: where the URL may break on narrow paper.)
    assert f"https://aduan.jakarta-selatan.example/lacak/{number}" in receipt.replace("<wbr>", "")
    assert f'src="/lacak/{number}/qr.svg"' in receipt
    assert complaints(app) == 1


def test_qr_code_is_an_svg_of_the_public_tracking_url(client):
    number = "0101-26-00042-8"
    r = client.get(f"/lacak/{number}/qr.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.get_data(as_text=True).startswith("<svg") and "public" in r.headers["Cache-Control"]
    assert client.get("/lacak/0101-26-00042-7/qr.svg").status_code == 404  # not a valid number


def test_kiosk_defaults_to_its_own_kelurahan(flow):
    flow.start()
    flow.answer("kategori")
    page = flow.get("/lokasi")
    assert re.search(r'<option value="0101" selected>', page.html)


def test_phone_flow_has_no_default_kelurahan_and_numbers_by_the_chosen_one(app, flow):
    flow.at("/lapor")
    flow.start()
    flow.answer("kategori")
    assert "selected>" not in flow.get("/lokasi").html
    for step in ("lokasi", "kejadian", "identitas"):
        assert flow.answer(step, kelurahan="0601").status == 303
    page = flow.submit()
    assert page.status == 200
    number = receipt_number(page.html)
    assert receipt_number(flow.get("/tanda-terima").html) == number
    assert number.startswith("0601-")
    with app.app_context():
        assert db.session.execute(select(Complaint.channel)).scalar_one() == "phone"


def test_double_submit_gives_the_same_receipt(app, flow):
    flow.fill_all()
    review = flow.get("/periksa")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.html).group(1)
    first = flow.post("/kirim", {"idempotency_key": key})
    second = flow.post("/kirim", {"idempotency_key": key})
    assert first.status == 200 and receipt_number(first.html)
    assert second.status == 303 and second.location.endswith("/tanda-terima")
    assert receipt_number(flow.get("/tanda-terima").html) == receipt_number(first.html)
    assert complaints(app) == 1


def test_a_replayed_request_after_the_session_is_gone_makes_no_second_complaint(app, client, flow):
    flow.fill_all()
    review = flow.get("/periksa")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.html).group(1)
    token = flow.token
    assert flow.post("/kirim", {"idempotency_key": key}).status == 200
    flow.post("/selesai", {})
    again = flow.post("/kirim", {"idempotency_key": key, "csrf_token": token})
    assert again.status == 303 and again.location.endswith("/k/tebet-timur/")
    assert complaints(app) == 1


BAD_INPUTS = [
    ("kategori", {"category": "TIDAK_ADA"}, "category", None),
    ("lokasi", {"kelurahan": "9999"}, "kelurahan", None),
    ("lokasi", {"rt": "12a"}, "rt", "12a"),
    ("kejadian", {"description": ""}, "description", None),
    ("kejadian", {"description": "x" * 4001}, "description", "x" * 50),
    ("identitas", {"phone": "12345"}, "phone", "12345"),
    ("identitas", {"email": "siti@@example"}, "email", "siti@@example"),
    ("identitas", {"nik": "31740112"}, "nik", "31740112"),
    ("identitas", {"consent": None}, "consent", None),
]


@pytest.mark.parametrize("step,bad,field,kept", BAD_INPUTS, ids=[f"{s}-{f}" for s, _, f, _ in BAD_INPUTS])
def test_bad_input_is_refused_on_the_same_screen_in_indonesian(app, flow, step, bad, field, kept):
    flow.start()
    for earlier in ("kategori", "lokasi", "kejadian", "identitas"):
        if earlier == step:
            break
        flow.answer(earlier)
    page = flow.answer(step, **bad)
    assert page.status == 422
    assert "Mohon periksa jawaban Anda" in page.html  # the error summary, in Indonesian
    assert 'aria-invalid="true"' in page.html
    if kept:
        assert kept in page.html  # what was typed is still there
    if step == "identitas":
        assert "Siti Rahayu" in page.html  # other answers on the screen are kept too
    assert complaints(app) == 0


def test_messages_switch_to_english(flow, client):
    flow.start()
    client.post("/bahasa", data={"lang": "en", "next": "/k/tebet-timur/kategori", "csrf_token": flow.token})
    page = flow.answer("kategori", category="NOPE")
    assert page.status == 422 and "Please check your answer" in page.html


def _photo(fmt="JPEG", size=(120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def test_photo_is_reencoded_and_stored_with_the_complaint(app, flow):
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    page = flow.answer("kejadian", photo=(io.BytesIO(_photo("PNG")), "foto.png"))
    assert page.status == 303
    flow.answer("identitas")
    flow.submit()
    with app.app_context():
        photo = db.session.execute(select(ComplaintPhoto)).scalar_one()
        assert photo.mime == "image/jpeg" and photo.data[:2] == b"\xff\xd8"


@pytest.mark.parametrize("upload,name", [
    (b"%PDF-1.7 this is a document", "surat.pdf"),
    (b"GIF89a" + b"\0" * 100, "gambar.gif"),
])
def test_non_image_upload_is_refused_with_the_description_kept(app, flow, upload, name):
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    page = flow.answer("kejadian", photo=(io.BytesIO(upload), name))
    assert page.status == 422
    assert "foto JPEG, PNG, atau WebP" in page.html
    assert GOOD["description"] in page.html


def test_too_large_photo_is_refused_with_the_description_kept(app, flow):
    app.config["PHOTO_MAX_BYTES"] = 50_000
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    big = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(big, format="PNG")
    assert len(big.getvalue()) > 50_000
    big.seek(0)
    page = flow.answer("kejadian", photo=(big, "besar.png"))
    assert page.status == 422
    assert GOOD["description"] in page.html


def test_request_larger_than_the_hard_cap_gets_a_413_page(app, flow):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    page = flow.answer("kejadian", photo=(io.BytesIO(b"\xff" * 20_000), "besar.jpg"))
    assert page.status == 413
    assert "terlalu besar" in page.html


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_csrf_is_enforced_and_the_typed_answer_kept(app, flow, token):
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    flow.get("/kejadian")
    data = {"description": "Saluran air tersumbat sampah plastik sejak kemarin."}
    if token:
        data["csrf_token"] = token
    page = flow.post("/kejadian", data, with_token=False)
    assert page.status == 400
    assert "Saluran air tersumbat sampah plastik" in page.html
    with app.app_context():
        draft = db.session.execute(select(Draft)).scalar_one()
        assert "description" not in draft.data  # nothing saved from a forged request


def test_csrf_is_enforced_on_submit_and_start(app, flow):
    flow.fill_all()
    review = flow.get("/periksa")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.html).group(1)
    assert flow.post("/kirim", {"idempotency_key": key, "csrf_token": "forged"}).status == 400
    assert complaints(app) == 0
    assert flow.post("/mulai", {"csrf_token": "forged"}).status == 400


_NEXT = re.compile(r'name="next" value="([^"]+)"')


def _switch_language(client, html: str, lang: str):
    """Tap the language button of a page: POST /bahasa with the page's own
    `next`, then follow the redirects as a browser does."""
    next_url = _NEXT.search(html).group(1)
    return client.post("/bahasa", data={"lang": lang, "next": next_url, "csrf_token": csrf_token(html)},
                       follow_redirects=True)


@pytest.mark.parametrize("base", ["/k/tebet-timur", "/lapor"])
def test_the_language_switch_on_a_receipt_shows_the_same_receipt(flow, client, base):
    # The receipt is the answer to POST /kirim, so its language button named
    # /kirim, an address that took only a POST: the switch ended on a 405.
    flow.at(base).fill_all()
    receipt = flow.submit()
    assert receipt.status == 200
    answer = _switch_language(client, receipt.html, "en")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html[:500]
    assert receipt_number(html) == receipt_number(receipt.html) and "What happens next" in html


def test_the_language_switch_on_a_refused_start_shows_the_start(flow, client):
    flow.get("/")
    refused = flow.post("/mulai", {"csrf_token": "forged"})
    assert refused.status == 400
    answer = _switch_language(client, refused.html, "en")
    assert answer.status_code == 200 and "Start" in answer.get_data(as_text=True)


def test_screens_need_the_earlier_answers(flow):
    assert flow.get("/kategori").status == 302  # no draft: back to the start
    flow.start()
    page = flow.get("/identitas")
    assert page.status == 302 and page.location.endswith("/kategori")


def test_unknown_kiosk_is_404_in_indonesian(client):
    r = client.get("/k/tidak-ada/")
    assert r.status_code == 404 and "tidak dapat kami temukan" in r.get_data(as_text=True)


def test_reset_wipes_the_session_on_the_server_and_back_cannot_bring_it_back(app, flow):
    flow.fill_all()
    assert flow.get("/periksa").status == 200
    page = flow.post("/selesai", {})
    assert page.status == 303 and page.location.endswith("/k/tebet-timur/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    # What the back button would ask for: every screen now sends the user to the start.
    for path in ("/periksa", "/identitas", "/kejadian", "/tanda-terima"):
        page = flow.get(path)
        assert page.status == 302 and page.location.endswith("/k/tebet-timur/"), path
        assert GOOD["name"] not in page.html


def test_pages_are_never_cached_and_vary_on_htmx(client):
    r = client.get("/k/tebet-timur/")
    assert r.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in r.headers["Vary"]
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_htmx_requests_get_the_page_fragment_only(client, flow):
    flow.start()
    r = client.get("/k/tebet-timur/kategori", headers={"HX-Request": "true", "HX-Boosted": "true"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="page"' in html and "<html" not in html


def test_front_page_links_every_kiosk_and_the_phone_flow(client):
    html = client.get("/").get_data(as_text=True)
    for code in ("walikota-lobi", "tebet", "tebet-timur", "cilandak-barat"):
        assert f'href="/k/{code}/"' in html
    assert 'href="/lapor/"' in html


def test_officers_find_the_console_on_the_front_page_but_never_on_a_kiosk(client):
    assert 'href="/petugas/masuk"' in client.get("/").get_data(as_text=True)
    assert "/petugas" not in client.get("/k/tebet-timur/").get_data(as_text=True)


def test_no_asset_comes_from_another_host(client, flow):
    flow.start()
    for path in ("/", "/k/tebet-timur/", "/k/tebet-timur/kategori", "/lacak/"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html), path


def test_anonymous_ignores_what_was_typed_in_the_hidden_contact_fields(app, flow):
    flow.start()
    for step in ("kategori", "lokasi", "kejadian"):
        flow.answer(step)
    page = flow.answer("identitas", identity="anonymous", email="bukan-email", nik="12")
    assert page.status == 303
    flow.submit()
    with app.app_context():
        c = db.session.execute(select(Complaint)).scalar_one()
        assert c.identity == "anonymous" and c.reporter_email is None and c.reporter_name is None


def test_line_breaks_count_once_toward_the_length_limit(app, flow, monkeypatch):
    monkeypatch.setitem(app.config, "DESCRIPTION_MAX_CHARS", 100)  # the app outlives this test
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    text = "\r\n".join(["a" * 9] * 10)  # 108 characters as sent, 99 as written
    assert len(text) == 108 and len(text.replace("\r\n", "\n")) == 99
    assert flow.answer("kejadian", description=text).status == 303


@pytest.mark.parametrize("moment,open_,notice", [
    ((2026, 11, 28, 10, 0), False, "Senin, 30 November 2026, 07.30 WIB"),  # a Saturday
    ((2026, 12, 24, 10, 0), False, "Senin, 28 Desember 2026, 07.30 WIB"),  # cuti bersama, then Christmas
    ((2026, 11, 30, 9, 0), True, None),  # Monday morning
])
def test_office_hours_notice_and_record(app, flow, monkeypatch, moment, open_, notice):
    """Outside office hours the report is still taken and the next working day named."""
    from datetime import datetime

    from backend.workdays import WIB

    now = datetime(*moment, tzinfo=WIB)
    monkeypatch.setattr("kiosk.intake.views.utcnow", lambda: now)
    monkeypatch.setattr("backend.intake.utcnow", lambda: now)
    html = flow.get("/").html
    if notice:
        assert notice in html
    else:
        assert "hari kerja berikutnya" not in html
    flow.file_complaint()
    with app.app_context():
        assert db.session.execute(select(Complaint.in_office_hours)).scalar_one() is open_


# --- GET /lapor/: the phone's app shell (kiosk/templates/intake/shell.html) ------

def _shell_data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="shell-data">(.*?)</script>', html, re.S).group(1))


def test_phone_start_is_the_app_shell_with_nothing_of_a_session(client):
    r = client.get("/lapor/")
    html = r.get_data(as_text=True)
    # The service worker keeps this page: no cookie set, no CSRF token, no draft.
    assert r.status_code == 200 and "Set-Cookie" not in r.headers and "csrf_token" not in html
    for step in ("start", "category", "location", "description", "identity", "review", "queued", "delivered"):
        assert f'data-step="{step}"' in html
    # The server flow's own partials and messages.
    assert 'name="category" value="JALAN_RUSAK"' in html and 'id="kelurahan"' in html and 'id="consent"' in html
    data = _shell_data(html)
    assert data["kind"] == "phone" and data["urls"]["submit"] == "/api/v1/laporan"
    assert data["messages"]["consent"].startswith("Mohon")
    assert data["kelurahan"]["0101"] == ["Kelurahan Tebet Timur", "Kecamatan Tebet"]


def test_phone_shell_keeps_the_office_preset_and_speaks_english_on_request(client):
    html = client.get("/lapor/?kantor=0101").get_data(as_text=True)
    assert _shell_data(html)["office"] == "0101" and 'action="/lapor/mulai?kantor=0101"' in html
    english = client.get("/lapor/?lang=en").get_data(as_text=True)
    assert "Start reporting" in english and _shell_data(english)["lang"] == "en"
    # A boosted link: a full page load, so that the shell gets its scripts.
    assert client.get("/lapor/", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/lapor/"


def test_without_a_script_the_shell_starts_the_server_flow(app, flow):
    flow.at("/lapor")
    page = flow.post("/mulai", {}, with_token=False)  # the shell has no token to send
    assert page.status == 303 and page.location.endswith("/lapor/kategori")
    assert flow.get("/kategori").status == 200


def test_kiosk_offline_shell_holds_a_receipt_to_fill_and_nothing_of_a_session(client):
    r = client.get("/k/tebet-timur/luring/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers and "csrf_token" not in html
    assert 'id="receipt-template"' in html and "[[n1]]" in html and "data-receipt-qr" in html
    assert 'data-idle-reset="local"' in html  # the idle reset wipes the page, not a session
    data = _shell_data(html)
    assert data["kind"] == "kiosk" and data["default_kelurahan"] == "0101"
    assert data["urls"]["submit"] == "/k/tebet-timur/api/laporan"
    assert client.get("/lapor/luring/").status_code == 404


def test_laporan_saya_is_a_page_without_any_complaint(client):
    r = client.get("/laporan-saya")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers and "csrf_token" not in html
    assert "data-mine-list" in html and "Laporan saya" in html


def test_the_workers_copy_of_the_shell_leaves_out_what_is_true_for_hours_only(app, client, monkeypatch):
    from datetime import datetime

    from backend.workdays import WIB

    monkeypatch.setattr("kiosk.intake.views.utcnow", lambda: datetime(2026, 11, 28, 10, 0, tzinfo=WIB))  # a Saturday
    kept = client.get("/lapor/").get_data(as_text=True)  # as the worker fetches it: no cookie, no navigation
    assert "hari kerja berikutnya" not in kept
    shown = client.get("/lapor/", headers={"Sec-Fetch-Mode": "navigate"}).get_data(as_text=True)
    assert "hari kerja berikutnya" in shown and 'data-valid-until="2026-11-30T07:30:00+07:00"' in shown



def test_a_nik_pasted_with_spaces_fits_the_field_and_is_kept_as_digits(app, flow):
    flow.start()
    for step in ("kategori", "lokasi", "kejadian"):
        flow.answer(step)
    spaced = "3174 0112 3456 7890"
    field = re.search(r'<input[^>]*name="nik"[^>]*>', flow.get("/identitas").html).group(0)
    assert int(re.search(r'maxlength="(\d+)"', field).group(1)) >= len(spaced)  # the browser would cut it short
    assert flow.answer("identitas", nik=spaced).status == 303
    with app.app_context():
        draft = db.session.scalars(select(Draft).order_by(Draft.updated_at.desc())).first()
        assert draft.data["nik"] == "3174011234567890"
