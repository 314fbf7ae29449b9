"""User accounts, their roles and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust


class Role(enum.StrEnum):
    NURSE = "nurse"
    HR = "hr"
    ASSESSOR = "assessor"
    DIRECTOR = "director"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "nurse": "Nurse",
            "hr": "HR",
            "assessor": "Assessor",
            "director": "Nursing director",
            "admin": "Partnership admin",
        }[self.value]


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # A partnership admin has no trust; everyone else acts for exactly one.
    trust_id: Mapped[int | None] = mapped_column(ForeignKey("trust.id"), index=True)
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on signing out everywhere and on deactivation: every session cookie issued before is void.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    trust: Mapped[Trust | None] = relationship()
    staff_member: Mapped[StaffMember | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    # Flask-Login protocol. The id carries the session version, so a cookie from before a logout fails.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    # Which of her signed-in sessions this request belongs to (set at sign-in and by the loader); not a
    # column, so not annotated.
    signed_in_session_id = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}:{self.signed_in_session_id or ''}"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [r.value for r in e])
    )

    user: Mapped[UserAccount] = relationship(back_populates="role_rows")


class SignedInSession(Base):
    """One sign-in in one browser, so that a person can see where she is signed in and end it there
    (the cookie names this row; ending it makes that cookie useless, copied or not)."""

    __tablename__ = "signed_in_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 128 random bits, hex
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    address: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Failed sign-ins for one email address from one network address, and how long that pair must wait
    before its next attempt is looked at. Keyed by the email's hash, whether or not it has an account, so
    the wait says nothing about who has one; and by address, so someone guessing elsewhere never keeps
    the person out (ASVS 2.2.1: no lock-out an attacker can use against a person)."""

    __tablename__ = "sign_in_throttle"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(45), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ApiToken(Base):
    """A token a user makes for a machine client; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters, shown so a user can tell her tokens apart; never enough to use.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[UserAccount] = relationship()

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"
