"""Refused kiosk deliveries: recorded without personal data, shown to the
office's officers, resolved by them or by a later delivery, and explained on
the public tracking page of the receipt's number. Both database lanes."""
from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditLog, Kiosk, KioskDeliveryRefusal
from backend.numbering import format_number
from kiosk.devices import COOKIE
from tests.kiosk.test_api import api_settings, report  # noqa: F401 (fixture)
from tests.kiosk.test_api_kiosk import lease
from tests.officers import make_user, sign_in, token_from

SENDER = "tebet"  # Kecamatan Tebet (0100); the number below is leased to tebet-timur (0101)
PERSONAL = ("Siti Rahayu", "0812-3456-7890", "081234567890", "siti@example.id", "3174011234567890",
            "Lubang besar di tengah jalan", "Jl. Tebet Raya")


def _pair(app, client, code: str) -> None:
    token = f"device-token-of-{code}"
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one()
        kiosk.device_token_hash = hashlib.sha256(token.encode()).hexdigest()
        db.session.commit()
    client.set_cookie(COOKIE, token, path=f"/k/{code}/")


@pytest.fixture
def refused(app, api_settings):  # noqa: F811
    """A number leased to tebet-timur, delivered by the kiosk `tebet`: refused once."""
    owner, sender = app.test_client(), app.test_client()
    _pair(app, owner, "tebet-timur")
    _pair(app, sender, SENDER)
    number = lease(owner)[0]
    body = {**report("kunci-ditolak-1"), "leased_number": number}
    r = sender.post(f"/k/{SENDER}/api/laporan", json=body)
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"leased_number"}
    return sender, body, number


def _rows(app) -> list[KioskDeliveryRefusal]:
    with app.app_context():
        rows = db.session.scalars(select(KioskDeliveryRefusal)).all()
        db.session.expunge_all()
        return rows


def _officer(app, username: str, role: str, office: str):
    with app.app_context():
        uid = make_user(username, role, office)
    client = app.test_client()
    sign_in(app, client, uid)
    return client


def _kiosk_id(app, code: str) -> int:
    with app.app_context():
        return db.session.execute(select(Kiosk.id).filter_by(code=code)).scalar_one()


def test_a_refused_delivery_is_recorded_once_and_keeps_its_report(app, refused, caplog):
    sender, body, number = refused
    [row] = _rows(app)
    assert (row.leased_number, row.reasons, row.times, row.resolved_at) == (number, ["leased_number"], 1, None)
    assert row.idempotency_key == "kunci-ditolak-1"
    with app.app_context():
        assert row.kiosk_id == _kiosk_id(app, SENDER)
    # The report is kept on the server for the office (the kiosk deletes its copy).
    assert row.report["answers"]["name"] == "Siti Rahayu" and row.report["channel"] == "kiosk"
    # The kiosk sends the same report again with other answers: still one row, counted; its answers win.
    body = {**body, "answers": {**body["answers"], "name": "Siti R."}}
    with caplog.at_level(logging.WARNING, logger="backend.delivery_refusals"):
        assert sender.post(f"/k/{SENDER}/api/laporan", json=body).status_code == 422
    [row] = _rows(app)
    assert row.times == 2 and row.last_refused_at >= row.first_refused_at
    assert row.report["answers"]["name"] == "Siti R."
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"kiosk={SENDER}" in line and number in line and "leased_number" in line
    assert "Siti" not in line


def test_a_later_delivery_with_the_same_key_resolves_it(app, refused):
    sender, body, number = refused
    fixed = {k: v for k, v in body.items() if k != "leased_number"}  # corrected on the kiosk: numbered now
    r = sender.post(f"/k/{SENDER}/api/laporan", json=fixed)
    assert r.status_code == 201
    [row] = _rows(app)
    assert row.resolved_at is not None and row.resolved_by_id is None
    assert row.delivered_number == r.get_json()["number"]


def test_a_phone_refusal_is_not_recorded(app, client, api_settings):  # noqa: F811
    r = client.post("/api/v1/laporan", json=report(category="NO_SUCH"))
    assert r.status_code == 422
    assert _rows(app) == []


def test_officers_of_the_office_see_and_resolve_it_with_a_note(app, refused):
    _sender, _body, number = refused
    kiosk_id = _kiosk_id(app, SENDER)
    camat = _officer(app, "camat.tebet", "pimpinan", "0100")
    other = _officer(app, "camat.cilandak", "pimpinan", "0600")

    html = camat.get("/petugas/kios").get_data(as_text=True)
    assert f'data-refused="{SENDER}"' in html and "1 kiriman luring ditolak" in html
    assert 'data-refused="tebet-timur"' not in html
    assert f'data-refused="{SENDER}"' not in other.get("/petugas/kios").get_data(as_text=True)
    assert other.get(f"/petugas/kios/{kiosk_id}").status_code == 403

    page = camat.get(f"/petugas/kios/{kiosk_id}").get_data(as_text=True)
    assert 'id="kiriman-ditolak"' in page and number in page and 'data-reason="leased_number"' in page
    assert "WIB" in page and "Tandai selesai" in page

    refusal_id = _rows(app)[0].id
    url = f"/petugas/kios/{kiosk_id}/kiriman-ditolak/{refusal_id}/selesai"
    token = token_from(camat, f"/petugas/kios/{kiosk_id}")
    assert camat.post(url, data={f"r{refusal_id}-note": "x"}).status_code == 400  # no CSRF token
    assert other.post(url, data={"csrf_token": token, f"r{refusal_id}-note": "x"}).status_code == 403
    r = camat.post(url, data={"csrf_token": token, f"r{refusal_id}-note": "   "})
    assert r.status_code == 422 and "Tuliskan apa yang Anda lakukan" in r.get_data(as_text=True)
    assert _rows(app)[0].resolved_at is None
    assert camat.post(f"/petugas/kios/{kiosk_id}/kiriman-ditolak/999999/selesai",
                      data={"csrf_token": token, "r999999-note": "x"}).status_code == 404

    note = "Dicatat di loket sebagai aduan 0101-26-00099-1"
    r = camat.post(url, data={"csrf_token": token, f"r{refusal_id}-note": note})
    assert r.status_code == 303
    [row] = _rows(app)
    assert row.resolved_at is not None and row.resolution_note == note and row.resolved_by_id is not None
    with app.app_context():
        audit = db.session.scalars(select(AuditLog).filter_by(action="kiosk_refusal_resolve")).one()
        assert audit.user_id == row.resolved_by_id and audit.target == f"kiosk:{SENDER}"
        assert number in audit.detail and note in audit.detail
    assert "kiriman luring ditolak" not in camat.get("/petugas/kios").get_data(as_text=True)
    # The citizen's tracking page goes back to "not found" once an officer dealt with it.
    assert "belum masuk" not in camat.get(f"/lacak/{number}").get_data(as_text=True)


def test_tracking_explains_a_refused_number(app, client, refused):
    _sender, _body, number = refused
    r = client.get(f"/lacak/{number}")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert 'data-reason="kiosk_delivery_refused"' in html and "Kecamatan Tebet" in html
    assert "belum masuk ke sistem" in html and "Siti" not in html

    r = client.get(f"/api/v1/lacak/{number}", headers={"Accept-Language": "en"})
    assert r.status_code == 404
    data = r.get_json()
    assert data["reason"] == "kiosk_delivery_refused"
    assert data["office"]["name"] == "Kecamatan Tebet" and data["office"]["address"]
    assert "has not reached our system yet" in data["error"] and "Kecamatan Tebet" in data["error"]
    # Another unknown number is still simply not found.
    r = client.get(f"/api/v1/lacak/{format_number('0101', 26, 99999)}")
    assert r.status_code == 404 and "reason" not in r.get_json()


# --- the desk: petugas of the kiosk's office -----------------------------------------------

DESK_LIST = "/petugas/kiriman-ditolak"


def _refusal_urls(app, refusal_id: int) -> list[str]:
    base = f"/petugas/kios/{_kiosk_id(app, SENDER)}/kiriman-ditolak/{refusal_id}"
    return [base, f"{base}/foto", f"{base}/lanjutkan"]


def test_the_desk_of_the_kiosks_office_is_told_and_marks_it_dealt_with(app, refused):
    _sender, _body, number = refused
    kiosk_id = _kiosk_id(app, SENDER)
    [row] = _rows(app)
    desk = _officer(app, "petugas.tebet", "petugas", "0100")  # the office of the kiosk `tebet`

    queue = desk.get("/petugas/").get_data(as_text=True)
    assert 'data-refused-notice="1"' in queue and f'href="{DESK_LIST}"' in queue
    english = desk.get("/petugas/?lang=en").get_data(as_text=True)
    assert ("Reports from kiosks that the server refused: 1. The citizens hold receipts whose numbers are not "
            "in the system yet.") in english

    r = desk.get(DESK_LIST)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'data-refusal-kiosk="{SENDER}"' in page and f'id="kiriman-ditolak-{kiosk_id}"' in page
    assert number in page and 'data-reason="leased_number"' in page and "Kecamatan Tebet" in page
    assert "data-no-refusals" not in page
    assert f'href="/petugas/kios/{kiosk_id}"' not in page  # no link to the kiosk's management page

    url = f"/petugas/kios/{kiosk_id}/kiriman-ditolak/{row.id}/selesai"
    token = token_from(desk, DESK_LIST)
    # A blank note: 422 on the desk's own list with the message, never the kiosk's management form.
    r = desk.post(url, data={"csrf_token": token, f"r{row.id}-note": "   "})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Tuliskan apa yang Anda lakukan" in html and f'data-refusal-kiosk="{SENDER}"' in html
    assert 'name="paper_mm"' not in html and 'name="print_path"' not in html
    assert _rows(app)[0].resolved_at is None

    r = desk.post(url, data={"csrf_token": token, f"r{row.id}-note": "Warga ditelepon, dicatat di loket"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"{DESK_LIST}#kiriman-ditolak-{kiosk_id}")
    r = desk.get(r.headers["Location"])
    assert r.status_code == 200 and "data-no-refusals" in r.get_data(as_text=True)
    [row] = _rows(app)
    assert row.resolved_at is not None and row.resolved_by_id is not None and row.report is None
    assert "data-refused-notice" not in desk.get("/petugas/").get_data(as_text=True)
    # Posting again (a second tab): told it is done, back to the list.
    r = desk.post(url, data={"csrf_token": token, f"r{row.id}-note": "lagi"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"{DESK_LIST}#kiriman-ditolak-{kiosk_id}")


def test_desks_of_other_offices_and_monitors_get_nothing(app, refused):
    _sender, _body, number = refused
    [row] = _rows(app)
    resolve = f"/petugas/kios/{_kiosk_id(app, SENDER)}/kiriman-ditolak/{row.id}/selesai"
    # Tebet Timur (0101) holds the lease, but the refusal is the kiosk `tebet`'s (0100): not theirs.
    other = _officer(app, "petugas.tebettimur", "petugas", "0101")
    assert "data-refused-notice" not in other.get("/petugas/").get_data(as_text=True)
    page = other.get(DESK_LIST).get_data(as_text=True)
    assert "data-no-refusals" in page and number not in page and "data-refusal-kiosk" not in page
    token = token_from(other, DESK_LIST)
    for url in _refusal_urls(app, row.id):
        assert other.get(url).status_code == 403, url
    assert other.post(resolve, data={"csrf_token": token, f"r{row.id}-note": "x"}).status_code == 403

    monitor = _officer(app, "monitor.kota", "monitor", None)
    assert "data-refused-notice" not in monitor.get("/petugas/").get_data(as_text=True)
    assert monitor.get(DESK_LIST).status_code == 403
    for url in _refusal_urls(app, row.id):
        assert monitor.get(url).status_code == 403, url
    assert monitor.post(resolve, data={"csrf_token": token, f"r{row.id}-note": "x"}).status_code == 403
    assert _rows(app)[0].resolved_at is None


def test_pimpinan_and_admin_reach_it_from_the_list_and_the_kiosk_page(app, refused):
    _sender, _body, number = refused
    kiosk_id = _kiosk_id(app, SENDER)
    [row] = _rows(app)
    for client in (_officer(app, "camat.tebet", "pimpinan", "0100"), _officer(app, "admin.kota", "admin", None)):
        assert 'data-refused-notice="1"' in client.get("/petugas/").get_data(as_text=True)
        assert f'data-refusal-kiosk="{SENDER}"' in client.get(DESK_LIST).get_data(as_text=True)
        assert 'id="kiriman-ditolak"' in client.get(f"/petugas/kios/{kiosk_id}").get_data(as_text=True)
        view = client.get(_refusal_urls(app, row.id)[0]).get_data(as_text=True)
        assert f'href="/petugas/kios/{kiosk_id}#kiriman-ditolak"' in view  # back to the kiosk they manage
    # Their redirect after "Tandai selesai" stays the kiosk page; a 422 re-renders it too.
    url = f"/petugas/kios/{kiosk_id}/kiriman-ditolak/{row.id}/selesai"
    token = token_from(client, f"/petugas/kios/{kiosk_id}")
    r = client.post(url, data={"csrf_token": token, f"r{row.id}-note": ""})
    assert r.status_code == 422 and 'name="paper_mm"' in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, f"r{row.id}-note": "Dicatat di loket"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/petugas/kios/{kiosk_id}#kiriman-ditolak")
    assert client.get(r.headers["Location"]).status_code == 200
