"""Loading reference data (offices, agencies, categories, channels) and demo kiosks.

Idempotent: rows are matched by their codes and updated in place, so running
`flask seed` again after editing the CSV files applies the edits. Channels are
the exception: admins edit them in the console, so the seed only adds the
channels that are missing and never overwrites an edit.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from backend.extensions import db
from backend.models import Agency, Category, CategoryGroup, Kiosk, Office, OfficialChannel
from backend.offices import read_offices

DATA = Path(__file__).parent / "data"

# Demo kiosks: the Mayor's lobby, a kecamatan and two kelurahan.
DEMO_KIOSKS = (
    ("walikota-lobi", "0000", "Lobi Kantor Walikota", 80),
    ("tebet", "0100", "Lobi Kantor Camat Tebet", 80),
    ("tebet-timur", "0101", "Lobi Kantor Lurah Tebet Timur", 58),
    ("cilandak-barat", "0601", "Lobi Kantor Lurah Cilandak Barat", 58),
)


def _upsert(model, key: str, value, **fields):
    obj = db.session.execute(select(model).filter_by(**{key: value})).scalar_one_or_none()
    if obj is None:
        obj = model(**{key: value})
        db.session.add(obj)
    for name, v in fields.items():
        setattr(obj, name, v)
    return obj


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_offices() -> int:
    by_code: dict[str, Office] = {}
    rows = read_offices()
    for row in rows:
        by_code[row.code] = _upsert(
            Office,
            "code",
            row.code,
            kemendagri_code=row.kemendagri_code,
            kind=row.kind,
            name=row.name,
            postal_code=row.postal_code,
            address=row.address,
            parent=by_code[row.parent_code] if row.parent_code else None,
        )
    db.session.flush()
    return len(rows)


def load_agencies() -> int:
    rows = _read_csv("agencies.csv")
    for r in rows:
        _upsert(Agency, "code", r["code"], name=r["name"], kind=r["kind"])
    db.session.flush()
    return len(rows)


def load_categories() -> int:
    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    groups: dict[str, CategoryGroup] = {}
    rows = _read_csv("categories.csv")
    for r in rows:
        if r["group_code"] not in groups:
            groups[r["group_code"]] = _upsert(
                CategoryGroup,
                "code",
                r["group_code"],
                name_id=r["group_name_id"],
                name_en=r["group_name_en"],
                icon=r["group_icon"],
                sort=len(groups),
            )
        _upsert(
            Category,
            "code",
            r["code"],
            group=groups[r["group_code"]],
            name_id=r["name_id"],
            name_en=r["name_en"],
            hint_id=r.get("hint_id", ""),
            hint_en=r.get("hint_en", ""),
            icon=r["icon"],
            agency=agencies[r["agency_code"]],
            sort=int(r.get("sort") or 0),
            active=True,
        )
    db.session.flush()
    return len(rows)


def load_channels() -> int:
    """Add the official channels of channels.csv that are not there yet (by code).

    Rows already present are left as the admins edited them (console,
    /petugas/kanal); a channel they deleted from use stays inactive.
    """
    from backend.channels import check_link

    known = set(db.session.scalars(select(OfficialChannel.code)))
    rows = _read_csv("channels.csv")
    for r in rows:
        if r["code"] in known:
            continue
        db.session.add(OfficialChannel(
            code=r["code"], kind=r["kind"], name_id=r["name_id"], name_en=r["name_en"],
            description_id=r["description_id"], description_en=r["description_en"],
            link=check_link(r["kind"], r["link"]), display=r["display"], sort=int(r["sort"] or 0),
            active=r["active"].strip() == "1",
        ))
    db.session.flush()
    return len(rows)


def load_reference_data() -> dict[str, int]:
    counts = {
        "offices": load_offices(),
        "agencies": load_agencies(),
        "categories": load_categories(),
        "channels": load_channels(),
    }
    db.session.commit()
    return counts


def load_demo_data() -> int:
    offices = {o.code: o for o in db.session.scalars(select(Office))}
    for code, office_code, name, paper in DEMO_KIOSKS:
        _upsert(Kiosk, "code", code, office=offices[office_code], name=name, paper_mm=paper)
    db.session.commit()
    return len(DEMO_KIOSKS)
