"""Joint job descriptions: a description over its versions, each version's testable requirements, and
each trust's adoption of a version.

A version moves draft -> in approval -> adopted; it is adopted as soon as one trust approves it, and a
version adopted by two or more trusts is a joint job description. Framework items are named by their
CASE identifier and URI rather than a foreign key, so job descriptions outlive a framework re-import.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.auth.models import UserAccount
from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import Trust


class JobStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_APPROVAL = "in_approval"
    ADOPTED = "adopted"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "in_approval": "In approval", "adopted": "Adopted"}[self.value]


class RequirementKind(enum.StrEnum):
    CREDENTIAL = "credential"
    TRAINING = "training"
    COMPETENCY = "competency"


class JobDescription(Base):
    """One job across its versions (Band 5 Registered Nurse, whatever its wording this year)."""

    __tablename__ = "job_description"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    versions: Mapped[list[JobVersion]] = relationship(
        back_populates="job_description", order_by="JobVersion.number"
    )


class JobVersion(Base):
    __tablename__ = "job_version"
    __table_args__ = (UniqueConstraint("job_description_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_description_id: Mapped[int] = mapped_column(ForeignKey("job_description.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.DRAFT.value, index=True)
    title: Mapped[str] = mapped_column(String(200))
    afc_band: Mapped[str] = mapped_column(String(3))
    staff_group: Mapped[str] = mapped_column(String(8))
    # Contracted hours a week; Decimal, never a float (37.5).
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reports_to: Mapped[str] = mapped_column(String(200))
    accountable_to: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    # [{"area": "Clinical care", "duties": ["...", ...]}, ...]
    duties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{"category": "qualifications", "criterion": "...", "essential": true, "assessed_by": [...]}, ...]
    person_spec: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Names of the fields each adopting trust fills for itself (base_site, cost_centre, ...).
    local_fields: Mapped[list[str]] = mapped_column(JSON)
    # SHA-256 of the canonical content; an approval names the hash its approver read.
    content_hash: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    job_description: Mapped[JobDescription] = relationship(back_populates="versions")
    created_by: Mapped[UserAccount | None] = relationship()
    requirements: Mapped[list[JobRequirement]] = relationship(
        back_populates="version", order_by="JobRequirement.position", cascade="all, delete-orphan"
    )
    adoptions: Mapped[list[JobAdoption]] = relationship(
        back_populates="version", order_by="JobAdoption.id", cascade="all, delete-orphan"
    )

    @property
    def job_status(self) -> JobStatus:
        return JobStatus(self.status)

    @property
    def adopted_by(self) -> list[Trust]:
        return sorted((a.trust for a in self.adoptions), key=lambda trust: trust.ods_code)

    @property
    def is_joint(self) -> bool:
        return len(self.adoptions) >= 2


class JobRequirement(Base):
    """Something the fit check can test: a credential with conditions, a CSTF subject at a level, or a
    framework competency at a minimum proficiency."""

    __tablename__ = "job_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("job_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    essential: Mapped[bool] = mapped_column(Boolean, default=True)
    label: Mapped[str] = mapped_column(String(300))
    credential_type: Mapped[str | None] = mapped_column(String(40))
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cstf_subject: Mapped[str | None] = mapped_column(String(32))
    min_level: Mapped[int | None] = mapped_column(Integer)
    item_identifier: Mapped[str | None] = mapped_column(String(255))
    item_uri: Mapped[str | None] = mapped_column(Text)
    framework_version_identifier: Mapped[str | None] = mapped_column(String(255))
    min_proficiency: Mapped[str | None] = mapped_column(String(64))

    version: Mapped[JobVersion] = relationship(back_populates="requirements")


class JobAdoption(Base):
    """A trust's approval of one version, with the content it approved and its own local fields."""

    __tablename__ = "job_adoption"
    __table_args__ = (UniqueConstraint("version_id", "trust_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("job_version.id", ondelete="CASCADE"), index=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    local_values: Mapped[dict[str, str]] = mapped_column(JSON)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    version: Mapped[JobVersion] = relationship(back_populates="adoptions")
    trust: Mapped[Trust] = relationship(lazy="joined")
    approved_by: Mapped[UserAccount | None] = relationship()


class CredentialFact(Base):
    """What the fit check reads from one issued credential's subject, kept beside it.

    A signed credential's document never changes, so its claim is read from the JSON once and kept here
    in plain columns; the "who is ready" list then never parses thousands of documents. State, validity
    window and key state are always read live from the credential and its key, never from here. No
    foreign key: the credentials table belongs to another feature's migration.
    """

    __tablename__ = "job_credential_fact"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(Integer, unique=True)
    credential_type: Mapped[str] = mapped_column(String(40))
    # The attribute a requirement matches on: CSTF subject, item identifier, register part, workforce...
    subject_key: Mapped[str | None] = mapped_column(String(255))
    item_uri: Mapped[str | None] = mapped_column(Text)
    # The attribute a requirement compares: training or DBS level, proficiency.
    level: Mapped[str | None] = mapped_column(String(64))
