"""Signing keys, status lists and the credentials each trust has issued."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport.auth.models import UserAccount
from passport.db import Base, UTCDateTime, utcnow
from passport.trusts.models import StaffMember, Trust


def _enum(kind: type[enum.Enum], length: int) -> Enum:
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class KeyState(enum.StrEnum):
    ACTIVE = "active"  # signs new credentials and status lists
    RETIRED = "retired"  # verifies what it signed, signs nothing new
    COMPROMISED = "compromised"  # signatures after compromised_at are refused


class SigningKey(Base):
    """One Ed25519 key of a trust. The private key is stored only encrypted under the key-encryption
    keys (MultiFernet); a KMS or HSM signer would leave ``private_key_encrypted`` empty."""

    __tablename__ = "signing_key"
    __table_args__ = (UniqueConstraint("trust_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    # The DID URL fragment: did:web:...:trusts:RPG#<key_id>.
    key_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[KeyState] = mapped_column(_enum(KeyState, 16), default=KeyState.ACTIVE)
    public_key_multibase: Mapped[str] = mapped_column(String(64))
    private_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    compromised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trust: Mapped[Trust] = relationship()


class StatusPurpose(enum.StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


class StatusList(Base):
    """One Bitstring Status List of a trust, for one purpose.

    ``bits`` is the published bitstring; ``allocated`` marks the indexes handed out, so each credential
    gets a random free place. ``signed_credential`` is the BitstringStatusListCredential as last signed
    (re-signed whenever a bit changes), served as is.
    """

    __tablename__ = "status_list"
    __table_args__ = (UniqueConstraint("trust_id", "purpose", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    purpose: Mapped[StatusPurpose] = mapped_column(_enum(StatusPurpose, 16))
    sequence: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    allocated: Mapped[bytes] = mapped_column(LargeBinary)
    allocated_count: Mapped[int] = mapped_column(Integer, default=0)
    signed_credential: Mapped[dict[str, Any]] = mapped_column(JSON)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    trust: Mapped[Trust] = relationship()


class CredentialState(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class IssuedCredential(Base):
    """A credential a trust signed about a staff member, exactly as signed, with its status places."""

    __tablename__ = "issued_credential"
    __table_args__ = (
        UniqueConstraint("revocation_list_id", "revocation_index"),
        UniqueConstraint("suspension_list_id", "suspension_index"),
        # A bulk upload issues each of its lines once, however often its job is run again.
        Index("ix_issued_credential_bulk_upload_line", "bulk_upload_id", "bulk_line", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The credential's own id, "urn:uuid:...".
    credential_uri: Mapped[str] = mapped_column(String(64), unique=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    credential_type: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_key.id"), index=True)
    revocation_list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id"))
    revocation_index: Mapped[int] = mapped_column(Integer)
    suspension_list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id"))
    suspension_index: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[CredentialState] = mapped_column(_enum(CredentialState, 16), default=CredentialState.ACTIVE)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The last status change, kept on the row as well as in the audit log so pages can say why.
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Issued from a bulk upload: the upload's own id (a UUID kept in its job's params; a job's id can
    # be reused on SQLite once old jobs are deleted) and the CSV line the credential came from.
    bulk_upload_id: Mapped[str | None] = mapped_column(String(36))
    bulk_line: Mapped[int | None] = mapped_column(Integer)

    trust: Mapped[Trust] = relationship()
    staff_member: Mapped[StaffMember] = relationship()
    issued_by: Mapped[UserAccount | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def competency_statement(self) -> str | None:
        """What a competency credential says the person can do (its framework item's statement, as
        signed), shown beside its title wherever it is listed; None for every other kind."""
        if self.credential_type != "competency":
            return None
        subject = (self.document or {}).get("credentialSubject")
        claim = subject.get("competency") if isinstance(subject, dict) else None
        statement = claim.get("statement") if isinstance(claim, dict) else None
        return statement if isinstance(statement, str) and statement.strip() else None
    signing_key: Mapped[SigningKey] = relationship()
    revocation_list: Mapped[StatusList] = relationship(foreign_keys=[revocation_list_id])
    suspension_list: Mapped[StatusList] = relationship(foreign_keys=[suspension_list_id])
