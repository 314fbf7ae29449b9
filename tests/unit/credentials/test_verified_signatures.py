"""The signatures a process has found valid are kept, so a passport presented again is not checked by
Ed25519 again; nothing but a valid signature over exactly the same bytes with the same key is kept."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from passport.credentials.proofs import VerifiedSignatures


class CountingKey:
    """A real Ed25519 public key that counts the signatures it is asked to check."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self.key = key
        self.checked = 0

    def public_bytes_raw(self) -> bytes:
        return self.key.public_bytes_raw()

    def verify(self, signature: bytes, data: bytes) -> None:
        self.checked += 1
        self.key.verify(signature, data)


def signed(data: bytes) -> tuple[CountingKey, bytes]:
    private = Ed25519PrivateKey.generate()
    return CountingKey(private.public_key()), private.sign(data)


def test_a_valid_signature_is_checked_once_then_found_among_those_kept():
    kept = VerifiedSignatures(size=10)
    key, signature = signed(b"hash data")
    assert kept.matches(key, signature, b"hash data")  # type: ignore[arg-type]
    assert kept.matches(key, signature, b"hash data")  # type: ignore[arg-type]
    assert key.checked == 1


def test_other_bytes_another_key_or_a_changed_signature_are_checked_and_fail():
    kept = VerifiedSignatures(size=10)
    key, signature = signed(b"hash data")
    other_key, _ = signed(b"hash data")
    assert kept.matches(key, signature, b"hash data")  # type: ignore[arg-type]
    assert not kept.matches(key, signature, b"hash datA")  # type: ignore[arg-type]
    assert not kept.matches(other_key, signature, b"hash data")  # type: ignore[arg-type]
    changed = bytes([signature[0] ^ 1]) + signature[1:]
    assert not kept.matches(key, changed, b"hash data")  # type: ignore[arg-type]
    assert not kept.matches(key, changed, b"hash data")  # type: ignore[arg-type]
    # Every failure was checked by Ed25519, twice for the repeated one: failures are never kept.
    assert (key.checked, other_key.checked) == (4, 1)


def test_the_least_recently_used_leaves_first_and_size_zero_keeps_none():
    kept = VerifiedSignatures(size=2)
    data = [bytes([n]) * 64 for n in range(3)]
    (first, first_sig), (second, second_sig), (third, third_sig) = (signed(each) for each in data)
    assert kept.matches(first, first_sig, data[0])  # type: ignore[arg-type]
    assert kept.matches(second, second_sig, data[1])  # type: ignore[arg-type]
    assert kept.matches(first, first_sig, data[0])  # type: ignore[arg-type]  # used again: most recent
    assert kept.matches(third, third_sig, data[2])  # type: ignore[arg-type]  # so the second leaves
    assert kept.matches(first, first_sig, data[0])  # type: ignore[arg-type]
    assert kept.matches(second, second_sig, data[1])  # type: ignore[arg-type]
    assert (first.checked, second.checked, third.checked) == (1, 2, 1)

    kept.resize(0)
    assert kept.matches(first, first_sig, data[0])  # type: ignore[arg-type]
    assert kept.matches(first, first_sig, data[0])  # type: ignore[arg-type]
    assert first.checked == 3
