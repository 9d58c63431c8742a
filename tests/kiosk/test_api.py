"""POST /api/v1/laporan: a phone's report, perhaps queued offline and sent twice at once."""
from __future__ import annotations

import base64
import io
import threading
import uuid
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db, limiter
from backend.models import Complaint, ComplaintPhoto
from backend.numbering import parse_number

URL = "/api/v1/laporan"
SAVED_CONFIG = ("RATELIMIT_API_PHONE", "RATELIMIT_API_KIOSK", "RATELIMIT_API_LEASE", "RATELIMIT_API_TRACK",
                "RATELIMIT_RECEIPT_LINK", "MAX_CONTENT_LENGTH", "KIOSK_REQUIRE_PAIRING", "KIOSK_LEASE_SIZE",
                "RECEIPT_LINK_MAX_AGE_SECONDS")


@pytest.fixture(autouse=True)
def api_settings(app):
    """Fresh rate-limit counters, and config changed by a test put back."""
    saved = {k: app.config[k] for k in SAVED_CONFIG}
    limiter.reset()
    yield app.config
    app.config.update(saved)
    limiter.reset()


def answers(**changes) -> dict:
    base = {
        "category": "JALAN_RUSAK", "kelurahan": "0101", "address": "Jl. Tebet Raya No. 5, depan masjid",
        "rt": "5", "rw": "2", "description": "Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.",
        "identity": "named", "consent": True, "name": "Siti Rahayu", "phone": "0812-3456-7890",
        "email": "siti@example.id", "nik": "3174011234567890",
    }
    base.update(changes)
    return base


def report(key: str | None = None, *, language: str = "id", photo=None, **changes) -> dict:
    return {"idempotency_key": key or uuid.uuid4().hex, "language": language,
            "created_at": "2026-05-04T09:15:00.000Z", "answers": answers(**changes), "photo": photo}


def count_complaints(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Complaint)).scalar_one()


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 14.0, 0.0)}  # GPS IFD
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- new, replay, conflict ----------------------------------------------------------

def test_a_new_report_is_stored_once_and_a_replay_returns_it(app, client):
    body = report()
    first = client.post(URL, json=body)
    assert first.status_code == 201, first.get_json()
    data = first.get_json()
    number = data["number"]
    parse_number(number)  # a valid number
    assert data["replayed"] is False
    assert data["tracking_url"] == f"https://aduan.jakarta-selatan.example/lacak/{number}"
    assert data["receipt_url"].startswith("/tanda-terima/")
    assert data["office"] == "Kelurahan Tebet Timur"  # no preset: the kelurahan it concerns
    assert data["category"] == "Jalan rusak / berlubang"
    assert datetime.fromisoformat(data["submitted_at"]).utcoffset().total_seconds() == 7 * 3600
    # No session, no CSRF token, and none handed out either.
    assert "Set-Cookie" not in first.headers

    again = client.post(URL, json=body)
    assert again.status_code == 200
    assert again.get_json()["number"] == number and again.get_json()["replayed"] is True
    assert count_complaints(app) == 1
    with app.app_context():
        c = db.session.execute(select(Complaint)).scalar_one()
        assert (c.channel, c.kiosk_id, c.language) == ("phone", None, "id")
        assert c.reporter_phone == "+6281234567890"
        assert c.received_at is not None and c.submitted_at == c.received_at  # phones: numbered on arrival


def test_a_replay_with_another_device_time_is_the_same_report(app, client):
    """Two triggers may stamp the send differently; the answers are what count."""
    body = report()
    number = client.post(URL, json=body).get_json()["number"]
    body["created_at"] = "2026-05-04T09:17:31+07:00"
    again = client.post(URL, json=body)
    assert again.status_code == 200 and again.get_json()["number"] == number


def test_the_same_key_with_changed_answers_is_refused(app, client):
    body = report()
    assert client.post(URL, json=body).status_code == 201
    changed = {**body, "answers": answers(description="Jalan berlubang dan tergenang air setiap hujan turun.")}
    r = client.post(URL, json=changed)
    assert r.status_code == 422
    data = r.get_json()
    assert data["conflict"] is True
    assert data["errors"]["idempotency_key"].startswith("Laporan ini sudah pernah dikirim dengan jawaban yang berbeda")
    assert count_complaints(app) == 1


def test_an_office_preset_is_the_intake_office_and_an_unknown_one_is_ignored(app, client):
    r = client.post(URL, json={**report(), "office": "0100"})
    assert r.status_code == 201 and r.get_json()["office"] == "Kecamatan Tebet"
    r = client.post(URL, json={**report(), "office": "9999"})
    assert r.status_code == 201 and r.get_json()["office"] == "Kelurahan Tebet Timur"


def test_english_report_answers_in_english(client):
    r = client.post(URL, json=report(language="en"))
    assert r.status_code == 201
    assert r.get_json()["category"] != "Jalan rusak / berlubang"
    assert r.headers["Content-Language"] == "en"


# --- exactly once under concurrent replays ------------------------------------------------

def test_concurrent_replays_of_one_key_store_one_complaint(app):
    """The page's `online` handler and Background Sync fire together, and more."""
    body = report()
    n = 8
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def send(i):
        client = app.test_client()
        barrier.wait(timeout=30)
        r = client.post(URL, json=body)
        results[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(code for code, _ in results)
    assert statuses == [200] * (n - 1) + [201], results
    assert len({data["number"] for _, data in results}) == 1
    assert sum(1 for _, data in results if not data["replayed"]) == 1
    assert count_complaints(app) == 1


# --- validation: every problem, per field, in the user's language ----------------------------

def test_invalid_answers_are_422_per_field_in_indonesian(app, client):
    body = report(category="NO_SUCH", kelurahan="9999", description="pendek", phone="12345", nik="123",
                  email="siti@", rt="abcd", consent=False)
    r = client.post(URL, json=body)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert set(errors) == {"category", "kelurahan", "description", "phone", "nik", "email", "rt", "consent"}
    assert errors["category"] == "Silakan pilih salah satu jenis masalah yang ada."
    assert errors["kelurahan"] == "Silakan pilih kelurahan di Jakarta Selatan dari daftar."
    assert errors["nik"] == "NIK terdiri dari 16 angka, sesuai yang tertulis di KTP Anda."
    assert errors["rt"] == "RT dan RW diisi angka, paling banyak 3 angka, misalnya 005."
    assert errors["description"] == "Mohon tulis sedikit lebih banyak: paling sedikit 10 karakter."
    assert errors["phone"].startswith("Tulis nomor ponsel Indonesia")
    assert count_complaints(app) == 0
    # The same in English when the report was made in English.
    r = client.post(URL, json={**body, "language": "en"})
    assert r.get_json()["errors"]["nik"] == "A NIK has exactly 16 digits, as on your KTP."


def test_an_anonymous_report_keeps_no_identity(app, client):
    r = client.post(URL, json=report(identity="anonymous"))
    assert r.status_code == 201
    with app.app_context():
        c = db.session.execute(select(Complaint)).scalar_one()
        assert (c.reporter_name, c.reporter_phone, c.reporter_email, c.reporter_nik) == (None, None, None, None)


# --- the request itself: type, shape, size --------------------------------------------------

def test_not_json_is_415(client):
    r = client.post(URL, data={"idempotency_key": "abc"})
    assert r.status_code == 415
    assert r.get_json()["error"] == "Kirim laporan sebagai JSON (Content-Type: application/json)."


def test_malformed_json_is_400(client):
    r = client.post(URL, data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert "bukan JSON yang sah" in r.get_json()["error"]


@pytest.mark.parametrize("change, field", [
    ({"answers": "semua"}, "answers"),
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"idempotency_key": "k" * 65}, "idempotency_key"),
    ({"idempotency_key": 42}, "idempotency_key"),
    ({"language": "fr"}, "language"),
    ({"created_at": "kemarin"}, "created_at"),
    ({"photo": "foto.jpg"}, "photo"),
    ({"office": 100}, "office"),
])
def test_a_wrong_shape_is_400_naming_the_field(app, client, change, field):
    r = client.post(URL, json={**report(), **change})
    assert r.status_code == 400
    assert field in r.get_json()["errors"]
    assert r.get_json()["error"] == "Laporan tidak lengkap atau formatnya salah."
    assert count_complaints(app) == 0


def test_wrong_answer_types_are_400(client):
    r = client.post(URL, json=report(consent="ya", rt=5))
    assert r.status_code == 400
    assert set(r.get_json()["errors"]) == {"consent", "rt"}


def test_shape_errors_follow_accept_language_without_a_language(client):
    body = {k: v for k, v in report().items() if k != "language"}
    body["answers"] = []
    r = client.post(URL, json=body, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert r.status_code == 400
    assert r.get_json()["error"] == "The report is incomplete or in the wrong format."


def test_a_body_over_the_limit_is_413(api_settings, client):
    api_settings["MAX_CONTENT_LENGTH"] = 2000
    r = client.post(URL, json=report(description="x" * 3000))
    assert r.status_code == 413
    assert r.get_json()["error"] == "Laporan terlalu besar. Pilih foto yang lebih kecil."


# --- the photo ----------------------------------------------------------------------------

def test_a_photo_is_stored_without_its_metadata(app, client):
    raw = jpeg_with_gps()
    assert b"PhoneMaker" in raw
    r = client.post(URL, json=report(photo={"mime": "image/jpeg", "data": base64.b64encode(raw).decode()}))
    assert r.status_code == 201
    with app.app_context():
        stored = db.session.execute(select(ComplaintPhoto)).scalar_one()
        assert stored.mime == "image/jpeg" and b"PhoneMaker" not in stored.data
        assert Image.open(io.BytesIO(stored.data)).getexif().get(0x8825) is None


def test_a_replay_with_its_photo_is_the_same_report(app, client):
    """The photo is re-encoded on every delivery: the same bytes must come out."""
    photo = {"mime": "image/jpeg", "data": "data:image/jpeg;base64," + base64.b64encode(jpeg_with_gps()).decode()}
    body = report(photo=photo)
    first = client.post(URL, json=body)
    assert first.status_code == 201
    again = client.post(URL, json=body)
    assert again.status_code == 200 and again.get_json()["number"] == first.get_json()["number"]
    other = {**body, "photo": {"mime": "image/jpeg", "data": base64.b64encode(_jpeg("blue")).decode()}}
    assert client.post(URL, json=other).get_json().get("conflict") is True
    assert count_complaints(app) == 1


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def test_a_photo_that_is_not_one_is_422_with_the_other_problems(app, client):
    bad = {"mime": "image/jpeg", "data": base64.b64encode(b"not a picture at all").decode()}
    r = client.post(URL, json=report(photo=bad, nik="123"))
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert set(errors) == {"photo", "nik"}
    assert errors["photo"].startswith("Berkas ini bukan foto")
    r = client.post(URL, json=report(photo={"mime": "image/gif", "data": "R0lGODlh"}))
    assert r.status_code == 422 and "photo" in r.get_json()["errors"]
    r = client.post(URL, json=report(photo={"mime": "image/jpeg", "data": "***"}))
    assert r.status_code == 422 and "photo" in r.get_json()["errors"]
    assert count_complaints(app) == 0


# --- Origin -----------------------------------------------------------------------------------

@pytest.mark.parametrize("origin", ["https://evil.example", "null", "https://aduan.jakarta-selatan.example.evil.id"])
def test_a_foreign_origin_is_403(app, client, origin):
    r = client.post(URL, json=report(), headers={"Origin": origin})
    assert r.status_code == 403
    assert r.get_json()["error"] == "Permintaan dari situs web lain tidak diterima."
    assert count_complaints(app) == 0


@pytest.mark.parametrize("origin", ["https://aduan.jakarta-selatan.example", "http://localhost"])
def test_our_own_origin_is_accepted(client, origin):
    # PUBLIC_BASE_URL, or the host the request came to (the test client's is localhost).
    assert client.post(URL, json=report(), headers={"Origin": origin}).status_code == 201


# --- rate limit -----------------------------------------------------------------------------

def test_rate_limit_per_address_is_429_with_retry_after(api_settings, app, client):
    api_settings["RATELIMIT_API_PHONE"] = "2 per minute"
    for _ in range(2):
        assert client.post(URL, json=report()).status_code == 201
    r = client.post(URL, json=report())
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.get_json()["error"] == "Terlalu banyak percobaan. Mohon tunggu sebentar, lalu coba lagi."
    r = client.post(URL, json=report(language="en"))
    assert r.status_code == 429 and r.get_json()["error"].startswith("Too many attempts")
    # Another address (another phone) is not held back.
    other = client.post(URL, json=report(), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201
    assert count_complaints(app) == 3
