"""Secondments: a nurse employed by her home trust works for a host trust for a set time.

The three parties (HR of the host trust, HR of the home trust, the nurse) and every step they take are
recorded; ``state.py`` holds the rules of which step may follow which. While a secondment is active a
workforce assignment with person type ``secondee`` exists at the host trust (``host_assignment``); the
metrics count that, never this table.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.auth.models import UserAccount
from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust


class Secondment(Base):
    __tablename__ = "secondment"
    __table_args__ = (
        CheckConstraint("home_trust_id <> host_trust_id", name="two_trusts"),
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("recharge_percent >= 0 AND recharge_percent <= 100", name="recharge_range"),
        CheckConstraint("fte IS NOT NULL OR hours_per_week IS NOT NULL", name="fte_or_hours"),
        Index("ix_secondment_staff_dates", "staff_member_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"))
    home_trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    host_trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    job_version_id: Mapped[int] = mapped_column(ForeignKey("job_version.id"))
    start_date: Mapped[date] = mapped_column(Date)
    # The agreed end; an agreed extension moves it, an early end leaves it and sets ``ended_on``.
    end_date: Mapped[date] = mapped_column(Date)
    fte: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # Share of her pay the host reimburses to the home trust, in percent (two decimals).
    recharge_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # a state.Status value
    home_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    nurse_consented: Mapped[bool] = mapped_column(Boolean, default=False)
    # An extension one trust asked for and the other has not yet answered.
    pending_end_date: Mapped[date | None] = mapped_column(Date)
    extension_requested_by: Mapped[str | None] = mapped_column(String(8))  # a state.Party value
    ended_on: Mapped[date | None] = mapped_column(Date)  # last day worked, when it ended early
    # The fit check at approval, as the jobs feature reported it, and an HR override of a failed one.
    fit_check: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fit_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fit_override_reason: Mapped[str | None] = mapped_column(Text)
    host_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), unique=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    staff_member: Mapped[StaffMember] = relationship()
    home_trust: Mapped[Trust] = relationship(foreign_keys=[home_trust_id])
    host_trust: Mapped[Trust] = relationship(foreign_keys=[host_trust_id])
    proposed_by: Mapped[UserAccount | None] = relationship()
    steps: Mapped[list[SecondmentStep]] = relationship(
        back_populates="secondment", order_by="SecondmentStep.id", cascade="all, delete-orphan"
    )

    @property
    def last_day(self) -> date:
        """The last day she works (or will work) for the host."""
        return self.ended_on or self.end_date

    @property
    def assignment_number(self) -> str:
        return f"SEC-{self.id}"


class SecondmentStep(Base):
    """One step of the timeline: who took it, as which party, when, and her note."""

    __tablename__ = "secondment_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    secondment_id: Mapped[int] = mapped_column(ForeignKey("secondment.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(24))  # a state.Step value
    party: Mapped[str] = mapped_column(String(8))  # a state.Party value
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(254))
    status_after: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    secondment: Mapped[Secondment] = relationship(back_populates="steps")


class Notification(Base):
    """An in-app message for one person: something waits on her, or something she asked for happened."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    secondment_id: Mapped[int | None] = mapped_column(ForeignKey("secondment.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxEmail(Base):
    """An email waiting to go: the outbox job (``passport.secondments.outbox``) claims it, then sends it
    over SMTP, or prints it in development."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The sender that holds it while sending, and since when: two senders never hold one email at once,
    # and a claim older than ``outbox.CLAIM_TIMEOUT`` (its sender died) is taken again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
