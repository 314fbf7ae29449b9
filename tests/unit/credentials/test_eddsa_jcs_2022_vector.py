"""The W3C vc-di-eddsa eddsa-jcs-2022 test vector (Data Integrity EdDSA Cryptosuites v1.0, appendix).

The JSON files in vectors/ are copied from the specification: the key pair, the unsecured credential,
the proof options, the signed credential, and the intermediate values (canonical form, hashes,
signature).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from passport.credentials.multikey import (
    private_key_from_multibase,
    public_key_to_multibase,
    resolve_did_key_verification_method,
)
from passport.credentials.proofs import (
    canonicalize,
    create_proof,
    hash_data,
    parse_xml_datetime,
    verify_proof,
)

VECTORS = Path(__file__).parent / "vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / f"eddsa_jcs_2022_{name}.json").read_text(encoding="utf-8"))


KEY_PAIR = load("key_pair")
UNSECURED = load("unsecured_credential")
PROOF_OPTIONS = load("proof_options")
SIGNED = load("signed_credential")
INTERMEDIATE = load("intermediate_values")


def test_published_key_pair_is_consistent() -> None:
    private_key = private_key_from_multibase(KEY_PAIR["secretKeyMultibase"])
    assert public_key_to_multibase(private_key.public_key()) == KEY_PAIR["publicKeyMultibase"]


def test_canonical_form_and_hashes_match_the_published_intermediate_values() -> None:
    assert canonicalize(UNSECURED).decode("utf-8") == INTERMEDIATE["canonicalCredential"]
    assert hashlib.sha256(canonicalize(UNSECURED)).hexdigest() == INTERMEDIATE["credentialHashHex"]
    assert hashlib.sha256(canonicalize(PROOF_OPTIONS)).hexdigest() == INTERMEDIATE["proofConfigHashHex"]
    assert hash_data(PROOF_OPTIONS, UNSECURED).hex() == INTERMEDIATE["combinedHashHex"]


def test_our_verifier_accepts_the_published_signed_credential() -> None:
    result = verify_proof(SIGNED, resolve_did_key_verification_method)
    assert result.ok, result
    assert result.code == "proof_valid"
    assert result.verification_method == PROOF_OPTIONS["verificationMethod"]
    assert result.created == parse_xml_datetime(PROOF_OPTIONS["created"])


def test_create_proof_with_the_published_key_reproduces_the_published_proof_exactly() -> None:
    private_key = private_key_from_multibase(KEY_PAIR["secretKeyMultibase"])
    created = parse_xml_datetime(PROOF_OPTIONS["created"])
    assert created is not None
    signed = create_proof(
        UNSECURED,
        private_key,
        PROOF_OPTIONS["verificationMethod"],
        created,
        proof_purpose=PROOF_OPTIONS["proofPurpose"],
    )
    assert signed["proof"]["proofValue"] == INTERMEDIATE["proofValue"]
    assert signed["proof"]["proofValue"] == SIGNED["proof"]["proofValue"]
    assert signed == SIGNED
    signature_hex = private_key.sign(bytes.fromhex(INTERMEDIATE["combinedHashHex"])).hex()
    assert signature_hex == INTERMEDIATE["signatureHex"]


def test_published_credential_with_one_changed_character_is_rejected() -> None:
    tampered = copy.deepcopy(SIGNED)
    tampered["credentialSubject"]["alumniOf"] = "The School of Examplez"
    result = verify_proof(tampered, resolve_did_key_verification_method)
    assert not result.ok
    assert result.code == "signature_invalid"
