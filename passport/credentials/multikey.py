"""Multibase / Multikey encodings of Ed25519 keys, and the did:key method for Ed25519.

Only what the partnership needs: base58btc multibase ("z" prefix), Ed25519 public keys as Multikey
(multicodec 0xed, varint bytes 0xed 0x01) and Ed25519 secret keys (multicodec 0x1300, varint bytes
0x80 0x26), and did:key DIDs built from such a public key.
"""

from __future__ import annotations

import based58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

BASE58BTC_PREFIX = "z"
ED25519_PUBLIC_MULTICODEC = b"\xed\x01"
ED25519_SECRET_MULTICODEC = b"\x80\x26"
ED25519_KEY_LENGTH = 32
DID_KEY_PREFIX = "did:key:"


class MultikeyError(ValueError):
    """A multibase, Multikey or did:key value that cannot be decoded."""


# base58 (Bitcoin alphabet: no 0, O, I, l) comes from `based58`, a small Rust extension: decoding a
# signature is on the verification hot path, where it is about four times faster than pure Python.


def base58btc_encode(data: bytes) -> str:
    """Encode bytes as base58 (Bitcoin alphabet), keeping leading zero bytes as leading '1's."""
    return based58.b58encode(bytes(data)).decode("ascii")


def base58btc_decode(text: str) -> bytes:
    """Decode a base58 (Bitcoin alphabet) string; raise MultikeyError on a character outside it."""
    if not isinstance(text, str) or not text.isascii():
        raise MultikeyError("A base58 value must be a string of base58btc characters.")
    try:
        return based58.b58decode(text.encode("ascii"))
    except ValueError as error:
        raise MultikeyError("The value holds characters that are not base58btc.") from error


def multibase_base58btc_encode(data: bytes) -> str:
    """Multibase base58btc: the 'z' header followed by base58btc."""
    return BASE58BTC_PREFIX + base58btc_encode(data)


def multibase_base58btc_decode(value: str) -> bytes:
    """Decode a multibase base58btc value ('z...'); any other base is rejected."""
    if not isinstance(value, str) or not value.startswith(BASE58BTC_PREFIX) or len(value) < 2:
        raise MultikeyError("Expected a multibase base58btc value starting with 'z'.")
    return base58btc_decode(value[1:])


def _raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_to_multibase(public_key: Ed25519PublicKey) -> str:
    """Ed25519 public key -> Multikey publicKeyMultibase ('z6Mk...')."""
    return multibase_base58btc_encode(ED25519_PUBLIC_MULTICODEC + _raw_public_bytes(public_key))


def public_key_from_multibase(public_key_multibase: str) -> Ed25519PublicKey:
    """Multikey publicKeyMultibase ('z6Mk...') -> Ed25519 public key."""
    decoded = multibase_base58btc_decode(public_key_multibase)
    if not decoded.startswith(ED25519_PUBLIC_MULTICODEC):
        raise MultikeyError("The Multikey is not an Ed25519 public key (multicodec 0xed01 expected).")
    raw = decoded[len(ED25519_PUBLIC_MULTICODEC) :]
    if len(raw) != ED25519_KEY_LENGTH:
        raise MultikeyError(f"An Ed25519 public key has {ED25519_KEY_LENGTH} bytes, not {len(raw)}.")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise MultikeyError("The Multikey does not hold a valid Ed25519 public key.") from error


def private_key_to_multibase(private_key: Ed25519PrivateKey) -> str:
    """Ed25519 private key -> Multikey secretKeyMultibase ('z3u2...'); the 32-byte seed is encoded."""
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_base58btc_encode(ED25519_SECRET_MULTICODEC + seed)


def private_key_from_multibase(secret_key_multibase: str) -> Ed25519PrivateKey:
    """Multikey secretKeyMultibase ('z3u2...') -> Ed25519 private key."""
    decoded = multibase_base58btc_decode(secret_key_multibase)
    if not decoded.startswith(ED25519_SECRET_MULTICODEC):
        raise MultikeyError("The Multikey is not an Ed25519 secret key (multicodec 0x8026 expected).")
    seed = decoded[len(ED25519_SECRET_MULTICODEC) :]
    if len(seed) != ED25519_KEY_LENGTH:
        raise MultikeyError(f"An Ed25519 secret key has {ED25519_KEY_LENGTH} bytes, not {len(seed)}.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def did_key_from_public_key(public_key: Ed25519PublicKey) -> str:
    """The did:key DID of an Ed25519 public key: 'did:key:z6Mk...'."""
    return DID_KEY_PREFIX + public_key_to_multibase(public_key)


def did_key_verification_method_id(public_key: Ed25519PublicKey) -> str:
    """The did:key verification method id: 'did:key:z6Mk...#z6Mk...' (the fragment repeats the key)."""
    multibase = public_key_to_multibase(public_key)
    return f"{DID_KEY_PREFIX}{multibase}#{multibase}"


def is_did_key(identifier: object) -> bool:
    """True when the value is a string naming the did:key method (a DID or a DID URL)."""
    return isinstance(identifier, str) and identifier.startswith(DID_KEY_PREFIX)


def resolve_did_key_verification_method(verification_method_id: str) -> Ed25519PublicKey:
    """Resolve 'did:key:z6Mk...#z6Mk...' (or the bare DID) to its Ed25519 public key, locally.

    The fragment, when present, must repeat the method-specific identifier, as the did:key
    specification says; anything else names a key this DID does not have.
    """
    if not is_did_key(verification_method_id):
        raise MultikeyError("Not a did:key identifier.")
    did, _, fragment = verification_method_id.partition("#")
    method_specific_id = did[len(DID_KEY_PREFIX) :]
    if fragment and fragment != method_specific_id:
        raise MultikeyError("A did:key verification method fragment must repeat the key itself.")
    return public_key_from_multibase(method_specific_id)


def controller_of_verification_method(verification_method_id: str) -> str:
    """The DID part of a verification method id (everything before '#')."""
    return verification_method_id.partition("#")[0]
