"""Masking personal data for lists and read-only roles (UU 27/2022).

Lists show a hint of who reported, never the data itself; only the detail
page shows it in full, to roles that need it, and every view is audited
(backend/auth.py).
"""
from __future__ import annotations


def _mask_word(word: str) -> str:
    return word[:1] + "•" * max(2, len(word) - 1) if word else ""


def name(value: str | None) -> str:
    return " ".join(_mask_word(w) for w in (value or "").split())


def phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "•" * max(0, len(value) - 9) + value[-3:]


def email(value: str | None) -> str:
    if not value or "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return _mask_word(local) + "@" + domain


def nik(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "•" * 8 + value[-4:]
