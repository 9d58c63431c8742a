"""Server-side drafts of the intake flow (see models.Draft for why)."""
from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Draft, Kiosk, utcnow


def new_draft(kiosk: Kiosk | None, preset: dict | None = None) -> Draft:
    draft = Draft(
        id=secrets.token_urlsafe(32),
        # The idempotency key of the complaint this draft becomes: made once,
        # when the citizen starts, so every resubmission carries the same one.
        idempotency_key=uuid.uuid4().hex,
        kiosk=kiosk,
        data=dict(preset or {}),
    )
    db.session.add(draft)
    db.session.commit()
    return draft


def load_draft(draft_id: str | None) -> Draft | None:
    if not draft_id:
        return None
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        return None
    max_age = timedelta(seconds=current_app.config["DRAFT_MAX_AGE_SECONDS"])
    if draft.updated_at < utcnow() - max_age:
        discard(draft)
        return None
    return draft


def save_answers(draft: Draft, **answers) -> None:
    # Assign a new dict: JSON columns do not track in-place mutation.
    draft.data = {**(draft.data or {}), **answers}
    draft.updated_at = utcnow()
    db.session.commit()


def set_photo(draft: Draft, data: bytes | None, mime: str | None) -> None:
    draft.photo, draft.photo_mime = data, mime
    draft.updated_at = utcnow()
    db.session.commit()


# --- a kiosk's photo, sent from the citizen's phone ----------------------------
# A kiosk offers no file picker (on a public PC it opens the kiosk's own
# files); its description screen shows a QR code of /foto-kios/<token>
# instead. The token is random, not the draft's id (the kiosk session's
# secret), lasts KIOSK_PHOTO_HANDOFF_MINUTES and is used once.

def photo_handoff(draft: Draft) -> str:
    """The token for the draft's QR code: the current one, or a new one when
    it is used up or has less than a minute left."""
    now = utcnow()
    if draft.photo_handoff and draft.photo_handoff_until and draft.photo_handoff_until > now + timedelta(minutes=1):
        return draft.photo_handoff
    with immediate_transaction():
        draft.photo_handoff = secrets.token_urlsafe(24)
        draft.photo_handoff_until = now + timedelta(minutes=current_app.config["KIOSK_PHOTO_HANDOFF_MINUTES"])
    return draft.photo_handoff


def handoff_expired(draft: Draft) -> bool:
    """The draft's QR code needs a new token (a kiosk's screen asks again)."""
    return not draft.photo_handoff or draft.photo_handoff_until <= utcnow() + timedelta(minutes=1)


def draft_for_handoff(token: str) -> Draft | None:
    """The kiosk draft a phone's token opens: unused, in time, not yet sent."""
    if not token or len(token) > 43:
        return None
    draft = db.session.execute(select(Draft).where(Draft.photo_handoff == token)).scalar_one_or_none()
    if draft is None or draft.kiosk_id is None or draft.complaint_id is not None:
        return None
    if draft.photo_handoff_until <= utcnow():
        return None
    return load_draft(draft.id)  # also: not abandoned (DRAFT_MAX_AGE_SECONDS)


def receive_handoff_photo(draft: Draft, data: bytes, mime: str) -> None:
    """The phone's photo into the kiosk's draft; its token is used up."""
    with immediate_transaction():
        draft.photo, draft.photo_mime = data, mime
        draft.photo_handoff, draft.photo_handoff_until = None, None
        draft.updated_at = utcnow()


def discard(draft: Draft) -> None:
    # Under the write lock: load_draft discards from GETs and reads-first
    # views too, whose deferred transaction could not upgrade to a write.
    with immediate_transaction():
        db.session.delete(draft)


def purge_expired() -> int:
    """Delete drafts nobody touched within DRAFT_MAX_AGE_SECONDS (answers and
    photo of a flow left unfinished); run by the housekeeping loop."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["DRAFT_MAX_AGE_SECONDS"])
    # Under the write lock: from the CLI a deferred transaction could not upgrade while kiosks write.
    with immediate_transaction() as session:
        return session.execute(delete(Draft).where(Draft.updated_at < cutoff)).rowcount
