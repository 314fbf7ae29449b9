"""Shares of a nurse's passport and who opened them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Enum, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.auth.models import UserAccount
from passport.credentials.models import IssuedCredential
from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust

share_credential = Table(
    "share_credential",
    Base.metadata,
    Column("share_id", ForeignKey("passport_share.id", ondelete="CASCADE"), primary_key=True),
    Column("credential_id", ForeignKey("issued_credential.id"), primary_key=True),
)


class Share(Base):
    """A time-limited link to some of a nurse's credentials. Only the token's SHA-256 is stored."""

    __tablename__ = "passport_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The trust she is showing it to, when she says; its HR can then record that they verified it.
    receiving_trust_id: Mapped[int | None] = mapped_column(ForeignKey("trust.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    staff_member: Mapped[StaffMember] = relationship()
    receiving_trust: Mapped[Trust | None] = relationship()
    credentials: Mapped[list[IssuedCredential]] = relationship(
        secondary=share_credential, order_by=IssuedCredential.id
    )
    openings: Mapped[list[ShareOpening]] = relationship(
        back_populates="share", order_by="ShareOpening.occurred_at.desc()"
    )

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class OpeningKind(enum.StrEnum):
    OPENED = "opened"
    DOWNLOADED = "downloaded"
    VERIFIED = "verified"  # HR of the receiving trust recorded that they verified it


class ShareOpening(Base):
    """One time somebody opened (or downloaded, or recorded as verified) a share; the nurse sees these."""

    __tablename__ = "share_opening"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("passport_share.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OpeningKind] = mapped_column(
        Enum(OpeningKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who, in words that survive a renamed account: "anonymous" or "hr@rv5.example (RV5)".
    who: Mapped[str] = mapped_column(String(300))
    verified_result: Mapped[bool | None] = mapped_column()

    share: Mapped[Share] = relationship(back_populates="openings")
    user: Mapped[UserAccount | None] = relationship()
