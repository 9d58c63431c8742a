"""Kiosk endpoints: offline replays with leased numbers, and lease refills."""
from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Complaint, Kiosk, NumberLease, utcnow
from backend.numbering import format_number, parse_number
from kiosk.devices import COOKIE
from printing.qr import qr_bits
from tests.kiosk.test_api import api_settings, count_complaints, report  # noqa: F401 (fixture)

WIB = ZoneInfo("Asia/Jakarta")
KIOSK = "tebet-timur"
TOKEN = "device-token-of-tebet-timur"


def submit_url(code=KIOSK):
    return f"/k/{code}/api/laporan"


def lease_url(code=KIOSK):
    return f"/k/{code}/api/nomor"


def this_year() -> int:
    return utcnow().astimezone(WIB).year % 100


@pytest.fixture
def paired(app, client):
    """tebet-timur paired to this test client's device."""
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code=KIOSK)).scalar_one()
        kiosk.device_token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
        db.session.commit()
    client.set_cookie(COOKIE, TOKEN, path=f"/k/{KIOSK}/")
    return client


def lease(client, code=KIOSK) -> list[str]:
    r = client.post(lease_url(code))
    assert r.status_code == 200, r.get_json()
    return [n["number"] for n in r.get_json()["numbers"]]


def leases_of(app, code=KIOSK) -> list[NumberLease]:
    with app.app_context():
        return db.session.execute(
            select(NumberLease).join(Kiosk, Kiosk.id == NumberLease.kiosk_id).where(Kiosk.code == code)
            .order_by(NumberLease.id)
        ).scalars().all()


# --- the device -------------------------------------------------------------------------

def test_a_paired_kiosk_answers_only_its_device(app, client, paired):
    stranger = app.test_client()
    for url in (submit_url(), lease_url()):
        r = stranger.post(url, json=report())
        assert r.status_code == 403
        assert r.get_json()["error"].startswith("Perangkat ini bukan perangkat yang dipasangkan")
    assert paired.post(submit_url(), json=report()).status_code == 201
    assert count_complaints(app) == 1


def test_an_unpaired_kiosk_is_refused_when_pairing_is_required(api_settings, client):
    api_settings["KIOSK_REQUIRE_PAIRING"] = True
    assert client.post(submit_url(), json=report()).status_code == 403
    assert client.post(lease_url()).status_code == 403


def test_an_unknown_kiosk_is_404(client):
    r = client.post(submit_url("no-such-kiosk"), json=report())
    assert r.status_code == 404 and r.get_json()["error"] == "Tidak ada kios dengan kode ini."


def test_a_kiosk_report_without_a_leased_number_is_numbered_now(app, paired):
    r = paired.post(submit_url(), json=report())
    assert r.status_code == 201
    assert r.get_json()["office"] == "Kelurahan Tebet Timur"
    with app.app_context():
        c = db.session.execute(select(Complaint)).scalar_one()
        assert c.channel == "kiosk" and c.kiosk.code == KIOSK


# --- lease refills -------------------------------------------------------------------------

def test_a_refill_hands_out_a_block_with_printable_qr_codes(app, paired):
    r = paired.post(lease_url())
    assert r.status_code == 200
    data = r.get_json()
    assert data["office"] == {"code": "0101", "name": "Kelurahan Tebet Timur",
                              "address": "Kecamatan Tebet, Jakarta Selatan 12820"}
    numbers = data["numbers"]
    assert len(numbers) == app.config["KIOSK_LEASE_SIZE"] == 10
    parsed = [parse_number(n["number"]) for n in numbers]
    assert [p.sequence for p in parsed] == list(range(1, 11))
    assert {(p.office_code, p.year) for p in parsed} == {("0101", this_year())}
    first = numbers[0]
    assert first["tracking_url"] == f"https://aduan.jakarta-selatan.example/lacak/{first['number']}"
    # The QR code's modules, packed (printing/qr.py qr_bits): the page draws the SVG itself.
    assert first["qr"] == qr_bits(first["tracking_url"]) and "qr_svg" not in first
    # Asked again: the same numbers, no second block.
    assert lease(paired) == [n["number"] for n in numbers]
    assert len(leases_of(app)) == 1


def test_a_refill_tops_up_when_fewer_than_half_remain(app, paired):
    numbers = lease(paired)
    for n in numbers[:5]:  # 5 of 10 left: not fewer than half
        assert paired.post(submit_url(), json={**report(), "leased_number": n}).status_code == 201
    assert lease(paired) == numbers[5:]
    assert paired.post(submit_url(), json={**report(), "leased_number": numbers[5]}).status_code == 201
    topped = lease(paired)  # 4 left: topped up to 10 with a new block
    assert topped[:4] == numbers[6:]
    assert len(topped) == 10 and len(set(topped)) == 10
    assert [parse_number(n).sequence for n in topped[4:]] == list(range(11, 17))
    blocks = leases_of(app)
    assert [(b.first_sequence, b.last_sequence) for b in blocks] == [(1, 10), (11, 16)]
    # Online intake on the same office's counter continues after the leased blocks.
    online = paired.post(submit_url(), json=report()).get_json()["number"]
    assert parse_number(online).sequence == 17


def test_a_used_up_block_is_closed_and_a_past_year_is_not_handed_out_again(app, paired):
    numbers = lease(paired)
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code=KIOSK)).scalar_one()
        old_year = (this_year() - 1) % 100
        db.session.add(NumberLease(kiosk_id=kiosk.id, office_code="0101", year=old_year, first_sequence=900,
                                   last_sequence=909, leased_at=utcnow() - timedelta(days=3)))
        db.session.commit()
    for n in numbers:
        assert paired.post(submit_url(), json={**report(), "leased_number": n}).status_code == 201
    fresh = lease(paired)
    assert {parse_number(n).year for n in fresh} == {this_year()}
    assert [parse_number(n).sequence for n in fresh] == list(range(11, 21))
    closed = {(b.year, b.first_sequence): b.closed_at is not None for b in leases_of(app)}
    assert closed == {(this_year(), 1): True, (old_year, 900): True, (this_year(), 11): False}
    # A number printed from last year's block before New Year is still delivered.
    late = format_number("0101", old_year, 903)
    r = paired.post(submit_url(), json={**report(), "leased_number": late})
    assert r.status_code == 201 and r.get_json()["number"] == late


def test_an_out_of_service_kiosk_gets_no_numbers_but_still_delivers(app, paired):
    numbers = lease(paired)
    with app.app_context():
        db.session.execute(select(Kiosk).filter_by(code=KIOSK)).scalar_one().active = False
        db.session.commit()
    r = paired.post(lease_url())
    assert r.status_code == 403 and r.get_json()["error"] == "Kios ini sedang tidak melayani."
    r = paired.post(submit_url(), json={**report(), "leased_number": numbers[0]})
    assert r.status_code == 201 and r.get_json()["number"] == numbers[0]


# --- leased numbers on delivery ------------------------------------------------------------------

def backdate_leases(app, hours: float = 2) -> None:
    """Leases are taken while online, before the network goes down."""
    with app.app_context():
        for block in db.session.execute(select(NumberLease)).scalars():
            block.leased_at = block.leased_at - timedelta(hours=hours)
        db.session.commit()


def test_a_leased_number_is_used_once_with_the_time_on_its_receipt(app, paired):
    number = lease(paired)[0]
    backdate_leases(app)
    printed_at = (utcnow() - timedelta(minutes=40)).replace(microsecond=0)
    body = {**report(), "leased_number": number, "created_at": printed_at.isoformat()}
    r = paired.post(submit_url(), json=body)
    assert r.status_code == 201
    data = r.get_json()
    assert data["number"] == number and data["replayed"] is False
    assert datetime.fromisoformat(data["submitted_at"]) == printed_at
    with app.app_context():
        c = db.session.execute(select(Complaint)).scalar_one()
        assert c.submitted_at == printed_at and c.received_at > printed_at
        assert c.events[0].at == printed_at  # the timeline starts when the citizen was there
    # The same report again (the network came back twice): the same complaint.
    again = paired.post(submit_url(), json=body)
    assert again.status_code == 200 and again.get_json()["number"] == number
    # Another report with the same number: refused, on that field.
    r = paired.post(submit_url(), json={**report(), "leased_number": number})
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"leased_number": "Nomor ini sudah dipakai untuk laporan lain."}
    assert count_complaints(app) == 1


def test_a_leased_number_is_accepted_only_from_its_own_kiosk(app, paired):
    number = lease(paired)[0]
    other = app.test_client()  # cilandak-barat is unpaired: open in development
    r = other.post(submit_url("cilandak-barat"), json={**report(), "leased_number": number})
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"leased_number": "Nomor ini tidak diberikan kepada kios ini."}
    # Nor from a phone (the phone endpoint ignores it, and numbers the report itself).
    r = other.post("/api/v1/laporan", json={**report(), "leased_number": number})
    assert r.status_code == 201 and r.get_json()["number"] != number
    assert count_complaints(app) == 1


@pytest.mark.parametrize("typed, message", [
    (lambda: format_number("0101", this_year(), 4321), "Nomor ini tidak diberikan kepada kios ini."),
    (lambda: mistyped(format_number("0101", this_year(), 1)), "Ini bukan nomor aduan yang sah."),
    (lambda: "12345", "Ini bukan nomor aduan yang sah."),
])
def test_a_number_not_leased_or_mistyped_is_422(app, paired, typed, message):
    lease(paired)
    r = paired.post(submit_url(), json={**report(), "leased_number": typed()})
    assert r.status_code == 422 and r.get_json()["errors"] == {"leased_number": message}
    assert count_complaints(app) == 0


def mistyped(number: str) -> str:
    """The leased number with its check digit wrong (a typing mistake)."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize("offset, expected", [
    (timedelta(days=-30), "lease"),  # a kiosk clock far behind: not before the lease
    (timedelta(hours=5), "now"),  # a clock ahead: not in the future
])
def test_the_device_time_is_clamped(app, paired, offset, expected):
    number = lease(paired)[0]
    leased_at = leases_of(app)[0].leased_at
    before = utcnow()
    r = paired.post(submit_url(), json={**report(), "leased_number": number,
                                        "created_at": (utcnow() + offset).isoformat()})
    assert r.status_code == 201
    with app.app_context():
        c = db.session.execute(select(Complaint)).scalar_one()
        if expected == "lease":
            assert c.submitted_at == leased_at
        else:
            assert before <= c.submitted_at <= c.received_at


def test_two_reports_with_one_leased_number_at_once_store_one(app, paired):
    number = lease(paired)[0]
    cookie = paired.get_cookie(COOKIE, path=f"/k/{KIOSK}/").value
    n = 6
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def send(i):
        client = app.test_client()
        client.set_cookie(COOKIE, cookie, path=f"/k/{KIOSK}/")
        barrier.wait(timeout=30)
        r = client.post(submit_url(), json={**report(), "leased_number": number})
        results[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(code for code, _ in results) == [201] + [422] * (n - 1), results
    assert all(data["errors"] == {"leased_number": "Nomor ini sudah dipakai untuk laporan lain."}
               for code, data in results if code == 422)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Complaint)
                                  .filter_by(number=number)).scalar_one() == 1


def test_concurrent_refills_take_one_block(app, paired):
    cookie = paired.get_cookie(COOKIE, path=f"/k/{KIOSK}/").value
    n = 4
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def ask(i):
        client = app.test_client()
        client.set_cookie(COOKIE, cookie, path=f"/k/{KIOSK}/")
        barrier.wait(timeout=30)
        r = client.post(lease_url())
        results[i] = (r.status_code, [x["number"] for x in r.get_json()["numbers"]])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert {code for code, _ in results} == {200}
    assert len({tuple(numbers) for _, numbers in results}) == 1
    assert len(leases_of(app)) == 1


# --- rate limits per kiosk ---------------------------------------------------------------------

def test_kiosk_limits_count_per_kiosk_not_per_address(api_settings, client):
    api_settings["RATELIMIT_API_KIOSK"] = "2 per minute"
    for _ in range(2):
        assert client.post(submit_url("tebet"), json=report()).status_code == 201
    r = client.post(submit_url("tebet"), json=report())
    assert r.status_code == 429 and "Retry-After" in r.headers
    # Another kiosk of the same address (the same office network) carries on.
    assert client.post(submit_url("walikota-lobi"), json=report()).status_code == 201
