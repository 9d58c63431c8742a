"""Configuration read from the environment, with safe defaults.

Every setting can be overridden by an environment variable of the same name.
The secret key is never hard-coded: unless SECRET_KEY is set, a random key is
generated on first run and kept in the instance folder (see `load_secret_key`).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for a single-office or development install; production sets the env."""

    def __init__(self, instance_path: str):
        env = os.environ.get
        default_db = "sqlite:///" + str(Path(instance_path) / "kios-aduan.sqlite3")
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

        # Where a citizen's phone can reach the tracking page. A kiosk's own
        # address (often 127.0.0.1 or a LAN name) is not one, so the QR code
        # on receipts is built from this, never from request.host_url.
        self.PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        # crm.jakarta.go.id documents no deep link by ticket number; keep it a template.
        self.CRM_TRACKING_URL_TEMPLATE = env(
            "CRM_TRACKING_URL_TEMPLATE", "https://crm.jakarta.go.id/"
        )
        # "api": the relay enters complaints through the CRM's API;
        # "manual": officers type them into the CRM and record its number.
        self.CRM_MODE = env("CRM_MODE", "api")
        self.CRM_TRACKING_HOME = env("CRM_TRACKING_HOME", "crm.jakarta.go.id")

        self.KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 90)
        # How long the "are you still there?" warning shows before the reset.
        self.KIOSK_IDLE_WARNING_SECONDS = _env_int("KIOSK_IDLE_WARNING_SECONDS", 20)
        # A draft nobody touched for this long is deleted by the server too.
        self.DRAFT_MAX_AGE_SECONDS = _env_int("DRAFT_MAX_AGE_SECONDS", 2 * 3600)

        # Personal data of a finished complaint is deleted after this (UU 27/2022 Pasal 43).
        self.PERSONAL_DATA_RETENTION_DAYS = _env_int("PERSONAL_DATA_RETENTION_DAYS", 730)
        self.DESCRIPTION_MAX_CHARS = _env_int("DESCRIPTION_MAX_CHARS", 4000)
        self.PHOTO_MAX_BYTES = _env_int("PHOTO_MAX_BYTES", 8 * 1024 * 1024)
        self.PHOTO_MAX_PIXELS = _env_int("PHOTO_MAX_PIXELS", 40_000_000)
        self.PHOTO_STORED_MAX_SIDE = _env_int("PHOTO_STORED_MAX_SIDE", 2048)
        # Hard cap for a whole request; above the photo limit so that an
        # oversized photo is refused by validation with the typed text kept.
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)
        self.MAX_FORM_MEMORY_SIZE = 1024 * 1024

        self.BABEL_DEFAULT_LOCALE = "id"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
        self.LANGUAGES = ("id", "en")
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent.parent / "kiosk" / "translations")

        self.WTF_CSRF_TIME_LIMIT = _env_int("WTF_CSRF_TIME_LIMIT", 4 * 3600)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.SECRET_KEY = env("SECRET_KEY") or load_secret_key(instance_path)


def load_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, creating it on first run (mode 0600)."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Write aside, then link into place: linking fails if another worker won
    # the race, and nobody ever reads a half-written key.
    tmp = path.with_name(f".secret_key.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
