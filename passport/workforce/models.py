"""Assignments and absences: the records that retention and sickness figures are counted from.

An FTE change is recorded as the assignment ending and a new one (a new assignment number, as ESR
gives one) starting the next day; a person leaves a trust when she has no assignment there covering
the day after her last one ends (see docs/metrics.md).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("contracted_fte > 0 AND contracted_fte <= 1.5", name="fte_range"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        Index("ix_assignment_trust_dates", "trust_id", "start_date", "end_date"),
        # Secondee assignments are few: the secondments-in-and-out chart finds them by this.
        Index("ix_assignment_person_type", "person_type"),
        # The latest change, read by the metrics' dashboard snapshots to know whether they are current.
        Index("ix_assignment_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"))
    assignment_number: Mapped[str] = mapped_column(String(30), unique=True)
    staff_group: Mapped[str] = mapped_column(String(8))  # code from passport.reference.workforce
    job_role: Mapped[str | None] = mapped_column(String(100))
    afc_band: Mapped[str | None] = mapped_column(String(3))  # "1".."9", "8a".."8d"
    contracted_fte: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    person_type: Mapped[str] = mapped_column(String(10), default="employee")  # employee, bank, secondee
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    leaving_reason: Mapped[str | None] = mapped_column(String(40))  # code from reference.LEAVING_REASONS
    # Where in the trust the post sits, as the ESR extract names it: the dashboard's drill-down below trust.
    directorate: Mapped[str | None] = mapped_column(String(100))
    ward: Mapped[str | None] = mapped_column(String(100))  # ward or department
    cost_centre: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Set when the retention job anonymised the post (its number is then "removed-<id>"): the digest of
    # the number ESR knows it by, so an extract that still lists it is recognised and left alone instead
    # of bringing the person back (assignment_number_digest).
    anonymised_number_digest: Mapped[str | None] = mapped_column(String(64), index=True)

    staff_member: Mapped[StaffMember] = relationship()
    trust: Mapped[Trust] = relationship()


def assignment_number_digest(number: str) -> str:
    """SHA-256 of an ESR assignment number: recognises an anonymised post in a later extract. It is a
    pseudonym, not a secret (the numbers are few enough to try), and names nobody without ESR."""
    return hashlib.sha256(number.encode("utf-8")).hexdigest()


class Absence(Base):
    __tablename__ = "absence"
    __table_args__ = (
        UniqueConstraint("assignment_id", "first_day", "category"),
        CheckConstraint("last_day IS NULL OR last_day >= first_day", name="days_in_order"),
        CheckConstraint("category <> 'SICKNESS' OR reason_code IS NOT NULL", name="sickness_has_reason"),
        Index("ix_absence_trust_days", "trust_id", "first_day", "last_day"),
        Index("ix_absence_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (assignment_id, first_day, category) index leads with it.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    # The assignment's trust, kept here too: the access policy and the metrics filter by it directly.
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)  # empty while the absence goes on
    category: Mapped[str] = mapped_column(String(20))  # code from reference.ABSENCE_CATEGORIES
    reason_code: Mapped[str | None] = mapped_column(String(3))  # S10..S99, sickness only
    related_reason: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    assignment: Mapped[Assignment] = relationship()


class ImportRun(Base):
    """One upload or command-line import of an ESR-style extract, with its outcome and report.

    An import runs as a background job (``passport.workforce.tasks``): its file is checked whole first,
    then applied in chunks, each committed with ``applied_through_row``, so a job run again after its
    worker died finds its run by ``job_id`` and goes on after the last committed chunk.
    """

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # assignments, absences, published_sickness
    trust_id: Mapped[int | None] = mapped_column(ForeignKey("trust.id"), index=True)
    # The job that runs this import (one run per job); emptied when old finished jobs are cleared away.
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("background_job.id", ondelete="SET NULL"), unique=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # applying, imported, rejected, failed
    # The file row (the header is row 1) through which the rows are written and committed.
    applied_through_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def counts(self) -> dict[str, Any]:
        """Where the run stands, as its audit event and its job's result tell it."""
        return {
            "status": self.status,
            "rows_read": self.rows_read,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }
