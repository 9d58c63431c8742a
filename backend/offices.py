"""The 76 offices: one Walikota office, 10 kecamatan, 65 kelurahan.

Source data: backend/data/wilayah-jakarta-selatan.csv (see backend/data/SOURCES.md).
This module is the one place that turns Kemendagri codes into the 4-digit
office codes used in complaint numbers:

    31.74             Kota Administrasi Jakarta Selatan  -> 0000
    31.74.KK          Kecamatan                          -> KK00
    31.74.KK.10LL     Kelurahan                          -> KKLL
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "wilayah-jakarta-selatan.csv"

KOTA_KEMENDAGRI = "31.74"
KOTA_CODE = "0000"
KOTA_NAME = "Kantor Walikota Jakarta Selatan"
KOTA_ADDRESS = "Jl. Prapanca Raya No. 9, Kebayoran Baru, Jakarta Selatan 12160"


@dataclass(frozen=True)
class OfficeRow:
    code: str
    kemendagri_code: str
    kind: str
    name: str
    parent_code: str | None
    postal_code: str | None
    address: str | None = None


def office_code(kemendagri_code: str) -> str:
    """The 4-digit number prefix of an office, from its Kemendagri code."""
    parts = kemendagri_code.split(".")
    if parts[:2] != ["31", "74"] or len(parts) > 4:
        raise ValueError(f"not a Jakarta Selatan code: {kemendagri_code}")
    if len(parts) == 2:
        return KOTA_CODE
    kk = parts[2]
    if len(parts) == 3:
        return f"{kk}00"
    village = parts[3]
    if not (len(village) == 4 and village.startswith("10")):
        raise ValueError(f"unexpected kelurahan code: {kemendagri_code}")
    return f"{kk}{village[2:]}"


def read_offices(path: Path = DATA) -> list[OfficeRow]:
    """All offices, parents before children."""
    rows = [OfficeRow(KOTA_CODE, KOTA_KEMENDAGRI, "kota", KOTA_NAME, None, None, KOTA_ADDRESS)]
    seen_kecamatan: set[str] = set()
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            kec = rec["kecamatan_code"]
            if kec not in seen_kecamatan:
                seen_kecamatan.add(kec)
                rows.append(
                    OfficeRow(office_code(kec), kec, "kecamatan", rec["kecamatan_name"], KOTA_CODE, None)
                )
            rows.append(
                OfficeRow(
                    office_code(rec["kelurahan_code"]),
                    rec["kelurahan_code"],
                    "kelurahan",
                    rec["kelurahan_name"],
                    office_code(kec),
                    rec["postal_code"] or None,
                )
            )
    return rows
