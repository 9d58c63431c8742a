"""The officer console through the test client, on both database lanes:
login and sessions, throttling, scope and masking, audit, assisted intake,
CRM delivery, kiosks, roster, office hours, the CLI."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend import auth, intake, workdays
from backend.extensions import db
from backend.models import (
    AuditLog,
    Complaint,
    DutyDay,
    DutyOfficer,
    DutySection,
    HolidayOverride,
    Kiosk,
    OfficeHours,
    OfficerSession,
    OutboxItem,
    User,
    utcnow,
)
from backend.workdays import WIB
from tests.officers import PASSWORD, PIN, csrf_token, make_user, sign_in, token_from


def file(app, key: str, *, kiosk="tebet-timur", kelurahan="0101", **kw) -> str:
    with app.app_context():
        req = intake.IntakeRequest(
            idempotency_key=key, channel="kiosk", category_code="JALAN_RUSAK", kelurahan_code=kelurahan,
            description="Lubang besar di tengah jalan sejak minggu lalu.", identity=kw.pop("identity", "named"),
            consent=True, name=kw.pop("name", "Siti Rahayu"), phone=kw.pop("phone", "0812 3456 7890"),
            email=kw.pop("email", "siti@example.id"), nik=kw.pop("nik", "3174011234567890"), kiosk_code=kiosk, **kw)
        return intake.submit(req).complaint.number


def login_form(client, username, password):
    page = client.get("/petugas/masuk")
    return client.post("/petugas/masuk", data={"username": username, "password": password,
                                               "csrf_token": csrf_token(page.get_data(as_text=True))})


# --- login, sessions, throttling -------------------------------------------------

def test_login_and_logout_end_the_session_on_the_server(app, client):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    r = login_form(client, "Budi", PASSWORD)  # usernames are not case-sensitive
    assert r.status_code == 303 and r.headers["Location"].endswith("/petugas/")
    assert client.get("/petugas/").status_code == 200
    # A copy of the cookie, as a thief (or the browser's back button) would keep it.
    stolen = client.get_cookie("session").value
    token = token_from(client)
    r = client.post("/petugas/keluar", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith("/petugas/masuk")
    assert "Anda telah keluar" in client.get("/petugas/masuk").get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    r = thief.get("/petugas/")
    assert r.status_code == 302 and "/petugas/masuk" in r.headers["Location"]
    with app.app_context():
        row = db.session.scalars(select(OfficerSession)).one()
        assert row.end_reason == "logout" and row.ended_at is not None
        actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["login", "logout"]


def test_disabling_an_account_ends_its_sessions_at_once(app, client):
    with app.app_context():
        officer = make_user("budi", "petugas", "0101")
        admin = make_user("admin", "admin")
    sign_in(app, client, officer)
    assert client.get("/petugas/").status_code == 200
    boss = app.test_client()
    sign_in(app, boss, admin)
    r = boss.post(f"/petugas/admin/pengguna/{officer}/status", data={"active": "0", "csrf_token": token_from(boss)})
    assert r.status_code == 303
    r = client.get("/petugas/")
    assert r.status_code == 302 and "/petugas/masuk" in r.headers["Location"]
    assert "dinonaktifkan" in client.get(r.headers["Location"]).get_data(as_text=True)
    # ...and the password no longer opens it.
    assert login_form(app.test_client(), "budi", PASSWORD).status_code == 422


def test_disabling_from_the_cli_ends_sessions_too(app, client):
    with app.app_context():
        officer = make_user("budi", "petugas", "0101")
    sign_in(app, client, officer)
    result = app.test_cli_runner().invoke(args=["users", "disable", "budi"])
    assert result.exit_code == 0, result.output
    assert client.get("/petugas/").status_code == 302


def test_session_ends_after_30_idle_minutes(app, client, monkeypatch):
    with app.app_context():
        officer = make_user("budi", "petugas", "0101")
    sign_in(app, client, officer)
    assert client.get("/petugas/").status_code == 200
    later = utcnow() + timedelta(minutes=29)
    monkeypatch.setattr("backend.auth.utcnow", lambda: later)
    assert client.get("/petugas/").status_code == 200  # activity keeps it alive
    much_later = later + timedelta(minutes=31)
    monkeypatch.setattr("backend.auth.utcnow", lambda: much_later)
    r = client.get("/petugas/kios")
    assert r.status_code == 302 and "next=/petugas/kios" in r.headers["Location"]
    assert "30 menit" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    r = login_form(client, "budi", PASSWORD)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # True behind HTTPS (SESSION_COOKIE_SECURE=1)


def test_failed_logins_are_throttled_per_account(app, client):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    for _ in range(5):
        r = login_form(client, "budi", "salah sekali")
        assert r.status_code == 422
        assert "Nama pengguna atau kata sandi tidak benar" in r.get_data(as_text=True)
    r = login_form(client, "budi", PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in html and "WIB" in html
    # Another account from the same address is not locked by this one.
    with app.app_context():
        make_user("ani", "petugas", "0101")
    assert login_form(client, "ani", PASSWORD).status_code == 303


def test_failed_logins_are_throttled_per_address(app, client):
    for i in range(20):
        assert login_form(client, f"tebakan{i}", "salah sekali").status_code == 422
    with app.app_context():
        make_user("budi", "petugas", "0101")
    assert login_form(client, "budi", PASSWORD).status_code == 429
    # The same account from another address is fine.
    other = app.test_client()
    page = other.get("/petugas/masuk", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    r = other.post("/petugas/masuk", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                   data={"username": "budi", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert r.status_code == 303


def test_login_only_redirects_to_console_pages(app, client):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    page = client.get("/petugas/masuk?next=https://evil.example/")
    r = client.post("/petugas/masuk", data={"username": "budi", "password": PASSWORD, "next": "https://evil.example/",
                                            "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert r.headers["Location"].endswith("/petugas/")


def test_login_needs_a_csrf_token(app, client):
    with app.app_context():
        make_user("budi", "petugas", "0101")
    r = client.post("/petugas/masuk", data={"username": "budi", "password": PASSWORD})
    assert r.status_code == 400


# --- scope, masking, audit -------------------------------------------------------

def test_an_officer_sees_only_their_office_and_a_camat_the_kelurahan_under_it(app):
    ours = file(app, "k1")  # Tebet Timur (0101)
    theirs = file(app, "k2", kiosk="cilandak-barat", kelurahan="0601")
    with app.app_context():
        petugas = make_user("budi", "petugas", "0101")
        camat = make_user("camat.tebet", "pimpinan", "0100")
        monitor = make_user("monev", "monitor")
    officer = app.test_client()
    sign_in(app, officer, petugas)
    html = officer.get("/petugas/").get_data(as_text=True)
    assert ours in html and theirs not in html
    assert officer.get(f"/petugas/aduan/{theirs}").status_code == 403
    html = officer.get(f"/petugas/?q={theirs}").get_data(as_text=True)
    # The search box and the notice of where it was received (see the test below), never a row.
    assert html.count(theirs) == 2 and "data-elsewhere" in html and f">{theirs}<" not in html
    camat_client = app.test_client()
    sign_in(app, camat_client, camat)
    html = camat_client.get("/petugas/").get_data(as_text=True)
    assert ours in html and theirs not in html
    watcher = app.test_client()
    sign_in(app, watcher, monitor)
    html = watcher.get("/petugas/").get_data(as_text=True)
    assert ours in html and theirs in html


def test_personal_data_only_on_the_detail_page_masked_for_monitor_and_every_view_audited(app):
    number = file(app, "k1")
    with app.app_context():
        petugas = make_user("budi", "petugas", "0101")
        monitor = make_user("monev", "monitor")
    officer = app.test_client()
    sign_in(app, officer, petugas)
    queue = officer.get("/petugas/").get_data(as_text=True)
    assert "Siti Rahayu" not in queue and "S••• R•••••" in queue  # masked in the list
    detail = officer.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert "Siti Rahayu" in detail and "+6281234567890" in detail and "3174011234567890" in detail
    watcher = app.test_client()
    sign_in(app, watcher, monitor)
    masked = watcher.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert "Siti Rahayu" not in masked and "3174011234567890" not in masked and "+6281234567890" not in masked
    assert "3174••••••••7890" in masked
    with app.app_context():
        rows = db.session.execute(select(User.username, AuditLog.action, AuditLog.complaint_number)
                                  .join(User, User.id == AuditLog.user_id).order_by(AuditLog.id)).all()
    assert ("budi", "view_personal", number) in rows and ("monev", "view_masked", number) in rows


def test_export_has_no_personal_data_and_is_audited(app):
    number = file(app, "k1")
    with app.app_context():
        boss = make_user("camat.tebet", "pimpinan", "0100")
    client = app.test_client()
    sign_in(app, client, boss)
    r = client.get("/petugas/ekspor.csv?channel=kiosk")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.get_data(as_text=True)
    assert number in body and "Siti" not in body and "0812" not in body
    with app.app_context():
        row = db.session.scalars(select(AuditLog).filter_by(action="export")).one()
        assert "1 rows" in row.detail and "channel=kiosk" in row.detail


def test_queue_filters_and_search_by_crm_number(app):
    first = file(app, "k1")
    second = file(app, "k2")
    with app.app_context():
        complaint = db.session.execute(select(Complaint).filter_by(number=second)).scalar_one()
        complaint.crm_number = "JK2611280042"
        db.session.commit()
        petugas = make_user("budi", "petugas", "0101")
    client = app.test_client()
    sign_in(app, client, petugas)
    html = client.get("/petugas/?q=jk2611280042").get_data(as_text=True)
    assert second in html and first not in html
    html = client.get("/petugas/?q=" + first.replace("-", "")).get_data(as_text=True)
    assert first in html and f">{second}<" not in html
    today = utcnow().astimezone(WIB).date()
    html = client.get(f"/petugas/?date_from={today + timedelta(days=1)}").get_data(as_text=True)
    assert "Tidak ada pengaduan yang cocok" in html
    html = client.get("/petugas/?crm=pending&channel=kiosk&status=submitted&category=JALAN_RUSAK").get_data(as_text=True)
    assert first in html
    bad = client.get("/petugas/?q=0101-26-00042-7").get_data(as_text=True)  # a typo: the check digit is 8
    assert "bukan nomor pengaduan" in bad


def test_a_number_from_another_office_says_where_to_pass_a_data_request(app):
    # A citizen of Cilandak Barat brings a request about their data to Tebet Timur.
    theirs = file(app, "elsewhere-1", kiosk="cilandak-barat", kelurahan="0601", name="Rina Wulandari")
    ours = file(app, "elsewhere-2")
    with app.app_context():
        petugas = make_user("budi", "petugas", "0101")
        admin = make_user("adm", "admin", "0000")
    client = app.test_client()
    sign_in(app, client, petugas)
    html = client.get("/petugas/?q=" + theirs).get_data(as_text=True)
    assert "data-elsewhere" in html and "Kelurahan Cilandak Barat" in html and theirs in html
    assert "Rina" not in html and "Tidak ada pengaduan yang cocok" in html  # listed nowhere, no personal data
    assert client.get(f"/petugas/aduan/{theirs}").status_code == 403  # still outside this officer's scope
    html = client.get("/petugas/?q=" + ours).get_data(as_text=True)  # one of ours: listed, no notice
    assert ours in html and "data-elsewhere" not in html
    html = client.get("/petugas/?q=0601-26-99999").get_data(as_text=True)  # part of a number: a search, no notice
    assert "data-elsewhere" not in html
    other = app.test_client()
    sign_in(app, other, admin)
    html = other.get("/petugas/?q=" + theirs).get_data(as_text=True)  # the city's admin sees it listed
    assert f">{theirs}<" in html and "data-elsewhere" not in html


# --- assisted intake -------------------------------------------------------------

def _intake_form(client, **overrides):
    page = client.get("/petugas/aduan/baru").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": csrf_token(page), "idempotency_key": key, "channel": "telephone", "office": "0101",
        "category": "JALAN_RUSAK", "kelurahan": "0101", "address": "Jl. Tebet Raya 5", "rt": "", "rw": "",
        "description": "Penelepon melaporkan lubang besar di depan masjid.", "identity": "named",
        "name": "Pak Darto", "contact": "none", "phone": "", "email": "", "nik": "", "consent": "y",
    }
    data.update(overrides)
    return client.post("/petugas/aduan/baru", data=data)


@pytest.fixture
def desk(app):
    with app.app_context():
        uid = make_user("budi", "petugas", "0101", phone="0811 1111 2222", email="budi@tebet-timur.go.id",
                        full_name="Budi Santoso")
    client = app.test_client()
    sign_in(app, client, uid)
    return client, uid


def test_assisted_intake_with_no_contact_details(app, desk):
    client, uid = desk
    # The officer typed their own number first, then chose "no contact details": nothing is kept.
    r = _intake_form(client, contact="none", phone="0811 1111 2222", email="budi@tebet-timur.go.id")
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    number = re.search(r"/petugas/aduan/([\d-]+)", r.headers["Location"]).group(1)
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        assert (c.channel, c.officer_id, c.identity, c.reporter_name) == ("telephone", uid, "named", "Pak Darto")
        assert c.reporter_phone is None and c.reporter_email is None
        assert c.office.code == "0101" and c.kiosk_id is None
        assert db.session.scalars(select(AuditLog.action).filter_by(complaint_number=number)).first() == "intake"
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Tanpa kontak" in detail or "Tidak ada kontak" in detail
    assert "Budi Santoso" in detail  # typed in by


def test_the_officers_own_contact_details_are_refused_as_the_citizens(app, desk):
    client, _uid = desk
    r = _intake_form(client, contact="given", phone="+62 811-1111-2222")
    assert r.status_code == 422
    assert "nomor telepon petugas sendiri" in r.get_data(as_text=True)
    r = _intake_form(client, contact="given", email="BUDI@tebet-timur.go.id")
    assert r.status_code == 422
    assert "email petugas sendiri" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_no_contact_is_an_explicit_choice(app, desk):
    client, _uid = desk
    r = _intake_form(client, contact="")
    assert r.status_code == 422 and "Pilih apakah warga memberikan kontak" in r.get_data(as_text=True)
    r = _intake_form(client, contact="given")
    assert r.status_code == 422 and "tidak punya kontak" in r.get_data(as_text=True)
    r = _intake_form(client, contact="given", phone="0812 9999 0000")
    assert r.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Complaint.reporter_phone)).one() == "+6281299990000"


def test_assisted_intake_is_idempotent_and_intake_service_refuses_an_unrecorded_officer(app, desk):
    client, uid = desk
    page = client.get("/petugas/aduan/baru").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
    first = _intake_form(client, idempotency_key=key)
    second = _intake_form(client, idempotency_key=key)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
        with pytest.raises(intake.IntakeInvalid) as exc:
            intake.submit(intake.IntakeRequest(
                idempotency_key="x1", channel="desk", category_code="JALAN_RUSAK", kelurahan_code="0101",
                description="Lubang besar di tengah jalan.", identity="anonymous", consent=True, office_code="0101"))
        assert "channel" in exc.value.errors


# --- CRM delivery ----------------------------------------------------------------

def test_manual_mode_queue_and_recording_the_crm_number(app, desk):
    client, _uid = desk
    app.config["CRM_MODE"] = "manual"
    number = file(app, "k1")
    html = client.get("/petugas/crm-manual").get_data(as_text=True)
    assert number in html
    token = csrf_token(html)
    r = client.post(f"/petugas/aduan/{number}/nomor-crm", data={"crm_number": "JK123", "back": "manual",
                                                                "csrf_token": token})
    assert r.status_code == 422 and "JK123" in r.get_data(as_text=True)
    r = client.post(f"/petugas/aduan/{number}/nomor-crm", data={"crm_number": "JK2613450001", "csrf_token": token})
    assert r.status_code == 422 and "tanggal" in r.get_data(as_text=True).lower()  # month 13
    today = utcnow().astimezone(WIB).strftime("%y%m%d")
    r = client.post(f"/petugas/aduan/{number}/nomor-crm", data={"crm_number": f"jk {today} 0342", "back": "manual",
                                                                "csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith("/petugas/crm-manual")
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        assert c.crm_number == f"JK{today}0342" and c.status == "forwarded"
        assert db.session.scalars(select(OutboxItem.state)).one() == "delivered"
        assert db.session.scalars(select(AuditLog.action).filter_by(complaint_number=number)).all()[-1] == "crm_record"
    assert f">{number}</a>" not in client.get("/petugas/crm-manual").get_data(as_text=True)


def test_a_given_up_complaint_shows_its_error_and_can_be_sent_again(app, desk):
    client, _uid = desk
    number = file(app, "k1")
    with app.app_context():
        box = db.session.scalars(select(OutboxItem)).one()
        box.state, box.last_error, box.attempts = "given_up", "CRM unreachable: connect timeout", 40
        db.session.commit()
    html = client.get(f"/petugas/aduan/{number}").get_data(as_text=True)
    assert "CRM unreachable: connect timeout" in html and "Kirim ulang ke CRM" in html
    assert "1" in client.get("/petugas/").get_data(as_text=True)
    r = client.post(f"/petugas/aduan/{number}/kirim-ulang", data={"csrf_token": csrf_token(html)})
    assert r.status_code == 303
    with app.app_context():
        box = db.session.scalars(select(OutboxItem)).one()
        assert box.state == "pending" and box.retry_since is not None


def test_reprint_gives_the_receipt_pdf(app, desk):
    client, _uid = desk
    number = file(app, "k1")
    r = client.get(f"/petugas/aduan/{number}/tanda-terima?ukuran=58")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert client.get(f"/petugas/aduan/{number}/tanda-terima?ukuran=99").status_code == 404


# --- kiosks ----------------------------------------------------------------------

@pytest.fixture
def camat(app):
    with app.app_context():
        uid = make_user("camat.tebet", "pimpinan", "0100")
    client = app.test_client()
    sign_in(app, client, uid)
    return client


def _register_and_get_code(client, code="tebet-timur-2"):
    token = token_from(client, "/petugas/kios/baru")
    r = client.post("/petugas/kios/baru", data={"code": code, "name": "Lobi lantai 2", "office": "0101",
                                                "paper_mm": "80", "print_path": "browser", "csrf_token": token})
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    kiosk_url = r.headers["Location"]
    r = client.post(kiosk_url + "/pasangkan", data={"csrf_token": csrf_token(page)})
    code_text = re.search(r'class="pairing-code mono">([A-Z0-9-]+)<', r.get_data(as_text=True)).group(1)
    return kiosk_url, code_text


def test_pairing_leaves_a_device_token_so_a_phone_cannot_pose_as_the_kiosk(app, camat):
    kiosk_url, code = _register_and_get_code(camat)
    device = app.test_client()
    # Registered but unpaired: works in development (KIOSK_REQUIRE_PAIRING off).
    assert device.get("/k/tebet-timur-2/").status_code == 200
    page = device.get("/k/tebet-timur-2/pasang").get_data(as_text=True)
    r = device.post("/k/tebet-timur-2/pasang", data={"code": code.lower().replace("-", " "),
                                                      "csrf_token": csrf_token(page)})
    assert r.status_code == 303
    cookie = device.get_cookie("kios_perangkat", path="/k/tebet-timur-2/")
    assert cookie is not None and cookie.http_only
    assert device.get("/k/tebet-timur-2/").status_code == 200
    phone = app.test_client()
    r = phone.get("/k/tebet-timur-2/")
    assert r.status_code == 403 and "belum siap" in r.get_data(as_text=True)
    assert phone.post("/k/tebet-timur-2/mulai").status_code == 403
    assert phone.post("/k/tebet-timur-2/detak", json={"printer": "ok"}).status_code == 403
    # The code works once.
    page = phone.get("/k/tebet-timur-2/pasang").get_data(as_text=True)
    r = phone.post("/k/tebet-timur-2/pasang", data={"code": code, "csrf_token": csrf_token(page)})
    assert r.status_code == 422
    # Heartbeat from the paired device, with a printer problem: the console shows both.
    assert device.post("/k/tebet-timur-2/detak", json={"printer": "error: paper out"}).status_code == 200
    html = camat.get("/petugas/kios").get_data(as_text=True)
    assert "error: paper out" in html and "dipasangkan" in html
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur-2")).scalar_one()
        assert kiosk.last_heartbeat_at is not None and kiosk.device_token_hash != cookie.value


def test_pairing_codes_are_throttled(app, camat):
    _kiosk_url, _code = _register_and_get_code(camat)
    device = app.test_client()
    for _ in range(5):
        page = device.get("/k/tebet-timur-2/pasang").get_data(as_text=True)
        assert device.post("/k/tebet-timur-2/pasang", data={"code": "AAAA-AAAA", "csrf_token": csrf_token(page)}
                           ).status_code == 422
    page = device.get("/k/tebet-timur-2/pasang").get_data(as_text=True)
    assert device.post("/k/tebet-timur-2/pasang", data={"code": _code, "csrf_token": csrf_token(page)}
                       ).status_code == 429


def test_production_requires_pairing_for_every_kiosk(app, client):
    app.config["KIOSK_REQUIRE_PAIRING"] = True
    try:
        r = client.get("/k/tebet-timur/")
        assert r.status_code == 403 and 'name="code"' in r.get_data(as_text=True)
    finally:
        app.config["KIOSK_REQUIRE_PAIRING"] = False


def test_a_disabled_kiosk_sends_citizens_to_the_desk(app, camat, flow):
    with app.app_context():
        kiosk_id = db.session.execute(select(Kiosk.id).filter_by(code="tebet-timur")).scalar_one()
    page = camat.get(f"/petugas/kios/{kiosk_id}").get_data(as_text=True)
    r = camat.post(f"/petugas/kios/{kiosk_id}/status", data={"active": "0", "csrf_token": csrf_token(page)})
    assert r.status_code == 303
    start = flow.get("/")
    assert start.status == 503 and "tidak melayani" in start.html and "loket" in start.html
    assert "/lapor/" in start.html
    r = camat.post(f"/petugas/kios/{kiosk_id}/status", data={"active": "1", "csrf_token": csrf_token(page)})
    assert flow.get("/").status == 200


def test_a_camat_cannot_manage_another_kecamatans_kiosk(app, camat):
    with app.app_context():
        other = db.session.execute(select(Kiosk.id).filter_by(code="cilandak-barat")).scalar_one()
    assert camat.get(f"/petugas/kios/{other}").status_code == 403
    html = camat.get("/petugas/kios").get_data(as_text=True)
    assert "cilandak-barat" not in html and "tebet-timur" in html


# --- assisted mode at a kiosk ---------------------------------------------------------

def test_kiosk_assisted_mode_records_the_officer_and_ends_after_the_receipt(app, flow):
    with app.app_context():
        uid = make_user("budi", "petugas", "0101", full_name="Budi Santoso", phone="0811 1111 2222")
    page = flow.get("/bantuan")
    assert page.status == 200
    wrong = flow.post("/bantuan", {"username": "budi", "pin": "000000"})
    assert wrong.status == 422 and "PIN tidak benar" in wrong.html
    ok = flow.post("/bantuan", {"username": "budi", "pin": PIN})
    assert ok.status == 303
    start = flow.get("/")
    assert "Mode dibantu" in start.html and "Budi Santoso" in start.html
    # The officer's own phone typed as the citizen's is refused at submission.
    flow.fill_all(phone="0811-1111-2222")
    refused = flow.submit()
    assert refused.status == 422 and "nomor telepon petugas sendiri" in refused.html
    flow.answer("identitas", phone="0812 5555 6666")
    receipt = flow.submit()
    assert receipt.status == 200
    assert "Mode dibantu" not in receipt.html  # self-service again with the receipt
    with app.app_context():
        c = db.session.scalars(select(Complaint)).one()
        assert (c.channel, c.officer_id, c.kiosk.code) == ("desk", uid, "tebet-timur")
    flow.post("/selesai", {})
    number = flow.file_complaint()
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        assert (c.channel, c.officer_id) == ("kiosk", None)


def test_kiosk_pin_of_another_office_is_refused_and_pins_are_throttled(app, flow):
    with app.app_context():
        make_user("ani", "petugas", "0601")
        make_user("budi", "petugas", "0101")
    flow.get("/bantuan")
    r = flow.post("/bantuan", {"username": "ani", "pin": PIN})
    assert r.status == 422 and "tidak dapat menerima pengaduan" in r.html
    for _ in range(5):
        assert flow.post("/bantuan", {"username": "budi", "pin": "135790"}).status == 422
    assert flow.post("/bantuan", {"username": "budi", "pin": PIN}).status == 429


# --- roster and office hours ---------------------------------------------------------

def _freeze(monkeypatch, moment: datetime):
    for target in ("kiosk.intake.views.utcnow", "backend.intake.utcnow", "backend.roster.utcnow"):
        monkeypatch.setattr(target, lambda: moment)


def test_roster_on_the_mayors_office_kiosk_and_the_phone_flow(app, client, monkeypatch):
    _freeze(monkeypatch, datetime(2026, 12, 1, 9, 0, tzinfo=WIB))
    with app.app_context():
        head = make_user("kabag.pem", "pimpinan", "0000", full_name="Dra. Ratna Sari")
        section = DutySection(name="Bagian Pemerintahan", sort=1)
        db.session.add(section)
        db.session.flush()
        day = DutyDay(day=date(2026, 12, 1), section_id=section.id)
        db.session.add(day)
        db.session.flush()
        db.session.add(DutyOfficer(duty_day_id=day.id, user_id=head))
        db.session.commit()
    mayor = client.get("/k/walikota-lobi/").get_data(as_text=True)
    assert "Bagian Pemerintahan" in mayor and "Dra. Ratna Sari" in mayor
    assert "Bagian Pemerintahan" in client.get("/lapor/").get_data(as_text=True)
    assert "Bagian Pemerintahan" not in client.get("/k/tebet-timur/").get_data(as_text=True)
    _freeze(monkeypatch, datetime(2026, 12, 2, 9, 0, tzinfo=WIB))  # nobody rostered
    assert "Bagian Pemerintahan" not in client.get("/k/walikota-lobi/").get_data(as_text=True)


def test_roster_editing_and_the_monthly_page(app, monkeypatch):
    with app.app_context():
        head = make_user("kabag.pem", "pimpinan", "0000", full_name="Dra. Ratna Sari")
        officer = make_user("budi", "petugas", "0101")
    client = app.test_client()
    sign_in(app, client, head)
    token = token_from(client, "/petugas/piket/bagian")
    for name in ("Bagian Pemerintahan", "Bagian Perekonomian", "Bagian Kesra"):
        assert client.post("/petugas/piket/bagian", data={"name": name, "sort": "0", "active": "y",
                                                          "csrf_token": token}).status_code == 303
    with app.app_context():
        first = db.session.scalars(select(DutySection.id).order_by(DutySection.id)).first()
    r = client.post("/petugas/piket/hari/2026-12-01", data={"section": str(first), "officers": [str(head)],
                                                            "note": "Lantai 1", "csrf_token": token})
    assert r.status_code == 303
    r = client.post("/petugas/piket/isi", data={"bulan": "2026-12", "csrf_token": token})
    assert r.status_code == 303
    html = client.get("/petugas/piket?bulan=2026-12").get_data(as_text=True)
    assert "Dra. Ratna Sari" in html and "Lantai 1" in html
    assert html.count("Bagian Perekonomian") >= 6  # rotated over the working days
    assert "Hari Raya Natal" in html  # 25 Dec: closed, named
    assert 'data-print' in html and "console.css" in html
    # An officer of a kelurahan sees the roster but cannot change it.
    viewer = app.test_client()
    sign_in(app, viewer, officer)
    assert viewer.get("/petugas/piket?bulan=2026-12").status_code == 200
    assert viewer.get("/petugas/piket/hari/2026-12-01").status_code == 403


@pytest.mark.parametrize("moment,notice", [
    ((2026, 11, 28, 10, 0), "Selasa, 1 Desember 2026, 07.30 WIB"),  # a Saturday, then the local holiday
    ((2026, 11, 30, 10, 0), "Selasa, 1 Desember 2026, 07.30 WIB"),  # the local holiday itself (override)
    ((2026, 12, 25, 10, 0), "Senin, 28 Desember 2026, 07.30 WIB"),  # Christmas (holidays package), a Friday
])
def test_outside_hours_message_on_a_local_holiday_and_a_saturday(app, flow, monkeypatch, moment, notice):
    with app.app_context():
        db.session.add(HolidayOverride(day=date(2026, 11, 30), closed=True, name="Keputusan Gubernur 123/2026"))
        db.session.commit()
        workdays.invalidate()
    _freeze(monkeypatch, datetime(*moment, tzinfo=WIB))
    html = flow.get("/").html
    assert "Kantor sedang tutup" in html and notice in html
    flow.file_complaint()
    with app.app_context():
        assert db.session.execute(select(Complaint.in_office_hours)).scalar_one() is False


def test_office_hours_from_the_admin_pages_reach_the_kiosk(app, flow, monkeypatch):
    with app.app_context():
        admin = make_user("admin", "admin")
    client = app.test_client()
    sign_in(app, client, admin)
    token = token_from(client, "/petugas/admin/jam")
    # Ramadan hours for every office: Monday closes at 14.00.
    week = {"xd0_open": "1", "xd0_from": "07:00", "xd0_to": "14:00"}
    r = client.post("/petugas/admin/jam/khusus", data={"label": "Ramadan 1448 H", "office": "", "starts": "2027-02-08",
                                                       "ends": "2027-03-09", "csrf_token": token, **week})
    assert r.status_code == 303
    # Tebet Timur's own regular week: Saturday mornings too.
    days = {f"d{d}_open": "1" for d in range(6)}
    days.update({f"d{d}_from": "08:00" for d in range(6)})
    days.update({f"d{d}_to": "12:00" for d in range(6)})
    r = client.post("/petugas/admin/kantor/0101/jam", data={"csrf_token": token, **days})
    assert r.status_code == 303
    with app.app_context():
        tebet = workdays.calendar_for("0101")
        other = workdays.calendar_for("0601")
        assert tebet.is_open(datetime(2026, 11, 28, 9, 0, tzinfo=WIB))  # Saturday, own hours
        assert not other.is_open(datetime(2026, 11, 28, 9, 0, tzinfo=WIB))
        assert not other.is_open(datetime(2027, 2, 8, 15, 0, tzinfo=WIB))  # Ramadan Monday, after 14.00
        assert other.is_open(datetime(2027, 2, 8, 13, 0, tzinfo=WIB))
        assert db.session.scalar(select(func.count()).select_from(OfficeHours)) == 2
    _freeze(monkeypatch, datetime(2026, 11, 28, 9, 0, tzinfo=WIB))
    assert "Kantor sedang tutup" not in flow.get("/").html  # the kiosk of 0101 is open on Saturday morning
    assert "Kantor sedang tutup" in flow.at("/k/cilandak-barat").get("/").html


# --- CLI and accounts -----------------------------------------------------------------

def test_cli_creates_the_first_admin_and_sets_a_pin(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "--username", "Admin", "--role", "admin", "--office", "0000",
                            "--password", "satu dua tiga empat lima"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["users", "create", "--username", "pendek", "--role", "admin", "--password", "pendek"])
    assert r.exit_code != 0 and "12" in r.output
    r = runner.invoke(args=["users", "create", "--username", "x.tanpa.kantor", "--role", "petugas",
                            "--password", "satu dua tiga empat lima"])
    assert r.exit_code != 0
    r = runner.invoke(args=["users", "set-pin", "admin"], input="135246\n135246\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["users", "set-pin", "admin"], input="111111\n111111\n")
    assert r.exit_code != 0
    with app.app_context():
        user = auth.find_user("admin")
        assert user.role == "admin" and user.office.code == "0000"
        assert user.password_hash.startswith("$argon2id$") and auth.verify_secret(user.pin_hash, "135246")
    assert login_form(app.test_client(), "admin", "satu dua tiga empat lima").status_code == 303


def test_changing_the_own_password_ends_other_sessions(app):
    with app.app_context():
        uid = make_user("budi", "petugas", "0101")
    here, there = app.test_client(), app.test_client()
    sign_in(app, here, uid)
    sign_in(app, there, uid)
    token = token_from(here)
    r = here.post("/petugas/akun", data={"which": "password", "pw-current": PASSWORD, "pw-new": "kalimat baru yang panjang",
                                         "pw-repeat": "kalimat baru yang panjang", "csrf_token": token})
    assert r.status_code == 303
    assert here.get("/petugas/").status_code == 200
    assert there.get("/petugas/").status_code == 302


def test_admin_creates_an_account_with_a_role_and_office(app):
    with app.app_context():
        admin = make_user("admin", "admin")
    client = app.test_client()
    sign_in(app, client, admin)
    token = token_from(client, "/petugas/admin/pengguna/baru")
    r = client.post("/petugas/admin/pengguna/baru", data={
        "username": "lurah.tebettimur", "full_name": "H. Ahmad", "role": "pimpinan", "office": "0101",
        "phone": "", "email": "", "password": "kata sandi yang panjang", "csrf_token": token})
    assert r.status_code == 303
    with app.app_context():
        user = auth.find_user("lurah.tebettimur")
        assert (user.role, user.office.code) == ("pimpinan", "0101")
        assert db.session.scalars(select(AuditLog.target).filter_by(action="user_create")).one() == \
            "user:lurah.tebettimur"
    html = client.get("/petugas/admin/audit").get_data(as_text=True)
    assert "user_create" in html and "lurah.tebettimur" in html
