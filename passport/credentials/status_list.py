"""W3C Bitstring Status List v1.0: the bitstring, its encoding, and the credential shapes around it.

Bit ordering follows the spec: index 0 is the left-most (most significant) bit of the first byte.
Lists hold at least 131,072 entries (16 KB) so that one person's index tells an observer little
(the spec's group privacy minimum), and indexes are handed out at random for the same reason.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import secrets
import threading
import zlib
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from passport.credentials.proofs import ProofResult, format_xml_datetime

MIN_STATUS_LIST_ENTRIES = 131_072
# A decompression-bomb guard: a gzip member that inflates beyond this is refused (16 MiB = 2**27 bits).
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024
MULTIBASE_BASE64URL_PREFIX = "u"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
STATUS_PURPOSES = ("revocation", "suspension", "refresh", "message")


class StatusListError(ValueError):
    """A status list that cannot be built or decoded, or an index outside it."""


def new_bitstring(entries: int = MIN_STATUS_LIST_ENTRIES) -> bytearray:
    """An all-clear bitstring of `entries` bits (a whole number of bytes, at least the spec minimum)."""
    if entries < MIN_STATUS_LIST_ENTRIES or entries % 8:
        raise StatusListError(
            f"A status list needs at least {MIN_STATUS_LIST_ENTRIES} entries, in whole bytes; got {entries}."
        )
    return bytearray(entries // 8)


def bit_count(bits: bytes | bytearray) -> int:
    """How many entries (bits) a bitstring holds."""
    return len(bits) * 8


def _check_index(bits: bytes | bytearray, index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < bit_count(bits):
        raise StatusListError(f"Status index {index!r} is outside a list of {bit_count(bits)} entries.")


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """The status bit at `index` (index 0 = left-most bit of the first byte)."""
    _check_index(bits, index)
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    """Set or clear the status bit at `index`, in place."""
    _check_index(bits, index)
    mask = 0x80 >> (index & 7)
    if value:
        bits[index >> 3] |= mask
    else:
        bits[index >> 3] &= ~mask & 0xFF


def encode_bitstring(bits: bytes | bytearray) -> str:
    """GZIP, then multibase base64url without padding ('u' prefix): the `encodedList` value."""
    if bit_count(bits) < MIN_STATUS_LIST_ENTRIES:
        raise StatusListError(f"A status list needs at least {MIN_STATUS_LIST_ENTRIES} entries.")
    # mtime=0 makes the encoding a pure function of the bits (same list, same string, same signature).
    compressed = gzip.compress(bytes(bits), mtime=0)
    return MULTIBASE_BASE64URL_PREFIX + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded_list: object, *, minimum_entries: int = MIN_STATUS_LIST_ENTRIES) -> bytes:
    """Decode an `encodedList` back to the raw bitstring; StatusListError on anything malformed."""
    if not isinstance(encoded_list, str) or not encoded_list.startswith(MULTIBASE_BASE64URL_PREFIX):
        raise StatusListError("The encoded list is not multibase base64url (it must start with 'u').")
    body = encoded_list[1:]
    if "=" in body:
        raise StatusListError("The encoded list must not be padded.")
    try:
        standard = body.replace("-", "+").replace("_", "/")
        compressed = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise StatusListError("The encoded list is not valid base64url.") from error
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip container only
    try:
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES)
    except zlib.error as error:
        raise StatusListError("The encoded list is not valid GZIP data.") from error
    if inflater.unconsumed_tail:
        raise StatusListError("The encoded list inflates beyond the size this service accepts.")
    if not inflater.eof or inflater.unused_data:
        raise StatusListError("The encoded list is truncated or has data after the GZIP stream.")
    if bit_count(bits) < minimum_entries:
        raise StatusListError(
            f"The status list has {bit_count(bits)} entries, fewer than the minimum {minimum_entries}."
        )
    return bits


def random_free_index(used: Collection[int], size: int = MIN_STATUS_LIST_ENTRIES) -> int:
    """A uniformly random index in [0, size) not in `used`, from the OS's CSPRNG.

    Random (not sequential) allocation keeps an index from revealing issue order, as the spec advises.
    """
    if size <= 0:
        raise StatusListError("A status list must have at least one entry.")
    taken = used if isinstance(used, set | frozenset) else set(used)
    free_count = size - sum(1 for index in taken if 0 <= index < size)
    if free_count <= 0:
        raise StatusListError("The status list is full; start a new list.")
    # Rejection sampling is fast while the list is mostly free; when it is crowded, pick from the gaps.
    if free_count * 4 >= size:
        while True:
            candidate = secrets.randbelow(size)
            if candidate not in taken:
                return candidate
    return secrets.choice([index for index in range(size) if index not in taken])


def status_list_subject_id(list_url: str) -> str:
    """The id of the BitstringStatusList subject inside a status list credential."""
    return f"{list_url}#list"


def build_status_list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: str,
    bits: bytes | bytearray,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for a list; sign it with proofs.create_proof."""
    if purpose not in STATUS_PURPOSES:
        raise StatusListError(f"Unknown status purpose {purpose!r}.")
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_xml_datetime(valid_from),
        "credentialSubject": {
            "id": status_list_subject_id(list_url),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(bits),
        },
    }
    if valid_until is not None:
        credential["validUntil"] = format_xml_datetime(valid_until)
    return credential


def status_entry(list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """A BitstringStatusListEntry pointing at `index` of the list at `list_url`."""
    if purpose not in STATUS_PURPOSES:
        raise StatusListError(f"Unknown status purpose {purpose!r}.")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusListError("A status list index is a non-negative integer.")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        # The spec carries the index as a base-10 string.
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


# ---------------------------------------------------------------------------------------------------
# Verifier-side cache: one list serves thousands of credentials, so its signature check and decoding
# are reused while its content is exactly the same (the verifier re-checks key state and trust).


@dataclass(frozen=True, slots=True)
class CheckedStatusList:
    """A status list credential whose proof was checked (with which key) and whose bits were decoded."""

    document: dict[str, Any]  # a private snapshot of exactly what was checked
    has_scalars_beyond_strings: bool  # numbers or booleans, which Python's == conflates (1, 1.0, True)
    proof: ProofResult
    public_key_bytes: bytes | None
    bits: bytes | None
    decode_error: str | None
    # What the verifier read from the document once (its issuer, id, purpose, dates...), so that the
    # thousands of credentials pointing at this list do not re-read it; see verification._ListFacts.
    facts: Any = None


def json_identical(first: object, second: object) -> bool:
    """Equal as JSON values, types included (Python's == also equates 1, 1.0 and True)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        return first.keys() == second.keys() and all(  # type: ignore[attr-defined]
            json_identical(value, second[key])  # type: ignore[index]
            for key, value in first.items()
        )
    if isinstance(first, list):
        return len(first) == len(second) and all(map(json_identical, first, second))  # type: ignore[arg-type]
    return first == second


def has_scalars_beyond_strings(value: object) -> bool:
    """True when a JSON value holds a number or boolean anywhere."""
    if isinstance(value, dict):
        return any(has_scalars_beyond_strings(item) for item in value.values())
    if isinstance(value, list):
        return any(has_scalars_beyond_strings(item) for item in value)
    return not (value is None or isinstance(value, str))


def json_snapshot(value: Any) -> Any:
    """A deep copy of a JSON value's dicts and lists (strings and numbers are immutable)."""
    if isinstance(value, dict):
        return {key: json_snapshot(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_snapshot(item) for item in value]
    return value


class StatusListCache:
    """A bounded, thread-safe LRU of checked status lists, one per URL.

    A hit needs the fetched document to be JSON-identical to the one checked before (a dict
    comparison, far cheaper than canonicalising and verifying again); otherwise the caller re-checks.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[str, CheckedStatusList] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, url: str, document: dict[str, Any]) -> CheckedStatusList | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            self._entries.move_to_end(url)
        if entry.has_scalars_beyond_strings:
            same = json_identical(entry.document, document)
        else:
            # Only strings, null, dicts and lists: here C-level == already means JSON-identical.
            same = entry.document == document
        return entry if same else None

    def put(self, url: str, entry: CheckedStatusList) -> None:
        with self._lock:
            self._entries[url] = entry
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
