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
