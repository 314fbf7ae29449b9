"""Legal holds: while HR hold a person's records (an ongoing case), the retention job leaves them alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember


class LegalHold(Base):
    """One hold on one person's records, placed by HR of her trust with a reason, until released."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_staff_member_released", "staff_member_id", "released_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"))
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"))
    reason: Mapped[str] = mapped_column(String(500))
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff_member: Mapped[StaffMember] = relationship()
