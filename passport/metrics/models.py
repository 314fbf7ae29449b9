"""Published NHS sickness absence figures, kept to benchmark each trust's computed rate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
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


class SicknessRollup(Base):
    """FTE days lost (one row per reason and term) and available (reason_code and term None) in a month,
    per trust, staff group and band, counted from the workforce records by passport.metrics.rollups; with
    the sickness episodes starting in the month (``episodes``, on the rows of days lost).

    ``term``: "short" or "long" (an episode over 28 calendar days), or "open" for the days, in the month
    it began, of an episode still open and 28 days old or less at that month's end: short-term when the
    period counted ends with that month, long-term when it runs on past it (passport.metrics.sickness_terms).

    The sickness figures add up over months, trusts, groups and bands, so every sickness series of the
    dashboard, for any filter, is a sum of these rows instead of a pass over every absence. Sums are in
    ten-thousandths of an FTE day, as the record queries count them.
    """

    __tablename__ = "sickness_rollup"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A month index (passport.metrics.queries); found by the cell index, which leads with it.
    month: Mapped[int] = mapped_column(Integer)
    # No foreign key (nor in RetentionRollup): cells are counted from records that carry their own, and
    # checking each cell's trust as it was written cost a full count 0.85 s of 3.0-3.3 s (migration 0029).
    trust_id: Mapped[int] = mapped_column(Integer)
    staff_group: Mapped[str] = mapped_column(String(8))
    band: Mapped[str | None] = mapped_column(String(3))
    reason_code: Mapped[str | None] = mapped_column(String(3))
    term: Mapped[str | None] = mapped_column(String(5))  # short, long or open; None for days in post
    fte_days_lost_e4: Mapped[int] = mapped_column(BigInteger)
    fte_days_available_e4: Mapped[int] = mapped_column(BigInteger)
    episodes: Mapped[int] = mapped_column(Integer, server_default="0")  # episodes starting in the month

    # One row per cell, whatever interleaves (a NULL band or reason is a value of its own here: plain
    # UNIQUE would let NULLs repeat, on SQLite and PostgreSQL alike).
    __table_args__ = (
        Index(
            "uq_sickness_rollup_cell",
            "month",
            "trust_id",
            "staff_group",
            text("coalesce(band, '')"),
            text("coalesce(reason_code, '')"),
            text("coalesce(term, '')"),
            unique=True,
        ),
    )


class RollupState(Base):
    """Which state of the records a roll-up was counted from, and the months it covers."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    source_fingerprint: Mapped[str] = mapped_column(String(64))
    first_month: Mapped[int] = mapped_column(Integer)
    last_month: Mapped[int] = mapped_column(Integer)
    build_seconds: Mapped[float] = mapped_column(Float)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RetentionRollup(Base):
    """One month of one breakdown of the leaver and stability figures, counted from the records by
    passport.metrics.rollups: the leavers whose leaving date falls in the month (and their FTE), the
    people and FTE in post on its first and last day, and the stability of the 12 months ending with it.

    People do not add up across cells (a nurse with posts in two bands is one head), so each breakdown the
    dashboard offers is counted by itself: ``staff_group`` and ``band`` hold "*" for "all of them", and
    ``trust_id`` is None for the partnership as a whole. Leavers add up over months (each leave has one
    date), so any 12 months' leaver rate is a sum of these rows.
    """

    __tablename__ = "retention_rollup"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(11))  # "trust" or "partnership"
    trust_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: see SicknessRollup
    staff_group: Mapped[str] = mapped_column(String(8))
    band: Mapped[str | None] = mapped_column(String(3))
    month: Mapped[int] = mapped_column(Integer)
    leavers: Mapped[int] = mapped_column(Integer)
    leavers_fte_e4: Mapped[int] = mapped_column(BigInteger)
    start_headcount: Mapped[int] = mapped_column(Integer)
    start_fte_e4: Mapped[int] = mapped_column(BigInteger)
    end_headcount: Mapped[int] = mapped_column(Integer)
    end_fte_e4: Mapped[int] = mapped_column(BigInteger)
    stability_start_headcount: Mapped[int] = mapped_column(Integer)
    stability_still_in_post: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_retention_rollup_cell", "level", "staff_group", "band", "month"),
        # One row per cell (the partnership's own rows have no trust; a post with no band has no band).
        Index(
            "uq_retention_rollup_cell",
            "level",
            text("coalesce(trust_id, 0)"),
            "staff_group",
            text("coalesce(band, '')"),
            "month",
            unique=True,
        ),
    )
