"""A citizen at a kiosk calls an officer (kiosk/devices/views.py call_officer,
backend/kiosks.py request_help): the kiosk's footer says the call is made, the
desk's queue page lists it for the kiosk's office until an officer answers it
(or starts assisted mode there) or it is too old; on both database lanes."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditLog, Kiosk, utcnow
from tests.flowdriver import csrf_token
from tests.officers import PIN, make_user, sign_in

CALL = "Panggil petugas"
WAITING = "Petugas sudah dipanggil. Mohon tunggu sebentar."


def _kiosk(app) -> Kiosk:
    with app.app_context():
        return db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()


def _call(flow, next_url="/k/tebet-timur/kategori", with_token=True):
    data = {"next": next_url}
    if with_token:
        data["csrf_token"] = flow.token
    return flow.client.post("/k/tebet-timur/panggil", data=data)


def _desk(app, username="ani.desk", office="0101"):
    with app.app_context():
        uid = make_user(username, "petugas", office)
    client = app.test_client()
    sign_in(app, client, uid)
    return client


def test_a_call_from_the_screen_keeps_the_answers_and_says_it_was_made(app, flow):
    flow.start()
    page = flow.get("/kategori")
    assert CALL in page.html and WAITING not in page.html
    r = _call(flow)
    assert r.status_code == 303 and r.headers["Location"] == "/k/tebet-timur/kategori"
    after = flow.get("/kategori")
    assert "Petugas sudah dipanggil ke kios ini" in after.html  # the flashed message
    assert WAITING in after.html and 'action="/k/tebet-timur/panggil"' not in after.html
    assert _kiosk(app).help_requested_at is not None
    # A second tap is the same call.
    first = _kiosk(app).help_requested_at
    _call(flow)
    assert _kiosk(app).help_requested_at == first
    with app.app_context():
        assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "kiosk_help_call")).all()) == 1


def test_without_its_token_the_call_is_not_made(app, flow):
    flow.start()
    flow.get("/kategori")
    r = _call(flow, with_token=False)
    assert r.status_code == 400 and "Silakan kembali ke awal" in r.get_data(as_text=True)
    assert _kiosk(app).help_requested_at is None


def test_phones_and_the_offline_page_have_no_call_button(client):
    assert CALL not in client.get("/lapor/").get_data(as_text=True)
    assert CALL not in client.get("/k/tebet-timur/luring/").get_data(as_text=True)


def test_the_desk_of_the_kiosks_office_sees_the_call_and_answers_it(app, flow):
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    desk = _desk(app)
    queue = desk.get("/petugas/").get_data(as_text=True)
    kiosk_id = _kiosk(app).id
    assert f'data-help-call="{kiosk_id}"' in queue and "menunggu bantuan petugas" in queue
    assert f'data-help-calls="{kiosk_id}"' in queue
    assert desk.get("/petugas/kios/panggilan.json").get_json() == {"calls": [kiosk_id]}
    # Another kelurahan's desk does not.
    other = _desk(app, "budi.desk", "0102")
    assert "menunggu bantuan petugas" not in other.get("/petugas/").get_data(as_text=True)
    assert other.get("/petugas/kios/panggilan.json").get_json() == {"calls": []}
    assert other.post(f"/petugas/kios/{kiosk_id}/panggilan",
                      data={"csrf_token": csrf_token(other.get("/petugas/").get_data(as_text=True))}).status_code == 403

    r = desk.post(f"/petugas/kios/{kiosk_id}/panggilan", data={"csrf_token": csrf_token(queue)})
    assert r.status_code == 303
    after = desk.get("/petugas/").get_data(as_text=True)
    assert "menunggu Anda" in after and f'data-help-call="{kiosk_id}"' not in after
    assert desk.get("/petugas/kios/panggilan.json").get_json() == {"calls": []}
    assert _kiosk(app).help_requested_at is None
    assert CALL in flow.get("/").html  # the kiosk can call again
    with app.app_context():
        assert db.session.scalars(select(AuditLog).where(AuditLog.action == "kiosk_help_answered")).one()


def test_an_old_call_is_no_longer_listed(app, flow):
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
        kiosk.help_requested_at = utcnow() - timedelta(minutes=app.config["KIOSK_HELP_CALL_MINUTES"] + 1)
        db.session.commit()
    assert _desk(app).get("/petugas/kios/panggilan.json").get_json() == {"calls": []}
    assert CALL in flow.get("/").html


def test_an_officer_starting_assisted_mode_there_answers_the_call(app, flow):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    flow.get("/bantuan")
    assert flow.post("/bantuan", {"username": "budi", "pin": PIN}).status == 303
    assert _kiosk(app).help_requested_at is None
    assert CALL not in flow.get("/").html  # assisted mode: the officer is there


def test_a_kiosk_out_of_service_offers_no_call(app, client):
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
        kiosk.active = False
        db.session.commit()
    page = client.get("/k/tebet-timur/")
    assert page.status_code == 503 and CALL not in page.get_data(as_text=True)


def test_the_next_citizen_finds_the_button_while_the_desk_keeps_the_call(app, flow):
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    assert WAITING in flow.get("/").html
    flow.post("/selesai", {})  # the citizen finishes (or the idle reset clears the session)
    page = flow.get("/")
    assert CALL in page.html and WAITING not in page.html
    assert _desk(app).get("/petugas/kios/panggilan.json").get_json() == {"calls": [_kiosk(app).id]}
