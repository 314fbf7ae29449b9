"""Competency frameworks as stored: versions of CASE documents, their items and associations, the
proficiency scale, crosswalks between trusts' local items and shared ones, trusts' CSTF refresher
periods and assessors' sign-offs.

CASE identifiers and URIs are kept exactly as imported. A version is one CASE CFDocument; items carry a
link to their predecessor in the previous version (same identifier on re-import, or the item copied
when a new version is started here).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from passport.auth.models import UserAccount
from passport.db import Base, UTCDateTime, utcnow
from passport.errors import Conflict
from passport.trusts.models import StaffMember, Trust

# Longest CASE identifier we index; UUIDs are 36 characters, so only a broken package comes near it.
IDENTIFIER_LENGTH = 255


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Framework(Base):
    """A framework over its versions. No owner trust means shared by the whole partnership."""

    __tablename__ = "framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our stable key for the framework across versions (each version has its own CASE document id).
    identifier: Mapped[str] = mapped_column(String(36), unique=True)
    owner_trust_id: Mapped[int | None] = mapped_column(ForeignKey("trust.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    # The CFDocument it was first imported from, kept as sent.
    source_identifier: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH))
    source_uri: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner_trust: Mapped[Trust | None] = relationship()
    versions: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="framework", order_by="FrameworkVersion.id"
    )
    scale: Mapped[ProficiencyScale | None] = relationship(back_populates="framework", uselist=False)

    @property
    def is_shared(self) -> bool:
        return self.owner_trust_id is None


class FrameworkVersion(Base):
    """One version: one CASE CFDocument. A published version never changes."""

    __tablename__ = "framework_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our key for the version. The CASE document identifier is not unique here: importing a package whose
    # document is already stored makes a new version of that framework, as CASE means by "same document".
    identifier: Mapped[str] = mapped_column(String(36), unique=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    version_label: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT.value)
    document_identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    document_uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    # The rest of the CFDocument (CaseDocument attributes), its CFDefinitions and top-level extra keys.
    document_data: Mapped[dict[str, Any]] = mapped_column(JSON(none_as_null=True))
    definitions: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    package_extra: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("framework_version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    framework: Mapped[Framework] = relationship(back_populates="versions")
    based_on: Mapped[FrameworkVersion | None] = relationship(remote_side=[id])

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED.value


class FrameworkItem(Base):
    """A CASE CFItem of one version."""

    __tablename__ = "framework_item"
    __table_args__ = (UniqueConstraint("version_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"), index=True)
    # Unique within a version; an unchanged item keeps its identifier in the framework's next version.
    identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    uri: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)  # order in the package, so exports keep it
    human_coding_scheme: Mapped[str | None] = mapped_column(Text)
    full_statement: Mapped[str] = mapped_column(Text)
    abbreviated_statement: Mapped[str | None] = mapped_column(Text)
    item_type: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    list_enumeration: Mapped[str | None] = mapped_column(Text)
    last_change_date_time: Mapped[str | None] = mapped_column(Text)
    concept_keywords: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    education_level: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # The item of the previous version this one replaces (CASE: predecessor replacedBy this).
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("framework_item.id"), index=True)

    version: Mapped[FrameworkVersion] = relationship()
    predecessor: Mapped[FrameworkItem | None] = relationship(remote_side=[id])


class FrameworkAssociation(Base):
    """A CASE CFAssociation of one version; its ends may be outside the version (another framework)."""

    __tablename__ = "framework_association"
    __table_args__ = (UniqueConstraint("version_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    uri: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    association_type: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH))
    origin_identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    origin_uri: Mapped[str | None] = mapped_column(Text)
    origin_title: Mapped[str | None] = mapped_column(Text)
    destination_identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    destination_uri: Mapped[str | None] = mapped_column(Text)
    destination_title: Mapped[str | None] = mapped_column(Text)
    sequence_number: Mapped[int | None] = mapped_column(BigInteger)
    last_change_date_time: Mapped[str | None] = mapped_column(Text)
    # {"fields": unknown keys, "origin": link extras, "destination": link extras}; None when all empty.
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    version: Mapped[FrameworkVersion] = relationship()


class ProficiencyScale(Base):
    __tablename__ = "proficiency_scale"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))

    framework: Mapped[Framework] = relationship(back_populates="scale")
    levels: Mapped[list[ProficiencyLevel]] = relationship(
        back_populates="scale", order_by="ProficiencyLevel.position", cascade="all, delete-orphan"
    )


class ProficiencyLevel(Base):
    __tablename__ = "proficiency_level"
    __table_args__ = (UniqueConstraint("scale_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("proficiency_scale.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    scale: Mapped[ProficiencyScale] = relationship(back_populates="levels")


class Crosswalk(Base):
    """A trust's local competency mapped to the partnership's shared one."""

    __tablename__ = "framework_crosswalk"
    __table_args__ = (UniqueConstraint("local_item_id", "shared_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(36), unique=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    local_item_id: Mapped[int] = mapped_column(ForeignKey("framework_item.id"), index=True)
    shared_item_id: Mapped[int] = mapped_column(ForeignKey("framework_item.id"), index=True)
    association_type: Mapped[str] = mapped_column(String(32))  # exactMatchOf or isRelatedTo
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    trust: Mapped[Trust] = relationship()
    local_item: Mapped[FrameworkItem] = relationship(foreign_keys=[local_item_id])
    shared_item: Mapped[FrameworkItem] = relationship(foreign_keys=[shared_item_id])


class TrustRefresherSetting(Base):
    """A trust's own refresher period for one CSTF subject level (the CSTF default applies otherwise)."""

    __tablename__ = "trust_refresher_setting"
    __table_args__ = (UniqueConstraint("trust_id", "subject_code", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    subject_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class SignOffMethod(enum.StrEnum):
    OBSERVATION = "observation"
    SIMULATION = "simulation"
    QUESTIONING = "questioning"
    TESTIMONY = "testimony"


class SignOffOutcome(enum.StrEnum):
    COMPETENT = "competent"
    WORKING_TOWARDS = "working_towards"
    NOT_YET_COMPETENT = "not_yet_competent"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SignOff(Base):
    """An assessor's judgement of a nurse against one framework item of one version."""

    __tablename__ = "competency_sign_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(36), unique=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assessor_trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("framework_item.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    proficiency_level: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(24))
    evidence: Mapped[str | None] = mapped_column(Text)
    assessed_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    # The issued credential's id ("urn:uuid:..."); no foreign key so frameworks do not own that table.
    credential_uri: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    assessor: Mapped[UserAccount] = relationship(foreign_keys=[assessor_id])
    assessor_trust: Mapped[Trust] = relationship()
    staff_member: Mapped[StaffMember] = relationship()
    item: Mapped[FrameworkItem] = relationship()
    version: Mapped[FrameworkVersion] = relationship()


class PublishedVersionIsFinal(Conflict):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published(session: Session, _context: object, _instances: object) -> None:
    """The last line behind ``operations.ensure_draft``: no item, association or document of a
    published version is added, changed or deleted, whatever code path tries."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, FrameworkItem | FrameworkAssociation):
            version = (
                obj.version if obj.version is not None else session.get(FrameworkVersion, obj.version_id)
            )
            if (
                version is not None
                and _was_published(version)
                and (obj in session.deleted or obj in session.new or session.is_modified(obj))
            ):
                raise PublishedVersionIsFinal(
                    f"Version {version.version_label} of {version.title!r} is published and never changes."
                )
        elif (
            isinstance(obj, FrameworkVersion)
            and obj in session.dirty
            and session.is_modified(obj)
            and _was_published(obj)
        ):
            raise PublishedVersionIsFinal(
                f"Version {obj.version_label} of {obj.title!r} is published and never changes."
            )


def _was_published(version: FrameworkVersion) -> bool:
    """Published before this flush (publishing itself, draft to published, is allowed)."""
    history = inspect(version).attrs.status.history
    before = history.deleted[0] if history.deleted else version.status
    return before == VersionStatus.PUBLISHED.value and inspect(version).persistent
