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


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


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
        # How many reverse proxies stand in front of gunicorn (0: none). Only then
        # are X-Forwarded-For/-Proto/-Host trusted (werkzeug's ProxyFix).
        self.PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)
        # crm.jakarta.go.id documents no deep link by ticket number; keep it a template.
        self.CRM_TRACKING_URL_TEMPLATE = env(
            "CRM_TRACKING_URL_TEMPLATE", "https://crm.jakarta.go.id/"
        )
        # "api": the relay enters complaints through the CRM's API;
        # "manual": officers type them into the CRM and record its number.
        self.CRM_MODE = env("CRM_MODE", "api")
        self.CRM_TRACKING_HOME = env("CRM_TRACKING_HOME", "crm.jakarta.go.id")
        # The CRM's Open311 GeoReport v2 endpoint (the stand-in in development).
        self.CRM_BASE_URL = env("CRM_BASE_URL", "http://127.0.0.1:8001/open311/v2").rstrip("/")
        self.CRM_API_KEY = env("CRM_API_KEY", "")
        # What an officer may record as a CRM number (JK + YYMMDD + sequence).
        self.CRM_NUMBER_PATTERN = env("CRM_NUMBER_PATTERN", r"JK\d{10,11}")
        self.CRM_CONNECT_TIMEOUT = _env_float("CRM_CONNECT_TIMEOUT", 5.0)
        self.CRM_READ_TIMEOUT = _env_float("CRM_READ_TIMEOUT", 20.0)
        # Retries: capped exponential backoff with full jitter; give up by
        # elapsed time only (never by a count of attempts), default 72 hours.
        self.CRM_BACKOFF_BASE_SECONDS = _env_float("CRM_BACKOFF_BASE_SECONDS", 10.0)
        self.CRM_BACKOFF_MAX_SECONDS = _env_float("CRM_BACKOFF_MAX_SECONDS", 900.0)
        self.CRM_GIVE_UP_AFTER_SECONDS = _env_float("CRM_GIVE_UP_AFTER_SECONDS", 72 * 3600.0)
        # A claimed outbox row is the relay's for this long; a killed relay's
        # rows come back after it. Must exceed connect + read timeout.
        self.CRM_LEASE_SECONDS = _env_float("CRM_LEASE_SECONDS", 120.0)
        self.CRM_BATCH_SIZE = _env_int("CRM_BATCH_SIZE", 100)
        self.CRM_CONCURRENCY = _env_int("CRM_CONCURRENCY", 16)
        # How often the relay looks for due rows when it found none.
        self.CRM_POLL_SECONDS = _env_float("CRM_POLL_SECONDS", 1.0)
        # Status sync: how often, how many CRM numbers per request, and how
        # long a finished complaint is still watched in case the CRM reopens it.
        self.CRM_SYNC_INTERVAL_SECONDS = _env_float("CRM_SYNC_INTERVAL_SECONDS", 300.0)
        self.CRM_SYNC_BATCH_SIZE = _env_int("CRM_SYNC_BATCH_SIZE", 50)
        self.CRM_SYNC_CLOSED_GRACE_DAYS = _env_int("CRM_SYNC_CLOSED_GRACE_DAYS", 14)
        # /healthz/crm raises an alert when a due row waits longer than this
        # (the relay is not running, or the CRM has been unreachable for long).
        self.CRM_PENDING_ALERT_SECONDS = _env_float("CRM_PENDING_ALERT_SECONDS", 3600.0)
        # The CRM stand-in (backend/crm/standin): its own database file.
        self.STANDIN_DATABASE = env("STANDIN_DATABASE", str(Path(instance_path) / "crm-standin.sqlite3"))
        # Routing rules beyond each category's agency (backend/data/routing.csv).
        self.ROUTING_RULES_PATH = env(
            "ROUTING_RULES_PATH", str(Path(__file__).resolve().parent / "data" / "routing.csv")
        )

        self.KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 90)
        # How long the "are you still there?" warning shows before the reset.
        self.KIOSK_IDLE_WARNING_SECONDS = _env_int("KIOSK_IDLE_WARNING_SECONDS", 20)
        # Kiosks are touch screens without a keyboard: a text field brings up
        # the page's own on-screen keyboard (kiosk/static/js/keyboard.js).
        # Off for kiosks whose system shows one of its own.
        self.KIOSK_ONSCREEN_KEYBOARD = _env_bool("KIOSK_ONSCREEN_KEYBOARD", True)
        # A kiosk's photo comes from the citizen's phone (a QR code on its
        # "what happened" screen): how long that code works, once.
        self.KIOSK_PHOTO_HANDOFF_MINUTES = _env_int("KIOSK_PHOTO_HANDOFF_MINUTES", 10)
        # A citizen's call for an officer from a kiosk shows on the desk's
        # queue page until answered, or for this long.
        self.KIOSK_HELP_CALL_MINUTES = _env_int("KIOSK_HELP_CALL_MINUTES", 15)
        # Meanwhile the caller's screen waits this long for a touch before its
        # idle warning (not KIOSK_IDLE_SECONDS): someone waiting for an officer
        # does not touch the screen, and their answers must be there when the
        # officer comes. Their screen asks every KIOSK_HELP_POLL_SECONDS whether
        # an officer has answered ("on the way").
        self.KIOSK_HELP_IDLE_SECONDS = _env_int("KIOSK_HELP_IDLE_SECONDS", 300)
        self.KIOSK_HELP_POLL_SECONDS = _env_int("KIOSK_HELP_POLL_SECONDS", 10)
        # The start screen, untouched this long, turns into the attract screen
        # (kiosk/static/js/attract.js): slides of this many seconds each; it
        # reloads itself this often so that hours, duty and tokens stay fresh.
        self.KIOSK_ATTRACT_SECONDS = _env_int("KIOSK_ATTRACT_SECONDS", 60)
        self.KIOSK_ATTRACT_SLIDE_SECONDS = _env_int("KIOSK_ATTRACT_SLIDE_SECONDS", 8)
        self.KIOSK_ATTRACT_REFRESH_SECONDS = _env_int("KIOSK_ATTRACT_REFRESH_SECONDS", 15 * 60)
        # A draft nobody touched for this long is deleted by the server too.
        self.DRAFT_MAX_AGE_SECONDS = _env_int("DRAFT_MAX_AGE_SECONDS", 2 * 3600)

        # Officers (kiosk/console, backend/auth.py). A console session ends
        # after this long without a request (and at once on logout or when
        # the account is disabled: sessions are kept on the server).
        self.OFFICER_IDLE_MINUTES = _env_int("OFFICER_IDLE_MINUTES", 30)
        # Failed logins (and kiosk PINs, pairing codes) counted in the
        # database, so the limit holds across workers without another service.
        self.LOGIN_FAILURE_WINDOW_SECONDS = _env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
        # Kiosk devices. Once a kiosk is paired, its pages answer only the
        # paired device. True: an unpaired kiosk shows only its pairing screen
        # (production); False (default, development): unpaired demo kiosks
        # work as before.
        self.KIOSK_REQUIRE_PAIRING = _env_bool("KIOSK_REQUIRE_PAIRING", False)
        self.KIOSK_PAIRING_CODE_MINUTES = _env_int("KIOSK_PAIRING_CODE_MINUTES", 15)
        self.KIOSK_HEARTBEAT_SECONDS = _env_int("KIOSK_HEARTBEAT_SECONDS", 60)
        # Assisted mode on a kiosk (an officer's PIN) ends after the receipt,
        # at the idle reset, or after this long at the latest.
        self.KIOSK_ASSIST_MINUTES = _env_int("KIOSK_ASSIST_MINUTES", 30)

        # Personal data of a finished complaint is deleted after this (UU 27/2022 Pasal 43).
        self.PERSONAL_DATA_RETENTION_DAYS = _env_int("PERSONAL_DATA_RETENTION_DAYS", 730)
        # A refused kiosk report left open keeps its personal data this long (backend/delivery_refusals.py).
        self.REFUSAL_RETENTION_DAYS = _env_int("REFUSAL_RETENTION_DAYS", 30)
        self.DESCRIPTION_MAX_CHARS = _env_int("DESCRIPTION_MAX_CHARS", 4000)
        self.PHOTO_MAX_BYTES = _env_int("PHOTO_MAX_BYTES", 8 * 1024 * 1024)
        self.PHOTO_MAX_PIXELS = _env_int("PHOTO_MAX_PIXELS", 40_000_000)
        self.PHOTO_STORED_MAX_SIDE = _env_int("PHOTO_STORED_MAX_SIDE", 2048)
        # Hard cap for a whole request; above the photo limit so that an
        # oversized photo is refused by validation with the typed text kept.
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)
        self.MAX_FORM_MEMORY_SIZE = 1024 * 1024

        # Offline kiosks number complaints from a leased block (backend/leases.py),
        # topped up to this many when fewer than half remain.
        self.KIOSK_LEASE_SIZE = _env_int("KIOSK_LEASE_SIZE", 10)
        # A leased number's complaint keeps the kiosk's time of intake (its
        # printed receipt shows it), but a wrong device clock moves it back at most this far.
        self.KIOSK_OFFLINE_MAX_DAYS = _env_int("KIOSK_OFFLINE_MAX_DAYS", 7)
        # Receipt links (/tanda-terima/<token>) that the JSON API gives phones.
        self.RECEIPT_LINK_MAX_AGE_SECONDS = _env_int("RECEIPT_LINK_MAX_AGE_SECONDS", 7 * 24 * 3600)
        # Rate limits of the JSON API (flask-limiter syntax). memory:// counts per
        # process; production shares counters in Redis (redis://127.0.0.1:6379).
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_KEY_PREFIX = "kios"
        self.RATELIMIT_HEADERS_ENABLED = True
        # A broken limit store must not turn complaints away: count in memory meanwhile, never a 500.
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        # Phones per client address (generous: mobile carriers put many phones behind one address);
        # kiosks per kiosk code (the kiosks of an office share its address).
        self.RATELIMIT_API_PHONE = env("RATELIMIT_API_PHONE", "30 per minute;300 per hour")
        self.RATELIMIT_API_KIOSK = env("RATELIMIT_API_KIOSK", "120 per minute")
        self.RATELIMIT_API_LEASE = env("RATELIMIT_API_LEASE", "30 per minute")
        self.RATELIMIT_API_TRACK = env("RATELIMIT_API_TRACK", "60 per minute")
        self.RATELIMIT_RECEIPT_LINK = env("RATELIMIT_RECEIPT_LINK", "30 per minute")
        # Photos sent from phones to a kiosk's report (kiosk/handoff), per address.
        self.RATELIMIT_PHOTO_HANDOFF = env("RATELIMIT_PHOTO_HANDOFF", "20 per minute")

        # The service worker's precache version hashes every shell page and static
        # file (kiosk/pwa/precache.py); this string enters the hash too: change it
        # to make every installed app fetch its shell again. Pages show editable
        # data (e.g. the channels), so the version is recomputed after this long.
        self.PWA_SHELL_REVISION = env("PWA_SHELL_REVISION", "")
        self.PWA_VERSION_TTL_SECONDS = _env_float("PWA_VERSION_TTL_SECONDS", 60.0)

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
