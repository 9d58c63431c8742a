"""A kiosk's photo, sent from the citizen's phone (kiosk/handoff, backend/drafts.py
photo_handoff), on both database lanes: the kiosk's screen has a QR code and no
file picker; the phone's page takes one photo into that kiosk's draft, once,
within minutes, re-encoded; the kiosk's screen picks it up; the complaint keeps it."""
import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from backend.extensions import db
from backend.models import ComplaintPhoto, Draft, utcnow
from tests.flowdriver import FlowDriver, csrf_token
from tests.kiosk.test_api import jpeg_with_gps


def _to_description(flow) -> str:
    flow.start()
    flow.answer("kategori")
    flow.answer("lokasi")
    return flow.get("/kejadian").html


def _token(app) -> str:
    with app.app_context():
        draft = db.session.execute(select(Draft).where(Draft.photo_handoff.is_not(None))).scalar_one()
        assert draft.photo_handoff != draft.id  # never the kiosk session's own secret
        return draft.photo_handoff


def _send(phone, token: str, data: bytes, name: str = "foto.jpg", with_token: bool = True):
    page = phone.get(f"/foto-kios/{token}")
    form = {"photo": (io.BytesIO(data), name)}
    if with_token:
        form["csrf_token"] = csrf_token(page.get_data(as_text=True))
    return phone.post(f"/foto-kios/{token}", data=form, content_type="multipart/form-data")


def _draft_photo(app):
    with app.app_context():
        draft = db.session.execute(select(Draft).where(Draft.kiosk_id.is_not(None))).scalar_one()
        return draft.photo, draft.photo_mime


def test_the_kiosk_offers_a_qr_code_and_no_file_picker(app, flow):
    html = _to_description(flow)
    assert 'type="file"' not in html
    assert 'class="handoff"' in html and "<svg" in html.split('class="handoff__qr"')[1][:200]
    assert "Ada foto di ponsel Anda?" in html
    # Phones keep their file input (their own photos).
    phone = FlowDriver(app.test_client(), base="/lapor")
    phone.start()
    phone.answer("kategori")
    phone.answer("lokasi")
    assert 'type="file"' in phone.get("/kejadian").html


def test_a_photo_from_the_phone_reaches_the_kiosk_and_the_complaint(app, flow):
    _to_description(flow)
    token = _token(app)
    kiosk_poll = flow.client.get("/k/tebet-timur/foto-ponsel")
    assert kiosk_poll.status_code == 204  # nothing yet

    phone = app.test_client()
    page = phone.get(f"/foto-kios/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kelurahan Tebet Timur" in html
    r = _send(phone, token, jpeg_with_gps())
    assert r.status_code == 200 and "Foto terkirim" in r.get_data(as_text=True)
    data, mime = _draft_photo(app)
    assert mime == "image/jpeg" and b"PhoneMaker" not in data  # re-encoded: EXIF (GPS) gone

    kiosk_poll = flow.client.get("/k/tebet-timur/foto-ponsel")
    assert kiosk_poll.status_code == 200 and "handoff--done" in kiosk_poll.get_data(as_text=True)
    assert "handoff--done" in flow.get("/kejadian").html
    flow.answer("kejadian")
    flow.answer("identitas")
    assert flow.submit().status == 200
    with app.app_context():
        assert db.session.execute(select(ComplaintPhoto)).scalar_one().mime == "image/jpeg"


def test_a_code_works_once(app, flow):
    _to_description(flow)
    token = _token(app)
    phone = app.test_client()
    assert _send(phone, token, jpeg_with_gps()).status_code == 200
    again = phone.get(f"/foto-kios/{token}")
    assert again.status_code == 410
    assert "Kode ini sudah tidak berlaku" in again.get_data(as_text=True)


def test_an_old_code_no_longer_works_and_the_kiosk_gets_a_new_one(app, flow):
    _to_description(flow)
    token = _token(app)
    with app.app_context():
        draft = db.session.execute(select(Draft).where(Draft.photo_handoff == token)).scalar_one()
        draft.photo_handoff_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(f"/foto-kios/{token}").status_code == 410
    # The kiosk's screen, asking, gets a new code to show.
    poll = flow.client.get("/k/tebet-timur/foto-ponsel")
    assert poll.status_code == 200 and 'class="handoff"' in poll.get_data(as_text=True)
    assert _token(app) != token


def test_a_code_of_a_sent_report_no_longer_works(app, flow):
    _to_description(flow)
    token = _token(app)
    flow.answer("kejadian")
    flow.answer("identitas")
    assert flow.submit().status == 200
    assert app.test_client().get(f"/foto-kios/{token}").status_code == 410


def test_unknown_codes_are_gone(client):
    for token in ("x", "A" * 32, "A" * 200):
        assert client.get(f"/foto-kios/{token}").status_code == 410


def test_bad_uploads_are_refused_in_the_citizens_language_and_change_nothing(app, flow):
    _to_description(flow)
    token = _token(app)
    phone = app.test_client()
    r = _send(phone, token, b"%PDF-1.7 not a photo", "surat.pdf")
    assert r.status_code == 422 and "JPEG, PNG, atau WebP" in r.get_data(as_text=True)
    empty = phone.post(f"/foto-kios/{token}", data={"csrf_token": csrf_token(phone.get(f"/foto-kios/{token}").get_data(as_text=True))},
                       content_type="multipart/form-data")
    assert empty.status_code == 422 and "Pilih foto yang akan dikirim" in empty.get_data(as_text=True)
    assert _send(phone, token, jpeg_with_gps(), with_token=False).status_code == 400
    assert _draft_photo(app) == (None, None)
    # The code still works after a refusal.
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(out, format="PNG")
    assert _send(phone, token, out.getvalue(), "foto.png").status_code == 200


def test_phones_have_no_poll(client):
    assert client.get("/lapor/foto-ponsel").status_code == 404


def test_the_kiosk_takes_the_photo_off_at_once_and_shows_the_code_again(app, flow):
    html = _to_description(flow)
    _send(app.test_client(), _token(app), jpeg_with_gps())
    r = flow.client.post("/k/tebet-timur/foto-ponsel/hapus", data={"csrf_token": csrf_token(html)},
                         headers={"HX-Request": "true"})
    assert r.status_code == 200
    panel = r.get_data(as_text=True)
    assert 'class="handoff"' in panel and "handoff--done" not in panel and "<svg" in panel
    assert _draft_photo(app) == (None, None)
    # Without its token: refused, nothing changes.
    _send(app.test_client(), _token(app), jpeg_with_gps())
    assert flow.client.post("/k/tebet-timur/foto-ponsel/hapus").status_code == 400
    assert _draft_photo(app)[1] == "image/jpeg"
