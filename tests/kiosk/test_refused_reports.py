"""A refused offline kiosk report is kept on the server for the office, not on
the kiosk: the 422 says so, the office's petugas, pimpinan and admin view it
(audited) and complete it as a complaint under the receipt's number (or a new one), "Tandai
selesai" and the retention purge delete it. Both database lanes."""
from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from backend import delivery_refusals
from backend.extensions import db
from backend.models import AuditLog, Complaint, KioskDeliveryRefusal, User, utcnow
from tests.kiosk.test_api import api_settings, jpeg_with_gps, report  # noqa: F401 (fixture)
from tests.kiosk.test_api_kiosk import lease
from tests.kiosk.test_delivery_refusals import PERSONAL, SENDER, _kiosk_id, _officer, _pair, _rows
from tests.kiosk.test_delivery_refusals import refused  # noqa: F401 (fixture)
from tests.officers import csrf_token, make_user, sign_in

KIOSK = "tebet-timur"  # office 0101, under Kecamatan Tebet (0100)


def _photo() -> dict:
    return {"mime": "image/jpeg", "data": base64.b64encode(jpeg_with_gps()).decode()}


@pytest.fixture
def kept(app, api_settings):  # noqa: F811
    """tebet-timur delivers a report numbered offline from its own lease, with a
    photo, whose category was retired meanwhile: refused on the category only."""
    kiosk = app.test_client()
    _pair(app, kiosk, KIOSK)
    number = lease(kiosk)[0]
    device_time = (utcnow() + timedelta(seconds=1)).isoformat()  # after the lease: kept as the receipt's time
    body = {**report("kunci-kios-1", category="SUDAH_DIHAPUS", photo=_photo()), "leased_number": number,
            "created_at": device_time}
    r = kiosk.post(f"/k/{KIOSK}/api/laporan", json=body)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["kept"] is True and set(r.get_json()["errors"]) == {"category"}
    [row] = _rows(app)
    return kiosk, body, number, row.id


def _urls(app, refusal_id: int, code: str = KIOSK) -> dict:
    base = f"/petugas/kios/{_kiosk_id(app, code)}/kiriman-ditolak/{refusal_id}"
    return {"view": base, "photo": f"{base}/foto", "complete": f"{base}/lanjutkan", "resolve": f"{base}/selesai",
            "kiosk": f"/petugas/kios/{_kiosk_id(app, code)}"}


def _audits(app, action: str) -> list[AuditLog]:
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).filter_by(action=action).order_by(AuditLog.id)).all()
        db.session.expunge_all()
        return rows


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(User.id).filter_by(username=username)).scalar_one()


def _raw(app, refusal_id: int) -> str:
    with app.app_context():
        row = db.session.execute(select(KioskDeliveryRefusal.__table__).where(
            KioskDeliveryRefusal.id == refusal_id)).one()
    return " ".join(str(v) for v in row)


def _complaint(app, number: str) -> Complaint | None:
    with app.app_context():
        row = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one_or_none()
        if row is not None:
            _ = (row.kiosk, row.photo)
        db.session.expunge_all()
        return row


def _form(html: str, **changes) -> dict:
    """What the officer posts back: the prefilled answers, changed."""
    data = {"csrf_token": csrf_token(html), "category": "", "kelurahan": "0101",
            "address": "Jl. Tebet Raya No. 5, depan masjid", "rt": "5", "rw": "2",
            "description": "Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.",
            "identity": "named", "name": "Siti Rahayu", "contact": "given", "phone": "0812-3456-7890",
            "email": "siti@example.id", "nik": "3174011234567890", "consent": "y", "keep_photo": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- the kiosk's answer and what the server keeps ----------------------------------------

def test_the_refused_report_is_kept_with_its_cleaned_photo(app, kept):
    _kiosk, _body, number, refusal_id = kept
    with app.app_context():
        row = db.session.get(KioskDeliveryRefusal, refusal_id)
        assert row.reasons == ["category"] and row.leased_number == number
        answers = row.report["answers"]
        assert answers["name"] == "Siti Rahayu" and answers["category"] == "SUDAH_DIHAPUS"
        assert answers["consent"] is True
        assert row.report["language"] == "id" and row.report["channel"] == "kiosk" and row.report["created_at"]
        assert row.photo_mime == "image/jpeg" and row.report["photo"] == {"width": 64, "height": 48}
        image = Image.open(io.BytesIO(row.photo))
        assert 0x8825 not in image.getexif()  # re-encoded as for complaints: no GPS


def test_a_photo_that_is_not_an_image_is_not_kept_but_the_answers_are(app, api_settings):  # noqa: F811
    kiosk = app.test_client()
    _pair(app, kiosk, KIOSK)
    bad = {"mime": "image/jpeg", "data": base64.b64encode(b"not a photo at all").decode()}
    r = kiosk.post(f"/k/{KIOSK}/api/laporan", json={**report("kunci-foto-1", photo=bad),
                                                      "leased_number": lease(kiosk)[0]})
    assert r.status_code == 422 and r.get_json()["kept"] is True
    [row] = _rows(app)
    assert row.reasons == ["photo"] and row.report["answers"]["name"] == "Siti Rahayu"
    assert row.photo_mime is None and row.report["photo"] is None
    with app.app_context():
        assert db.session.get(KioskDeliveryRefusal, row.id).photo is None


def test_a_phone_is_not_told_kept(client, api_settings):  # noqa: F811
    r = client.post("/api/v1/laporan", json=report(category="SUDAH_DIHAPUS"))
    assert r.status_code == 422 and "kept" not in r.get_json()


# --- the console: who sees it, audited ------------------------------------------------------

def test_viewing_the_kept_report_is_audited_and_only_for_the_offices_officers(app, kept):
    _kiosk, _body, number, refusal_id = kept
    urls = _urls(app, refusal_id)
    camat = _officer(app, "camat.tebet", "pimpinan", "0100")
    other = _officer(app, "camat.cilandak", "pimpinan", "0600")
    desk = _officer(app, "petugas.cilandak", "petugas", "0601")  # a desk of another office

    listing = camat.get(urls["kiosk"]).get_data(as_text=True)
    assert f'href="{urls["view"]}"' in listing and f'href="{urls["complete"]}"' in listing
    assert "Lihat laporan" in listing and "Lanjutkan sebagai laporan" in listing and "Disimpan sampai" in listing

    for client in (other, desk):
        for url in (urls["view"], urls["photo"], urls["complete"]):
            assert client.get(url).status_code == 403, url
        assert client.post(urls["complete"], data={}).status_code == 403
    assert _audits(app, "view_refusal_personal") == []

    r = camat.get(urls["view"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for value in ("Siti Rahayu", "0812-3456-7890", "siti@example.id", "3174011234567890", number):
        assert value in html
    # The refused answer is named in plain words, next to it.
    assert 'data-refused-field="category"' in html and "Kategori sudah tidak tersedia" in html
    assert urls["photo"] in html
    [audit] = _audits(app, "view_refusal_personal")
    assert audit.user_id == _user_id(app, "camat.tebet") and audit.target == f"kiosk:{KIOSK}"
    assert number in audit.detail and str(refusal_id) in audit.detail

    r = camat.get(urls["photo"])
    assert r.status_code == 200 and r.mimetype == "image/jpeg" and "no-store" in r.headers["Cache-Control"]
    assert len(_audits(app, "view_refusal_photo")) == 1

    camat.get(urls["complete"])  # the form shows the answers too
    assert len(_audits(app, "view_refusal_personal")) == 2
    assert camat.get(urls["view"].replace(f"/{refusal_id}", "/999999")).status_code == 404


# --- completing it -------------------------------------------------------------------------------

def test_completing_stores_the_complaint_under_the_receipts_number_and_deletes_the_kept_report(app, kept, client):
    kiosk, body, number, refusal_id = kept
    urls = _urls(app, refusal_id)
    camat = _officer(app, "camat.tebet", "pimpinan", "0100")
    r = camat.get(urls["complete"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'value="Siti Rahayu"' in html and 'value="3174011234567890"' in html and "Lubang besar" in html
    assert 'name="keep_photo"' in html and 'data-reason="category"' in html

    # No CSRF token: refused before anything is stored.
    assert camat.post(urls["complete"], data={**_form(html, category="JALAN_RUSAK"), "csrf_token": ""}
                      ).status_code == 400
    # Bad input: 422 on the same form, the answers kept, nothing stored.
    r = camat.post(urls["complete"], data=_form(html, category="SUDAH_DIHAPUS", description="Pendek"))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "pilih salah satu jenis masalah" in page and "10 karakter" in page
    assert 'value="Siti Rahayu"' in page and 'aria-invalid="true"' in page
    assert _complaint(app, number) is None and _rows(app)[0].resolved_at is None

    r = camat.post(urls["complete"], data=_form(html, category="JALAN_RUSAK"))
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/petugas/aduan/{number}")
    stored = _complaint(app, number)
    assert stored is not None and stored.channel == "kiosk" and stored.kiosk.code == KIOSK
    assert stored.officer_id == _user_id(app, "camat.tebet")
    assert stored.reporter_name == "Siti Rahayu" and stored.reporter_nik == "3174011234567890"
    assert stored.photo is not None and stored.photo.mime == "image/jpeg"
    device_time = datetime.fromisoformat(body["created_at"])
    assert abs((stored.submitted_at - device_time).total_seconds()) < 1  # the printed receipt's time
    assert "Aduan disimpan dengan nomor pada tanda terima" in camat.get(r.headers["Location"]).get_data(as_text=True)

    [row] = _rows(app)
    assert row.resolved_at is not None and row.delivered_number == number
    assert row.resolved_by_id == _user_id(app, "camat.tebet")
    assert row.report is None and row.photo_mime is None
    raw = _raw(app, refusal_id)
    for value in PERSONAL:
        assert value not in raw
    [audit] = _audits(app, "kiosk_refusal_complete")
    assert audit.complaint_number == number and audit.user_id == row.resolved_by_id

    # The citizen's receipt works; the console no longer lists it.
    assert client.get(f"/lacak/{number}").status_code == 200
    assert "kiriman luring ditolak" not in camat.get(urls["kiosk"]).get_data(as_text=True)
    # Posting the form again stores nothing more.
    r = camat.post(urls["complete"], data=_form(html, category="JALAN_RUSAK"))
    assert r.status_code == 303 and r.headers["Location"].endswith(urls["view"])
    # A stale resend from the kiosk neither reopens it nor keeps anything again.
    r = kiosk.post(f"/k/{KIOSK}/api/laporan", json=body)
    assert r.status_code == 422 and r.get_json()["kept"] is True
    [row] = _rows(app)
    assert row.resolved_at is not None and row.report is None and row.times == 2


def test_a_number_that_cannot_be_used_gets_a_new_one_that_tracking_names(app, refused, client):  # noqa: F811
    _sender, _body, leased, = refused  # leased to tebet-timur, sent by tebet: not usable by tebet
    [row] = _rows(app)
    urls = _urls(app, row.id, SENDER)
    camat = _officer(app, "camat.tebet", "pimpinan", "0100")
    html = camat.get(urls["complete"]).get_data(as_text=True)
    assert 'value="Siti Rahayu"' in html
    r = camat.post(urls["complete"], data=_form(html, category="JALAN_RUSAK", keep_photo=None))
    assert r.status_code == 303
    [row] = _rows(app)
    new = row.delivered_number
    assert new and new != leased and r.headers["Location"].endswith(f"/petugas/aduan/{new}")
    stored = _complaint(app, new)
    assert stored.kiosk.code == SENDER and stored.channel == "kiosk"
    assert _complaint(app, leased) is None
    assert leased in camat.get(r.headers["Location"]).get_data(as_text=True)  # the flash names both

    r = client.get(f"/lacak/{leased}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'data-moved-to="{new}"' in page and f'href="/lacak/{new}"' in page
    assert "kiosk_delivery_refused" not in page and "Siti" not in page


# --- Tandai selesai and the retention period -------------------------------------------------

def test_marking_it_done_deletes_the_kept_report(app, kept):
    _kiosk, _body, _number, refusal_id = kept
    urls = _urls(app, refusal_id)
    camat = _officer(app, "camat.tebet", "pimpinan", "0100")
    html = camat.get(urls["kiosk"]).get_data(as_text=True)
    r = camat.post(urls["resolve"], data={"csrf_token": csrf_token(html),
                                          f"r{refusal_id}-note": "Warga dihubungi, dicatat di loket"})
    assert r.status_code == 303
    [row] = _rows(app)
    assert row.resolved_at is not None and row.report is None and row.photo_mime is None
    raw = _raw(app, refusal_id)
    for value in PERSONAL:
        assert value not in raw
    assert camat.get(urls["photo"]).status_code == 404
    page = camat.get(urls["view"]).get_data(as_text=True)
    assert "Siti" not in page and "data-resolved" in page
    assert _audits(app, "view_refusal_personal") == []  # nothing personal shown, nothing to record


def test_a_later_delivery_deletes_the_kept_report(app, refused):  # noqa: F811
    sender, body, _number = refused
    fixed = {k: v for k, v in body.items() if k != "leased_number"}
    assert sender.post(f"/k/{SENDER}/api/laporan", json=fixed).status_code == 201
    [row] = _rows(app)
    assert row.resolved_at is not None and row.report is None


def test_reports_left_open_are_purged_after_the_retention_period(app, kept, refused):  # noqa: F811
    *_rest, old_id = kept
    [fresh] = [r for r in _rows(app) if r.id != old_id]
    assert app.config["REFUSAL_RETENTION_DAYS"] == 30
    with app.app_context():
        db.session.execute(update(KioskDeliveryRefusal).where(KioskDeliveryRefusal.id == old_id)
                           .values(last_refused_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        assert delivery_refusals.purge_expired() == 1
        assert delivery_refusals.purge_expired() == 0
    rows = {r.id: r for r in _rows(app)}
    assert rows[old_id].report is None and rows[old_id].photo_mime is None
    assert rows[old_id].resolved_at is None and rows[old_id].reasons == ["category"]  # still open, for the officer
    assert rows[fresh.id].report is not None
    raw = _raw(app, old_id)
    for value in PERSONAL:
        assert value not in raw
    # The command the Procfile's housekeeping loop runs, with a shorter period.
    app.config["REFUSAL_RETENTION_DAYS"] = 0
    try:
        result = app.test_cli_runner().invoke(args=["refusals", "purge"])
    finally:
        app.config["REFUSAL_RETENTION_DAYS"] = 30
    assert result.exit_code == 0 and result.output.strip() == "1 refused kiosk reports deleted"
    assert all(r.report is None for r in _rows(app))


def test_a_refill_never_hands_out_a_refused_number_again(app, kept):
    """The citizen holds a receipt with that number: a kiosk that lost its own list
    (reinstalled, storage cleared) must not print it for someone else."""
    kiosk, _body, number, _refusal_id = kept
    assert number not in lease(kiosk)


def test_the_officer_cannot_complete_it_with_their_own_phone(app, kept):
    """The completing officer is recorded on the complaint, and intake refuses their own
    phone as the citizen's, as on the assisted-intake form."""
    _kiosk, _body, number, refusal_id = kept
    urls = _urls(app, refusal_id)
    with app.app_context():
        uid = make_user("lurah.sendiri", "pimpinan", "0101", phone="0811 2222 3333")
    lurah = app.test_client()
    sign_in(app, lurah, uid)
    html = lurah.get(urls["complete"]).get_data(as_text=True)
    r = lurah.post(urls["complete"], data=_form(html, category="JALAN_RUSAK", phone="0811-2222-3333"))
    assert r.status_code == 422
    assert "nomor telepon petugas sendiri" in r.get_data(as_text=True).lower()
    assert _complaint(app, number) is None


# --- the desk (petugas) ----------------------------------------------------------------------------

def test_the_offices_petugas_completes_it_from_the_desks_list(app, kept):
    """The petugas of the kiosk's office reach it from their own list (no kiosk management), view it
    (audited), and store it under the receipt's number; every link leads somewhere they may go."""
    _kiosk, _body, number, refusal_id = kept
    urls = _urls(app, refusal_id)
    desk = _officer(app, "petugas.tebettimur", "petugas", "0101")
    assert desk.get(urls["kiosk"]).status_code == 403  # managing the kiosk stays pimpinan/admin

    listing = desk.get("/petugas/kiriman-ditolak").get_data(as_text=True)
    assert f'data-refusal-kiosk="{KIOSK}"' in listing and number in listing
    assert f'href="{urls["view"]}"' in listing and f'href="{urls["complete"]}"' in listing

    r = desk.get(urls["view"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Siti Rahayu" in html
    assert f'href="{urls["kiosk"]}"' not in html and f'href="{urls["kiosk"]}#' not in html
    back = f'/petugas/kiriman-ditolak#kiriman-ditolak-{_kiosk_id(app, KIOSK)}'
    assert f'href="{back}"' in html
    assert desk.get(back).status_code == 200
    assert desk.get(urls["photo"]).status_code == 200
    [audit] = _audits(app, "view_refusal_personal")
    assert audit.user_id == _user_id(app, "petugas.tebettimur")

    r = desk.get(urls["complete"])
    assert r.status_code == 200
    form = r.get_data(as_text=True)
    assert f'href="{urls["kiosk"]}"' not in form and f'href="{urls["kiosk"]}#' not in form
    r = desk.post(urls["complete"], data=_form(form, category="JALAN_RUSAK"))
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/petugas/aduan/{number}")
    assert desk.get(r.headers["Location"]).status_code == 200
    stored = _complaint(app, number)
    assert stored is not None and stored.officer_id == _user_id(app, "petugas.tebettimur")
    [row] = _rows(app)
    assert row.resolved_at is not None and row.report is None
    # Done: the list is empty, and posting again goes back to the report, which they may open.
    assert "data-no-refusals" in desk.get("/petugas/kiriman-ditolak").get_data(as_text=True)
    r = desk.post(urls["complete"], data=_form(form, category="JALAN_RUSAK"))
    assert r.status_code == 303 and r.headers["Location"].endswith(urls["view"])
    assert desk.get(urls["view"]).status_code == 200
