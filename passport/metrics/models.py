"""Published NHS sickness absence figures, kept to benchmark each trust's computed rate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Float, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from passport.db import Base, UTCDateTime, utcnow


class PublishedSickness(Base):
    """One organisation's month from NHS England's "NHS Sickness Absence Rates" (all staff groups)."""

    __tablename__ = "published_sickness"
    __table_args__ = (UniqueConstraint("month", "org_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    org_code: Mapped[str] = mapped_column(String(10), index=True)
    org_name: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(10))
    region_name: Mapped[str] = mapped_column(String(100))
    ics_code: Mapped[str] = mapped_column(String(10))
    ics_name: Mapped[str] = mapped_column(String(200))
    fte_days_lost: Mapped[Decimal] = mapped_column(Numeric(16, 6))
    fte_days_available: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class DashboardSnapshot(Base):
    """A dashboard as computed from the workforce records, kept until those records change.

    Counting 24 months of a large partnership from its records takes seconds; a director opening the
    dashboard should not wait for that each time. ``source_fingerprint`` says which state of the records
    the figures come from (passport.metrics.snapshots); a snapshot whose fingerprint no longer matches
    is never shown, and is recomputed.
    """

    __tablename__ = "dashboard_snapshot"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # what was asked, hashed
    source_fingerprint: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    charts: Mapped[dict[str, Any]] = mapped_column(JSON)
    compute_seconds: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
