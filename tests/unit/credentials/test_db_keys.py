"""Signing keys: encrypted at rest, rotated, the key-encryption key rotated, DID documents, issuance."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from passport.config import ConfigurationError, load_settings
from passport.credentials.did import did_document, did_web_for_url, trust_did
from passport.credentials.directory import verify_document
from passport.credentials.keys import (
    _local_signer,
    active_key,
    create_signing_key,
    key_encryption,
    rotate_key_encryption,
    trust_keys,
)
from passport.credentials.models import KeyState, SigningKey
from passport.credentials.operations import prepare_credential
from passport.credentials.types import CREDENTIAL_TYPES
from passport.errors import InvalidInput
from tests.support.credential_factories import SAMPLE_SUBJECTS, issue, staff


def test_production_requires_key_encryption_keys_and_checks_them():
    base = {
        "PASSPORT_ENV": "production",
        "PASSPORT_DATABASE_URL": "postgresql+psycopg://p@db/p",
        "SECRET_KEY": "x" * 40,
        "PASSPORT_PUBLIC_URL": "https://passport.example",
        "PASSPORT_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
        "PASSPORT_QUEUE_URL": "redis://127.0.0.1:6379/1",
        "PASSPORT_SMTP_URL": "smtp://mail.example:587?from=a@example.org",
    }
    with pytest.raises(ConfigurationError, match="PASSPORT_KEY_ENCRYPTION_KEYS"):
        load_settings(base)
    with pytest.raises(ConfigurationError, match="key 2 is not a Fernet key"):
        load_settings({**base, "PASSPORT_KEY_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},nonsense"})
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = load_settings({**base, "PASSPORT_KEY_ENCRYPTION_KEYS": f" {first} , {second} "})
    assert settings.key_encryption_keys == (first, second)


def test_development_generates_one_key_encryption_key():
    assert len(load_settings({}).key_encryption_keys) == 1
    assert load_settings({}).key_encryption_keys == load_settings({}).key_encryption_keys


def test_private_keys_are_stored_only_encrypted(session, demo_trusts):
    own = demo_trusts[0]
    fernet = MultiFernet([Fernet(Fernet.generate_key())])
    key = create_signing_key(session, own, fernet=fernet)
    signer = _local_signer(key, own, fernet)
    seed = signer._private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    stored = session.scalar(select(SigningKey.private_key_encrypted).where(SigningKey.id == key.id))
    assert seed not in stored and fernet.decrypt(stored) == seed
    assert key.public_key_multibase.startswith("z6Mk")
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        _local_signer(key, own, MultiFernet([Fernet(Fernet.generate_key())]))


def test_rotating_the_key_encryption_key_loses_nothing(session, demo_trusts):
    own = demo_trusts[0]
    old = Fernet.generate_key()
    new = Fernet.generate_key()
    key = create_signing_key(session, own, fernet=MultiFernet([Fernet(old)]))
    before = _local_signer(key, own, MultiFernet([Fernet(old)])).sign(b"same message")
    assert rotate_key_encryption(session, fernet=MultiFernet([Fernet(new), Fernet(old)])) >= 1
    # Only the new key is needed from now on, and the key signs exactly as before (Ed25519 is deterministic).
    assert _local_signer(key, own, MultiFernet([Fernet(new)])).sign(b"same message") == before


def test_rotating_a_signing_key_retires_the_old_one(session, demo_trusts):
    own = demo_trusts[0]
    first = create_signing_key(session, own)
    second = create_signing_key(session, own)
    assert (first.state, second.state) == (KeyState.RETIRED, KeyState.ACTIVE)
    assert active_key(session, own) is second
    document = did_document(own, trust_keys(session, own))
    assert [m["id"].rsplit("#", 1)[1] for m in document["verificationMethod"]] == [
        first.key_id,
        second.key_id,
    ]
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]
    assert all(m["publicKeyMultibase"].startswith("z6Mk") for m in document["verificationMethod"])


def test_did_web_identifiers_follow_the_method():
    assert did_web_for_url("https://passport.example/trusts/RPG") == "did:web:passport.example:trusts:RPG"
    assert did_web_for_url("http://127.0.0.1:5000/trusts/RV5") == "did:web:127.0.0.1%3A5000:trusts:RV5"
    assert trust_did("RQY", "https://p.example") == "did:web:p.example:trusts:RQY"


def test_key_encryption_needs_a_key():
    with pytest.raises(ConfigurationError):
        key_encryption(())


@pytest.mark.parametrize("code", sorted(CREDENTIAL_TYPES))
def test_every_credential_type_issues_and_verifies(session, demo_trusts, code):
    own = demo_trusts[0]
    credential = issue(own, kind=code)
    document = credential.document
    assert document["type"] == ["VerifiableCredential", CREDENTIAL_TYPES[code].vc_type]
    assert [s["statusPurpose"] for s in document["credentialStatus"]] == ["revocation", "suspension"]
    assert verify_document(session, document).verified


def test_subject_errors_name_the_field(demo_trusts):
    member = staff(demo_trusts[0])
    bad = {**SAMPLE_SUBJECTS["mandatory-training"], "level": 3, "completed_on": "yesterday"}
    with pytest.raises(InvalidInput) as caught:
        prepare_credential(subject=member, credential_type="mandatory-training", subject_data=bad)
    assert "subject.completed_on" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        prepare_credential(
            subject=member, credential_type="mandatory-training", subject_data={"shoe_size": 5}
        )
    assert {"subject.shoe_size", "subject.subject_code"} <= set(caught.value.errors)
    with pytest.raises(InvalidInput, match="not a credential type"):
        prepare_credential(subject=member, credential_type="passport-photo", subject_data={})


def test_a_registration_pin_must_match_the_staff_record(demo_trusts):
    member = staff(demo_trusts[0], nmc_pin="99Z9999Z")
    with pytest.raises(InvalidInput) as caught:
        prepare_credential(
            subject=member,
            credential_type="professional-registration",
            subject_data=SAMPLE_SUBJECTS["professional-registration"],
        )
    assert "subject.pin" in caught.value.errors


def test_occupational_health_holds_outcomes_only():
    fields = set(CREDENTIAL_TYPES["occupational-health"].schema().fields)
    assert fields == {
        "fitness_outcome",
        "exposure_prone_procedures",
        "immunisations",
        "assessed_on",
        "review_due",
    }
    with pytest.raises(Exception, match="diagnosis"):
        CREDENTIAL_TYPES["occupational-health"].schema().load(
            {**SAMPLE_SUBJECTS["occupational-health"], "diagnosis": "x"}
        )


def test_training_expires_after_the_cstf_refresher_period(demo_trusts):
    member = staff(demo_trusts[0])
    pending = prepare_credential(
        subject=member,
        credential_type="mandatory-training",
        subject_data={"subject_code": "CSTF-RESUS", "level": 2, "completed_on": "2026-03-15"},
    )
    assert pending.claim["mandatoryTraining"]["expiresOn"] == "2027-03-15"
    assert pending.valid_until.isoformat() == "2027-03-15T23:59:59+00:00"  # end of the UK day, in UTC


def test_status_places_are_random_and_distinct(session, demo_trusts):
    own = demo_trusts[0]
    credentials = [issue(own) for _ in range(20)]
    places = [c.revocation_index for c in credentials]
    assert len(set(places)) == 20
    assert places != sorted(places)  # not handed out in order (1 in 20! chance of a false failure)
    assert credentials[0].revocation_list.allocated_count >= 20


def test_batch_signing_gives_exactly_what_single_signing_gives():
    import copy
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from passport.credentials.proofs import create_proof, create_proofs

    key = Ed25519PrivateKey.generate()
    when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    documents = [
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": f"urn:x:{n}", "name": "Siân", "n": n}
        for n in range(3)
    ] + [{"id": "no-context"}]
    singles = [create_proof(copy.deepcopy(d), key, "did:key:z#z", when) for d in documents]
    assert create_proofs(copy.deepcopy(documents), key, "did:key:z#z", when) == singles
