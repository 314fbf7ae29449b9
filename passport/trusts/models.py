"""The partnership, its member trusts and the people they employ."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.db import Base, UTCDateTime, utcnow


class Partnership(Base):
    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    trusts: Mapped[list[Trust]] = relationship(back_populates="partnership", order_by="Trust.ods_code")


class Trust(Base):
    __tablename__ = "trust"
    __table_args__ = (
        CheckConstraint(
            "sickness_target_percent >= 0 AND sickness_target_percent <= 100", name="sickness_target_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    # ODS organisation code, such as RPG for Oxleas NHS Foundation Trust.
    ods_code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The sickness absence rate (%) the trust board aims to stay under, or None for no target. The
    # dashboard draws it and its assurance icon reads it. Only the metrics' set_sickness_target changes
    # it (passport.metrics.operations); who changed it, and when, is in the audit log.
    sickness_target_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    partnership: Mapped[Partnership] = relationship(back_populates="trusts")

    def __repr__(self) -> str:
        return f"<Trust {self.ods_code}>"


class StaffMember(Base):
    """A person employed by (or seconded within) the partnership; owned by her current trust."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # NMC PIN for registrants: two digits, a letter, four digits and a letter (for example 12A3456E).
    nmc_pin: Mapped[str | None] = mapped_column(String(8), unique=True)
    # From ESR: the retention schedule keeps a staff record until the 75th birthday at least.
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the retention job has taken the person's identity out of the record (record_keeping).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trust: Mapped[Trust] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
