"""Complaint numbers: format, parsing and allocation.

Format (15 characters with separators, 12 digits):

    KKLL-YY-NNNNN-C      e.g. 0101-26-00042-8

- KKLL  the intake office: KK is the kecamatan (01-10, as in its Kemendagri
        code 31.74.KK), LL the kelurahan within it (the last two digits of
        31.74.KK.10LL); 00 stands for the office above, so 0000 is the Mayor's
        office and 0100 the camat of Tebet. See `backend/offices.py`.
- YY    the year of intake (WIB).
- NNNNN a sequence per office and year (99,999 a year for one office).
- C     a Damm check digit over the 11 digits before it.

Digits only, so the number reads aloud in any language and types on a phone's
number pad. Sequences come from one counter row per (office, year); a kiosk can
later take a block of them at once (`allocate(..., count=n)`) to number
complaints while its network is down.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text

from backend import damm

SEQUENCE_DIGITS = 5
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
NUMBER_DIGITS = 4 + 2 + SEQUENCE_DIGITS + 1

_SEPARATORS = re.compile(r"[\s\-./]+")


class NumberError(ValueError):
    """A typed complaint number that cannot be one of ours."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "shape" or "check"


class SequenceExhausted(RuntimeError):
    pass


@dataclass(frozen=True)
class ComplaintNumber:
    office_code: str
    year: int  # two digits
    sequence: int

    @property
    def digits(self) -> str:
        body = f"{self.office_code}{self.year:02d}{self.sequence:0{SEQUENCE_DIGITS}d}"
        return body + damm.check_digit(body)

    def __str__(self) -> str:
        d = self.digits
        return f"{d[0:4]}-{d[4:6]}-{d[6:11]}-{d[11]}"

    @property
    def spoken_groups(self) -> list[str]:
        """The number in groups for reading aloud, as printed on receipts."""
        return str(self).split("-")


def format_number(office_code: str, year: int, sequence: int) -> str:
    if not (len(office_code) == 4 and office_code.isdigit()):
        raise ValueError(f"bad office code {office_code!r}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise SequenceExhausted(f"sequence {sequence} out of range")
    return str(ComplaintNumber(office_code, year % 100, sequence))


def parse_number(typed: str) -> ComplaintNumber:
    """Parse what a citizen typed; separators and spaces are optional.

    Raises NumberError("shape") when it is not 12 digits, and
    NumberError("check") when the check digit does not match (a typo).
    """
    digits = _SEPARATORS.sub("", typed or "")
    if len(digits) != NUMBER_DIGITS or not digits.isdigit():
        raise NumberError("shape")
    if not damm.is_valid(digits):
        raise NumberError("check")
    return ComplaintNumber(digits[0:4], int(digits[4:6]), int(digits[6:11]))


_ALLOCATE = text(
    "INSERT INTO number_counters (office_code, year, last_value) "
    "VALUES (:office, :year, :count) "
    "ON CONFLICT (office_code, year) DO UPDATE "
    "SET last_value = number_counters.last_value + :count "
    "RETURNING last_value"
)


def allocate(connection, office_code: str, year: int, count: int = 1) -> int:
    """Reserve `count` consecutive sequence numbers; return the first.

    One statement on both databases: an upsert on the counter row that
    returns the new high-water mark. On PostgreSQL the row lock it takes
    serialises concurrent submissions; on SQLite the caller must already hold
    the write lock (`backend.db.immediate_transaction`).
    """
    if count < 1:
        raise ValueError("count must be positive")
    row = connection.execute(_ALLOCATE, {"office": office_code, "year": year, "count": count}).one()
    last = row[0]
    if last > MAX_SEQUENCE:
        raise SequenceExhausted(f"office {office_code} has used all numbers of {year}")
    return last - count + 1
