"""Who opened a person's records: the list she sees of the views of her staff record, absences, sickness
reasons and Bradford factor by anyone but her (issue 17)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust


class RecordView(Base):
    """One view of one person's record by someone else: what, when, and by which role of which trust."""

    __tablename__ = "record_view"
    __table_args__ = (Index("ix_record_view_staff_member_viewed_at", "staff_member_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"))
    # Kept for the audit and support; she is shown the role and trust, not who (the viewer's own data).
    viewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    viewer_roles: Mapped[str] = mapped_column(String(100))  # the viewer's roles then, as words
    viewer_trust_id: Mapped[int | None] = mapped_column(ForeignKey("trust.id"))
    what: Mapped[str] = mapped_column(String(40))  # a key of operations.VIEWED_WORDS
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    viewer_trust: Mapped[Trust | None] = relationship()


class SubjectAccessRequest(Base):
    """A request for a copy of a person's data made by letter, email or in person, which HR of her trust
    records and answers within one calendar month (UK GDPR article 12(3))."""

    __tablename__ = "subject_access_request"
    __table_args__ = (Index("ix_subject_access_request_trust_due", "trust_id", "completed_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(
        ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    how_received: Mapped[str] = mapped_column(String(20))  # a key of requests.HOW_RECEIVED
    notes: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The job making the copy (the latest asked for) and when the copy was sent.
    export_job_id: Mapped[int | None] = mapped_column(ForeignKey("background_job.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff_member: Mapped[StaffMember] = relationship()
