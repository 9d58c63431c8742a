"""Kiosk devices: registering, pairing a device, its heartbeat, disabling.

Pairing: an officer asks the console for a one-time code (shown once, valid
for KIOSK_PAIRING_CODE_MINUTES); someone types it on the kiosk itself,
which gets a random device token in return. Only the token's SHA-256 is
kept here, so a phone (or anyone who reads the database) cannot pose as the
kiosk. Pairing again replaces the device: the old token stops working.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from backend import auth
from backend.extensions import db
from backend.models import Kiosk, KioskHelpCall, Office, utcnow

PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
PAIRING_LENGTH = 8
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$")
PRINT_PATHS = ("browser", "escpos")
PAPER_SIZES = (58, 80)
# What a kiosk may report about its printer (kiosk/static/js/kiosk-device.js).
PRINTER_OK = ("ok", "unknown", "")


class KioskError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_pairing_code(typed: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (typed or "").upper())


def check_fields(*, code: str, name: str, office: Office | None, paper_mm: int, print_path: str) -> None:
    if not _CODE.match(code or ""):
        raise KioskError(_l("A kiosk code has 3 to 32 lower-case letters, digits or dashes, e.g. tebet-timur-2."))
    if office is None:
        raise KioskError(_l("Choose the kiosk's office."))
    if not (name or "").strip():
        raise KioskError(_l("Give the kiosk a name, e.g. where it stands."))
    if paper_mm not in PAPER_SIZES:
        raise KioskError(_l("Paper is 58 or 80 mm wide."))
    if print_path not in PRINT_PATHS:
        raise KioskError(_l("Unknown printing path."))


def register(*, code: str, name: str, office: Office | None, paper_mm: int, print_path: str,
             auto_print: bool = False) -> Kiosk:
    code = (code or "").strip().lower()
    check_fields(code=code, name=name, office=office, paper_mm=paper_mm, print_path=print_path)
    if db.session.execute(select(Kiosk.id).filter_by(code=code)).first():
        raise KioskError(_l("The kiosk code %(code)s is taken.", code=code))
    kiosk = Kiosk(code=code, name=name.strip()[:120], office=office, paper_mm=paper_mm, print_path=print_path,
                  auto_print=auto_print, active=True)
    db.session.add(kiosk)
    db.session.flush()
    return kiosk


def issue_pairing_code(kiosk: Kiosk, now: datetime | None = None) -> str:
    """A new one-time code for this kiosk (the caller commits); shown once."""
    now = now or utcnow()
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    kiosk.pairing_code_hash = _digest(raw)
    kiosk.pairing_expires_at = now + timedelta(minutes=current_app.config["KIOSK_PAIRING_CODE_MINUTES"])
    return f"{raw[:4]}-{raw[4:]}"


def pair(kiosk: Kiosk, typed: str, now: datetime | None = None) -> str:
    """Exchange a pairing code for a device token (the caller commits)."""
    now = now or utcnow()
    subject = f"kiosk:{kiosk.code}"
    until = auth.throttled_until("pairing", subject)
    if until is not None:
        raise auth.throttle_error(until)
    code = normalise_pairing_code(typed)
    valid = (kiosk.pairing_code_hash is not None and kiosk.pairing_expires_at is not None
             and kiosk.pairing_expires_at > now and hmac.compare_digest(_digest(code), kiosk.pairing_code_hash))
    if not valid:
        auth.record_failure("pairing", subject)
        raise KioskError(_l("This pairing code is not right or has expired. Ask for a new one in the officer console."))
    token = secrets.token_urlsafe(32)
    kiosk.device_token_hash = _digest(token)
    kiosk.pairing_code_hash = None
    kiosk.pairing_expires_at = None
    auth.clear_failures("pairing", subject)
    return token


def unpair(kiosk: Kiosk) -> None:
    kiosk.device_token_hash = None
    kiosk.pairing_code_hash = None
    kiosk.pairing_expires_at = None


def is_paired(kiosk: Kiosk) -> bool:
    return kiosk.device_token_hash is not None


def device_matches(kiosk: Kiosk, token: str | None) -> bool:
    return bool(token) and kiosk.device_token_hash is not None and hmac.compare_digest(
        _digest(token), kiosk.device_token_hash)


def record_heartbeat(kiosk: Kiosk, printer: str | None, now: datetime | None = None) -> None:
    kiosk.last_heartbeat_at = now or utcnow()
    kiosk.printer_status = (printer or "unknown").strip()[:120] or "unknown"
    # Counted per hour for the monitoring dashboard's uptime (backend/monitoring).
    from backend.monitoring.queries import count_heartbeat

    count_heartbeat(kiosk.id, kiosk.last_heartbeat_at)


def heartbeat_late(kiosk: Kiosk, now: datetime | None = None) -> bool:
    """No heartbeat for three intervals: the kiosk is off, offline or its page is closed."""
    if kiosk.last_heartbeat_at is None:
        return True
    interval = current_app.config["KIOSK_HEARTBEAT_SECONDS"]
    return (now or utcnow()) - kiosk.last_heartbeat_at > timedelta(seconds=3 * interval)


def printer_problem(kiosk: Kiosk) -> str | None:
    status = (kiosk.printer_status or "").strip()
    return None if status.lower() in PRINTER_OK else status


# --- a citizen at the screen calls an officer ---------------------------------

def _call_limit() -> timedelta:
    return timedelta(minutes=current_app.config["KIOSK_HELP_CALL_MINUTES"])


def _waiting(now: datetime):
    """A call not answered yet, and not older than KIOSK_HELP_CALL_MINUTES (the citizen may have gone)."""
    return KioskHelpCall.answered_at.is_(None), KioskHelpCall.requested_at > now - _call_limit()


def waiting_since(kiosk_ids, now: datetime | None = None) -> dict[int, datetime]:
    """The kiosks among `kiosk_ids` where a citizen waits for an officer: since when."""
    if not kiosk_ids:
        return {}
    return dict(db.session.execute(
        select(KioskHelpCall.kiosk_id, func.min(KioskHelpCall.requested_at))
        .where(KioskHelpCall.kiosk_id.in_(list(kiosk_ids)), *_waiting(now or utcnow()))
        .group_by(KioskHelpCall.kiosk_id)).all())


def request_help(kiosk: Kiosk, now: datetime | None = None) -> tuple[KioskHelpCall, bool]:
    """The kiosk's "call an officer": (the new call, True), or (the call already
    waiting, False). The caller holds the write lock (immediate_transaction),
    so that two taps make one call."""
    now = now or utcnow()
    waiting = db.session.scalars(select(KioskHelpCall).where(KioskHelpCall.kiosk_id == kiosk.id, *_waiting(now))
                                 .order_by(KioskHelpCall.requested_at.desc()).limit(1)).first()
    if waiting is not None:
        return waiting, False
    call = KioskHelpCall(kiosk_id=kiosk.id, requested_at=now)
    db.session.add(call)
    db.session.flush()
    return call, True


class HelpAnswer(StrEnum):
    """How an officer answered a call (kiosk_help_calls.answered_how)."""

    DESK = "desk"  # "Saya ke sana" on the console's queue page
    ASSISTED = "assisted"  # assisted mode started at the kiosk: the officer is there


def answer_help(kiosk: Kiosk, officer_id: int | None, how: HelpAnswer, now: datetime | None = None) -> bool:
    """An officer is on the way, or at the kiosk: the kiosk's waiting calls are
    answered. False when none was waiting (another officer was quicker)."""
    now = now or utcnow()
    done = db.session.execute(update(KioskHelpCall).where(KioskHelpCall.kiosk_id == kiosk.id, *_waiting(now))
                              .values(answered_at=now, answered_by_id=officer_id, answered_how=how))
    return done.rowcount > 0


class HelpState(StrEnum):
    """A citizen's own call, as their kiosk screen shows it."""

    WAITING = "waiting"  # called, not answered yet
    COMING = "coming"  # an officer answered it: on the way


def help_state(kiosk: Kiosk, call_id: int | None, now: datetime | None = None) -> HelpState | None:
    """The state of the call a citizen made (or joined) at this kiosk; None
    when they made none, or it ended: unanswered or answered more than
    KIOSK_HELP_CALL_MINUTES ago (the screen offers the button again)."""
    call = db.session.get(KioskHelpCall, call_id) if call_id is not None else None
    if call is None or call.kiosk_id != kiosk.id:
        return None
    now = now or utcnow()
    if call.answered_at is None:
        return HelpState.WAITING if now - call.requested_at < _call_limit() else None
    return HelpState.COMING if now - call.answered_at < _call_limit() else None


@dataclass(frozen=True)
class Trouble:
    """An active kiosk the people of its office should look at now."""

    kiosk: Kiosk
    offline: bool  # no heartbeat for three intervals (heartbeat_late)
    printer: str | None  # what its printer reports, when not ok (printer_problem)
    help_since: datetime | None = None  # a citizen there waits for an officer (waiting_since)


def needing_attention(where, now: datetime | None = None) -> list[Trouble]:
    """Active kiosks matching `where` (e.g. auth.scope_clause(user, Kiosk.office_id))
    where a citizen called an officer, that are off or offline, or whose
    printer reports a problem: what the desk can see to (the citizen, turning
    it on, its cable, the paper). Out-of-service kiosks are left out: someone
    took them out on purpose."""
    now = now or utcnow()
    rows = db.session.scalars(select(Kiosk).where(Kiosk.active.is_(True), where).order_by(Kiosk.name)).all()
    calls = waiting_since([k.id for k in rows], now)
    troubles = [Trouble(k, heartbeat_late(k, now), printer_problem(k), calls.get(k.id)) for k in rows]
    # A citizen waiting for an officer first.
    return sorted((t for t in troubles if t.offline or t.printer or t.help_since),
                  key=lambda t: t.help_since is None)
