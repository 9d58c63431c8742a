"""The intake service: one transaction turns a validated complaint into a
numbered row, its first timeline event and its CRM outbox row.

Every channel (kiosk, phone, officer, offline replay) comes through
`submit`. It is idempotent on the key the device made when the flow started:
the same key with the same answers returns the stored complaint; the same key
with different answers is refused (`IdempotencyConflict`).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from backend import leases, numbering, validation, workdays
from backend.database import immediate_transaction
from backend.extensions import db
from backend.monitoring import rollup
from backend.models import (
    Category,
    Complaint,
    ComplaintPhoto,
    Draft,
    Kiosk,
    Office,
    OfficeKind,
    OutboxItem,
    StatusEvent,
    utcnow,
)
from backend.photos import CleanPhoto
from backend.routing import Route, route
from backend.statuses import Channel, Identity, Status

WIB = ZoneInfo("Asia/Jakarta")
ASSISTED_CHANNELS = frozenset({Channel.DESK, Channel.TELEPHONE, Channel.LETTER})
CONSENT_VERSION = "pdp-2024-1"  # bump when the privacy notice text changes


class IdempotencyConflict(Exception):
    """The key was already used for a different complaint."""


class IntakeInvalid(Exception):
    def __init__(self, errors: dict[str, object]):
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass
class IntakeRequest:
    idempotency_key: str
    channel: str
    category_code: str
    kelurahan_code: str
    description: str
    identity: str
    consent: bool
    address: str = ""
    rt: str = ""
    rw: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    nik: str = ""
    language: str = "id"
    kiosk_code: str | None = None
    office_code: str | None = None  # intake office when not at a kiosk
    officer_id: int | None = None  # the officer typing it in (assisted channels)
    photo: CleanPhoto | None = field(default=None, repr=False)
    # Offline kiosk replays (kiosk/api): the number the kiosk printed from its
    # leased block, and the device's time of the send tap (aware datetime).
    leased_number: str | None = None
    device_created_at: datetime | None = None

    def fingerprint(self) -> str:
        """A hash of the answers, to tell a replay from a different complaint.

        Delivery details are left out: a replay of the same answers is the same
        complaint even if a second trigger stamped another device time, or if
        the kiosk numbered it offline after an online try whose answer was lost
        (it gets the stored number back). Leaving them out also keeps the
        hashes of complaints stored before these fields existed.
        """
        fields = asdict(self)
        for name in ("idempotency_key", "photo", "leased_number", "device_created_at"):
            fields.pop(name)
        fields["photo_sha256"] = hashlib.sha256(self.photo.data).hexdigest() if self.photo else None
        blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    replayed: bool


# Built once: constructing a statement costs about as much as running it on SQLite.
# With what routing (the agency) and the receipt (the kecamatan) read next: one
# round trip each instead of two.
_BY_KEY = select(Complaint).where(Complaint.idempotency_key == bindparam("key"))
_CATEGORY = (select(Category).filter_by(active=True).where(Category.code == bindparam("code"))
             .options(joinedload(Category.agency)))
_KELURAHAN = (select(Office).where(Office.code == bindparam("code"), Office.kind == OfficeKind.KELURAHAN)
              .options(joinedload(Office.parent)))
_KIOSK = select(Kiosk).where(Kiosk.code == bindparam("code"))
_OFFICE = select(Office).where(Office.code == bindparam("code"))
# The first event and the outbox row as plain inserts (column defaults apply):
# the ORM's unit of work would cost more than the two rows.
_FIRST_EVENT = insert(StatusEvent.__table__)
_OUTBOX = insert(OutboxItem.__table__)


def _check(errors: dict, name: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except validation.Invalid as exc:
        errors[name] = exc.message
        return None


def validate(req: IntakeRequest) -> dict:
    """Check everything; return clean values or raise IntakeInvalid with all errors."""
    errors: dict[str, object] = {}
    clean: dict = {}
    clean["category"] = db.session.execute(_CATEGORY, {"code": req.category_code}).scalar_one_or_none()
    if clean["category"] is None:
        errors["category"] = _l("Choose one of the categories shown.")
    clean["kelurahan"] = db.session.execute(_KELURAHAN, {"code": req.kelurahan_code}).scalar_one_or_none()
    if clean["kelurahan"] is None:
        errors["kelurahan"] = _l("Choose a kelurahan in South Jakarta from the list.")
    clean["address"] = _check(errors, "address", validation.text, req.address, required=False,
                              max_chars=validation.ADDRESS_MAX)
    clean["rt"] = _check(errors, "rt", validation.rt_rw, req.rt)
    clean["rw"] = _check(errors, "rw", validation.rt_rw, req.rw)
    clean["description"] = _check(
        errors, "description", validation.text, req.description, required=True,
        max_chars=current_app.config["DESCRIPTION_MAX_CHARS"], min_chars=validation.DESCRIPTION_MIN,
    )
    if req.identity not in set(Identity):
        errors["identity"] = _l("Choose how you want to report.")
    if req.channel not in set(Channel):
        errors["channel"] = _l("Unknown channel.")
    elif (req.channel in ASSISTED_CHANNELS) != (req.officer_id is not None) and not _officer_completes_kiosk(req):
        # Desk, telephone and letter are typed by an officer, who is recorded; self-service never is,
        # but for a kiosk's refused offline report that an officer completes (backend/delivery_refusals.py).
        errors["channel"] = _l("An assisted complaint names the officer who typed it in.")
    if req.identity == Identity.ANONYMOUS:
        # Anonymous reports keep no identity at all, not even here (FixMyStreet #524).
        clean.update(name=None, phone=None, email=None, nik=None)
    else:
        clean.update(check_reporter(errors, {"name": req.name, "phone": req.phone, "email": req.email,
                                             "nik": req.nik}, officer_id=req.officer_id))
    if not req.consent:
        errors["consent"] = _l("Please read the privacy notice and tap to agree before sending.")
    if not req.idempotency_key or len(req.idempotency_key) > 64:
        errors["idempotency_key"] = _l("This form has expired. Please start again.")
    if req.leased_number is not None:
        try:
            leases.check(req.kiosk_code, req.leased_number)  # again under the write lock in _store
        except leases.LeaseInvalid as exc:
            errors["leased_number"] = exc.message
    if errors:
        raise IntakeInvalid(errors)
    return clean


def _officer_completes_kiosk(req: IntakeRequest) -> bool:
    return req.channel == Channel.KIOSK and req.kiosk_code is not None and req.officer_id is not None


def check_reporter(errors: dict, answers: dict, *, officer_id: int | None = None) -> dict:
    """The reporter's name, phone, email and NIK, checked as every path checks
    them (intake, the officer's correction at the citizen's request): the
    clean values by key, messages added to `errors`. Typed by an officer
    (`officer_id`): the officer's own phone or email is refused."""
    clean = {
        "name": _check(errors, "name", validation.text, answers.get("name"), required=False,
                       max_chars=validation.NAME_MAX) or None,
        "phone": _check(errors, "phone", validation.phone, answers.get("phone")),
        "email": _check(errors, "email", validation.email, answers.get("email")),
        "nik": _check(errors, "nik", validation.nik, answers.get("nik")),
    }
    if officer_id is not None:
        _not_the_officers_own(errors, officer_id, clean)
    return clean


def _not_the_officers_own(errors: dict, officer_id: int, clean: dict) -> None:
    """An officer's own phone or email can never become the citizen's
    (FixMyStreet #3294: assisted reports tied to the officer's account)."""
    from backend.models import User

    officer = db.session.get(User, officer_id)
    if officer is None:
        errors["officer"] = _l("Unknown officer.")
        return
    try:
        own_phone = validation.phone(officer.phone or "")
    except validation.Invalid:
        own_phone = officer.phone
    if clean.get("phone") and clean["phone"] == own_phone:
        errors["phone"] = _l("This is the officer's own phone number. Write the citizen's, or choose that the "
                             "citizen has no contact details.")
    if clean.get("email") and officer.email and clean["email"].lower() == officer.email.lower():
        errors["email"] = _l("This is the officer's own email address. Write the citizen's, or choose that the "
                             "citizen has no contact details.")


def _intake_office(req: IntakeRequest, kelurahan: Office, kiosk: Kiosk | None) -> tuple[Office, Kiosk | None]:
    if req.kiosk_code:
        if kiosk is None or kiosk.code != req.kiosk_code:
            kiosk = db.session.execute(_KIOSK, {"code": req.kiosk_code}).scalar_one()
        return kiosk.office, kiosk
    if req.office_code:
        office = db.session.execute(_OFFICE, {"code": req.office_code}).scalar_one()
        return office, None
    # A phone report with no office preset is received by the kelurahan it concerns.
    return kelurahan, None


def _existing(key: str) -> Complaint | None:
    return db.session.execute(_BY_KEY, {"key": key}).scalar_one_or_none()


def submit(req: IntakeRequest, *, draft_id: str | None = None, kiosk: Kiosk | None = None) -> IntakeResult:
    """Store the complaint (or find the one stored under its key).

    `draft_id`: the server-side draft it came from, linked to the complaint in
    the same transaction, so that the receipt screen can never miss it.
    `kiosk`: the row of `req.kiosk_code` when the caller has it loaded.
    """
    fingerprint = req.fingerprint()
    # Quick path for replays, before validation: a double tap must not be
    # refused because, say, a category was retired in between.
    found = _existing(req.idempotency_key)
    if found is not None:
        return _replay(found, fingerprint)
    clean = validate(req)
    # Reads of reference rows before the write lock (on SQLite the only
    # writer): in a writing request's transaction (the API, the console) this
    # is the same transaction; in a reads-first one (the kiosk's submission,
    # database.reads_first) they stay loaded across immediate_transaction.
    office, kiosk = _intake_office(req, clean["kelurahan"], kiosk)
    routed = route(clean["category"], clean["kelurahan"])
    try:
        with immediate_transaction(keep_loaded=True) as session:
            found = _existing(req.idempotency_key)  # again under the lock: the same key may have won meanwhile
            if found is not None:
                return _replay(found, fingerprint)
            complaint = _store(session, req, clean, fingerprint, office, kiosk, routed, draft_id)
    except IntegrityError:
        # PostgreSQL: a concurrent request with the same key won the race.
        db.session.rollback()
        found = _existing(req.idempotency_key)
        if found is None:
            if req.leased_number is not None and leases.number_taken(req.leased_number):
                # ... or another complaint with the same leased number (the unique number is the last guard).
                raise IntakeInvalid({"leased_number": leases.TAKEN}) from None
            raise
        return _replay(found, fingerprint)
    except leases.LeaseInvalid as exc:
        raise IntakeInvalid({"leased_number": exc.message}) from None
    return IntakeResult(complaint, replayed=False)


def _replay(found: Complaint, fingerprint: str) -> IntakeResult:
    if found.payload_hash != fingerprint:
        raise IdempotencyConflict(found.number)
    return IntakeResult(found, replayed=True)


def _store(session, req: IntakeRequest, clean: dict, fingerprint: str, office: Office, kiosk: Kiosk | None,
           r: Route, draft_id: str | None) -> Complaint:
    """The writes, in an order that takes the hot locks last.

    On PostgreSQL the counter row (one per office and year) and the rollup
    rows are what concurrent submissions queue for, and a row lock is held to
    COMMIT: so the rows of the complaint are inserted first under a
    placeholder number (unique, never visible: it is replaced in this
    transaction), then the number is allocated and set, and the rollups are
    written by the before-commit hook. On SQLite the whole transaction holds
    the write lock; the order changes nothing there.
    """
    now = utcnow()
    kelurahan, category = clean["kelurahan"], clean["category"]
    received = now
    number = None
    if req.leased_number is not None:
        # Numbered offline from the kiosk's block: re-checked under the write
        # lock (unused, still this kiosk's); it keeps the time its receipt showed.
        lease = leases.check(req.kiosk_code, req.leased_number)
        number = str(lease.number)
        if lease.number.office_code != office.code:  # the kiosk moved office since: the number says where
            office = session.execute(_OFFICE, {"code": lease.number.office_code}).scalar_one()
        now = leases.intake_time(lease.lease, req.device_created_at, now)
    complaint = Complaint(
        number=number or _placeholder_number(),
        idempotency_key=req.idempotency_key,
        payload_hash=fingerprint,
        channel=req.channel,
        office=office,
        kiosk=kiosk,
        language=req.language,
        category=category,
        kelurahan=kelurahan,
        address=clean["address"] or "",
        rt=clean["rt"],
        rw=clean["rw"],
        description=clean["description"],
        identity=req.identity,
        reporter_name=clean["name"],
        reporter_phone=clean["phone"],
        reporter_email=clean["email"],
        reporter_nik=clean["nik"],
        consent_at=now,
        consent_version=CONSENT_VERSION,
        agency=r.agency,
        follow_up_office=r.follow_up_office,
        status=Status.SUBMITTED,
        submitted_at=now,
        received_at=received,
        in_office_hours=workdays.calendar_for(office.code).is_open(now),
        officer_id=req.officer_id,
    )
    session.add(complaint)
    if req.photo is not None:
        session.add(ComplaintPhoto(complaint=complaint, mime=req.photo.mime, data=req.photo.data,
                                   width=req.photo.width, height=req.photo.height))
    session.flush()
    session.execute(_FIRST_EVENT, {"complaint_id": complaint.id, "status": Status.SUBMITTED, "at": now,
                                   "source": "local"})
    state = "manual" if current_app.config.get("CRM_MODE") == "manual" else "pending"
    session.execute(_OUTBOX, {"complaint_id": complaint.id, "state": state, "created_at": received,
                              "next_attempt_at": received})
    if draft_id is not None:
        session.execute(update(Draft).where(Draft.id == draft_id).values(complaint_id=complaint.id))
    # The dashboard's counters, written just before COMMIT.
    rollup.added(session, [complaint.id], flushed=[(complaint, state)])
    if number is None:
        # Last: from here to COMMIT the office's counter row is locked (PostgreSQL).
        year = now.astimezone(WIB).year % 100
        sequence = numbering.allocate(session.connection(), office.code, year)
        number = numbering.format_number(office.code, year, sequence)
        session.execute(update(Complaint.__table__).where(Complaint.__table__.c.id == complaint.id)
                        .values(number=number))
        set_committed_value(complaint, "number", number)
    return complaint


def _placeholder_number() -> str:
    # Not a complaint number (those are digits and dashes), unique among
    # concurrent transactions; replaced before COMMIT, so never seen.
    return "~" + secrets.token_hex(9)


def submitted_local(complaint: Complaint) -> datetime:
    return complaint.submitted_at.astimezone(WIB)
