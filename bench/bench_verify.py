"""Benchmark: our in-process verify_credential versus a bare Ed25519 signature check, side by side.

Run: .venv/bin/python bench/bench_verify.py [--iterations N] [--rounds R]

The credential is realistic (nested subject, revocation and suspension entries); status list credentials
are served from memory, signed, with about 1% of their bits set. Rounds alternate between the measured
operations so that machine noise hits them alike; the median round is reported.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from passport.credentials.proofs import create_proof, verify_proof  # noqa: E402
from passport.credentials.status_list import (  # noqa: E402
    MIN_STATUS_LIST_ENTRIES,
    StatusListCache,
    build_status_list_credential,
    new_bitstring,
    set_bit,
    status_entry,
)
from passport.credentials.verification import KeyRecord, verify_credential  # noqa: E402

ISSUER = "did:web:passport.example:trusts:RPG"
METHOD = f"{ISSUER}#key-2026-01"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SIGNED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LIST_URLS = {
    "revocation": "https://passport.example/status/RPG/revocation/3",
    "suspension": "https://passport.example/status/RPG/suspension/3",
}


class Directory:
    def __init__(self, record: KeyRecord) -> None:
        self._record = record

    def is_trusted_issuer(self, issuer_did: str) -> bool:
        return issuer_did == ISSUER

    def resolve_verification_method(self, verification_method_id: str) -> KeyRecord | None:
        return self._record if verification_method_id == METHOD else None


class StatusLists:
    def __init__(self, lists: dict[str, dict[str, Any]]) -> None:
        self._lists = lists

    def fetch_status_list(self, url: str) -> dict[str, Any] | None:
        return self._lists.get(url)


def build_fixture() -> tuple[dict[str, Any], Directory, StatusLists, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    index = 77_777  # the credential's own position: left clear so it verifies end to end
    lists: dict[str, dict[str, Any]] = {}
    for purpose, url in LIST_URLS.items():
        bits = new_bitstring()
        for _ in range(MIN_STATUS_LIST_ENTRIES // 100):  # about 1% of other credentials flagged
            other = secrets.randbelow(MIN_STATUS_LIST_ENTRIES)
            if other != index:
                set_bit(bits, other, True)
        unsigned = build_status_list_credential(
            list_url=url, issuer=ISSUER, purpose=purpose, bits=bits, valid_from=SIGNED_AT
        )
        lists[url] = create_proof(unsigned, key, METHOD, SIGNED_AT)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b8c1a0e-95a4-4d8e-9b59-3f5f3a3f0c01",
        "type": ["VerifiableCredential", "CompetencyCredential"],
        "issuer": {"id": ISSUER, "name": "Oxleas NHS Foundation Trust"},
        "validFrom": "2026-03-01T00:00:00Z",
        "validUntil": "2029-03-01T00:00:00Z",
        "credentialSubject": {
            "id": "urn:uuid:5d1b7d52-4c1e-4a0e-8a52-7d7f0e0b9a11",
            "name": "Asha Example",
            "nmcPin": "12A3456E",
            "achievement": {
                "framework": "https://passport.example/ims/case/v1p1/CFDocuments/6b3c2f3e-0c5d",
                "item": "https://passport.example/ims/case/v1p1/CFItems/1a2b3c4d-5e6f",
                "title": "Safeguarding adults level 3",
                "achievedOn": "2026-02-20",
                "assessor": "Registered Nurse, Band 7",
            },
        },
        "credentialStatus": [status_entry(url, index, purpose) for purpose, url in LIST_URLS.items()],
    }
    signed = create_proof(credential, key, METHOD, SIGNED_AT)
    record = KeyRecord(public_key=key.public_key(), controller=ISSUER, state="active")
    return signed, Directory(record), StatusLists(lists), key


def per_op_microseconds(operation: Callable[[], object], iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        operation()
    return (time.perf_counter() - start) / iterations * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()

    signed, directory, status_lists, key = build_fixture()
    public_key = key.public_key()
    message = secrets.token_bytes(64)
    signature = key.sign(message)
    warm_cache = StatusListCache()

    def ours() -> None:
        report = verify_credential(
            signed, issuers=directory, status_lists=status_lists, now=NOW, cache=warm_cache
        )
        assert report.verified, report.to_dict()

    def ours_cold() -> None:
        report = verify_credential(
            signed, issuers=directory, status_lists=status_lists, now=NOW, cache=StatusListCache()
        )
        assert report.verified

    def proof_only() -> None:
        assert verify_proof(signed, lambda _method: public_key, exact_context=True).ok

    operations: dict[str, Callable[[], object]] = {
        "bare Ed25519 verify (cryptography)": lambda: public_key.verify(signature, message),
        "verify_credential, status lists cached": ours,
        "verify_proof only (JCS + SHA-256 + Ed25519)": proof_only,
        "verify_credential, cold status-list cache": ours_cold,
    }
    for operation in operations.values():  # warm up (and fill the status list cache)
        per_op_microseconds(operation, 20)
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(arguments.rounds):
        for name, operation in operations.items():
            count = arguments.iterations if "cold" not in name else max(arguments.iterations // 10, 10)
            samples[name].append(per_op_microseconds(operation, count))

    bare_name = "bare Ed25519 verify (cryptography)"
    ours_name = "verify_credential, status lists cached"
    print(f"Python {sys.version.split()[0]}, {arguments.rounds} rounds x {arguments.iterations} iterations")
    print()
    print(
        "| operation | µs/op best round | µs/op median round | ratio to bare (median of per-round ratios) |"
    )
    print("| --- | ---: | ---: | ---: |")
    for name, values in samples.items():
        # Ratios are taken round by round, so that load from other processes hits both sides alike.
        ratios = [value / bare for value, bare in zip(values, samples[bare_name], strict=True)]
        print(
            f"| {name} | {min(values):8.1f} | {statistics.median(values):8.1f} "
            f"| {statistics.median(ratios):5.2f}x |"
        )
    ours_ratio = statistics.median(
        ours / bare for ours, bare in zip(samples[ours_name], samples[bare_name], strict=True)
    )
    best_ratio = min(samples[ours_name]) / min(samples[bare_name])
    verdict = "meets" if ours_ratio <= 2.0 else "misses"
    print()
    print(
        f"Target ours <= 2x bare: {verdict} "
        f"(median per-round ratio {ours_ratio:.2f}x, best-vs-best {best_ratio:.2f}x)"
    )


if __name__ == "__main__":
    main()
