"""W3C Bitstring Status List v1.0: bits, encoding, indexes, credential shapes."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.credentials.proofs import ProofResult
from passport.credentials.status_list import (
    MIN_STATUS_LIST_ENTRIES,
    CheckedStatusList,
    StatusListCache,
    StatusListError,
    build_status_list_credential,
    decode_bitstring,
    encode_bitstring,
    get_bit,
    has_scalars_beyond_strings,
    json_identical,
    json_snapshot,
    new_bitstring,
    random_free_index,
    set_bit,
    status_entry,
)

LIST_URL = "https://passport.example/status/rpg/revocation/1"


def test_new_list_is_16_kilobytes_and_all_clear() -> None:
    bits = new_bitstring()
    assert len(bits) == 16 * 1024
    assert MIN_STATUS_LIST_ENTRIES == 131_072
    assert not any(bits)


def test_too_short_or_ragged_lists_are_refused() -> None:
    with pytest.raises(StatusListError):
        new_bitstring(MIN_STATUS_LIST_ENTRIES - 8)
    with pytest.raises(StatusListError):
        new_bitstring(MIN_STATUS_LIST_ENTRIES + 3)
    with pytest.raises(StatusListError):
        encode_bitstring(bytes(100))


def test_index_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    bits = new_bitstring()
    set_bit(bits, 0, True)
    assert bits[0] == 0b1000_0000
    set_bit(bits, 7, True)
    assert bits[0] == 0b1000_0001
    set_bit(bits, 9, True)
    assert bits[1] == 0b0100_0000
    last = MIN_STATUS_LIST_ENTRIES - 1
    set_bit(bits, last, True)
    assert bits[-1] == 0b0000_0001
    assert get_bit(bits, 0) and get_bit(bits, 7) and get_bit(bits, 9) and get_bit(bits, last)
    assert not get_bit(bits, 1) and not get_bit(bits, 8)
    set_bit(bits, 0, False)
    assert bits[0] == 0b0000_0001


@pytest.mark.parametrize("index", [-1, MIN_STATUS_LIST_ENTRIES, True, 1.0, "3"])
def test_out_of_range_or_non_integer_indexes_are_refused(index: object) -> None:
    with pytest.raises(StatusListError):
        get_bit(new_bitstring(), index)  # type: ignore[arg-type]


def test_encoding_is_multibase_base64url_of_gzip_without_padding() -> None:
    bits = new_bitstring()
    set_bit(bits, 42, True)
    encoded = encode_bitstring(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert gzip.decompress(compressed) == bytes(bits)
    assert decode_bitstring(encoded) == bytes(bits)


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_STATUS_LIST_ENTRIES - 1), max_size=50))
def test_round_trip_keeps_exactly_the_set_bits(indexes: set[int]) -> None:
    bits = new_bitstring()
    for index in indexes:
        set_bit(bits, index, True)
    decoded = decode_bitstring(encode_bitstring(bits))
    assert {i for i in range(MIN_STATUS_LIST_ENTRIES) if decoded[i >> 3] & (0x80 >> (i & 7))} == indexes


def _multibase(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "z123",
        "u!!!!",
        "uAAA=",
        _multibase(b"not gzip at all"),
        _multibase(gzip.compress(bytes(1024))),  # too short a list
        _multibase(gzip.compress(bytes(16384))[:-9]),  # truncated
        _multibase(gzip.compress(bytes(16384)) + b"trailing"),
        _multibase(gzip.compress(bytes(17 * 1024 * 1024))),  # inflates past the bomb guard
    ],
)
def test_malformed_encoded_lists_raise_status_list_error(bad: object) -> None:
    with pytest.raises(StatusListError):
        decode_bitstring(bad)


def test_random_free_index_avoids_used_indexes_and_spreads_out() -> None:
    used = set(range(0, 1000))
    picks = {random_free_index(used) for _ in range(200)}
    assert not picks & used
    assert all(0 <= pick < MIN_STATUS_LIST_ENTRIES for pick in picks)
    assert len(picks) > 190, "random indexes should rarely collide"


def test_random_free_index_finds_the_last_gaps_and_reports_a_full_list() -> None:
    size = 64
    used = set(range(size)) - {5, 60}
    assert {random_free_index(used, size) for _ in range(50)} <= {5, 60}
    with pytest.raises(StatusListError):
        random_free_index(set(range(size)), size)


def test_status_list_credential_and_entry_shapes() -> None:
    bits = new_bitstring()
    set_bit(bits, 94567, True)
    valid_from = datetime(2026, 1, 1, tzinfo=UTC)
    credential = build_status_list_credential(
        list_url=LIST_URL,
        issuer="did:web:passport.example:trusts:RPG",
        purpose="revocation",
        bits=bits,
        valid_from=valid_from,
    )
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["id"] == LIST_URL
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"] == "did:web:passport.example:trusts:RPG"
    assert credential["validFrom"] == "2026-01-01T00:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert get_bit(decode_bitstring(subject["encodedList"]), 94567)

    entry = status_entry(LIST_URL, 94567, "revocation")
    assert entry == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    with pytest.raises(StatusListError):
        status_entry(LIST_URL, -1, "revocation")
    with pytest.raises(StatusListError):
        status_entry(LIST_URL, 1, "deletion")


@pytest.mark.parametrize(
    ("first", "second", "identical"),
    [
        ({"a": [1, "x", None]}, {"a": [1, "x", None]}, True),
        ({"a": 1}, {"a": 1.0}, False),
        ({"a": 1}, {"a": True}, False),
        ({"a": [1]}, {"a": (1,)}, False),
        ({"a": "1"}, {"a": "1", "b": None}, False),
        ([{"a": {"b": "c"}}], [{"a": {"b": "d"}}], False),
    ],
)
def test_json_identical_is_type_strict(first: object, second: object, identical: bool) -> None:
    assert json_identical(first, second) is identical


def _checked(document: dict[str, object]) -> CheckedStatusList:
    snapshot = json_snapshot(document)
    proof = ProofResult(ok=True, code="proof_valid", message="ok")
    return CheckedStatusList(snapshot, has_scalars_beyond_strings(snapshot), proof, b"k", b"", None)


def test_cache_hits_only_for_json_identical_documents() -> None:
    cache = StatusListCache(max_entries=2)
    strings_only = {"id": LIST_URL, "credentialSubject": {"encodedList": "uH4sI"}}
    with_number = {"id": LIST_URL, "credentialSubject": {"statusSize": 1}}
    cache.put(LIST_URL, _checked(strings_only))
    assert cache.get(LIST_URL, json_snapshot(strings_only)) is not None
    assert cache.get(LIST_URL, {**strings_only, "extra": "x"}) is None
    assert cache.get("https://elsewhere.example/list", strings_only) is None
    strings_only["credentialSubject"]["encodedList"] = "changed"  # type: ignore[index]
    assert cache.get(LIST_URL, strings_only) is None, "the cache keeps its own snapshot"
    cache.put(LIST_URL, _checked(with_number))
    assert cache.get(LIST_URL, {"id": LIST_URL, "credentialSubject": {"statusSize": True}}) is None
    assert cache.get(LIST_URL, json_snapshot(with_number)) is not None
    cache.put("b", _checked({"id": "b"}))
    cache.put("c", _checked({"id": "c"}))
    assert len(cache) == 2 and cache.get(LIST_URL, with_number) is None  # least recently used went
