"""Officer accounts and console sessions for tests.

Hashing with argon2 takes a while on purpose, so the test password and PIN
are hashed once per run and the hashes reused.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import select

from backend import auth, validation
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Office, User

PASSWORD = "kata sandi uji 2026"
PIN = "246810"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@lru_cache(maxsize=None)
def _hashes() -> tuple[str, str]:
    return auth.hash_secret(PASSWORD), auth.hash_secret(PIN)


def make_user(username: str, role: str, office_code: str | None = None, *, phone: str | None = None,
              email: str | None = None, full_name: str | None = None, pin: bool = True) -> int:
    """Create an officer (inside an app context); returns the id."""
    password_hash, pin_hash = _hashes()
    # Read and write under the write lock: a live server may commit between a
    # deferred read and our insert, and SQLite then refuses the upgrade at once.
    with immediate_transaction():
        office = db.session.execute(select(Office).filter_by(code=office_code)).scalar_one() if office_code else None
        user = User(username=username, full_name=full_name or username.replace(".", " ").title(), role=role,
                    office=office, phone=validation.phone(phone or ""), email=validation.email(email or ""),
                    password_hash=password_hash, pin_hash=pin_hash if pin else None, active=True)
        db.session.add(user)
    return user.id


def sign_in(app, client, user_id: int) -> str:
    """A live console session for `user_id` in `client`, without the login form."""
    with app.app_context(), immediate_transaction():
        token = auth.start_session(db.session.get(User, user_id))
    with client.session_transaction() as sess:
        sess["officer"] = token
    return token


def csrf_token(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1) or m.group(2)


def token_from(client, path: str = "/petugas/akun") -> str:
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return csrf_token(r.get_data(as_text=True))
