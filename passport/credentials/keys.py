"""Trusts' Ed25519 signing keys: made, encrypted at rest, rotated, retired and marked compromised.

Private keys are stored only as MultiFernet tokens under the key-encryption keys of the configuration
(``PASSPORT_KEY_ENCRYPTION_KEYS``; the first encrypts, all decrypt), so rotating the key-encryption key
is: put a new key first, run ``rotate-kek``, then drop the old one. Signing goes through the ``Signer``
protocol, so a KMS or HSM can take the place of ``LocalSigner`` without touching issuance.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.config import ConfigurationError, load_settings
from passport.credentials.did import trust_did
from passport.credentials.models import KeyState, SigningKey
from passport.credentials.multikey import public_key_from_multibase, public_key_to_multibase
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput, NotFound
from passport.trusts.models import Trust

if TYPE_CHECKING:
    from passport.background.models import Job


class Signer(Protocol):
    """Whatever signs for a trust: holds no secret the caller can see, only signs bytes.

    ``create_proof`` calls ``sign``; a KMS/HSM-backed implementation sends the 64 bytes to the device.
    """

    @property
    def verification_method(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class LocalSigner:
    """A signer over a private key decrypted in this process (the default)."""

    verification_method: str
    signing_key_id: int
    _private_key: Ed25519PrivateKey

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)


def key_encryption(keys: tuple[str, ...] | None = None) -> MultiFernet:
    """The MultiFernet over the configured key-encryption keys (the first one encrypts)."""
    if keys is None:
        settings = current_app.config["PASSPORT_SETTINGS"] if has_app_context() else load_settings()
        keys = settings.key_encryption_keys
    if not keys:
        raise ConfigurationError("No key-encryption key is configured (PASSPORT_KEY_ENCRYPTION_KEYS).")
    return MultiFernet([Fernet(key) for key in keys])


def _new_key_id(trust: Trust, now: datetime) -> str:
    return f"key-{now:%Y%m%d}-{secrets.token_hex(4)}"


def active_key(session: Session, trust: Trust) -> SigningKey | None:
    return session.scalar(
        select(SigningKey)
        .where(SigningKey.trust_id == trust.id, SigningKey.state == KeyState.ACTIVE)
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        .limit(1)
    )


def trust_keys(session: Session, trust: Trust) -> list[SigningKey]:
    return list(
        session.scalars(select(SigningKey).where(SigningKey.trust_id == trust.id).order_by(SigningKey.id))
    )


def create_signing_key(
    session: Session, trust: Trust, *, actor: object = "system", fernet: MultiFernet | None = None
) -> SigningKey:
    """A new active key for ``trust``; the key that was active is retired (it still verifies)."""
    now = utcnow()
    private_key = Ed25519PrivateKey.generate()
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    previous = active_key(session, trust)
    if previous is not None:
        previous.state = KeyState.RETIRED
        previous.retired_at = now
    key = SigningKey(
        trust_id=trust.id,
        key_id=_new_key_id(trust, now),
        state=KeyState.ACTIVE,
        public_key_multibase=public_key_to_multibase(private_key.public_key()),
        private_key_encrypted=(fernet or key_encryption()).encrypt(seed),
        created_at=now,
    )
    session.add(key)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="signing_key.created",
        record_type="signing_key",
        record_id=key.id,
        trust_id=trust.id,
        details={"key_id": key.key_id, "retired": previous.key_id if previous else None},
    )
    return key


RESIGN_JOB_KIND = "status_list_resign"


def start_status_list_resign(
    session: Session, trust: Trust, *, cause: str, created_by_id: int | None = None, queue: bool = True
) -> Job:
    """Record the job that re-signs every status list of ``trust`` with its active key (queued when this
    transaction commits; ``queue=False``: the caller runs it, as ``--wait`` does). Keyed by the active
    key and ``cause``, so asking twice in one rotation gives the same job."""
    from passport.background.operations import start_job

    key = ensure_signing_key(session, trust)
    return start_job(
        session,
        kind=RESIGN_JOB_KIND,
        title=f"Re-sign {trust.ods_code}'s status lists with key {key.key_id}",
        params={"key_id": key.key_id, "cause": cause},
        trust_id=trust.id,
        created_by_id=created_by_id,
        idempotency_key=f"status-list-resign:{trust.id}:{key.key_id}:{cause}",
        queue=queue,
    )


def rotate_signing_key(
    session: Session, trust: Trust, *, actor: object = "system", queue_resign: bool = True
) -> SigningKey:
    """Retire the active key and make a new one. Its status lists are re-signed with the new key by a
    job (until then they stay signed by the retired key, which still verifies)."""
    key = create_signing_key(session, trust, actor=actor)
    start_status_list_resign(
        session, trust, cause="rotation", created_by_id=getattr(actor, "id", None), queue=queue_resign
    )
    return key


def ensure_signing_key(session: Session, trust: Trust, *, actor: object = "system") -> SigningKey:
    return active_key(session, trust) or create_signing_key(session, trust, actor=actor)


def signer_for(session: Session, trust: Trust, *, fernet: MultiFernet | None = None) -> LocalSigner:
    """The signer of ``trust``'s active key (made on first use)."""
    key = ensure_signing_key(session, trust)
    return _local_signer(key, trust, fernet or key_encryption())


def _local_signer(key: SigningKey, trust: Trust, fernet: MultiFernet) -> LocalSigner:
    if key.private_key_encrypted is None:
        raise ConfigurationError(f"Signing key {key.key_id} has no private key held by this service.")
    try:
        seed = fernet.decrypt(key.private_key_encrypted)
    except InvalidToken:
        raise ConfigurationError(
            f"Signing key {key.key_id} cannot be decrypted with the configured key-encryption keys."
        ) from None
    return LocalSigner(
        verification_method=f"{trust_did(trust)}#{key.key_id}",
        signing_key_id=key.id,
        _private_key=Ed25519PrivateKey.from_private_bytes(seed),
    )


def public_key_of(key: SigningKey) -> Ed25519PublicKey:
    return public_key_from_multibase(key.public_key_multibase)


def rotate_key_encryption(
    session: Session, *, actor: object = "system", fernet: MultiFernet | None = None
) -> int:
    """Re-encrypt every private key under the first key-encryption key; returns how many were."""
    fernet = fernet or key_encryption()
    count = 0
    for key in session.scalars(select(SigningKey).where(SigningKey.private_key_encrypted.is_not(None))):
        try:
            key.private_key_encrypted = fernet.rotate(key.private_key_encrypted)  # type: ignore[arg-type]
        except InvalidToken:
            raise ConfigurationError(
                f"Signing key {key.key_id} cannot be decrypted with any configured key-encryption key; "
                "nothing was re-encrypted."
            ) from None
        count += 1
    record_event(session, actor=actor, action="signing_key.kek_rotated", details={"keys": count})
    return count


def mark_key_compromised(
    session: Session,
    trust: Trust,
    key_id: str,
    *,
    at: datetime | None = None,
    actor: object = "system",
    queue_resign: bool = True,
) -> SigningKey:
    """Report a key compromised from ``at`` (default now): signatures it made from then on are refused.

    If it was the active key, a new key is made at once; a job re-signs the status lists with the active
    key, so revocations stay checkable.
    """
    key = session.scalar(
        select(SigningKey).where(SigningKey.trust_id == trust.id, SigningKey.key_id == key_id)
    )
    if key is None:
        raise NotFound(f"Trust {trust.ods_code} has no signing key {key_id!r}.", field="key_id")
    if key.state is KeyState.COMPROMISED:
        raise Conflict(f"Key {key_id} is already marked compromised.", field="key_id")
    when = at or utcnow()
    if when.tzinfo is None:
        raise InvalidInput("The compromise time needs a time zone.", field="at")
    was_active = key.state is KeyState.ACTIVE
    key.state = KeyState.COMPROMISED
    key.compromised_at = when
    session.flush()
    record_event(
        session,
        actor=actor,
        action="signing_key.compromised",
        record_type="signing_key",
        record_id=key.id,
        trust_id=trust.id,
        details={"key_id": key_id, "compromised_at": when.isoformat()},
    )
    if was_active:
        create_signing_key(session, trust, actor=actor)
    start_status_list_resign(
        session,
        trust,
        cause=f"compromise of {key_id}",
        created_by_id=getattr(actor, "id", None),
        queue=queue_resign,
    )
    return key
