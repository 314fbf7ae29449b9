"""Accounts: passwords, sign-in with lock-out, session invalidation and API tokens.

Plain functions taking a ``Session``; none of them commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import ApiToken, Role, UserAccount, UserRole
from passport.db import allow_access_trail, utcnow
from passport.errors import Conflict, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
LOCKOUT_THRESHOLD = 5
LOCKOUT_PERIOD = timedelta(minutes=15)
API_TOKEN_PREFIX = "sp_"  # noqa: S105 (a marker, not a secret)
# Every API token expires (ASVS 3.5): a forgotten one stops working on its own.
API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-long-enough")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Password must be at most {MAX_PASSWORD_LENGTH} characters.", field="password")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(session: Session, email: str) -> UserAccount | None:
    return session.scalar(select(UserAccount).where(UserAccount.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: set[Role],
    trust_id: int | None,
    staff_member_id: int | None = None,
    actor: UserAccount | str | None = None,
) -> UserAccount:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise InvalidInput(f"{email!r} is not an email address.", field="email")
    if not roles:
        raise InvalidInput("A user needs at least one role.", field="roles")
    if Role.ADMIN not in roles and trust_id is None:
        raise InvalidInput("Everyone but a partnership admin belongs to a trust.", field="trust")
    if find_user_by_email(session, email) is not None:
        raise Conflict(f"There is already an account for {email}.", field="email")
    user = UserAccount(
        email=email,
        display_name=display_name.strip() or email,
        password_hash=hash_password(password),
        trust_id=trust_id,
        staff_member_id=staff_member_id,
        active=True,
        session_version=1,
        failed_login_count=0,
        role_rows=[UserRole(role=role) for role in sorted(roles)],
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor=actor or "system",
        action="user.created",
        record_type="user_account",
        record_id=user.id,
        trust_id=trust_id,
        details={"email": email, "roles": sorted(roles)},
    )
    return user


@dataclass(frozen=True)
class SignInResult:
    user: UserAccount | None
    locked: bool = False


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> SignInResult:
    """Check a password, counting failures and locking the account after repeated ones.

    The caller shows the same message for an unknown email, a wrong password and a locked account, so
    the answer never tells whether an email has an account.
    """
    now = now or utcnow()
    user = find_user_by_email(session, email)
    if user is None:
        password_matches(_DUMMY_HASH, password)
        return SignInResult(None)
    if user.locked_until is not None and user.locked_until > now:
        record_event(
            session,
            actor=user,
            action="auth.sign_in_refused_locked",
            record_type="user_account",
            record_id=user.id,
            trust_id=user.trust_id,
        )
        return SignInResult(None, locked=True)
    if not user.active or not password_matches(user.password_hash, password):
        user.failed_login_count += 1
        locked = user.failed_login_count >= LOCKOUT_THRESHOLD
        if locked:
            user.locked_until = now + LOCKOUT_PERIOD
            user.failed_login_count = 0
        record_event(
            session,
            actor=user,
            action="auth.sign_in_failed",
            record_type="user_account",
            record_id=user.id,
            trust_id=user.trust_id,
            details={"locked": locked},
        )
        return SignInResult(None, locked=locked)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(
        session,
        actor=user,
        action="auth.signed_in",
        record_type="user_account",
        record_id=user.id,
        trust_id=user.trust_id,
    )
    return SignInResult(user)


def load_user_for_session(session: Session, session_id: str) -> UserAccount | None:
    """Flask-Login's loader: the id is ``<user id>:<session version>``; an old version is refused."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(UserAccount, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_all_sessions(session: Session, user: UserAccount, *, reason: str) -> None:
    """Make every session cookie issued to ``user`` so far useless."""
    user.session_version += 1
    record_event(
        session,
        actor=user,
        action=f"auth.{reason}",
        record_type="user_account",
        record_id=user.id,
        trust_id=user.trust_id,
    )


def deactivate_user(session: Session, user: UserAccount, *, actor: UserAccount | str) -> None:
    user.active = False
    user.session_version += 1
    for token in user_tokens(session, user):
        token.revoked_at = token.revoked_at or utcnow()
    record_event(
        session,
        actor=actor,
        action="user.deactivated",
        record_type="user_account",
        record_id=user.id,
        trust_id=user.trust_id,
    )


def _hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def create_api_token(
    session: Session,
    user: UserAccount,
    name: str,
    *,
    days: int = API_TOKEN_DEFAULT_DAYS,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Returns the stored token, expiring ``days`` from now, and the raw secret, which is shown once and
    never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Give the token a name of 1 to 100 characters.", field="name")
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise InvalidInput(f"A token lasts from 1 to {API_TOKEN_MAX_DAYS} days.", field="days")
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:10],
        token_hash=_hash_token(raw),
        expires_at=(now or utcnow()) + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        actor=user,
        action="api_token.created",
        record_type="api_token",
        record_id=token.id,
        trust_id=user.trust_id,
        details={"name": name, "days": days},
    )
    return token, raw


def user_tokens(session: Session, user: UserAccount) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_api_token(session: Session, user: UserAccount, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no such API token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(
            session,
            actor=user,
            action="api_token.revoked",
            record_type="api_token",
            record_id=token.id,
            trust_id=user.trust_id,
        )
    return token


def user_for_api_token(session: Session, raw_token: str, now: datetime | None = None) -> UserAccount | None:
    if not raw_token.startswith(API_TOKEN_PREFIX) or len(raw_token) > 100:
        return None
    now = now or utcnow()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(raw_token)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    if not user.active:
        return None
    # Written at most once a minute, so a busy client does not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        allow_access_trail(session)
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(UserAccount.id))) or 0
