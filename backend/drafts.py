"""Server-side drafts of the intake flow (see models.Draft for why)."""
from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

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
