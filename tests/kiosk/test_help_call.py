"""A citizen at a kiosk calls an officer (kiosk/devices/views.py call_officer,
backend/kiosks.py request_help): the kiosk's footer says the call is made, the
desk's queue page lists it for the kiosk's office until an officer answers it
(or starts assisted mode there) or it is too old; on both database lanes."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditLog, Kiosk, KioskHelpCall, utcnow
from tests.flowdriver import FlowDriver, csrf_token
from tests.officers import PIN, make_user, sign_in

CALL = "Panggil petugas"
WAITING = "Petugas sudah dipanggil. Mohon tunggu sebentar."
COMING = "Petugas sedang menuju ke kios ini. Mohon tunggu di sini."


def _kiosk(app) -> Kiosk:
    with app.app_context():
        return db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()


def _calls(app) -> list[KioskHelpCall]:
    """The kiosk's calls, oldest first."""
    with app.app_context():
        kiosk_id = _kiosk(app).id
        return db.session.scalars(select(KioskHelpCall).filter_by(kiosk_id=kiosk_id)
                                  .order_by(KioskHelpCall.id)).all()


def _waiting(app) -> bool:
    return any(c.answered_at is None for c in _calls(app))


def _age(app, **fields) -> None:
    """Move the kiosk's calls' times back by KIOSK_HELP_CALL_MINUTES and a minute."""
    with app.app_context():
        back = timedelta(minutes=app.config["KIOSK_HELP_CALL_MINUTES"] + 1)
        for call in db.session.scalars(select(KioskHelpCall)):
            for name in fields:
                setattr(call, name, getattr(call, name) - back)
        db.session.commit()


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
    assert _waiting(app)
    # A second tap is the same call.
    _call(flow)
    assert len(_calls(app)) == 1
    with app.app_context():
        assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "kiosk_help_call")).all()) == 1


def test_without_its_token_the_call_is_not_made(app, flow):
    flow.start()
    flow.get("/kategori")
    r = _call(flow, with_token=False)
    assert r.status_code == 400 and "Silakan kembali ke awal" in r.get_data(as_text=True)
    assert _calls(app) == []


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
    assert "<title>(1) Panggilan dari kios · Pengaduan" in queue  # seen from another window too
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
    assert "<title>Pengaduan ·" in after
    assert desk.get("/petugas/kios/panggilan.json").get_json() == {"calls": []}
    [call] = _calls(app)
    assert call.answered_at is not None and call.answered_how == "desk" and call.answered_by_id is not None
    # A second officer, a moment later, is told.
    r = desk.post(f"/petugas/kios/{kiosk_id}/panggilan", data={"csrf_token": csrf_token(after)})
    assert "sudah dijawab petugas lain" in desk.get(r.headers["Location"]).get_data(as_text=True)
    # The caller's screen says an officer is on the way; the next citizen can call again.
    page = flow.get("/")
    assert COMING in page.html and CALL not in page.html
    assert CALL in FlowDriver(app.test_client()).get("/").html
    with app.app_context():
        assert db.session.scalars(select(AuditLog).where(AuditLog.action == "kiosk_help_answered")).one()


def test_an_old_call_is_no_longer_listed(app, flow):
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    _age(app, requested_at=True)
    assert _desk(app).get("/petugas/kios/panggilan.json").get_json() == {"calls": []}
    assert CALL in flow.get("/").html


def test_an_officer_starting_assisted_mode_there_answers_the_call(app, flow):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    flow.get("/bantuan")
    assert flow.post("/bantuan", {"username": "budi", "pin": PIN}).status == 303
    [call] = _calls(app)
    assert call.answered_how == "assisted" and call.answered_at is not None
    assert CALL not in flow.get("/").html  # assisted mode: the officer is there
    flow.post("/bantuan/selesai", {})
    page = flow.get("/")  # the next citizen: the button, not "on the way"
    assert CALL in page.html and COMING not in page.html


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


def _answer(app, desk):
    kiosk_id = _kiosk(app).id
    queue = desk.get("/petugas/").get_data(as_text=True)
    assert desk.post(f"/petugas/kios/{kiosk_id}/panggilan", data={"csrf_token": csrf_token(queue)}).status_code == 303


def _poll(flow, on="/k/tebet-timur/kejadian"):
    return flow.client.get("/k/tebet-timur/panggil",
                           headers={"HX-Request": "true", "HX-Current-URL": "http://kios.example" + on})


def test_the_callers_screen_asks_until_an_officer_answers_then_says_one_is_coming(app, flow):
    flow.get("/")
    assert _poll(flow).get_data(as_text=True).count('action="/k/tebet-timur/panggil"') == 1  # no call: the button
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    waiting = flow.get("/").html
    assert WAITING in waiting and 'hx-get="/k/tebet-timur/panggil"' in waiting and f'hx-trigger="every {app.config["KIOSK_HELP_POLL_SECONDS"]}s"' in waiting
    r = _poll(flow)
    assert r.status_code == 204  # nothing changed: htmx leaves the footer as it is
    _answer(app, _desk(app))
    r = _poll(flow)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and COMING in html and "hx-get" not in html and "data-help-call" in html
    # A citizen who did not call never hears of it.
    other = FlowDriver(app.test_client())
    other.get("/")
    assert COMING not in other.get("/").html and CALL in _poll(other).get_data(as_text=True)


def test_an_officer_who_never_came_leaves_the_button_again(app, flow):
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    _answer(app, _desk(app))
    _age(app, answered_at=True)
    html = _poll(flow, on="/k/tebet-timur/kejadian?from=review").get_data(as_text=True)
    # The button again, leading back to the screen the citizen is on (not to this address).
    assert CALL in html and COMING not in html
    assert 'name="next" value="/k/tebet-timur/kejadian?from=review"' in html
    assert CALL in flow.get("/").html


def test_an_answer_to_an_earlier_call_is_not_this_citizens(app, flow):
    flow.get("/")
    _call(flow, "/k/tebet-timur/")
    _answer(app, _desk(app))
    flow.post("/selesai", {})
    nxt = FlowDriver(app.test_client())
    nxt.get("/")
    nxt.post("/panggil", {"next": "/k/tebet-timur/"})
    page = nxt.get("/")
    assert WAITING in page.html and COMING not in page.html  # a new call, not yet answered


def test_while_the_caller_waits_the_screen_waits_longer_before_clearing(app, flow):
    flow.start()
    assert f'data-idle-seconds="{app.config["KIOSK_IDLE_SECONDS"]}"' in flow.get("/kategori").html
    _call(flow)
    assert f'data-idle-seconds="{app.config["KIOSK_HELP_IDLE_SECONDS"]}"' in flow.get("/kategori").html
    _answer(app, _desk(app))
    assert f'data-idle-seconds="{app.config["KIOSK_HELP_IDLE_SECONDS"]}"' in flow.get("/kategori").html  # on the way
    flow.post("/selesai", {})
    flow.start()
    assert f'data-idle-seconds="{app.config["KIOSK_IDLE_SECONDS"]}"' in flow.get("/kategori").html


def test_a_session_value_that_is_no_call_shows_the_button(app, flow):
    flow.get("/")
    for value in (True, 10**30, -5, 987654321):  # none of them a call's id (10**30 is no BIGINT either)
        with flow.client.session_transaction() as s:
            s["help_call"] = value
        page = flow.get("/")
        assert page.status == 200 and CALL in page.html, value
        assert _poll(flow).status_code == 200


def test_migration_0016_moves_a_waiting_call_and_back(lane, tmp_path):
    """0015 kept the waiting call in kiosks.help_requested_at; 0016 moves it to
    kiosk_help_calls, and its downgrade puts the one still waiting back."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from tests.conftest import scratch_app

    with scratch_app(lane, tmp_path) as app:
        with app.app_context():
            db.session.remove()
            downgrade(revision="0015")
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE kiosks SET help_requested_at = :at WHERE code = 'tebet-timur'"),
                             {"at": utcnow()})
            upgrade()
            assert "help_requested_at" not in {c["name"] for c in inspect(db.engine).get_columns("kiosks")}
            kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
            [call] = db.session.scalars(select(KioskHelpCall)).all()
            assert call.kiosk_id == kiosk.id and call.answered_at is None
            db.session.remove()
            downgrade(revision="0015")
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM kiosks WHERE help_requested_at IS NOT NULL")).scalar() == 1
            upgrade()
