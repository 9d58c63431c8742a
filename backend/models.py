"""The data model of the whole product.

Offices (Walikota, kecamatan, kelurahan) and their kiosks; categories and the
agencies that follow them up; complaints with their photos, status timeline
and CRM outbox; number counters and leased blocks; server-side drafts of the
intake flow. Officer accounts and rosters join in their own issue.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.statuses import Channel, Identity, Status


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class OfficeKind:
    KOTA = "kota"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"


class Office(db.Model):
    """One of the 76 offices that receive complaints."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    # KKLL, the office part of complaint numbers (see backend/numbering.py).
    code: Mapped[str] = mapped_column(String(4), unique=True)
    kemendagri_code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))

    parent: Mapped[Office | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Office]] = relationship(back_populates="parent", order_by="Office.code")

    __table_args__ = (
        CheckConstraint("kind IN ('kota', 'kecamatan', 'kelurahan')", name="kind"),
    )

    @property
    def title(self) -> str:
        """The office as a citizen names it: 'Kelurahan Tebet Timur'."""
        if self.kind == OfficeKind.KOTA:
            return self.name
        return f"{self.kind.capitalize()} {self.name}"

    @property
    def kecamatan(self) -> Office | None:
        if self.kind == OfficeKind.KELURAHAN:
            return self.parent
        if self.kind == OfficeKind.KECAMATAN:
            return self
        return None


class Agency(db.Model):
    """A dinas, unit, city-owned company, or 'the kelurahan where it happened'."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))


class CategoryGroup(db.Model):
    __tablename__ = "category_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_id: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    icon: Mapped[str] = mapped_column(String(40))
    sort: Mapped[int] = mapped_column(Integer, default=0)

    categories: Mapped[list[Category]] = relationship(
        back_populates="group", order_by="Category.sort"
    )


class Category(db.Model):
    """What a complaint is about; routes to an agency. Data, not code."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("category_groups.id"))
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    hint_id: Mapped[str] = mapped_column(String(255), default="")
    hint_en: Mapped[str] = mapped_column(String(255), default="")
    icon: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    group: Mapped[CategoryGroup] = relationship(back_populates="categories")
    agency: Mapped[Agency] = relationship()


class Kiosk(db.Model):
    """A self-service device in an office lobby, bound to its office."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    name: Mapped[str] = mapped_column(String(120))
    paper_mm: Mapped[int] = mapped_column(Integer, default=80)
    print_path: Mapped[str] = mapped_column(String(12), default="browser")
    auto_print: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Pairing: a one-time code typed on the device, exchanged for a token
    # whose hash is kept here (the device keeps the token itself).
    device_token_hash: Mapped[str | None] = mapped_column(String(128))
    pairing_code_hash: Mapped[str | None] = mapped_column(String(128))
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    printer_status: Mapped[str | None] = mapped_column(String(120))
    # The thermal printer of print_path "escpos" (python-escpos, no driver):
    # tcp://host:9100, usb://VID:PID or file:///dev/usb/lp0, optionally with
    # ?profile=<python-escpos profile>&qr=native|raster.
    printer_url: Mapped[str | None] = mapped_column(String(255))
    printer_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship()

    __table_args__ = (
        CheckConstraint("paper_mm IN (58, 80)", name="paper_mm"),
        CheckConstraint("print_path IN ('browser', 'escpos')", name="print_path"),
    )


class NumberCounter(db.Model):
    """The last sequence number used by an office in a year."""

    __tablename__ = "number_counters"

    office_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class NumberLease(db.Model):
    """A block of numbers leased to a kiosk for offline intake."""

    __tablename__ = "number_leases"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    office_code: Mapped[str] = mapped_column(String(4))
    year: Mapped[int] = mapped_column(Integer)
    first_sequence: Mapped[int] = mapped_column(Integer)
    last_sequence: Mapped[int] = mapped_column(Integer)
    leased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when refills stop handing out the block: every number is on a complaint, or its
    # year is past (a number printed offline is still accepted on delivery). backend/leases.py
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_number_leases_kiosk", "kiosk_id", "year"),)


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # Made on the device when the flow started: replays return this row.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))

    channel: Mapped[str] = mapped_column(String(12))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # where it came in
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    language: Mapped[str] = mapped_column(String(5), default="id")

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # where it happened
    address: Mapped[str] = mapped_column(String(255), default="")
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    description: Mapped[str] = mapped_column(Text)

    identity: Mapped[str] = mapped_column(String(12))
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_nik: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_version: Mapped[str] = mapped_column(String(16))

    # Routing, derived from category and location by rules kept as data.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    follow_up_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))

    status: Mapped[str] = mapped_column(String(24), default=Status.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the server stored it: later than submitted_at for a complaint a kiosk
    # numbered offline (submitted_at is the time on its printed receipt).
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_office_hours: Mapped[bool | None] = mapped_column(Boolean)
    crm_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The reporter's personal data (backend.privacy.FIELDS, the photo) erased: when, and why
    # ("retention": the period after closed_at ended; "request": the citizen asked). backend/retention.py
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    personal_data_erased_reason: Mapped[str | None] = mapped_column(String(12))
    # The officer who typed it in (desk, telephone, letter, a kiosk in assisted mode).
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    office: Mapped[Office] = relationship(foreign_keys=[office_id])
    kelurahan: Mapped[Office] = relationship(foreign_keys=[kelurahan_id])
    follow_up_office: Mapped[Office | None] = relationship(foreign_keys=[follow_up_office_id])
    kiosk: Mapped[Kiosk | None] = relationship()
    category: Mapped[Category] = relationship()
    agency: Mapped[Agency | None] = relationship()
    officer: Mapped[User | None] = relationship()
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="complaint", order_by="StatusEvent.at, StatusEvent.id"
    )
    photo: Mapped[ComplaintPhoto | None] = relationship(back_populates="complaint")

    __table_args__ = (
        CheckConstraint(
            "channel IN (" + ", ".join(f"'{c.value}'" for c in Channel) + ")", name="channel"
        ),
        CheckConstraint(
            "identity IN (" + ", ".join(f"'{i.value}'" for i in Identity) + ")", name="identity"
        ),
        Index("ix_complaints_office_submitted", "office_id", "submitted_at"),
        Index("ix_complaints_submitted_at", "submitted_at"),
        Index("ix_complaints_status", "status"),
        # The monitoring dashboard (backend/monitoring): a date range, then
        # grouped by these columns; covering, so SQLite reads the index only.
        Index("ix_complaints_monitoring", "submitted_at", "office_id", "channel", "category_id",
              "in_office_hours"),
        # The retention run: not yet erased, finished before the cutoff (backend/retention.py).
        # Partial, so that no query for open complaints (closed_at IS NULL) can be planned on it (0013).
        Index("ix_complaints_retention_due", "closed_at",
              sqlite_where=text("personal_data_erased_at IS NULL AND closed_at IS NOT NULL"),
              postgresql_where=text("personal_data_erased_at IS NULL AND closed_at IS NOT NULL")),
    )

    @property
    def is_anonymous(self) -> bool:
        return self.identity == Identity.ANONYMOUS


class ComplaintPhoto(db.Model):
    """A re-encoded photo (EXIF, GPS included, stripped). Never on public pages."""

    __tablename__ = "complaint_photos"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)

    complaint: Mapped[Complaint] = relationship(back_populates="photo")


class StatusEvent(db.Model):
    """One step of a complaint's timeline; CRM changes are recorded once each."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(12), default="local")  # local | crm | officer
    note: Mapped[str | None] = mapped_column(String(500))

    complaint: Mapped[Complaint] = relationship(back_populates="events")

    __table_args__ = (
        # A CRM status change is recorded once: the same status at the same
        # CRM time is the same change, however often the sync sees it.
        Index("ix_status_events_once", "complaint_id", "source", "status", "at", unique=True),
    )


class OutboxItem(db.Model):
    """A complaint waiting to be entered into the CRM (one row per complaint).

    Written in the same transaction as the complaint; the relay claims due
    rows with a lease, and gives up by elapsed time only.
    """

    __tablename__ = "crm_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    leased_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Start of the current sending window (None: created_at). A re-send of a
    # given-up row opens a new window; the give-up clock counts from here.
    retry_since: Mapped[datetime | None] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship()

    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'manual', 'delivered', 'given_up')", name="state"
        ),
        Index("ix_crm_outbox_due", "state", "next_attempt_at"),
    )


class Draft(db.Model):
    """The intake flow's answers so far, kept on the server.

    The browser holds only this row's id (in the signed session cookie), so an
    idle reset that deletes the row leaves nothing for the next citizen at the
    kiosk to bring back, whatever the browser cached.
    """

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # loaded only when shown or sent
    photo_mime: Mapped[str | None] = mapped_column(String(32))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # A kiosk's photo comes from the citizen's phone (backend/drafts.py
    # photo_handoff): the token of the QR code that opens its upload page.
    photo_handoff: Mapped[str | None] = mapped_column(String(43))
    photo_handoff_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    kiosk: Mapped[Kiosk | None] = relationship()
    complaint: Mapped[Complaint | None] = relationship()

    __table_args__ = (Index("ix_drafts_photo_handoff", "photo_handoff", unique=True),)


# --- officers: accounts, sessions, audit, duty roster, office hours ----------

ROLES = ("petugas", "pimpinan", "monitor", "admin")


class User(db.Model):
    """An officer's account. Roles and what each may see: backend/auth.py."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)  # lower case
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(12))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    # The officer's own work contacts: never allowed as a citizen's (FixMyStreet #3294).
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))  # assisted mode on a kiosk
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    office: Mapped[Office | None] = relationship()

    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role"),
    )


class OfficerSession(db.Model):
    """A console login, kept on the server: logout and disabling end it at once.

    The browser holds a random token in its signed session cookie; this row
    is keyed by the token's SHA-256, so a copy of the table logs nobody in.
    """

    __tablename__ = "officer_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))  # logout | idle | disabled | ...
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()


class AuditLog(db.Model):
    """Who opened which complaint's personal data, who exported, who changed what.

    The complaint is named by its number, not a foreign key: the record must
    outlive the complaint's deletion at the end of its retention period.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    complaint_number: Mapped[str | None] = mapped_column(String(20), index=True)
    target: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User | None] = relationship()


class LoginFailure(db.Model):
    """A failed password, PIN or pairing code: counted to throttle guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(12))  # password | pin | pairing
    subject: Mapped[str] = mapped_column(String(80))  # username or kiosk code
    address: Mapped[str] = mapped_column(String(45))

    __table_args__ = (
        Index("ix_login_failures_subject", "kind", "subject", "at"),
        Index("ix_login_failures_address", "kind", "address", "at"),
    )


class DutySection(db.Model):
    """A section (bagian) of the Mayor's office that takes turns at the desk."""

    __tablename__ = "duty_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class DutyDay(db.Model):
    """Jadwal piket: which section and which officers serve complaints on a day."""

    __tablename__ = "duty_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("duty_sections.id"))
    note: Mapped[str | None] = mapped_column(String(255))

    section: Mapped[DutySection] = relationship()
    officers: Mapped[list[User]] = relationship(secondary="duty_day_officers", order_by="User.full_name")


class DutyOfficer(db.Model):
    __tablename__ = "duty_day_officers"

    duty_day_id: Mapped[int] = mapped_column(ForeignKey("duty_days.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class OfficeHours(db.Model):
    """Opening hours: an office's regular week (starts/ends empty) or dated
    hours such as Ramadan's. office_id empty: every office without its own.

    `week` maps a weekday (0 = Monday) to ["HH:MM", "HH:MM"]; a missing day is closed.
    """

    __tablename__ = "office_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    starts: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(120), default="")
    week: Mapped[dict] = mapped_column(JSON, default=dict)

    office: Mapped[Office | None] = relationship()


class HolidayOverride(db.Model):
    """A late decree: an extra day off (closed) or a working day after all.
    office_id empty: every office."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    closed: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(120), default="")

    office: Mapped[Office | None] = relationship()


# --- the official complaint channels (channels page, posters, kiosk attract screen) ---

CHANNEL_KINDS = ("app", "web", "social", "email", "sms", "whatsapp", "phone", "office", "this_app")


class OfficialChannel(db.Model):
    """One of the province's official complaint channels, or this app's own
    phone flow; edited by admins, read by /kanal, the posters and the kiosk's
    attract screen (backend/channels.py). Named apart from
    `backend.statuses.Channel`, the channel a complaint came in by."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # stable key of the seed data
    kind: Mapped[str] = mapped_column(String(12))
    name_id: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    # "When to use it": one line.
    description_id: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(String(200), default="")
    # https:, tel:, sms:, mailto:; "/lapor/" (this app, under PUBLIC_BASE_URL);
    # an office link may hold {office}, replaced by the office's name and address.
    link: Mapped[str] = mapped_column(String(500))
    # How the link is written for people ("@DKIJakarta", "0811-1272-206"); empty: from the link.
    display: Mapped[str] = mapped_column(String(80), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in CHANNEL_KINDS) + ")", name="kind"),
    )


# --- monitoring ----------------------------------------------------------------

class KioskUptime(db.Model):
    """Heartbeats of a kiosk counted per hour (UTC): its uptime over any range
    is beats x heartbeat interval / the seconds of the range. One row per kiosk
    and hour, not one per beat (76 kiosks x 1,440 beats a day would pile up)."""

    __tablename__ = "kiosk_uptime"

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    beats: Mapped[int] = mapped_column(Integer, default=0)


class KioskHelpCall(db.Model):
    """A citizen at a kiosk's screen called an officer ("Panggil petugas",
    backend/kiosks.py request_help), and when an officer answered: from the
    console ("Saya ke sana") or by starting assisted mode there. The desk's
    list shows the calls waiting; the caller's screen follows its own; the
    dashboard counts them and the wait (backend/monitoring/queries.py)."""

    __tablename__ = "kiosk_help_calls"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_how: Mapped[str | None] = mapped_column(String(12))  # backend/kiosks.py HelpAnswer

    __table_args__ = (
        Index("ix_kiosk_help_calls_kiosk_requested", "kiosk_id", "requested_at"),
        Index("ix_kiosk_help_calls_requested_at", "requested_at"),
    )


class MonitoringDaily(db.Model):
    """Rollup (backend/monitoring/rollup.py): the complaints submitted on one
    WIB day (or month) at an office *and the offices under it* (node = that subtree),
    with their CRM and follow-up counters. Kept in step by every write that
    changes a figure, in the same transaction; `flask monitoring
    rebuild-rollups` recomputes it from the complaints."""

    __tablename__ = "monitoring_daily"

    # An office id; no foreign key: derived data, rebuilt in bulk (millions of rows at 1M complaints).
    node_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "day": the WIB day of submission; "month": the whole month, `day` its first day
    # (a long range reads its whole months from these rows).
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    in_hours: Mapped[int] = mapped_column(Integer, default=0)
    out_hours: Mapped[int] = mapped_column(Integer, default=0)
    manual: Mapped[int] = mapped_column(Integer, default=0)  # outbox state manual
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    given_up: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)  # closed_at not set
    finished_late: Mapped[int] = mapped_column(Integer, default=0)  # closed > 7 days after submission

    # Clustered on the key in SQLite: a range of days of a node is one contiguous read.
    __table_args__ = {"sqlite_with_rowid": False}


class MonitoringFacet(db.Model):
    """Rollup: complaints of a WIB day (or month) and office subtree by one facet:
    channel, category (id), hour (WIB, "00".."23"), status, ack (whole
    minutes from submission to CRM acknowledgement, truncated)."""

    __tablename__ = "monitoring_facets"

    node_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # as in MonitoringDaily
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    facet: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(24), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = {"sqlite_with_rowid": False}


# --- kiosk deliveries the server refused ------------------------------------------

class KioskDeliveryRefusal(db.Model):
    """A kiosk's queued (offline) complaint that the server refused (422): the
    citizen holds a printed receipt whose number the server never stored, and
    the kiosk keeps it as "failed" without retrying (kiosk/static/js/queue.js).
    Officers of the office see it in the console (backend/delivery_refusals.py).

    Personal data while open: the refused report itself (`report`: answers,
    language, channel, device time; `photo` if it was a valid image) is kept
    here for the office's officers, protected as complaints are (console,
    permission and office checks, audited views), so that the kiosk can
    delete its copy. It is deleted when the refusal is resolved (completed
    as a complaint, marked done, or delivered later) and, if left open,
    after REFUSAL_RETENTION_DAYS; the reason codes stay (the server's messages
    are never kept). One row per kiosk and idempotency key; a replay of the
    same key counts up instead of adding a row (its answers replace the kept ones).
    """

    __tablename__ = "kiosk_delivery_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    # The kiosk's office when refused: the office the citizen should contact, even if the kiosk moves.
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    leased_number: Mapped[str | None] = mapped_column(String(20), index=True)  # normalised; None if absent or malformed
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # codes: backend.delivery_refusals.REASON_LABELS
    first_refused_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_refused_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    times: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: resolved by a later delivery
    resolution_note: Mapped[str | None] = mapped_column(String(200))
    delivered_number: Mapped[str | None] = mapped_column(String(20))  # the complaint a later delivery stored
    # The refused report while open (personal data): {"answers", "language", "channel", "created_at",
    # "photo": {"width", "height"} | None}. SQL NULL once deleted (none_as_null: not JSON 'null').
    report: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # re-encoded, EXIF stripped
    photo_mime: Mapped[str | None] = mapped_column(String(32))

    kiosk: Mapped[Kiosk] = relationship()
    office: Mapped[Office] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    __table_args__ = (
        db.UniqueConstraint("kiosk_id", "idempotency_key"),
        Index("ix_kiosk_delivery_refusals_open", "kiosk_id", "resolved_at"),
    )


# --- leased numbers linked to a complaint stored under another number -------------

class ComplaintNumberAlias(db.Model):
    """A leased number a kiosk printed offline for a report the server had
    already stored under another number (the online answer was lost in flight,
    then the offline page sent the same report again: backend/aliases.py).

    The citizen holds this number only: tracking resolves it to the complaint,
    and the number counts as used (backend/leases.py), so no other complaint
    ever gets it.
    """

    __tablename__ = "complaint_number_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    complaint_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("complaints.id", ondelete="CASCADE")
    )
    # The kiosk that printed it; the number stays taken if the kiosk is removed.
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # complaint.number_aliases: the console's detail page lists them.
    complaint: Mapped[Complaint] = relationship(backref=db.backref(
        "number_aliases", order_by="ComplaintNumberAlias.number", passive_deletes=True))

    __table_args__ = (Index("ix_complaint_number_aliases_complaint_id", "complaint_id"),)
