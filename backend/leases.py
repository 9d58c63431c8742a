"""Blocks of complaint numbers leased to kiosks for offline intake.

A kiosk whose network is down must still give the citizen a valid number and
a printed receipt. While online it asks for numbers (POST /k/<code>/api/nomor,
`refill`): the numbers of its leases that no complaint has yet, topped up with
a new block from the office's counter (`numbering.allocate(count=n)`) when
fewer than half of KIOSK_LEASE_SIZE remain. Offline it prints the next one and
queues the complaint; on delivery (`check`, called by the intake service) the
number is accepted only if it lies in a lease of *this* kiosk and no complaint
has it yet. The unique number column is the last guard against a second use.
A leased number linked to a complaint stored under another number (an alias,
backend/aliases.py) counts as used too.

The server cannot know which numbers an offline kiosk has printed but not yet
delivered: a refill returns them as unused, and the kiosk drops the ones in
its own queue. Numbers a kiosk never uses are gaps in the sequence, as a
receipt roll's unused numbers would be.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend import numbering
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Complaint, ComplaintNumberAlias, Kiosk, KioskDeliveryRefusal, NumberLease, utcnow
from backend.numbering import ComplaintNumber, NumberError

WIB = ZoneInfo("Asia/Jakarta")

SHAPE = _l("This is not a valid complaint number.")
NOT_LEASED = _l("This number was not given to this kiosk.")
TAKEN = _l("This number is already on another report.")


class LeaseInvalid(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Leased:
    number: ComplaintNumber
    lease: NumberLease


def number_taken(typed: str) -> bool:
    try:
        number = str(numbering.parse_number(typed))
    except NumberError:
        return False
    if db.session.execute(select(Complaint.id).filter_by(number=number)).first() is not None:
        return True
    return db.session.execute(select(ComplaintNumberAlias.id).filter_by(number=number)).first() is not None


def check(kiosk_code: str | None, typed: str) -> Leased:
    """The lease of this kiosk that holds `typed`, if no complaint has it yet; else LeaseInvalid."""
    try:
        parsed = numbering.parse_number(typed)
    except NumberError:
        raise LeaseInvalid(SHAPE) from None
    kiosk = db.session.execute(select(Kiosk).filter_by(code=kiosk_code)).scalar_one_or_none() if kiosk_code else None
    lease = None
    if kiosk is not None:
        # Closed leases count too: a number printed before the block was closed
        # (or before New Year) is still delivered.
        lease = db.session.execute(
            select(NumberLease).where(
                NumberLease.kiosk_id == kiosk.id, NumberLease.office_code == parsed.office_code,
                NumberLease.year == parsed.year, NumberLease.first_sequence <= parsed.sequence,
                NumberLease.last_sequence >= parsed.sequence,
            )
        ).scalars().first()
    if lease is None:
        raise LeaseInvalid(NOT_LEASED)
    if number_taken(str(parsed)):
        raise LeaseInvalid(TAKEN)
    return Leased(parsed, lease)


def intake_time(lease: NumberLease, device_time: datetime | None, now: datetime) -> datetime:
    """When an offline complaint came in: the kiosk's clock, as its printed
    receipt showed, but never before the lease, more than KIOSK_OFFLINE_MAX_DAYS
    ago, or in the future (a kiosk clock can be wrong)."""
    if device_time is None:
        return now
    earliest = max(lease.leased_at, now - timedelta(days=current_app.config["KIOSK_OFFLINE_MAX_DAYS"]))
    return min(max(device_time, earliest), now)


def _unused(session, kiosk: Kiosk, year: int, now: datetime) -> list[ComplaintNumber]:
    """The unused numbers of the kiosk's open leases of `year`, in order; closes
    leases that have none left or that no refill will hand out again."""
    open_leases = session.execute(
        select(NumberLease).where(NumberLease.kiosk_id == kiosk.id, NumberLease.closed_at.is_(None))
        .order_by(NumberLease.year, NumberLease.first_sequence)
    ).scalars().all()
    current, blocks = [], {}
    for lease in open_leases:
        if lease.year != year or lease.office_code != kiosk.office.code:
            lease.closed_at = now  # a past year, or the kiosk moved office: never handed out again
            continue
        current.append(lease)
        blocks[lease.id] = [ComplaintNumber(lease.office_code, lease.year, s)
                            for s in range(lease.first_sequence, lease.last_sequence + 1)]
    wanted = [str(n) for numbers in blocks.values() for n in numbers]
    used = set(session.execute(select(Complaint.number).where(Complaint.number.in_(wanted))).scalars()) \
        if wanted else set()
    if wanted:  # numbers linked to a complaint stored under another number (backend/aliases.py)
        used |= set(session.execute(select(ComplaintNumberAlias.number)
                                    .where(ComplaintNumberAlias.number.in_(wanted))).scalars())
        # ... and numbers printed on a receipt whose delivery was refused (backend/delivery_refusals.py):
        # a citizen holds each, so a kiosk that lost its own list (reinstalled) must not print it again.
        used |= set(session.execute(select(KioskDeliveryRefusal.leased_number)
                                    .where(KioskDeliveryRefusal.leased_number.in_(wanted))).scalars())
    unused = []
    for lease in current:
        left = [n for n in blocks[lease.id] if str(n) not in used]
        if not left:
            lease.closed_at = now
        unused.extend(left)
    return unused


def refill(kiosk: Kiosk, now: datetime | None = None) -> list[ComplaintNumber]:
    """This kiosk's leased numbers that are still unused, topped up to
    KIOSK_LEASE_SIZE with a new block when fewer than half remain."""
    now = now or utcnow()
    size = current_app.config["KIOSK_LEASE_SIZE"]
    year = now.astimezone(WIB).year % 100
    with immediate_transaction() as session:
        # One refill per kiosk at a time (PostgreSQL; SQLite's write lock already
        # serialises), so that two at once do not both take a block.
        session.execute(select(Kiosk.id).where(Kiosk.id == kiosk.id).with_for_update())
        numbers = _unused(session, kiosk, year, now)
        if 2 * len(numbers) < size:
            count = size - len(numbers)
            office_code = kiosk.office.code
            first = numbering.allocate(session.connection(), office_code, year, count=count)
            session.add(NumberLease(kiosk_id=kiosk.id, office_code=office_code, year=year, first_sequence=first,
                                    last_sequence=first + count - 1, leased_at=now))
            numbers += [ComplaintNumber(office_code, year, s) for s in range(first, first + count)]
    return numbers
