"""The data model of the whole product.

Offices (Walikota, kecamatan, kelurahan) and their kiosks; categories and the
agencies that follow them up; complaints with their photos, status timeline
and CRM outbox; number counters and leased blocks; server-side drafts of the
intake flow. Officer accounts and rosters join in their own issue.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
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
    in_office_hours: Mapped[bool | None] = mapped_column(Boolean)
    crm_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship(foreign_keys=[office_id])
    kelurahan: Mapped[Office] = relationship(foreign_keys=[kelurahan_id])
    follow_up_office: Mapped[Office | None] = relationship(foreign_keys=[follow_up_office_id])
    kiosk: Mapped[Kiosk | None] = relationship()
    category: Mapped[Category] = relationship()
    agency: Mapped[Agency | None] = relationship()
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
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_mime: Mapped[str | None] = mapped_column(String(32))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    kiosk: Mapped[Kiosk | None] = relationship()
    complaint: Mapped[Complaint | None] = relationship()
