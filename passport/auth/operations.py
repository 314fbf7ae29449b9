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
from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import ApiToken, Role, SignedInSession, SignInThrottle, UserAccount, UserRole
from passport.config import SESSION_LIFETIME
from passport.db import allow_access_trail, utcnow
from passport.errors import Conflict, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# Progressive delays per (email, address): five free attempts, then 30 s, doubling with each further
# failure up to 15 minutes; a day without failures starts the count again.
FREE_ATTEMPTS = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
FAILURES_FORGOTTEN_AFTER = timedelta(days=1)
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


def _account_event(session: Session, user: UserAccount, action: str, details: dict | None = None) -> None:
    """An audit event of something the person did to her own account (signing in, out, failing)."""
    record_event(
        session,
        actor=user,
        action=action,
        record_type="user_account",
        record_id=user.id,
        trust_id=user.trust_id,
        details=details,
    )


@dataclass(frozen=True)
class SignInResult:
    user: UserAccount | None
    # Set when this email may not be tried from this address before then (the password was not checked).
    wait_until: datetime | None = None


def delay_after(failures: int) -> timedelta | None:
    """How long an (email, address) pair waits after its ``failures``-th failure in a row."""
    if failures < FREE_ATTEMPTS:
        return None
    return min(FIRST_DELAY * 2 ** min(failures - FREE_ATTEMPTS, 16), LONGEST_DELAY)


def _throttle(session: Session, email: str, address: str, now: datetime) -> SignInThrottle:
    key = (_sha256_hex(normalise_email(email)), address[:45])
    throttle = session.get(SignInThrottle, key)
    if throttle is None:  # added to the session at its first failure
        return SignInThrottle(email_hash=key[0], address=key[1], failures=0, last_failed_at=now)
    if now - throttle.last_failed_at > FAILURES_FORGOTTEN_AFTER:
        throttle.failures, throttle.wait_until = 0, None
    return throttle


def authenticate(
    session: Session, email: str, password: str, address: str = "-", now: datetime | None = None
) -> SignInResult:
    """Check a password from a network address, delaying an (email, address) pair that keeps failing.

    The caller shows the same message for an unknown email and a wrong password, and the same wait for
    both, so the answer never tells whether an email has an account. A wait holds only that email from
    that address: the person signs in from anywhere else as usual.
    """
    now = now or utcnow()
    throttle = _throttle(session, email, address, now)
    user = find_user_by_email(session, email)
    if throttle.wait_until is not None and throttle.wait_until > now:
        if user is not None:
            _account_event(session, user, "auth.sign_in_refused_waiting")
        return SignInResult(None, wait_until=throttle.wait_until)
    if user is None or not user.active or not password_matches(user.password_hash, password):
        if user is None:
            password_matches(_DUMMY_HASH, password)  # an unknown email costs the same time
        session.add(throttle)
        throttle.failures += 1
        throttle.last_failed_at = now
        delay = delay_after(throttle.failures)
        throttle.wait_until = now + delay if delay else None
        if user is not None:
            _account_event(
                session,
                user,
                "auth.sign_in_failed",
                {
                    "failures": throttle.failures,
                    "wait_seconds": int(delay.total_seconds()) if delay else 0,
                },
            )
        return SignInResult(None)
    if inspect(throttle).persistent:
        session.delete(throttle)  # this pair's failures are forgotten once the person is in
    user.last_login_at = now
    _account_event(session, user, "auth.signed_in")
    return SignInResult(user)


def forget_old_sign_in_failures(session: Session, now: datetime | None = None) -> int:
    """Remove the failure counts of pairs that have not failed for a day (they no longer count), and the
    records of sessions unused for a day (signed out, or lapsed after 8 hours; the audit log keeps the
    sign-ins and sign-outs)."""
    cutoff = (now or utcnow()) - FAILURES_FORGOTTEN_AFTER
    removed = session.execute(delete(SignInThrottle).where(SignInThrottle.last_failed_at < cutoff))
    session.execute(delete(SignedInSession).where(SignedInSession.last_seen_at < cutoff))
    return removed.rowcount or 0


# A session lapses SESSION_LIFETIME after its last use (the cookie's lifetime, refreshed by each request);
# its row's last use is written at most this often, so browsing does not write on every page.
LAST_SEEN_EVERY = timedelta(minutes=5)


def start_signed_in_session(
    session: Session, user: UserAccount, *, address: str, user_agent: str, now: datetime | None = None
) -> SignedInSession:
    """Record a new sign-in; the cookie then names it (``user.get_id``)."""
    now = now or utcnow()
    record = SignedInSession(
        id=secrets.token_hex(16),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        address=address[:45],
        user_agent=user_agent[:200],
    )
    session.add(record)
    user.signed_in_session_id = record.id
    return record


def load_user_for_session(
    session: Session, session_id: str, now: datetime | None = None
) -> UserAccount | None:
    """Flask-Login's loader: the id is ``<user id>:<session version>:<signed-in session>``. An old
    version, an ended or lapsed session, or a cookie from before sessions were recorded is refused."""
    user_id, version, signed_in = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not version.isdigit() or not signed_in:
        return None
    user = session.get(UserAccount, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    record = session.get(SignedInSession, signed_in)
    now = now or utcnow()
    if (
        record is None
        or record.user_id != user.id
        or record.ended_at is not None
        or now - record.last_seen_at > SESSION_LIFETIME
    ):
        return None
    if now - record.last_seen_at > LAST_SEEN_EVERY:
        allow_access_trail(session)  # before the change: see its note on SQLite
        record.last_seen_at = now
    user.signed_in_session_id = record.id
    return user


def active_sessions(
    session: Session, user: UserAccount, now: datetime | None = None
) -> list[SignedInSession]:
    """Her sessions still signed in, most recently used first."""
    since = (now or utcnow()) - SESSION_LIFETIME
    return list(
        session.scalars(
            select(SignedInSession)
            .where(
                SignedInSession.user_id == user.id,
                SignedInSession.ended_at.is_(None),
                SignedInSession.last_seen_at > since,
            )
            .order_by(SignedInSession.last_seen_at.desc())
        )
    )


def end_signed_in_session(session: Session, user: UserAccount) -> None:
    """Sign out here: this browser's session ends (its cookie, copied or not, stops working)."""
    record = session.get(SignedInSession, user.signed_in_session_id or "")
    if record is not None and record.user_id == user.id and record.ended_at is None:
        record.ended_at = utcnow()
    _account_event(session, user, "auth.signed_out")


def sign_out_everywhere(session: Session, user: UserAccount) -> None:
    """Make every session cookie issued to ``user`` so far useless, and end their records."""
    _end_every_session(session, user)
    _account_event(session, user, "auth.signed_out_everywhere")


def _end_every_session(session: Session, user: UserAccount) -> None:
    user.session_version += 1  # cookies from before are refused even without their records
    session.execute(
        update(SignedInSession)
        .where(SignedInSession.user_id == user.id, SignedInSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def deactivate_user(session: Session, user: UserAccount, *, actor: UserAccount | str) -> None:
    user.active = False
    _end_every_session(session, user)
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


def _sha256_hex(text: str) -> str:
    """How API tokens and sign-in emails are kept: never the text itself."""
    return hashlib.sha256(text.encode()).hexdigest()


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
        token_hash=_sha256_hex(raw),
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


def active_tokens(session: Session, user: UserAccount, now: datetime | None = None) -> list[ApiToken]:
    """Her tokens that still let a program in (neither revoked nor expired)."""
    now = now or utcnow()
    return [token for token in user_tokens(session, user) if token.state(now) == "active"]


def user_tokens(session: Session, user: UserAccount) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def own_api_token(session: Session, user: UserAccount, token_id: int) -> ApiToken:
    """One of ``user``'s own tokens; anyone else's is as good as missing (404)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no such API token.")
    return token


def revoke_api_token(session: Session, user: UserAccount, token_id: int) -> ApiToken:
    token = own_api_token(session, user, token_id)
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
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256_hex(raw_token)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    if not user.active:
        return None
    # Written at most once a minute, so a busy client does not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        allow_access_trail(session)
        token.last_used_at = now
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(UserAccount.id))) or 0
