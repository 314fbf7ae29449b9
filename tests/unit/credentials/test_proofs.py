"""eddsa-jcs-2022 create_proof / verify_proof with real keys (no mocked crypto)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.credentials.multikey import (
    did_key_verification_method_id,
    multibase_base58btc_encode,
    resolve_did_key_verification_method,
)
from passport.credentials.proofs import (
    ProofCreationError,
    canonicalize,
    create_proof,
    format_xml_datetime,
    parse_xml_datetime,
    verify_proof,
)

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def credential() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:4f1c0a52-9d0e-4b53-9a3e-6f0d2a0c9b11",
        "type": ["VerifiableCredential", "MandatoryTrainingCredential"],
        "issuer": "did:web:passport.example:trusts:RPG",
        "validFrom": "2026-03-01T00:00:00Z",
        "credentialSubject": {
            "id": "urn:uuid:nurse-1",
            "subject": "Safeguarding adults level 3",
            "score": 92,
        },
    }


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def signed_with(key: Ed25519PrivateKey, document: dict[str, Any] | None = None) -> dict[str, Any]:
    return create_proof(
        document or credential(), key, did_key_verification_method_id(key.public_key()), CREATED
    )


def resolve(method: str) -> Ed25519PublicKey:
    return resolve_did_key_verification_method(method)


def test_round_trip_and_proof_shape(key: Ed25519PrivateKey) -> None:
    original = credential()
    signed = signed_with(key, original)
    assert "proof" not in original, "create_proof must not modify its input"
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["created"] == "2026-03-01T09:30:00Z"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["@context"] == original["@context"]
    assert proof["proofValue"].startswith("z")
    result = verify_proof(signed, resolve)
    assert result.ok and result.code == "proof_valid"
    assert result.created == CREATED
    assert result.verification_method == proof["verificationMethod"]


def test_key_order_and_whitespace_do_not_matter(key: Ed25519PrivateKey) -> None:
    signed = signed_with(key)
    reordered = {name: signed[name] for name in reversed(list(signed))}
    reordered["credentialSubject"] = dict(reversed(list(signed["credentialSubject"].items())))
    assert verify_proof(reordered, resolve).ok


def test_wrong_key_is_rejected(key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    signed = signed_with(key)
    result = verify_proof(signed, lambda _method: other.public_key())
    assert result.code == "signature_invalid" and not result.ok


def test_unresolvable_key_is_reported_not_raised(key: Ed25519PrivateKey) -> None:
    def failing(_method: str) -> Ed25519PublicKey:
        raise KeyError("nobody knows")

    result = verify_proof(signed_with(key), failing)
    assert result.code == "key_unresolvable"
    assert verify_proof(signed_with(key), lambda _m: "not a key").code == "key_unresolvable"  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.pop("proof"), "proof_missing"),
        (lambda d: d.__setitem__("proof", []), "proof_missing"),
        (lambda d: d.__setitem__("proof", "a string"), "proof_malformed"),
        (lambda d: d["proof"].__setitem__("type", "Ed25519Signature2020"), "proof_type_unsupported"),
        (lambda d: d["proof"].__setitem__("cryptosuite", "eddsa-rdfc-2022"), "cryptosuite_unsupported"),
        (lambda d: d["proof"].pop("verificationMethod"), "verification_method_missing"),
        (lambda d: d["proof"].__setitem__("proofPurpose", "authentication"), "proof_purpose_mismatch"),
        (lambda d: d["proof"].__setitem__("created", "yesterday"), "proof_created_invalid"),
        (lambda d: d["proof"].__setitem__("proofValue", "not multibase"), "proof_value_malformed"),
        (lambda d: d["proof"].__setitem__("proofValue", "z" + "1" * 10), "proof_value_malformed"),
        (lambda d: d["proof"].__setitem__("proofValue", 12345), "proof_value_malformed"),
        (lambda d: d["proof"].__setitem__("@context", ["https://example.org/other"]), "context_mismatch"),
        (lambda d: d.__setitem__("@context", ["https://example.org/other"]), "context_mismatch"),
        (lambda d: d["credentialSubject"].__setitem__("score", 93), "signature_invalid"),
        (lambda d: d["proof"].__setitem__("created", "2026-03-01T09:30:01Z"), "signature_invalid"),
        (lambda d: d["credentialSubject"].__setitem__("nan", float("nan")), "document_not_canonicalizable"),
        (lambda d: d["credentialSubject"].__setitem__("big", 2**60), "document_not_canonicalizable"),
        (lambda d: d["credentialSubject"].__setitem__(7, "non-string key"), "document_not_canonicalizable"),
    ],
)
def test_each_bad_shape_gives_its_failure_code(key: Ed25519PrivateKey, change: Any, code: str) -> None:
    signed = signed_with(key)
    change(signed)
    result = verify_proof(signed, resolve)
    assert not result.ok
    assert result.code == code
    assert result.message


@pytest.mark.parametrize(
    "garbage", [None, 1, "text", [], [{"proof": {}}], {"proof": None}, {"proof": [1, 2]}]
)
def test_garbage_never_raises(garbage: object) -> None:
    result = verify_proof(garbage, resolve)
    assert not result.ok


def test_spec_prefix_rule_versus_exact_context(key: Ed25519PrivateKey) -> None:
    signed = signed_with(key)
    signed["@context"] = [*signed["@context"], "https://example.org/appended-later"]
    # The spec only asks that the document's @context starts with the proof's, so this still verifies...
    assert verify_proof(signed, resolve).ok
    # ...while the stricter mode used by our verifier refuses a context added after signing.
    assert verify_proof(signed, resolve, exact_context=True).code == "context_mismatch"


def test_proof_without_context_follows_the_spec_but_not_strict_mode(key: Ed25519PrivateKey) -> None:
    signed = signed_with(key)
    del signed["proof"]["@context"]
    # The spec fills the proof configuration's @context in from the document, so the hash is unchanged.
    assert verify_proof(signed, resolve).ok
    assert verify_proof(signed, resolve, exact_context=True).code == "context_mismatch"


def test_proof_sets_need_every_proof_to_pass(key: Ed25519PrivateKey) -> None:
    second_key = Ed25519PrivateKey.generate()
    once = signed_with(key)
    twice = create_proof(once, second_key, did_key_verification_method_id(second_key.public_key()), CREATED)
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    result = verify_proof(twice, resolve)
    assert result.ok and len(result.proofs) == 2
    assert [single.verification_method for single in result.each()] == [
        p["verificationMethod"] for p in twice["proof"]
    ]

    broken = copy.deepcopy(twice)
    broken["proof"][1]["proofValue"] = multibase_base58btc_encode(bytes(64))
    result = verify_proof(broken, resolve)
    assert not result.ok and result.code == "signature_invalid"
    assert [single.ok for single in result.proofs] == [True, False]


def test_single_proof_in_a_list_verifies(key: Ed25519PrivateKey) -> None:
    signed = signed_with(key)
    signed["proof"] = [signed["proof"]]
    assert verify_proof(signed, resolve).ok


def test_created_must_be_timezone_aware_and_is_written_in_utc(key: Ed25519PrivateKey) -> None:
    with pytest.raises(ProofCreationError):
        create_proof(credential(), key, "did:key:x#x", datetime(2026, 1, 1))  # noqa: DTZ001
    plus_one = datetime(2026, 6, 1, 10, 0, 0, 999, tzinfo=timezone(timedelta(hours=1)))
    assert format_xml_datetime(plus_one) == "2026-06-01T09:00:00Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-02-24T23:36:38Z", datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)),
        ("2023-02-24T23:36:38.123456789Z", datetime(2023, 2, 24, 23, 36, 38, 123456, tzinfo=UTC)),
        ("2023-02-25T00:36:38+01:00", datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)),
        ("2023-02-24T23:36:38", None),
        ("2023-02-24", None),
        ("20230224T233638Z", None),
        ("2023-02-30T00:00:00Z", None),
        (20230224, None),
    ],
)
def test_parse_xml_datetime(text: object, expected: datetime | None) -> None:
    assert parse_xml_datetime(text) == expected


# The fast canonicalisation path must agree byte for byte with the rfc8785 library on every input.
ANY_KEYS = st.text(max_size=6) | st.sampled_from(["a", "B", "é", "\ue000", "\U0001f600", "ab\x00", "id"])
ANY_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["\x00\x1f\x7f", '"\\/', "\u2028\u2029", "\b\f\n\r\t", "\ud800"])
)
ANY_JSON = st.recursive(
    ANY_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_KEYS, inner, max_size=4),
    max_leaves=12,
)


def _outcome(function: Any, value: object) -> bytes | str:
    try:
        return function(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as error:
        return type(error).__name__ if isinstance(error, rfc8785.CanonicalizationError) else "error"


@settings(max_examples=400, deadline=None)
@given(ANY_JSON)
def test_canonicalize_matches_the_rfc8785_library(value: object) -> None:
    expected = _outcome(rfc8785.dumps, value)
    actual = _outcome(canonicalize, value)
    assert actual == expected


def test_canonicalize_matches_rfc8785_on_tricky_values() -> None:
    for value in [
        {"b": 1, "a": [True, False, None], "é": "x", "\ue000": 1, "\U0001f600": 2},
        {"control": "\x00\x01\x1f\x7f", "quote": '"', "backslash": "\\", "slash": "/"},
        [2**53 - 1, -(2**53) + 1, 0, -0],
        {"float": 1.0, "exp": 1e21, "small": 1e-7},
    ]:
        assert canonicalize(value) == rfc8785.dumps(value)
    for bad in [2**53, float("nan"), {1: "x"}, "\ud800", {"x": {1, 2}}]:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonicalize(bad)
