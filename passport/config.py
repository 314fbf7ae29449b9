"""Settings from environment variables.

Development needs no settings at all: SQLite in ``instance/``, a secret key generated once and kept in
``instance/``. Production (``PASSPORT_ENV=production``) refuses to start while any development default
is still in force, and says which setting is missing.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from passport.record_keeping.schedule import RetentionSchedule, parse_schedule

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
# A signed-in session lapses this long after its last use: one working shift.
SESSION_LIFETIME = timedelta(hours=8)


class ConfigurationError(RuntimeError):
    """Raised when the service cannot start with the settings it was given."""


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'passport.sqlite3'}"


def default_queue_url() -> str:
    """The embedded broker of ``make run``: an SQLite file of the queue's own, beside the database."""
    return f"sqlite:///{INSTANCE_DIR / 'queue.sqlite3'}"


def _development_secret_key() -> str:
    """Generate a secret key once and keep it, so sessions survive a restart in development."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _development_key_encryption_key() -> str:
    """One Fernet key-encryption key, generated once into instance/, so signing keys survive a restart."""
    from cryptography.fernet import Fernet

    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "key_encryption_key"
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode("ascii"))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _key_encryption_keys(raw: str) -> tuple[str, ...]:
    """PASSPORT_KEY_ENCRYPTION_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt."""
    from cryptography.fernet import Fernet

    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ConfigurationError(
                f"PASSPORT_KEY_ENCRYPTION_KEYS: key {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from None
    return keys


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    secret_key: str
    public_url: str
    ratelimit_storage_url: str
    demo_password: str
    # Sign-in limits: per address and account (guessing one password), and per address alone (spraying
    # many accounts) set high enough for a whole ward behind one trust proxy at a shift change.
    sign_in_rate_limit: str = "10 per minute; 50 per hour"
    sign_in_address_rate_limit: str = "120 per minute; 1000 per hour"
    # Fernet keys that encrypt the trusts' private signing keys at rest; the first one encrypts.
    key_encryption_keys: tuple[str, ...] = ()
    # The task queue's broker (redis:// in production) and the email server (required in production).
    queue_url: str = ""
    smtp_url: str | None = None
    # A running job whose heartbeat is older than this is taken to have lost its worker.
    job_stale_seconds: int = 120
    # Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are believed: the
    # client's address (sign-in limits and waits, audit, sessions) is the one the nearest of them saw.
    trusted_proxy_hops: int = 0
    # How long records are kept (issue 17): PASSPORT_RETENTION_* (passport/record_keeping/schedule.py).
    retention: RetentionSchedule = RetentionSchedule()
    # Valid signatures kept per process, so a passport presented again is not checked by Ed25519 again
    # (passport.credentials.proofs.VerifiedSignatures); 0 keeps none.
    verified_signatures_kept: int = 10_000

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    environment = env.get("PASSPORT_ENV", "development").strip().lower()
    if environment not in {"development", "production", "testing"}:
        raise ConfigurationError(
            f"PASSPORT_ENV must be development, production or testing, not {environment!r}."
        )
    production = environment == "production"
    missing = [
        name
        for name in (
            "PASSPORT_DATABASE_URL",
            "SECRET_KEY",
            "PASSPORT_PUBLIC_URL",
            "PASSPORT_RATELIMIT_STORAGE_URL",
            "PASSPORT_KEY_ENCRYPTION_KEYS",
            "PASSPORT_QUEUE_URL",
            "PASSPORT_SMTP_URL",
        )
        if production and not env.get(name)
    ]
    if missing:
        raise ConfigurationError(
            "PASSPORT_ENV=production needs these settings, which are not set: " + ", ".join(missing)
        )
    secret_key = env.get("SECRET_KEY") or _development_secret_key()
    if production and len(secret_key) < 32:
        raise ConfigurationError("SECRET_KEY must be at least 32 characters in production.")
    database_url = env.get("PASSPORT_DATABASE_URL") or default_database_url()
    if production and database_url.startswith("sqlite"):
        raise ConfigurationError("PASSPORT_DATABASE_URL must name PostgreSQL in production, not SQLite.")
    ratelimit = env.get("PASSPORT_RATELIMIT_STORAGE_URL") or "memory://"
    if production and ratelimit.startswith("memory"):
        raise ConfigurationError(
            "PASSPORT_RATELIMIT_STORAGE_URL must name a shared store (such as redis://) in production."
        )
    queue_url = env.get("PASSPORT_QUEUE_URL") or default_queue_url()
    if production and not queue_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            "PASSPORT_QUEUE_URL must name the shared broker (redis://) in production, "
            "so that workers on other machines take the jobs."
        )
    key_encryption_keys = _key_encryption_keys(
        env.get("PASSPORT_KEY_ENCRYPTION_KEYS") or _development_key_encryption_key()
    )
    try:
        retention = parse_schedule(env)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    return Settings(
        environment=environment,
        database_url=database_url,
        secret_key=secret_key,
        public_url=(env.get("PASSPORT_PUBLIC_URL") or _served_address(env)).rstrip("/"),
        ratelimit_storage_url=ratelimit,
        demo_password=env.get("PASSPORT_DEMO_PASSWORD") or "demo-passport-2026",
        key_encryption_keys=key_encryption_keys,
        queue_url=queue_url,
        smtp_url=env.get("PASSPORT_SMTP_URL") or None,
        job_stale_seconds=_positive_int(env, "PASSPORT_JOB_STALE_SECONDS", 120),
        # Production runs behind the trust's reverse proxy (gunicorn binds 127.0.0.1): one hop unless said.
        trusted_proxy_hops=_proxy_hops(env, default=1 if production else 0),
        sign_in_rate_limit=env.get("PASSPORT_SIGN_IN_RATE_LIMIT") or Settings.sign_in_rate_limit,
        sign_in_address_rate_limit=(
            env.get("PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT") or Settings.sign_in_address_rate_limit
        ),
        retention=retention,
        verified_signatures_kept=_whole_number(env, "PASSPORT_VERIFIED_SIGNATURES_KEPT", 10_000),
    )


def _proxy_hops(env: os._Environ[str] | dict[str, str], default: int) -> int:
    raw = (env.get("PASSPORT_TRUSTED_PROXY_HOPS") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 5:
        raise ConfigurationError(
            f"PASSPORT_TRUSTED_PROXY_HOPS must be a whole number from 0 to 5, not {raw!r}."
        )
    return int(raw)


def _served_address(env: os._Environ[str] | dict[str, str]) -> str:
    """Without PASSPORT_PUBLIC_URL (development only: production requires it), links, QR codes, DIDs and
    CASE URIs name the address ``make run`` serves: 127.0.0.1 on PORT (5000 unless given), which the web
    server, its worker and seed-demo all see."""
    port = (env.get("PORT") or "5000").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"PORT must be a port number from 1 to 65535, not {port!r}.")
    return f"http://127.0.0.1:{int(port)}"


def _positive_int(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number of seconds, not {raw!r}.") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be more than 0.")
    return value


def _whole_number(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number (0 or more), not {raw!r}.")
    return int(raw)


def flask_config(settings: Settings) -> dict[str, object]:
    """The Flask and extension settings that follow from our own."""
    return {
        "SECRET_KEY": settings.secret_key,
        "PASSPORT_SETTINGS": settings,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        "SESSION_COOKIE_NAME": "__Host-passport" if settings.is_production else "passport_session",
        "PERMANENT_SESSION_LIFETIME": SESSION_LIFETIME,
        "REMEMBER_COOKIE_DURATION": 0,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 60 * 60,
        "RATELIMIT_STORAGE_URI": settings.ratelimit_storage_url,
        "PASSPORT_QUEUE_URL": settings.queue_url,
        "PASSPORT_SMTP_URL": settings.smtp_url,
        "PASSPORT_JOB_STALE_SECONDS": settings.job_stale_seconds,
        # The heartbeat beats several times within the stale limit, so one missed beat is no alarm.
        "PASSPORT_JOB_HEARTBEAT_SECONDS": max(1, settings.job_stale_seconds // 6),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PASSPORT_SIGN_IN_RATE_LIMIT": settings.sign_in_rate_limit,
        "PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT": settings.sign_in_address_rate_limit,
        "PASSPORT_RETENTION_SCHEDULE": settings.retention,
        "API_TITLE": "Staff Passport API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
