"""The reporter's personal data on a complaint (UU 27/2022): which fields it
is, masking for lists and read-only roles, and correcting it at the
citizen's request.

`FIELDS` is the one list of a complaint's personal data. Lists show a hint
of who reported, never the data itself; only the detail page shows it in
full, to roles that need it, and every view is audited (backend/auth.py).
The citizen may have it corrected (`correct`, Pasal 30) or erased, and it is
erased, with the photo, when the retention period ends (backend/retention.py,
Pasal 42-44); the rest of the complaint stays as the public-service record.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend import auth, intake
from backend.database import immediate_transaction
from backend.models import Complaint, User

# See `notify_changed`. A signal, so that this module knows nothing of pages or PDFs.
personal_data_changed = Namespace().signal("personal-data-changed")


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


@dataclass(frozen=True)
class Field:
    key: str  # the intake answer and form field
    column: str  # the Complaint attribute
    label: object  # lazy string
    mask: Callable[[str | None], str]


FIELDS = (
    Field("name", "reporter_name", _l("Name"), name),
    Field("phone", "reporter_phone", _l("Phone"), phone),
    Field("email", "reporter_email", _l("Email"), email),
    Field("nik", "reporter_nik", "NIK", nik),
)
COLUMNS = tuple(f.column for f in FIELDS)


# --- the citizen's requests -----------------------------------------------------

class RequestRefused(Exception):
    """A request this complaint cannot take (the console answers 409)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


ERASED = _l("The reporter's personal data of this complaint has been erased; there is nothing left to correct.")
ANONYMOUS = _l("This complaint is anonymous: it keeps no name or contact details, so there is nothing to correct.")


def lock_complaint(complaint: Complaint, session) -> Complaint:
    """The complaint re-read under its row lock (PostgreSQL; SQLite holds the write lock):
    an erasure committed meanwhile is seen, never overwritten."""
    return session.execute(select(Complaint).where(Complaint.id == complaint.id).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def check_correctable(complaint: Complaint) -> None:
    if complaint.personal_data_erased_at is not None:
        raise RequestRefused(ERASED)
    if complaint.is_anonymous:
        raise RequestRefused(ANONYMOUS)


def correct(complaint: Complaint, user: User, answers: dict[str, str]) -> list[str]:
    """Correct the reporter's data at the citizen's request: `answers` by
    field key, checked exactly as intake checks them (an officer's own phone
    or email is refused as the citizen's); an empty answer removes the value.
    Returns the keys that changed, audited as "privacy.correct" (the keys,
    never the values). Raises intake.IntakeInvalid (messages by key) or
    RequestRefused (erased, anonymous)."""
    check_correctable(complaint)
    errors: dict[str, object] = {}
    clean = intake.check_reporter(errors, answers, officer_id=user.id)
    if errors:
        raise intake.IntakeInvalid(errors)
    with immediate_transaction() as session:
        row = lock_complaint(complaint, session)
        check_correctable(row)
        changed = [f.key for f in FIELDS if getattr(row, f.column) != clean[f.key]]
        for f in FIELDS:
            if f.key in changed:
                setattr(row, f.column, clean[f.key])
        if changed:
            auth.audit("privacy.correct", user=user, complaint_number=row.number,
                       detail="changed: " + ", ".join(changed))
        number = row.number
    if "name" in changed:
        notify_changed([number])  # the cached receipt prints the old name
    return changed


def notify_changed(numbers: Iterable[str]) -> None:
    """Say, after the commit, that these complaints' personal data changed or
    was erased: whatever holds a copy (the web layer's cached receipt PDFs,
    which print a named reporter's name) drops it. Receivers are called with
    the app as sender and `numbers`, a set."""
    numbers = set(numbers)
    if numbers:
        personal_data_changed.send(current_app._get_current_object(), numbers=numbers)
