"""What a complaint sends to the CRM: one place decides, so one test can check it.

- Anonymous complaints send no name, phone, email or NIK: the fields are left
  out of the request (not sent empty), and phone numbers, email addresses and
  NIK-like numbers a citizen typed into the description are masked
  (FixMyStreet #2644 and #524/#3330: people type their own contact details
  into the text, and anonymous reports leaked the reporter's email).
- Confidential complaints carry attribute[confidential]=true: the CRM must
  not publish their content. Their reporter is named, as the citizen chose.
- Named and confidential complaints send name, email and phone. The NIK is
  never sent: Open311 has no field for it and the CRM does not need it to
  follow a complaint up (data minimisation, UU 27/2022).
- Photos are not sent: Open311 takes only a media_url, and photos are never
  on a public address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from backend.crm.client import DESCRIPTION_MAX, ServiceRequest
from backend.models import Agency, Category, Complaint, Office
from backend.statuses import Identity

MASK = "[disamarkan]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers as people write them (08.., +62.., 62.., 021..), with spaces,
# dots or dashes inside; and 16-digit NIKs, possibly grouped.
_PHONE = re.compile(r"(?<![\w])(?:\+?62|0)[\s.\-()]*\d(?:[\s.\-()]*\d){6,13}(?!\w)")
_NIK = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){15}(?!\d)")


def mask_identity(text: str) -> str:
    text = _EMAIL.sub(MASK, text)
    text = _NIK.sub(MASK, text)
    return _PHONE.sub(MASK, text)


def _split_name(name: str) -> tuple[str, str | None]:
    # Many Indonesians have one name; Open311 wants first/last.
    parts = name.split()
    if len(parts) < 2:
        return name.strip(), None
    return " ".join(parts[:-1]), parts[-1]


@dataclass(frozen=True)
class Place:
    name: str
    kemendagri_code: str
    kind: str
    parent: Place | None = None


class References:
    """Offices, categories and agencies by id, read once (the relay builds
    hundreds of requests a second and reference data hardly ever changes;
    an id it has not seen makes it read them again)."""

    def __init__(self, session):
        self._session = session
        self._load()

    def _load(self) -> None:
        offices = self._session.scalars(select(Office)).all()
        raw = {o.id: o for o in offices}
        places: dict[int, Place] = {}

        def place(oid: int) -> Place:
            if oid not in places:
                o = raw[oid]
                places[oid] = Place(o.name, o.kemendagri_code, o.kind, place(o.parent_id) if o.parent_id else None)
            return places[oid]

        for oid in raw:
            place(oid)
        self.places = places
        self.categories = dict(self._session.execute(select(Category.id, Category.code)).all())
        self.agencies = dict(self._session.execute(select(Agency.id, Agency.code)).all())

    def _get(self, table: str, key):
        if key is None:
            return None
        if key not in getattr(self, table):
            self._load()
        return getattr(self, table)[key]

    def place(self, office_id: int | None) -> Place | None:
        return self._get("places", office_id)

    def category_code(self, category_id: int) -> str:
        return self._get("categories", category_id)

    def agency_code(self, agency_id: int | None) -> str | None:
        return self._get("agencies", agency_id)


def _address(c: Complaint, kel) -> str:
    parts = [c.address.strip()] if c.address and c.address.strip() else []
    if c.rt or c.rw:
        parts.append("/".join(p for p in (f"RT {c.rt}" if c.rt else "", f"RW {c.rw}" if c.rw else "") if p))
    parts.append(f"Kelurahan {kel.name}")
    if kel.parent is not None and kel.parent.kind == "kecamatan":
        parts.append(f"Kecamatan {kel.parent.name}")
    parts.append("Jakarta Selatan")
    return ", ".join(parts)


def build(c: Complaint, refs: References | None = None) -> ServiceRequest:
    """The Open311 request for a complaint. With `refs`, the complaint's own
    columns are all that is read from it (no relationship is loaded)."""
    if refs is not None:
        kel, office, follow_up = refs.place(c.kelurahan_id), refs.place(c.office_id), refs.place(c.follow_up_office_id)
        category_code, agency_code = refs.category_code(c.category_id), refs.agency_code(c.agency_id)
    else:
        kel, office, follow_up = c.kelurahan, c.office, c.follow_up_office
        category_code, agency_code = c.category.code, (c.agency.code if c.agency is not None else None)
    anonymous = c.identity == Identity.ANONYMOUS
    description = mask_identity(c.description) if anonymous else c.description
    if len(description) > DESCRIPTION_MAX:
        description = description[: DESCRIPTION_MAX - 1] + "…"
    attributes = {
        "local_number": c.number,
        "channel": c.channel,
        "submitted_at": c.submitted_at.isoformat(timespec="seconds"),
        "kelurahan_code": kel.kemendagri_code,
        "kecamatan_code": kel.parent.kemendagri_code if kel.parent is not None else "",
        "intake_office_code": office.kemendagri_code,
        "agency_code": agency_code or "",
        "follow_up_office_code": follow_up.kemendagri_code if follow_up is not None else "",
        "anonymous": "true" if anonymous else "false",
        "confidential": "true" if c.identity == Identity.CONFIDENTIAL else "false",
    }
    first = last = email = phone = None
    if not anonymous:
        if c.reporter_name:
            first, last = _split_name(c.reporter_name)
        email, phone = c.reporter_email, c.reporter_phone
    return ServiceRequest(
        service_code=category_code,
        description=description,
        address_string=_address(c, kel),
        lat=c.latitude,
        long=c.longitude,
        attributes=attributes,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
    )
