"""Signing machinery: status lists (allocation, bits, re-signing) and signing credentials in batches.

``operations.py`` holds the rules (who, what, validation, audit); this module turns validated claims
into signed VC 2.0 documents and rows, many at a time: one key decryption, one status list load and
one INSERT per batch, which is what lets bulk issuance store thousands of credentials a second.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from passport.credentials.contexts import context_url
from passport.credentials.did import public_url, status_list_url, trust_did
from passport.credentials.keys import LocalSigner, signer_for
from passport.credentials.models import CredentialState, IssuedCredential, StatusList, StatusPurpose
from passport.credentials.proofs import create_proof, create_proofs, format_xml_datetime
from passport.credentials.status_list import (
    MIN_STATUS_LIST_ENTRIES,
    VC_V2_CONTEXT,
    build_status_list_credential,
    get_bit,
    new_bitstring,
    set_bit,
    status_entry,
)
from passport.credentials.types import CredentialType
from passport.db import utcnow
from passport.trusts.models import StaffMember, Trust

# A list takes new credentials until this share of it is handed out, so a random free place is found in
# a few tries and an index never narrows a person down to a small crowd.
LIST_FILL_LIMIT = 0.5


@dataclass(frozen=True, slots=True)
class PendingCredential:
    """One credential to sign: validated claim and window, for one staff member."""

    credential_type: CredentialType
    subject: StaffMember
    claim: dict[str, Any]
    title: str
    valid_from: datetime
    valid_until: datetime | None
    # The CSV line a bulk upload's credential comes from (None elsewhere).
    source_line: int | None = None


# --- Status lists ------------------------------------------------------------------------------------


def sign_status_list(status_list: StatusList, trust: Trust, signer: LocalSigner) -> None:
    """(Re-)sign the list's BitstringStatusListCredential from its current bits."""
    now = utcnow()
    url = status_list_url(trust.ods_code, status_list.purpose.value, status_list.sequence)
    unsigned = build_status_list_credential(
        list_url=url,
        issuer=trust_did(trust),
        purpose=status_list.purpose.value,
        bits=status_list.bits,
        valid_from=now,
    )
    status_list.signed_credential = create_proof(unsigned, signer, signer.verification_method, now)
    status_list.signed_at = now


def _new_status_list(
    session: Session, trust: Trust, purpose: StatusPurpose, signer: LocalSigner
) -> StatusList:
    last = session.scalar(
        select(StatusList.sequence)
        .where(StatusList.trust_id == trust.id, StatusList.purpose == purpose)
        .order_by(StatusList.sequence.desc())
        .limit(1)
    )
    bits = bytes(new_bitstring(MIN_STATUS_LIST_ENTRIES))
    status_list = StatusList(
        trust_id=trust.id,
        purpose=purpose,
        sequence=(last or 0) + 1,
        size=MIN_STATUS_LIST_ENTRIES,
        bits=bits,
        allocated=bits,
        allocated_count=0,
    )
    sign_status_list(status_list, trust, signer)
    session.add(status_list)
    session.flush()
    return status_list


def _open_status_list(
    session: Session, trust: Trust, purpose: StatusPurpose, signer: LocalSigner
) -> StatusList:
    """The list new credentials of ``trust`` get a place in (a new one when the last is filling up)."""
    stmt = (
        select(StatusList)
        .where(StatusList.trust_id == trust.id, StatusList.purpose == purpose)
        .order_by(StatusList.sequence.desc())
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two issuers at once must not take the same place
    current = session.scalar(stmt)
    if current is None or current.allocated_count >= current.size * LIST_FILL_LIMIT:
        return _new_status_list(session, trust, purpose, signer)
    return current


class _Allocator:
    """Hands out random free places of one list, writing the allocation map back once at the end."""

    def __init__(self, status_list: StatusList) -> None:
        self.status_list = status_list
        self.allocated = bytearray(status_list.allocated)
        self.count = status_list.allocated_count

    def take(self) -> int | None:
        if self.count >= self.status_list.size * LIST_FILL_LIMIT:
            return None
        while True:  # at most half is taken, so each try succeeds with probability >= 1/2
            candidate = secrets.randbelow(self.status_list.size)
            if not get_bit(self.allocated, candidate):
                set_bit(self.allocated, candidate, True)
                self.count += 1
                return candidate

    def save(self) -> None:
        self.status_list.allocated = bytes(self.allocated)
        self.status_list.allocated_count = self.count


def _locked(session: Session, status_list_id: int) -> StatusList:
    """The list as it is now, locked on PostgreSQL until this transaction ends: a bit flipped and a
    re-signing at the same moment must not publish a list without the other's change. (SQLite has one
    writer at a time; a writer whose snapshot is stale is refused and tries again.)"""
    stmt = select(StatusList).where(StatusList.id == status_list_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one()


def status_list_ids(session: Session, trust: Trust) -> list[int]:
    return list(
        session.scalars(select(StatusList.id).where(StatusList.trust_id == trust.id).order_by(StatusList.id))
    )


def resign_status_list(session: Session, status_list_id: int, signer: LocalSigner) -> bool:
    """Re-sign one list with ``signer`` unless it already carries that key's proof (so a job run again
    after a crash, or twice, only does what is left); True when it was re-signed."""
    status_list = _locked(session, status_list_id)
    proof = (status_list.signed_credential or {}).get("proof") or {}
    if proof.get("verificationMethod") == signer.verification_method:
        return False
    sign_status_list(status_list, status_list.trust, signer)
    return True


def resign_status_lists(session: Session, trust: Trust) -> int:
    """Re-sign every list of ``trust`` with its active key in this transaction; how many were re-signed.
    After a key rotation this runs as the ``status_list_resign`` job (``credentials/tasks.py``)."""
    ids = status_list_ids(session, trust)
    if not ids:
        return 0
    signer = signer_for(session, trust)
    return sum(resign_status_list(session, list_id, signer) for list_id in ids)


def set_status(session: Session, status_list: StatusList, index: int, value: bool) -> None:
    """Set or clear one place of a list and publish the re-signed list."""
    status_list = _locked(session, status_list.id)
    bits = bytearray(status_list.bits)
    set_bit(bits, index, value)
    status_list.bits = bytes(bits)
    trust = status_list.trust
    sign_status_list(status_list, trust, signer_for(session, trust))


# --- Credentials -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuerParts:
    """What every credential of one issuer in one batch shares (computed once per batch)."""

    context: list[str]
    issuer: dict[str, str]

    @classmethod
    def of(cls, trust: Trust, base: str) -> IssuerParts:
        return cls([VC_V2_CONTEXT, context_url(base)], {"id": trust_did(trust, base), "name": trust.name})


def build_credential(
    pending: PendingCredential,
    *,
    credential_uri: str,
    parts: IssuerParts,
    revocation: dict[str, Any],
    suspension: dict[str, Any],
) -> dict[str, Any]:
    """The unsigned VC 2.0 document (see docs/credentials.md for every shape)."""
    member = pending.subject
    subject = {
        "type": "StaffMember",
        "name": member.full_name,
        "givenName": member.given_name,
        "familyName": member.family_name,
        **pending.claim,
    }
    document: dict[str, Any] = {
        "@context": list(parts.context),
        "id": credential_uri,
        "type": ["VerifiableCredential", pending.credential_type.vc_type],
        "name": pending.title,
        "issuer": dict(parts.issuer),
        "validFrom": format_xml_datetime(pending.valid_from),
        "credentialSubject": subject,
        "credentialStatus": [revocation, suspension],
    }
    if pending.valid_until is not None:
        document["validUntil"] = format_xml_datetime(pending.valid_until)
    return document


SIGNING_CHUNK = 500  # credentials signed between two progress reports


def sign_and_store(
    session: Session,
    trust: Trust,
    batch: list[PendingCredential],
    *,
    issued_by_id: int | None,
    on_signed: Callable[[int, int], None] | None = None,
    bulk_upload_id: str | None = None,
) -> list[int]:
    """Sign every pending credential of ``trust`` and insert them in one statement; returns their ids.

    One key decryption, one status list load and one proof configuration hash serve the whole batch.
    ``on_signed(done, total)`` hears how many are signed after each chunk (for a progress bar). With
    ``bulk_upload_id``, each row records it with its ``source_line`` (unique together: a line is never
    issued twice). The status places are taken in the same transaction as the rows that hold them.
    """
    if not batch:
        return []
    base = public_url()
    parts = IssuerParts.of(trust, base)
    signer = signer_for(session, trust)
    now = utcnow()
    allocators = {
        purpose: _Allocator(_open_status_list(session, trust, purpose, signer)) for purpose in StatusPurpose
    }

    def list_url(purpose: StatusPurpose) -> str:
        return status_list_url(trust.ods_code, purpose.value, allocators[purpose].status_list.sequence, base)

    urls = {purpose: list_url(purpose) for purpose in StatusPurpose}
    documents: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for pending in batch:
        places: dict[StatusPurpose, tuple[int, int]] = {}
        for purpose in StatusPurpose:
            index = allocators[purpose].take()
            if index is None:  # this list just filled up: continue in a fresh one
                allocators[purpose].save()
                allocators[purpose] = _Allocator(_new_status_list(session, trust, purpose, signer))
                urls[purpose] = list_url(purpose)
                index = allocators[purpose].take()
            places[purpose] = (allocators[purpose].status_list.id, index)  # type: ignore[assignment]
        credential_uri = f"urn:uuid:{uuid.uuid4()}"
        documents.append(
            build_credential(
                pending,
                credential_uri=credential_uri,
                parts=parts,
                revocation=status_entry(
                    urls[StatusPurpose.REVOCATION], places[StatusPurpose.REVOCATION][1], "revocation"
                ),
                suspension=status_entry(
                    urls[StatusPurpose.SUSPENSION], places[StatusPurpose.SUSPENSION][1], "suspension"
                ),
            )
        )
        rows.append(
            {
                "credential_uri": credential_uri,
                "trust_id": trust.id,
                "staff_member_id": pending.subject.id,
                "credential_type": pending.credential_type.code,
                "title": pending.title[:300],
                "signing_key_id": signer.signing_key_id,
                "revocation_list_id": places[StatusPurpose.REVOCATION][0],
                "revocation_index": places[StatusPurpose.REVOCATION][1],
                "suspension_list_id": places[StatusPurpose.SUSPENSION][0],
                "suspension_index": places[StatusPurpose.SUSPENSION][1],
                "valid_from": pending.valid_from,
                "valid_until": pending.valid_until,
                "state": CredentialState.ACTIVE,
                "issued_at": now,
                "issued_by_id": issued_by_id,
                "bulk_upload_id": bulk_upload_id,
                "bulk_line": pending.source_line if bulk_upload_id else None,
            }
        )
    for start in range(0, len(documents), SIGNING_CHUNK):
        chunk = slice(start, start + SIGNING_CHUNK)
        signed = create_proofs(documents[chunk], signer, signer.verification_method, now)
        for row, document in zip(rows[chunk], signed, strict=True):
            row["document"] = document
        if on_signed is not None:
            on_signed(min(start + SIGNING_CHUNK, len(documents)), len(documents))
    for allocator in allocators.values():
        allocator.save()
    session.flush()
    # A Core executemany: building ORM objects for thousands of rows would cost more than signing them.
    session.execute(insert(IssuedCredential.__table__), rows)
    uris = [row["credential_uri"] for row in rows]
    ids: dict[str, int] = {}
    for start in range(0, len(uris), 5000):  # stay well inside SQLite's bound-parameter limit
        chunk = uris[start : start + 5000]
        ids.update(
            session.execute(
                select(IssuedCredential.credential_uri, IssuedCredential.id).where(
                    IssuedCredential.credential_uri.in_(chunk)
                )
            ).all()
        )
    return [ids[uri] for uri in uris]
