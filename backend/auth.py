"""Officers: accounts, passwords and PINs, server-side sessions, login
throttling, what each role may do and see, and the audit log.

Roles
  petugas   an officer of one office
  pimpinan  a lurah or camat (or the mayor's office): their office and the offices under it
  monitor   monitoring and evaluation, city-wide, read-only; personal data masked
  admin     everything

The scope rules live here, in `office_scope` and `allowed`; every console
query and route guard goes through them.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, false, func, select, true, update

from backend import validation
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import ROLES, AuditLog, LoginFailure, Office, OfficerSession, User, utcnow

PETUGAS, PIMPINAN, MONITOR, ADMIN = ROLES

ROLE_LABELS = {
    PETUGAS: _l("Officer"),
    PIMPINAN: _l("Head of office"),
    MONITOR: _l("Monitoring"),
    ADMIN: _l("Administrator"),
}

# argon2id with argon2-cffi's defaults (t=3, m=64 MiB, p=4): above OWASP ASVS 5.0's minimum.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")

PASSWORD_MIN = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,38}[a-z0-9]$")
_PIN = re.compile(r"^[0-9]{6,8}$")


class AuthError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Throttled(AuthError):
    def __init__(self, message, until: datetime):
        super().__init__(message)
        self.until = until


# --- passwords and PINs ---------------------------------------------------

def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    """Constant work whether or not there is a hash to check against."""
    try:
        return _hasher.verify(hashed or _DUMMY_HASH, secret or "") and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> str:
    if len(password or "") < PASSWORD_MIN:
        raise AuthError(_l("A password has at least %(n)d characters.", n=PASSWORD_MIN))
    return password


def check_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not _PIN.match(pin):
        raise AuthError(_l("A PIN has 6 to 8 digits."))
    if len(set(pin)) == 1 or pin in "0123456789012345678" or pin in "9876543210987654321":
        raise AuthError(_l("This PIN is too easy to guess; choose another."))
    return pin


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# --- accounts -------------------------------------------------------------

def office_by_code(code: str | None) -> Office | None:
    if not code:
        return None
    return db.session.execute(select(Office).filter_by(code=code)).scalar_one_or_none()


def create_user(*, username: str, full_name: str, role: str, office_code: str | None, password: str,
                phone: str = "", email: str = "") -> User:
    """A new account; raises AuthError with a message for the person typing."""
    username = normalise_username(username)
    if not _USERNAME.match(username):
        raise AuthError(_l("A username has 3 to 40 lower-case letters, digits, dots, dashes or underscores."))
    if db.session.execute(select(User.id).filter_by(username=username)).first():
        raise AuthError(_l("The username %(name)s is taken.", name=username))
    user = User(username=username, password_hash=hash_secret(check_password(password)), active=True)
    update_user(user, full_name=full_name, role=role, office_code=office_code, phone=phone, email=email)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, full_name: str, role: str, office_code: str | None, phone: str = "",
                email: str = "") -> None:
    if role not in ROLES:
        raise AuthError(_l("Unknown role."))
    office = office_by_code(office_code)
    if office_code and office is None:
        raise AuthError(_l("There is no office with the code %(code)s.", code=office_code))
    if role in (PETUGAS, PIMPINAN) and office is None:
        raise AuthError(_l("An officer or head of office belongs to an office: choose one."))
    full_name = (full_name or "").strip()
    if not full_name:
        raise AuthError(_l("Write the officer's full name."))
    try:
        phone_n = validation.phone(phone)
        email_n = validation.email(email)
    except validation.Invalid as exc:
        raise AuthError(exc.message) from None
    user.full_name = full_name[:120]
    user.role = role
    user.office = office
    user.phone = phone_n
    user.email = email_n


def find_user(username: str) -> User | None:
    return db.session.execute(
        select(User).filter_by(username=normalise_username(username))
    ).scalar_one_or_none()


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_secret(check_password(password))


def set_pin(user: User, pin: str | None) -> None:
    user.pin_hash = hash_secret(check_pin(pin)) if pin else None


def set_active(user: User, active: bool, *, reason: str = "disabled") -> None:
    """Disabling an account ends its sessions at once (the caller commits)."""
    user.active = active
    if not active:
        end_user_sessions(user.id, reason)


# --- throttling -----------------------------------------------------------
#
# Failures are rows in the database rather than counters in a rate-limit
# store: the limit then holds across every web worker and on both
# databases, with no extra service to run. At most a few hundred rows a day.

def _address() -> str:
    return (request.remote_addr or "-")[:45] if has_request_context() else "cli"


def _limits() -> tuple[timedelta, int, int]:
    cfg = current_app.config
    return (timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"]), cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
            cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"])


def throttled_until(kind: str, subject: str, address: str | None = None,
                    now: datetime | None = None) -> datetime | None:
    """When guessing may resume, if `subject` or `address` has failed too often."""
    now = now or utcnow()
    window, per_subject, per_address = _limits()
    since = now - window
    until = None
    for column, value, limit in ((LoginFailure.subject, subject, per_subject),
                                 (LoginFailure.address, address or _address(), per_address)):
        times = db.session.scalars(
            select(LoginFailure.at).where(LoginFailure.kind == kind, column == value, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc()).limit(limit)
        ).all()
        if len(times) >= limit:
            # Free again when the oldest of the last `limit` failures leaves the window.
            candidate = times[-1] + window
            until = candidate if until is None else max(until, candidate)
    return until


def record_failure(kind: str, subject: str, address: str | None = None) -> None:
    with immediate_transaction() as session:
        session.add(LoginFailure(kind=kind, subject=subject[:80], address=(address or _address())[:45], at=utcnow()))


def clear_failures(kind: str, subject: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.kind == kind, LoginFailure.subject == subject))


def throttle_error(until: datetime) -> Throttled:
    from backend.workdays import WIB

    return Throttled(_l("Too many failed attempts. For safety, please wait and try again after %(time)s WIB.",
                        time=until.astimezone(WIB).strftime("%H.%M")), until)


def authenticate(username: str, password: str) -> User:
    """The active user with this password, or AuthError / Throttled."""
    username = normalise_username(username)
    until = throttled_until("password", username)
    if until is not None:
        raise throttle_error(until)
    user = find_user(username)
    ok = verify_secret(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        record_failure("password", username)
        raise AuthError(_l("The username or password is not right."))
    clear_failures("password", username)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    return user


def check_officer_pin(username: str, pin: str, kiosk_code: str) -> User:
    """An officer's PIN typed on a kiosk: throttled per officer and per kiosk."""
    username = normalise_username(username)
    until = throttled_until("pin", username, address=f"kiosk:{kiosk_code}")
    if until is not None:
        raise throttle_error(until)
    user = find_user(username)
    ok = verify_secret(user.pin_hash if user else None, pin)
    if not ok or user is None or not user.active:
        record_failure("pin", username, address=f"kiosk:{kiosk_code}")
        raise AuthError(_l("The username or PIN is not right."))
    clear_failures("pin", username)
    return user


# --- sessions -------------------------------------------------------------

def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new server-side session; returns the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    ua = request.headers.get("User-Agent", "")[:200] if has_request_context() else "cli"
    db.session.add(OfficerSession(id=_token_id(token), user=user, created_at=now, last_seen_at=now,
                                  address=_address(), user_agent=ua))
    return token


def end_session(token: str | None, reason: str = "logout") -> None:
    if not token:
        return
    db.session.execute(update(OfficerSession).where(OfficerSession.id == _token_id(token),
                                                    OfficerSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))


def end_user_sessions(user_id: int, reason: str) -> None:
    db.session.execute(update(OfficerSession).where(OfficerSession.user_id == user_id,
                                                    OfficerSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))


@dataclass(frozen=True)
class SessionCheck:
    user: User | None
    ended: str | None = None  # why a session the browser still named is over


def load_session(token: str | None, now: datetime | None = None) -> SessionCheck:
    """The user of a live session; ends it when idle too long or the account is disabled."""
    if not token:
        return SessionCheck(None)
    now = now or utcnow()
    sid = _token_id(token)
    row = db.session.get(OfficerSession, sid)
    if row is None or row.ended_at is not None:
        return SessionCheck(None, row.end_reason if row else None)
    idle = timedelta(minutes=current_app.config["OFFICER_IDLE_MINUTES"])
    reason = None
    if not row.user.active:
        reason = "disabled"
    elif now - row.last_seen_at > idle:
        reason = "idle"
    if reason is not None or now - row.last_seen_at > timedelta(seconds=60):
        # Written at most once a minute per session; under the write lock on SQLite.
        with immediate_transaction() as session:
            session.execute(update(OfficerSession).where(OfficerSession.id == sid, OfficerSession.ended_at.is_(None))
                            .values(**({"ended_at": now, "end_reason": reason} if reason else {"last_seen_at": now})))
        row = db.session.get(OfficerSession, sid)
    if reason is not None:
        return SessionCheck(None, reason)
    return SessionCheck(row.user)


# --- what a user may see and do -------------------------------------------

def office_scope(user: User) -> frozenset[int] | None:
    """The ids of the offices whose complaints `user` may see; None: every office.

    petugas: their own office. pimpinan: their office and every office under
    it (a camat: the kecamatan and its kelurahan). monitor, admin: all.
    """
    if user.role in (MONITOR, ADMIN):
        return None
    if user.office_id is None:
        return frozenset()
    if user.role == PETUGAS:
        return frozenset({user.office_id})
    ids = {user.office_id}
    frontier = {user.office_id}
    while frontier:
        frontier = set(db.session.scalars(select(Office.id).where(Office.parent_id.in_(frontier)))) - ids
        ids |= frontier
    return frozenset(ids)


def scope_of(user: User) -> frozenset[int] | None:
    """office_scope, computed once per request."""
    if has_request_context():
        cache = g.setdefault("_office_scope", {})
        if user.id not in cache:
            cache[user.id] = office_scope(user)
        return cache[user.id]
    return office_scope(user)


def may_see_office(user: User, office_id: int | None) -> bool:
    scope = scope_of(user)
    return scope is None or office_id in scope


def scope_clause(user: User, column):
    """A WHERE clause limiting `column` (an office id) to what `user` may see."""
    scope = scope_of(user)
    if scope is None:
        return true()
    return column.in_(sorted(scope)) if scope else false()


def is_mayors_office_head(user: User) -> bool:
    from backend.offices import KOTA_CODE

    return user.role == PIMPINAN and user.office is not None and user.office.code == KOTA_CODE


# Permission -> who holds it. Routes declare one permission each (kiosk/console/access.py).
PERMISSIONS = {
    "console": lambda u: True,  # any signed-in officer: home, roster, own account
    "queue": lambda u: True,  # complaints of their scope (monitor: masked)
    "personal_data": lambda u: u.role in (PETUGAS, PIMPINAN, ADMIN),
    "intake": lambda u: u.role in (PETUGAS, PIMPINAN, ADMIN),
    "crm": lambda u: u.role in (PETUGAS, PIMPINAN, ADMIN),  # re-send, record a CRM number
    "reprint": lambda u: u.role in (PETUGAS, PIMPINAN, ADMIN),  # a receipt names the reporter
    # A citizen's request to correct or erase their data (backend/privacy.py, backend/retention.py).
    "privacy_requests": lambda u: u.role in (PETUGAS, PIMPINAN, ADMIN),
    "kiosks": lambda u: u.role in (PIMPINAN, ADMIN),
    # A kiosk's refused offline deliveries: the desk contacts the citizen holding the receipt and enters it.
    "kiosk_refusals": lambda u: u.role in (PETUGAS, PIMPINAN, ADMIN),
    "roster_edit": lambda u: u.role == ADMIN or is_mayors_office_head(u),
    "export": lambda u: u.role in (PIMPINAN, MONITOR, ADMIN),
    # Monitoring dashboard, its exports without personal data and the monthly
    # report (kiosk/console/monitoring.py); limited to office_scope like everything.
    "monitoring": lambda u: u.role in (PIMPINAN, MONITOR, ADMIN),
    # Exports with the reporters' contact details (audited): admin, and a
    # pimpinan for their own offices. Never monitor (masked by design) or petugas.
    "export_personal": lambda u: u.role in (PIMPINAN, ADMIN),
    "admin": lambda u: u.role == ADMIN,
}


def allowed(user: User | None, permission: str) -> bool:
    if user is None or not user.active:
        return False
    rule = PERMISSIONS.get(permission)
    return bool(rule and rule(user))


def may_use_kiosk(user: User, kiosk) -> bool:
    """Assisted mode: an officer of the kiosk's office (or above it) or an admin."""
    return allowed(user, "intake") and may_see_office(user, kiosk.office_id)


# --- audit ----------------------------------------------------------------

def audit(action: str, *, user: User | None = None, complaint_number: str | None = None,
          target: str | None = None, detail: str | None = None) -> None:
    """Add an audit row to the current transaction (the caller commits)."""
    db.session.add(AuditLog(
        at=utcnow(), user_id=user.id if user is not None else None, action=action[:32],
        complaint_number=complaint_number, target=(target or None) and target[:80],
        detail=(detail or None) and detail[:500], address=_address(),
    ))


def audit_now(action: str, **kwargs) -> None:
    """Write an audit row in a transaction of its own, before the data leaves."""
    with immediate_transaction():
        audit(action, **kwargs)


def same_secret(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def count_failures(kind: str, subject: str) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginFailure)
                             .where(LoginFailure.kind == kind, LoginFailure.subject == subject)) or 0
