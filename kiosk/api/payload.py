"""Reading a submission's JSON body: its shape only (types, sizes). What the
answers mean is checked by the intake service, like every other channel's.

A wrong shape is the client's bug, not the citizen's: 400 (final). A photo
that is not a photo is the citizen's: 422 on "photo", like a bad answer.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import lazy_gettext as _l

from backend.photos import CleanPhoto, clean_photo_upload
from backend.validation import Invalid

WIB = ZoneInfo("Asia/Jakarta")
LANGUAGES = ("id", "en")
TEXT_ANSWERS = ("category", "kelurahan", "address", "rt", "rw", "description", "identity", "name", "phone",
                "email", "nik")
PHOTO_MIMES = ("image/jpeg", "image/png", "image/webp")
KEY_MAX = 64

NOT_JSON = _l("Send the report as JSON (Content-Type: application/json).")
MALFORMED = _l("The report could not be read: it is not valid JSON.")
SHAPE = _l("The report is incomplete or in the wrong format.")
WANT_TEXT = _l("Expected text.")
WANT_BOOL = _l("Expected true or false.")
WANT_OBJECT = _l("Expected an object.")
WANT_TIME = _l("Expected a date and time in ISO 8601, e.g. 2026-05-01T08:30:00+07:00.")
WANT_LANGUAGE = _l("Expected \"id\" or \"en\".")
WANT_KEY = _l("Expected text of 1 to 64 characters.")
NOT_A_PHOTO = _l("This file is not a photo we can open. Send a JPEG, PNG or WebP photo.")
PHOTO_FORMAT = _l("Only photos in JPEG, PNG or WebP format can be sent.")


class PayloadError(Exception):
    """The body cannot be a submission: `status` 400 or 415."""

    def __init__(self, status: int, message, errors: dict | None = None):
        super().__init__(str(message))
        self.status, self.message, self.errors = status, message, errors or {}


class PhotoInvalid(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Submission:
    idempotency_key: str
    language: str
    answers: dict  # TEXT_ANSWERS as str ("" when missing), consent as bool
    office: str | None
    created_at: datetime | None
    photo: dict | None  # {"mime", "data"}: decoded by `photo()`
    leased_number: str | None


def body() -> dict:
    """The JSON object of the request, or PayloadError (415, 400). A body over
    MAX_CONTENT_LENGTH raises 413 as it is read."""
    if not request.is_json:
        raise PayloadError(415, NOT_JSON)
    data = request.get_json(silent=True)
    if data is None:
        raise PayloadError(400, MALFORMED)
    if not isinstance(data, dict):
        raise PayloadError(400, SHAPE)
    return data


def language_of(data) -> str | None:
    lang = data.get("language") if isinstance(data, dict) else None
    return lang if lang in LANGUAGES else None


def _optional_text(errors: dict, name: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[name] = WANT_TEXT
        return None
    return value


def parse(data: dict, *, kiosk: bool) -> Submission:
    errors: dict[str, object] = {}
    key = data.get("idempotency_key")
    if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX:
        errors["idempotency_key"] = WANT_KEY
    lang = data.get("language") or "id"
    if lang not in LANGUAGES:
        errors["language"] = WANT_LANGUAGE
    answers_in = data.get("answers")
    answers: dict = {}
    if not isinstance(answers_in, dict):
        errors["answers"] = WANT_OBJECT
        answers_in = {}
    for name in TEXT_ANSWERS:
        value = answers_in.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = WANT_TEXT
        answers[name] = value if isinstance(value, str) else ""
    consent = answers_in.get("consent", False)
    if not isinstance(consent, bool):
        errors["consent"] = WANT_BOOL
    answers["consent"] = consent is True
    office = None if kiosk else _optional_text(errors, "office", data.get("office"))
    created_at = None
    raw_time = data.get("created_at")
    if raw_time is not None:
        try:
            created_at = datetime.fromisoformat(raw_time)
        except (TypeError, ValueError):
            errors["created_at"] = WANT_TIME
        else:
            if created_at.tzinfo is None:
                created_at = created_at.replace(tzinfo=WIB)  # a device in Jakarta without an offset
    photo = data.get("photo")
    if photo is not None and not (isinstance(photo, dict) and isinstance(photo.get("data"), str)
                                  and isinstance(photo.get("mime"), str)):
        errors["photo"] = WANT_OBJECT
    leased = _optional_text(errors, "leased_number", data.get("leased_number")) if kiosk else None
    if errors:
        raise PayloadError(400, SHAPE, errors)
    return Submission(key, lang, answers, office or None, created_at, photo, leased or None)


def photo(sub: Submission) -> CleanPhoto | None:
    """Decode and re-encode the photo (EXIF stripped, as in the page flow); PhotoInvalid if it is none."""
    if sub.photo is None:
        return None
    if sub.photo["mime"].lower() not in PHOTO_MIMES:
        raise PhotoInvalid(PHOTO_FORMAT)
    data = sub.photo["data"]
    if data.startswith("data:"):  # a data: URL, as FileReader.readAsDataURL gives it
        data = data.partition(",")[2]
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise PhotoInvalid(NOT_A_PHOTO) from None
    try:
        return clean_photo_upload(raw)
    except Invalid as exc:
        raise PhotoInvalid(exc.message) from None
