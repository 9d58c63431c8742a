"""A citizen's requests about their data in the officer console (UU 27/2022
Pasal 30, 32): correcting the reporter's data and erasing it, on both lanes."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from backend import intake, privacy, retention, validation
from backend.extensions import db
from backend.models import AuditLog, Complaint, ComplaintPhoto
from backend.photos import CleanPhoto
from tests.officers import csrf_token, make_user, sign_in

PERSONAL = ("Siti Rahayu", "+6281234567890", "siti@example.id", "3174011234567890")
NOTE = "Di loket, 3 Maret 2027, KTP ditunjukkan"


def file(app, key: str, *, identity: str = "named", photo: bool = True) -> str:
    with app.app_context():
        return intake.submit(intake.IntakeRequest(
            idempotency_key=key, channel="kiosk", category_code="JALAN_RUSAK", kelurahan_code="0101",
            description="Lubang besar di tengah jalan sejak minggu lalu.", identity=identity, consent=True,
            name="Siti Rahayu", phone="0812 3456 7890", email="siti@example.id", nik="3174011234567890",
            kiosk_code="tebet-timur",
            photo=CleanPhoto(data=b"\x89PNG fake", mime="image/png", width=4, height=3) if photo else None,
        )).complaint.number


def stored(app, number: str) -> Complaint:
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        db.session.expunge(c)
        return c


def reporter(app, number: str) -> tuple:
    c = stored(app, number)
    return tuple(getattr(c, col) for col in privacy.COLUMNS)


def in_indonesian(app, message) -> str:
    with app.test_request_context(), force_locale("id"):
        return str(message)


def audit(app, action: str | None = None) -> list[tuple]:
    with app.app_context():
        query = (select(AuditLog.action, AuditLog.user_id, AuditLog.complaint_number, AuditLog.detail)
                 .order_by(AuditLog.id))
        if action:
            query = query.where(AuditLog.action == action)
        return [tuple(r) for r in db.session.execute(query)]


@pytest.fixture
def desk(app, client):
    """A petugas of Kelurahan Tebet Timur signed in, and a named complaint of that office with a photo."""
    with app.app_context():
        uid = make_user("budi", "petugas", "0101", phone="0811 1111 2222", email="budi@kelurahan.example")
    sign_in(app, client, uid)
    number = file(app, "privacy-1")
    return uid, number


def token(client, number: str) -> str:
    page = client.get(f"/petugas/aduan/{number}")
    assert page.status_code == 200
    return csrf_token(page.get_data(as_text=True))


def correct(client, number, **values):
    data = {"name": "Siti Rahayu", "phone": "+6281234567890", "email": "siti@example.id", "nik": "3174011234567890"}
    data.update(values)
    data.setdefault("csrf_token", token(client, number))
    return client.post(f"/petugas/aduan/{number}/data-pelapor", data=data)


def erase(client, number, note=NOTE, **extra):
    data = {"note": note, **extra}
    data.setdefault("csrf_token", token(client, number))
    return client.post(f"/petugas/aduan/{number}/hapus-data-pelapor", data=data)


# --- correcting ------------------------------------------------------------------

def test_the_detail_page_offers_both_requests(app, client, desk):
    _uid, number = desk
    html = client.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert "Perbaiki data pelapor" in html and "Hapus data pribadi pelapor" in html
    assert 'value="Siti Rahayu"' in html and 'value="+6281234567890"' in html  # the form starts from what is kept


def test_a_correction_is_saved_and_audited_without_the_values(app, client, desk):
    uid, number = desk
    r = correct(client, number, name="Siti R. Rahayu", phone="0813-1111-3333", nik="")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/petugas/aduan/{number}")
    assert reporter(app, number) == ("Siti R. Rahayu", "+6281311113333", "siti@example.id", None)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Data pelapor pengaduan" in page and "telah diperbaiki" in page
    [row] = audit(app, "privacy.correct")
    assert row == ("privacy.correct", uid, number, "changed: name, phone, nik")
    for _action, _uid, _number, detail in audit(app):
        assert not any(v in (detail or "") for v in (*PERSONAL, "Siti R. Rahayu", "+6281311113333"))


def test_a_correction_that_changes_nothing_writes_nothing(app, client, desk):
    _uid, number = desk
    r = correct(client, number, phone="0812 3456 7890")  # the same number, written another way
    assert r.status_code == 303
    assert reporter(app, number) == PERSONAL
    assert audit(app, "privacy.correct") == []


BAD = [
    ("phone", "123", validation.phone),
    ("email", "siti@", validation.email),
    ("nik", "31740112", validation.nik),
    ("name", "S" * (validation.NAME_MAX + 1), lambda v: validation.text(v, required=False,
                                                                         max_chars=validation.NAME_MAX)),
]


@pytest.mark.parametrize("field,typed,check", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_the_typed_values_kept(app, client, desk, field, typed, check):
    _uid, number = desk
    others = {"name": "Siti Rahayu Baru", "phone": "0813 9999 0000", "email": "baru@example.id", "nik": ""}
    r = correct(client, number, **{**others, field: typed})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    with pytest.raises(validation.Invalid) as err:
        check(typed)
    assert in_indonesian(app, err.value.message) in html
    for name, value in {**others, field: typed}.items():
        if value:
            assert f'value="{value}"' in html, name
    assert re.search(r'<details class="privacy-action[^"]*" open>\s*<summary>Perbaiki data pelapor', html)
    assert reporter(app, number) == PERSONAL
    assert audit(app, "privacy.correct") == []


def test_the_officers_own_phone_is_refused_as_the_citizens(app, client, desk):
    uid, number = desk
    r = correct(client, number, phone="0811-1111-2222")
    assert r.status_code == 422
    with app.test_request_context(), force_locale("id"):
        errors = {}
        intake.check_reporter(errors, {"phone": "0811-1111-2222"}, officer_id=uid)
        expected = str(errors["phone"])
    assert expected in r.get_data(as_text=True)
    assert 'value="0811-1111-2222"' in r.get_data(as_text=True)
    assert reporter(app, number) == PERSONAL


def test_messages_follow_the_officers_language(app, client, desk):
    _uid, number = desk
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    r = correct(client, number, email="siti@")
    assert r.status_code == 422
    assert "This email address is not complete" in r.get_data(as_text=True)


def test_a_correction_needs_the_csrf_token(app, client, desk):
    _uid, number = desk
    r = correct(client, number, name="Orang Lain", csrf_token="")
    assert r.status_code == 400
    assert reporter(app, number) == PERSONAL


def test_a_role_without_the_permission_is_refused(app, desk):
    _uid, number = desk
    monitor = app.test_client()
    with app.app_context():
        uid = make_user("mona", "monitor")
    sign_in(app, monitor, uid)
    page = monitor.get(f"/petugas/aduan/{number}")
    assert page.status_code == 200 and "Perbaiki data pelapor" not in page.get_data(as_text=True)
    tok = csrf_token(page.get_data(as_text=True))
    assert monitor.post(f"/petugas/aduan/{number}/data-pelapor",
                        data={"name": "X", "csrf_token": tok}).status_code == 403
    assert monitor.post(f"/petugas/aduan/{number}/hapus-data-pelapor",
                        data={"note": NOTE, "csrf_token": tok}).status_code == 403
    assert reporter(app, number) == PERSONAL


def test_an_officer_of_another_office_is_refused(app, desk):
    _uid, number = desk
    other = app.test_client()
    with app.app_context():
        uid = make_user("andi", "petugas", "0601")
    sign_in(app, other, uid)
    assert other.get(f"/petugas/aduan/{number}").status_code == 403  # as the detail page itself
    tok = csrf_token(other.get("/petugas/akun").get_data(as_text=True))
    assert other.post(f"/petugas/aduan/{number}/data-pelapor",
                      data={"name": "X", "csrf_token": tok}).status_code == 403
    assert other.post(f"/petugas/aduan/{number}/hapus-data-pelapor",
                      data={"note": NOTE, "csrf_token": tok}).status_code == 403
    assert reporter(app, number) == PERSONAL and stored(app, number).personal_data_erased_at is None


def test_an_anonymous_complaint_has_nothing_to_correct(app, client, desk):
    number = file(app, "privacy-anon", identity="anonymous")
    html = client.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert "Perbaiki data pelapor" not in html and "Hapus data pribadi pelapor" in html
    r = correct(client, number, name="Siti")
    assert r.status_code == 409
    assert in_indonesian(app, privacy.ANONYMOUS) in r.get_data(as_text=True)
    assert reporter(app, number) == (None,) * 4


# --- erasing ---------------------------------------------------------------------

@pytest.mark.parametrize("note", ["", "   ", "x" * (retention.NOTE_MAX + 1)], ids=["empty", "blank", "too-long"])
def test_an_erasure_needs_a_note_of_at_most_200_characters(app, client, desk, note):
    _uid, number = desk
    r = erase(client, number, note=note)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    if note.strip():
        with pytest.raises(validation.Invalid) as err:
            validation.text(note, required=True, max_chars=retention.NOTE_MAX)
        expected = in_indonesian(app, err.value.message)
    else:
        expected = "Tuliskan bagaimana dan kapan warga meminta datanya dihapus."
    assert expected in html
    assert re.search(r'<details class="privacy-action[^"]*" open>\s*<summary>Hapus data pribadi pelapor', html)
    assert reporter(app, number) == PERSONAL and stored(app, number).personal_data_erased_at is None


def test_an_erasure_removes_the_data_and_the_page_says_so(app, client, desk):
    uid, number = desk
    r = erase(client, number)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/petugas/aduan/{number}")
    c = stored(app, number)
    assert reporter(app, number) == (None,) * 4
    assert c.personal_data_erased_reason == "request" and c.personal_data_erased_at is not None
    with app.app_context():
        assert db.session.get(ComplaintPhoto, c.id) is None
    assert c.description and c.identity == "named" and c.status == "submitted"  # the record stays
    html = client.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert 'data-erased="request"' in html and "atas permintaan warga" in html
    assert "Siti" not in html and "3456" not in html and "siti@" not in html and "31740112" not in html
    assert "Perbaiki data pelapor" not in html and "Hapus data pribadi pelapor" not in html
    assert client.get(f"/petugas/aduan/{number}/foto").status_code == 404
    [row] = audit(app, "privacy.erase")
    assert row == ("privacy.erase", uid, number, NOTE)
    for _action, _uid, _number, detail in audit(app):
        assert not any(v in (detail or "") for v in PERSONAL)


def test_after_an_erasure_correcting_or_erasing_again_is_refused(app, client, desk):
    _uid, number = desk
    tok = token(client, number)
    assert erase(client, number, csrf_token=tok).status_code == 303
    r = correct(client, number, name="Siti Rahayu", csrf_token=tok)
    assert r.status_code == 409
    assert in_indonesian(app, privacy.ERASED) in r.get_data(as_text=True)
    r = erase(client, number, csrf_token=tok)
    assert r.status_code == 409
    assert in_indonesian(app, retention.ALREADY_ERASED) in r.get_data(as_text=True)
    assert reporter(app, number) == (None,) * 4
    assert len(audit(app, "privacy.erase")) == 1 and audit(app, "privacy.correct") == []


def test_the_notice_names_the_retention_period(app, client, desk):
    _uid, number = desk
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        retention.erase_on_request(c, None, "x")  # then relabel it as a retention erasure
        db.session.execute(update(Complaint).where(Complaint.number == number)
                           .values(personal_data_erased_reason="retention"))
        db.session.commit()
    html = client.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert 'data-erased="retention"' in html and "masa penyimpanannya berakhir" in html
