"""The verifier's collaborators over our own database, and the one call every feature verifies with.

``DatabaseIssuerDirectory`` is the partnership's register of trusted issuers (its member trusts, by
did:web DID) and their keys in every state; ``DatabaseStatusListSource`` answers status list URLs under
our public address from the database. Neither ever fetches anything over the network: a URL that is
not ours is simply unavailable.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.credentials.did import public_url, trust_did
from passport.credentials.models import SigningKey, StatusList, StatusPurpose
from passport.credentials.multikey import MultikeyError, public_key_from_multibase
from passport.credentials.verification import (
    VC_V2_CONTEXT,
    KeyRecord,
    VerificationReport,
    verify_presentation,
)
from passport.db import utcnow
from passport.errors import DomainError, InvalidInput
from passport.trusts.models import Trust

_STATUS_PATH = re.compile(
    r"^/trusts/(?P<ods>[A-Z0-9]{3,5})/status/(?P<purpose>[a-z]+)/(?P<sequence>\d{1,9})$"
)


class DatabaseIssuerDirectory:
    """Trusted issuers are the partnership's member trusts; keys come from ``signing_key``. The trusts and
    every key of every trust (a few each) are read in one statement, as plain rows (no ORM objects on
    this hot path): the verify API's every request builds one."""

    def __init__(self, session: Session, base: str | None = None) -> None:
        self._session = session
        base = base or public_url()
        k = SigningKey
        rows = session.connection().execute(
            select(
                Trust.id, Trust.ods_code, k.key_id, k.state, k.public_key_multibase, k.compromised_at
            ).outerjoin(k, k.trust_id == Trust.id)
        )
        self._trust_ids: dict[str, int] = {}
        self._keys: dict[tuple[int, str], Any] = {}
        for row in rows:
            self._trust_ids[trust_did(row.ods_code, base)] = row.id
            if row.key_id is not None:
                self._keys[(row.id, row.key_id)] = row
        self._records: dict[str, KeyRecord | None] = {}

    def is_trusted_issuer(self, issuer_did: str) -> bool:
        return issuer_did in self._trust_ids

    def trust_for(self, issuer_did: str) -> Trust | None:
        trust_id = self._trust_ids.get(issuer_did)
        return None if trust_id is None else self._session.get(Trust, trust_id)

    def resolve_verification_method(self, verification_method_id: str) -> KeyRecord | None:
        if verification_method_id not in self._records:
            self._records[verification_method_id] = self._lookup(verification_method_id)
        return self._records[verification_method_id]

    def _lookup(self, verification_method_id: str) -> KeyRecord | None:
        did, _, fragment = verification_method_id.partition("#")
        trust_id = self._trust_ids.get(did)
        if trust_id is None or not fragment:
            return None
        key = self._keys.get((trust_id, fragment))
        if key is None:
            return None
        try:
            public_key = _public_key(key.public_key_multibase)
        except MultikeyError:
            return None
        return KeyRecord(public_key, did, key.state.value, key.compromised_at)  # type: ignore[arg-type]


@lru_cache(maxsize=1024)
def _public_key(multibase: str) -> Ed25519PublicKey:
    """A key's public half, decoded once per process (the same few keys sign everything)."""
    return public_key_from_multibase(multibase)


# The signed status list credentials last read, by list id, with the time each was signed: a list is
# re-signed (and signed_at moved) whenever a bit changes, so a verification reads which lists exist and
# when each was signed (one small statement) and reads a list's document again only when it changed.
_SIGNED_LISTS: dict[int, tuple[datetime, dict[str, Any]]] = {}
_SIGNED_LISTS_LOCK = threading.Lock()


class DatabaseStatusListSource:
    """Status list credentials under ``<public url>/trusts/<ods>/status/<purpose>/<n>``, from the database."""

    def __init__(self, session: Session, base: str | None = None) -> None:
        self._session = session
        self._base = base or public_url()
        self._fetched: dict[str, dict[str, Any] | None] = {}
        self._lists: dict[tuple[str, str, int], tuple[int, datetime]] | None = None

    def fetch_status_list(self, url: str) -> dict[str, Any] | None:
        if url not in self._fetched:
            self._fetched[url] = self._lookup(url)
        return self._fetched[url]

    def _lookup(self, url: str) -> dict[str, Any] | None:
        if not isinstance(url, str) or not url.startswith(self._base + "/"):
            return None  # not ours: never fetched over the network
        match = _STATUS_PATH.match(url[len(self._base) :])
        if match is None or match["purpose"] not in {p.value for p in StatusPurpose}:
            return None
        if self._lists is None:
            rows = self._session.connection().execute(
                select(
                    StatusList.id,
                    Trust.ods_code,
                    StatusList.purpose,
                    StatusList.sequence,
                    StatusList.signed_at,
                ).join(Trust, Trust.id == StatusList.trust_id)
            )
            self._lists = {(r.ods_code, r.purpose.value, r.sequence): (r.id, r.signed_at) for r in rows}
        found = self._lists.get((match["ods"], match["purpose"], int(match["sequence"])))
        if found is None:
            return None
        list_id, signed_at = found
        with _SIGNED_LISTS_LOCK:
            kept = _SIGNED_LISTS.get(list_id)
        if kept is not None and kept[0] == signed_at:
            return kept[1]
        document = self._session.scalar(select(StatusList.signed_credential).where(StatusList.id == list_id))
        if document is not None:
            with _SIGNED_LISTS_LOCK:
                _SIGNED_LISTS[list_id] = (signed_at, document)
        return document


def find_status_list_credential(
    session: Session, ods_code: str, purpose: StatusPurpose, sequence: int
) -> dict[str, Any] | None:
    return session.scalar(
        select(StatusList.signed_credential)
        .join(Trust, Trust.id == StatusList.trust_id)
        .where(Trust.ods_code == ods_code, StatusList.purpose == purpose, StatusList.sequence == sequence)
    )


def verify_document(
    session: Session, document: object, *, proof_only: bool = False, now: datetime | None = None
) -> VerificationReport:
    """Verify a credential or presentation against the partnership's register; never raises."""
    base = public_url()
    return verify_presentation(
        document,
        issuers=DatabaseIssuerDirectory(session, base),
        status_lists=DatabaseStatusListSource(session, base),
        now=now or utcnow(),
        proof_only=proof_only,
    )


# --- Reading what people ask us to verify ----------------------------------------------------------------

# What one unauthenticated request may make us check (issue 18): a passport holds a few dozen credentials
# (about 1.7 KB each), so these bounds leave room while keeping any one request to tens of milliseconds.
MAX_VERIFY_BYTES = 2 * 1024 * 1024
MAX_PRESENTED_CREDENTIALS = 100
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"


class UnreadableDocument(DomainError):
    """The input is not JSON at all (or not text): nothing to verify."""

    status = 400
    title = "The document cannot be read"


def load_verifiable(raw: bytes | str) -> dict[str, Any]:
    """Parse a credential or presentation sent to us, refusing clearly what is not one.

    Not JSON: UnreadableDocument (400). JSON that is not a W3C VC 2.0 credential or presentation (a
    list, a VC 1.1 credential, an Open Badge, a JWT string...): InvalidInput (422) saying what it is.
    """
    if isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_VERIFY_BYTES:
            raise DocumentTooLarge()
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableDocument("The document is not UTF-8 text, so it cannot be JSON.") from None
    if not raw.strip():
        raise UnreadableDocument("The document is empty: send a credential or presentation as JSON.")
    try:
        document = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise UnreadableDocument(f"The document is not valid JSON ({_short(error)}).") from None
    if not isinstance(document, dict):
        raise InvalidInput(
            "This is JSON but not a credential or presentation: a JSON object is expected.", field="(body)"
        )
    context = document.get("@context")
    first_context = context[0] if isinstance(context, list) and context else context
    types = document.get("type")
    type_list = types if isinstance(types, list) else [types]
    if first_context == VC_V1_CONTEXT:
        raise InvalidInput(
            "This is a Verifiable Credentials 1.1 document; this service verifies VC Data Model 2.0 "
            f"({VC_V2_CONTEXT}).",
            field="@context",
        )
    if not (
        {"VerifiableCredential", "VerifiablePresentation"} & {t for t in type_list if isinstance(t, str)}
    ):
        raise InvalidInput(
            "This is not a W3C verifiable credential or presentation: its type names neither "
            "VerifiableCredential nor VerifiablePresentation.",
            field="type",
        )
    presented = document.get("verifiableCredential")
    if isinstance(presented, list) and len(presented) > MAX_PRESENTED_CREDENTIALS:
        raise InvalidInput(
            f"A presentation may hold at most {MAX_PRESENTED_CREDENTIALS} credentials; this one holds "
            f"{len(presented):,}.",
            field="verifiableCredential",
        )
    return document


class DocumentTooLarge(DomainError):
    status = 413
    title = "Payload too large"

    def __init__(self) -> None:
        super().__init__(f"The document is larger than {MAX_VERIFY_BYTES // (1024 * 1024)} MB.")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _short(error: Exception) -> str:
    return "nested too deeply" if isinstance(error, RecursionError) else str(error)[:120]
