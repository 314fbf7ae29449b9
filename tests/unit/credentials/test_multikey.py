"""Multibase, Multikey and did:key for Ed25519."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from passport.credentials.multikey import (
    MultikeyError,
    base58btc_decode,
    base58btc_encode,
    controller_of_verification_method,
    did_key_from_public_key,
    did_key_verification_method_id,
    multibase_base58btc_decode,
    private_key_from_multibase,
    private_key_to_multibase,
    public_key_from_multibase,
    public_key_to_multibase,
    resolve_did_key_verification_method,
)

# The W3C vc-di-eddsa test vector key pair (Multikey form).
SPEC_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


def raw(public_key: object) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"", ""),
        (b"\x00", "1"),
        (b"\x00\x00\x01", "112"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    ],
)
def test_base58btc_known_values(data: bytes, encoded: str) -> None:
    assert base58btc_encode(data) == encoded
    assert base58btc_decode(encoded) == data


@given(st.binary(max_size=80))
def test_base58btc_round_trips_any_bytes(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


@pytest.mark.parametrize("bad", ["0abc", "Oops", "Il", "abc def", "é"])
def test_base58btc_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(MultikeyError):
        base58btc_decode(bad)


def test_spec_secret_key_derives_spec_public_key_and_both_round_trip() -> None:
    private_key = private_key_from_multibase(SPEC_SECRET)
    assert public_key_to_multibase(private_key.public_key()) == SPEC_PUBLIC
    assert private_key_to_multibase(private_key) == SPEC_SECRET
    assert raw(public_key_from_multibase(SPEC_PUBLIC)) == raw(private_key.public_key())


def test_public_multikey_starts_with_the_ed25519_multicodec() -> None:
    encoded = public_key_to_multibase(Ed25519PrivateKey.generate().public_key())
    assert encoded.startswith("z6Mk")
    assert multibase_base58btc_decode(encoded)[:2] == b"\xed\x01"


def test_did_key_and_verification_method_resolve_to_the_same_key() -> None:
    public_key = Ed25519PrivateKey.generate().public_key()
    did = did_key_from_public_key(public_key)
    method = did_key_verification_method_id(public_key)
    assert did == "did:key:" + public_key_to_multibase(public_key)
    assert method == f"{did}#{public_key_to_multibase(public_key)}"
    assert controller_of_verification_method(method) == did
    assert raw(resolve_did_key_verification_method(method)) == raw(public_key)
    assert raw(resolve_did_key_verification_method(did)) == raw(public_key)


@pytest.mark.parametrize(
    "bad",
    [
        "did:web:example.org#key-1",
        "did:key:",
        "did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase header
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  # one character short
        # The fragment names another key:
        f"did:key:{SPEC_PUBLIC}#z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
        f"did:key:{SPEC_SECRET}",  # a secret key is not a public key
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1, not Ed25519
        "did:key:z0OIl",
    ],
)
def test_bad_did_key_values_raise_a_typed_error(bad: str) -> None:
    with pytest.raises(MultikeyError):
        resolve_did_key_verification_method(bad)


@pytest.mark.parametrize("bad", [None, 42, "", "z", "u6Mk", "z6Mk"])
def test_bad_public_multikeys_raise_a_typed_error(bad: object) -> None:
    with pytest.raises(MultikeyError):
        public_key_from_multibase(bad)  # type: ignore[arg-type]
