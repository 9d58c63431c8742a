"""Rules for what a citizen types, shared by the web forms and the intake service.

Each check returns the normalised value or raises `Invalid` with a message in
the user's language (lazy, so it is translated when shown).
"""
from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

NAME_MAX = 120
ADDRESS_MAX = 255
DESCRIPTION_MIN = 10

_PHONE_JUNK = re.compile(r"[\s\-().]")
# Indonesian mobile and fixed-line numbers: 08..., 62..., +62..., and Jakarta
# landlines (021...). Stored in international form: +628123456789.
_PHONE = re.compile(r"^(?:\+62|62|0)([1-9][0-9]{7,11})$")
_NIK = re.compile(r"^[0-9]{16}$")
_RT_RW = re.compile(r"^[0-9]{1,3}$")


class Invalid(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def phone(value: str) -> str | None:
    raw = _PHONE_JUNK.sub("", value or "")
    if not raw:
        return None
    m = _PHONE.match(raw)
    if not m:
        raise Invalid(_l("Write an Indonesian phone number that starts with 08 or +62, for example 0812 3456 7890."))
    return "+62" + m.group(1)


def email(value: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(_l("This email address is not complete. Check it, for example nama@contoh.id.")) from None


def nik(value: str) -> str | None:
    raw = re.sub(r"\s", "", value or "")
    if not raw:
        return None
    if not _NIK.match(raw):
        raise Invalid(_l("A NIK has exactly 16 digits, as on your KTP."))
    return raw


def rt_rw(value: str) -> str | None:
    raw = (value or "").strip()
    if not raw:
        return None
    if not _RT_RW.match(raw):
        raise Invalid(_l("RT and RW are numbers of up to 3 digits, for example 005."))
    return raw.zfill(3)


def text(value: str, *, required: bool, max_chars: int, min_chars: int = 0) -> str:
    # Browsers send line breaks as CRLF; count them as one character, as the page does.
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise Invalid(_l("Please fill this in."))
    if len(value) > max_chars:
        raise Invalid(_l("Too long: at most %(n)d characters (now %(m)d).", n=max_chars, m=len(value)))
    if value and len(value) < min_chars:
        raise Invalid(_l("Please write a little more: at least %(n)d characters.", n=min_chars))
    return value
