"""Number leases for offline kiosks (backend/leases.py) and their path through intake."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import intake, leases
from backend.extensions import db
from backend.models import Complaint, Kiosk, NumberLease, utcnow
from backend.numbering import format_number


def kiosk(code="tebet-timur") -> Kiosk:
    return db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one()


def request(**changes) -> intake.IntakeRequest:
    fields = dict(idempotency_key=uuid.uuid4().hex, channel="kiosk", category_code="JALAN_RUSAK",
                  kelurahan_code="0101", description="Lubang besar di depan sekolah, berbahaya untuk anak.",
                  identity="anonymous", consent=True, kiosk_code="tebet-timur")
    fields.update(changes)
    return intake.IntakeRequest(**fields)


def test_fingerprint_leaves_out_delivery_details_and_keeps_old_hashes():
    req = request()
    # The hash as computed before leased_number and device_created_at existed.
    old = asdict(req)
    for name in ("idempotency_key", "photo", "leased_number", "device_created_at"):
        old.pop(name)
    old["photo_sha256"] = None
    legacy = hashlib.sha256(json.dumps(old, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    assert req.fingerprint() == legacy
    assert request(idempotency_key=req.idempotency_key, leased_number="0101-26-00001-5",
                   device_created_at=utcnow()).fingerprint() == legacy
    assert request(description="Something else entirely, a fallen tree.").fingerprint() != legacy


def test_refill_takes_a_block_and_tops_it_up(app_ctx):
    app_ctx.config["KIOSK_LEASE_SIZE"] = 4
    try:
        k = kiosk()
        first = leases.refill(k)
        assert [n.sequence for n in first] == [1, 2, 3, 4]
        assert leases.refill(k) == first
        for n in first[:3]:  # 1 of 4 left: fewer than half
            intake.submit(request(leased_number=str(n)))
        topped = leases.refill(k)
        assert [n.sequence for n in topped] == [4, 5, 6, 7]
    finally:
        app_ctx.config["KIOSK_LEASE_SIZE"] = 10


def test_check_finds_the_lease_of_this_kiosk_only(app_ctx):
    numbers = leases.refill(kiosk())
    found = leases.check("tebet-timur", str(numbers[3]).replace("-", ""))  # typed without dashes
    assert found.number == numbers[3] and found.lease.first_sequence == 1
    for code in ("tebet", None, "no-such-kiosk"):
        with pytest.raises(leases.LeaseInvalid) as exc:
            leases.check(code, str(numbers[3]))
        assert exc.value.message == leases.NOT_LEASED
    with pytest.raises(leases.LeaseInvalid) as exc:
        leases.check("tebet-timur", "0101-26")
    assert exc.value.message == leases.SHAPE


def test_intake_time_is_the_device_time_within_bounds(app_ctx):
    now = utcnow()
    block = NumberLease(leased_at=now - timedelta(days=30))
    assert leases.intake_time(block, now - timedelta(hours=3), now) == now - timedelta(hours=3)
    assert leases.intake_time(block, now - timedelta(days=20), now) == now - timedelta(days=7)
    assert leases.intake_time(block, now + timedelta(days=1), now) == now
    assert leases.intake_time(block, None, now) == now
    recent = NumberLease(leased_at=now - timedelta(hours=1))
    assert leases.intake_time(recent, now - timedelta(days=2), now) == now - timedelta(hours=1)


def test_submit_with_a_leased_number_and_a_second_use(app_ctx):
    number = str(leases.refill(kiosk())[0])
    printed = utcnow() - timedelta(minutes=10)
    db.session.execute(select(NumberLease)).scalar_one().leased_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    req = request(leased_number=number, device_created_at=printed)
    result = intake.submit(req)
    assert result.complaint.number == number and not result.replayed
    assert result.complaint.submitted_at == printed
    assert intake.submit(req).replayed  # the same delivery again
    with pytest.raises(intake.IntakeInvalid) as exc:
        intake.submit(request(leased_number=number))
    assert exc.value.errors == {"leased_number": leases.TAKEN}
    assert db.session.execute(select(Complaint.number)).scalars().all() == [number]


def test_a_number_from_the_counter_is_never_accepted_as_leased(app_ctx):
    online = intake.submit(request()).complaint.number  # numbered online: no lease holds it
    with pytest.raises(intake.IntakeInvalid) as exc:
        intake.submit(request(leased_number=format_number("0101", int(online[5:7]), 2)))
    assert exc.value.errors == {"leased_number": leases.NOT_LEASED}
