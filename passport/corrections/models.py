"""A person's request to correct one value of her staff record, an assignment or an absence (UK GDPR
article 16), and HR's decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust

OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"


class CorrectionRequest(Base):
    """What she says is wrong (one field of one record), what it should say, and what HR decided."""

    __tablename__ = "correction_request"
    __table_args__ = (
        Index("ix_correction_request_trust_status", "trust_id", "status", "requested_at"),
        Index("ix_correction_request_staff_member", "staff_member_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"))
    # The trust whose HR decide: the trust that holds the record.
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"))
    record_type: Mapped[str] = mapped_column(String(20))  # staff_member, assignment, absence
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40))
    current_value: Mapped[str] = mapped_column(String(200))  # as the record said when she asked
    requested_value: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(1000), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(String(1000), default="")

    staff_member: Mapped[StaffMember] = relationship()
    trust: Mapped[Trust] = relationship()
