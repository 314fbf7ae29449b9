"""The verifier engine against an in-memory directory and status list source (real keys and signatures)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from passport.credentials.multikey import did_key_from_public_key, did_key_verification_method_id
from passport.credentials.proofs import canonicalize, create_proof
from passport.credentials.status_list import (
    StatusListCache,
    build_status_list_credential,
    new_bitstring,
    set_bit,
    status_entry,
)
from passport.credentials.verification import (
    CHECK_ORDER,
    KeyRecord,
    verify_credential,
    verify_presentation,
)

RPG = "did:web:passport.example:trusts:RPG"
RV5 = "did:web:passport.example:trusts:RV5"
STRANGER = "did:web:evil.example"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
COMPROMISED_AT = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
REVOCATION_URL = "https://passport.example/status/RPG/revocation/1"
SUSPENSION_URL = "https://passport.example/status/RPG/suspension/1"
REVOKED_INDEX, SUSPENDED_INDEX, GOOD_INDEX = 1234, 98765, 4242


@dataclass
class MemoryDirectory:
    trusted: set[str] = field(default_factory=set)
    records: dict[str, KeyRecord] = field(default_factory=dict)

    def is_trusted_issuer(self, issuer_did: str) -> bool:
        return issuer_did in self.trusted

    def resolve_verification_method(self, verification_method_id: str) -> KeyRecord | None:
        return self.records.get(verification_method_id)


@dataclass
class MemoryStatusLists:
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetches: int = 0

    def fetch_status_list(self, url: str) -> dict[str, Any] | None:
        self.fetches += 1
        found = self.lists.get(url)
        return copy.deepcopy(found) if found is not None else None


class World:
    """Two trusts, their keys in several states, and RPG's signed status lists."""

    def __init__(self) -> None:
        self.keys = {
            name: Ed25519PrivateKey.generate() for name in ("active", "retired", "compromised", "rv5")
        }
        self.directory = MemoryDirectory(trusted={RPG, RV5})
        self.method = {
            "active": f"{RPG}#key-1",
            "retired": f"{RPG}#key-0",
            "compromised": f"{RPG}#key-x",
            "rv5": f"{RV5}#key-1",
        }
        states = {"active": "active", "retired": "retired", "compromised": "compromised", "rv5": "active"}
        for name, method in self.method.items():
            self.directory.records[method] = KeyRecord(
                public_key=self.keys[name].public_key(),
                controller=RV5 if name == "rv5" else RPG,
                state=states[name],  # type: ignore[arg-type]
                compromised_at=COMPROMISED_AT if name == "compromised" else None,
            )
        self.status_lists = MemoryStatusLists()
        self.publish_list(REVOCATION_URL, "revocation", {REVOKED_INDEX})
        self.publish_list(SUSPENSION_URL, "suspension", {SUSPENDED_INDEX})
        self.cache = StatusListCache()

    def publish_list(
        self, url: str, purpose: str, set_indexes: set[int], *, issuer: str = RPG, key: str = "active"
    ) -> None:
        bits = new_bitstring()
        for index in set_indexes:
            set_bit(bits, index, True)
        unsigned = build_status_list_credential(
            list_url=url, issuer=issuer, purpose=purpose, bits=bits, valid_from=SIGNED_AT
        )
        self.status_lists.lists[url] = create_proof(unsigned, self.keys[key], self.method[key], SIGNED_AT)

    def unsigned(self, *, index: int = GOOD_INDEX, issuer: str = RPG, **overrides: Any) -> dict[str, Any]:
        credential: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:0b8c1a0e-95a4-4d8e-9b59-3f5f3a3f0c01",
            "type": ["VerifiableCredential", "MandatoryTrainingCredential"],
            "issuer": {"id": issuer, "name": "Oxleas NHS Foundation Trust"},
            "validFrom": "2026-03-01T00:00:00Z",
            "validUntil": "2027-03-01T00:00:00Z",
            "credentialSubject": {
                "id": "urn:uuid:5d1b7d52-nurse",
                "name": "Asha Example",
                "training": {"subject": "Information governance", "completedOn": "2026-02-20", "level": 1},
            },
            "credentialStatus": [
                status_entry(REVOCATION_URL, index, "revocation"),
                status_entry(SUSPENSION_URL, index, "suspension"),
            ],
        }
        credential.update(overrides)
        return credential

    def issue(self, *, key: str = "active", created: datetime = SIGNED_AT, **options: Any) -> dict[str, Any]:
        return create_proof(self.unsigned(**options), self.keys[key], self.method[key], created)

    def verify(self, credential: object, **options: Any) -> Any:
        options.setdefault("now", NOW)
        return verify_credential(
            credential, issuers=self.directory, status_lists=self.status_lists, cache=self.cache, **options
        )


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def check(report: Any, name: str) -> Any:
    return next(item for item in report.checks if item.check == name)


def failing(report: Any) -> list[tuple[str, str]]:
    return [(item.check, item.code) for item in report.checks if not item.passed]


def test_a_good_credential_passes_every_check_in_order(world: World) -> None:
    report = world.verify(world.issue())
    assert [item.check for item in report.checks] == list(CHECK_ORDER)
    assert failing(report) == []
    assert report.verified
    assert [item.code for item in report.checks] == [
        "well_formed",
        "proof_valid",
        "issuer_trusted",
        "key_active",
        "within_validity",
        "not_revoked",
        "not_suspended",
    ]
    as_json = json.loads(json.dumps(report.to_dict()))
    assert as_json["verified"] is True and as_json["issuer"] == RPG
    assert set(as_json["checks"][0]) == {"check", "passed", "code", "message"}


def test_revoked_and_suspended_credentials_fail_with_plain_sentences(world: World) -> None:
    revoked = world.verify(world.issue(index=REVOKED_INDEX))
    assert failing(revoked) == [("revocation", "revoked")]
    assert check(revoked, "revocation").message == "This credential was revoked by its issuer."
    suspended = world.verify(world.issue(index=SUSPENDED_INDEX))
    assert failing(suspended) == [("suspension", "suspended")]
    assert not revoked.verified and not suspended.verified


@pytest.mark.parametrize(
    ("now", "code"),
    [(datetime(2026, 2, 1, tzinfo=UTC), "not_yet_valid"), (datetime(2027, 3, 2, tzinfo=UTC), "expired")],
)
def test_validity_window(world: World, now: datetime, code: str) -> None:
    report = world.verify(world.issue(), now=now)
    assert ("validity_window", code) in failing(report)
    assert not report.verified


def test_wrong_key_fails_the_proof(world: World) -> None:
    forged = create_proof(world.unsigned(), Ed25519PrivateKey.generate(), world.method["active"], SIGNED_AT)
    report = world.verify(forged)
    assert failing(report) == [("proof", "signature_invalid")]


def test_unknown_key_id_fails(world: World) -> None:
    signed = create_proof(world.unsigned(), world.keys["active"], f"{RPG}#key-unknown", SIGNED_AT)
    report = world.verify(signed)
    assert ("proof", "key_unresolvable") in failing(report)
    assert ("key_state", "key_unknown") in failing(report)


def test_unknown_issuer_fails_even_with_a_valid_did_key_signature(world: World) -> None:
    stranger_key = Ed25519PrivateKey.generate()
    stranger = did_key_from_public_key(stranger_key.public_key())
    unsigned = world.unsigned(issuer=stranger)
    del unsigned["credentialStatus"]
    signed = create_proof(
        unsigned, stranger_key, did_key_verification_method_id(stranger_key.public_key()), SIGNED_AT
    )
    report = world.verify(signed)
    assert check(report, "proof").passed, "did:key is resolved locally"
    assert failing(report) == [("issuer_trusted", "issuer_unknown")]
    # Once the directory trusts that did:key issuer, the same credential verifies.
    world.directory.trusted.add(stranger)
    try:
        assert world.verify(signed).verified
    finally:
        world.directory.trusted.discard(stranger)


def test_untrusted_did_web_issuer(world: World) -> None:
    report = world.verify(world.issue(issuer=STRANGER))
    assert ("issuer_trusted", "issuer_unknown") in failing(report)
    assert ("key_state", "key_not_issuers") in failing(report)


def test_key_of_another_trust_is_not_the_issuers_key(world: World) -> None:
    report = world.verify(world.issue(key="rv5"))
    assert check(report, "proof").passed
    assert ("key_state", "key_not_issuers") in failing(report)


def test_retired_key_still_verifies(world: World) -> None:
    report = world.verify(world.issue(key="retired"))
    assert report.verified
    assert check(report, "key_state").code == "key_retired"


def test_compromised_key_fails_at_or_after_the_compromise_only(world: World) -> None:
    before = world.verify(world.issue(key="compromised", created=COMPROMISED_AT - timedelta(seconds=1)))
    assert before.verified and check(before, "key_state").code == "key_compromised_later"
    for created in (COMPROMISED_AT, COMPROMISED_AT + timedelta(days=3)):
        after = world.verify(world.issue(key="compromised", created=created))
        assert failing(after) == [("key_state", "key_compromised")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.pop("proof"), ("proof", "proof_missing")),
        (
            lambda c: c["proof"].__setitem__("type", "Ed25519Signature2020"),
            ("proof", "proof_type_unsupported"),
        ),
        (
            lambda c: c["proof"].__setitem__("cryptosuite", "ecdsa-jcs-2019"),
            ("proof", "cryptosuite_unsupported"),
        ),
        (
            lambda c: c["proof"].__setitem__("@context", ["https://example.org/x"]),
            ("proof", "context_mismatch"),
        ),
        (lambda c: c["@context"].append("https://example.org/added"), ("proof", "context_mismatch")),
        (
            lambda c: c["credentialSubject"]["training"].__setitem__("level", 3),
            ("proof", "signature_invalid"),
        ),
    ],
)
def test_proof_failures(world: World, change: Any, expected: tuple[str, str]) -> None:
    signed = world.issue()
    change(signed)
    report = world.verify(signed)
    assert expected in failing(report)
    assert not report.verified


def test_proof_only_runs_shape_and_proof(world: World) -> None:
    report = world.verify(world.issue(index=REVOKED_INDEX), proof_only=True)
    assert [item.check for item in report.checks] == ["shape", "proof"]
    assert report.verified, "revocation is not consulted in proof-only mode"


def test_tampered_status_list_fails_revocation(world: World) -> None:
    original = world.status_lists.lists[REVOCATION_URL]
    tampered = copy.deepcopy(original)
    bits = new_bitstring()  # an attacker serving an all-clear list to hide a revocation
    tampered["credentialSubject"]["encodedList"] = build_status_list_credential(
        list_url=REVOCATION_URL, issuer=RPG, purpose="revocation", bits=bits, valid_from=SIGNED_AT
    )["credentialSubject"]["encodedList"]
    world.status_lists.lists[REVOCATION_URL] = tampered
    try:
        report = world.verify(world.issue(index=REVOKED_INDEX))
        assert failing(report) == [("revocation", "status_list_invalid")]
    finally:
        world.status_lists.lists[REVOCATION_URL] = original


@pytest.mark.parametrize(
    ("publish", "code"),
    [
        (
            lambda w: w.publish_list(REVOCATION_URL, "revocation", set(), issuer=RV5, key="rv5"),
            "status_list_issuer_mismatch",
        ),
        (lambda w: w.publish_list(REVOCATION_URL, "suspension", set()), "status_purpose_mismatch"),
        (lambda w: w.publish_list(REVOCATION_URL, "revocation", set(), key="rv5"), "status_list_key_invalid"),
        (lambda w: w.status_lists.lists.pop(REVOCATION_URL), "status_list_unavailable"),
        (
            lambda w: w.status_lists.lists.__setitem__(REVOCATION_URL, w.status_lists.lists[SUSPENSION_URL]),
            "status_list_mismatch",
        ),
    ],
)
def test_status_list_problems(publish: Any, code: str) -> None:
    fresh = World()
    publish(fresh)
    report = fresh.verify(fresh.issue())
    assert failing(report) == [("revocation", code)]


def test_status_list_cache_reuses_checks_but_sees_new_content(world: World) -> None:
    fresh = World()
    assert fresh.verify(fresh.issue()).verified
    assert len(fresh.cache) == 2
    assert fresh.verify(fresh.issue()).verified
    assert len(fresh.cache) == 2
    fresh.publish_list(REVOCATION_URL, "revocation", {REVOKED_INDEX, GOOD_INDEX})  # revoke one more
    assert failing(fresh.verify(fresh.issue())) == [("revocation", "revoked")]
    # The status list key is then reported compromised before the list was signed: cached or not, refused.
    record = fresh.directory.records[fresh.method["active"]]
    fresh.directory.records[fresh.method["active"]] = KeyRecord(
        record.public_key, RPG, "compromised", SIGNED_AT
    )
    report = fresh.verify(fresh.issue(key="retired"))
    assert ("revocation", "status_list_key_invalid") in failing(report)


def test_presentation_reports_each_credential(world: World) -> None:
    good, revoked = world.issue(), world.issue(index=REVOKED_INDEX)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [good, revoked],
    }
    report = verify_presentation(
        presentation, issuers=world.directory, status_lists=world.status_lists, now=NOW, cache=world.cache
    )
    assert report.kind == "presentation"
    assert [item.verified for item in report.credentials] == [True, False]
    assert not report.verified
    assert json.loads(json.dumps(report.to_dict()))["credentials"][1]["verified"] is False

    presentation["verifiableCredential"] = [good]
    assert verify_presentation(
        presentation, issuers=world.directory, status_lists=world.status_lists, now=NOW
    ).verified
    single = verify_presentation(good, issuers=world.directory, status_lists=world.status_lists, now=NOW)
    assert single.kind == "credential" and single.verified
    empty = verify_presentation(
        {"type": "VerifiablePresentation"}, issuers=world.directory, status_lists=world.status_lists, now=NOW
    )
    assert not empty.verified and empty.problems


class ExplodingDirectory:
    def is_trusted_issuer(self, issuer_did: str) -> bool:
        raise RuntimeError("database down")

    def resolve_verification_method(self, verification_method_id: str) -> KeyRecord | None:
        raise RuntimeError("database down")


class ExplodingStatusLists:
    def fetch_status_list(self, url: str) -> dict[str, Any] | None:
        raise TimeoutError("network down")


def test_failing_collaborators_are_reported_not_raised(world: World) -> None:
    report = verify_credential(
        world.issue(), issuers=ExplodingDirectory(), status_lists=ExplodingStatusLists(), now=NOW
    )
    assert not report.verified
    assert ("proof", "key_unresolvable") in failing(report)
    assert ("issuer_trusted", "issuer_unknown") in failing(report)
    assert ("revocation", "status_list_unavailable") in failing(report)


GARBAGE: list[object] = [
    None,
    42,
    "a string",
    [],
    [1, {"a": None}],
    {},
    {"@context": "https://www.w3.org/ns/credentials/v2"},
    {"@context": [None], "type": 7, "issuer": [], "credentialSubject": "x", "proof": {"type": None}},
    {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": 5},
    },
    {"type": "VerifiablePresentation", "verifiableCredential": [None, 3, {"proof": []}]},
    {"type": ["VerifiablePresentation"], "verifiableCredential": {"credentialStatus": "x"}},
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_gives_a_failed_report_never_an_exception(world: World, garbage: object) -> None:
    report = verify_presentation(garbage, issuers=world.directory, status_lists=world.status_lists, now=NOW)
    assert not report.verified
    json.dumps(report.to_dict())
    credential_report = world.verify(garbage)
    assert not credential_report.verified


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.__setitem__(
            "credentialStatus", [{"statusPurpose": "revocation", "type": "BitstringStatusListEntry"}]
        ),
        lambda c: c.__setitem__("credentialStatus", [{"statusPurpose": "revocation", "type": "Other"}]),
        lambda c: c.__setitem__("credentialStatus", {"statusPurpose": "revocation", "statusListIndex": "-1"}),
        lambda c: c.__setitem__(
            "credentialStatus", [{"statusPurpose": "suspension", "statusListIndex": [1]}]
        ),
        lambda c: c.__setitem__("validFrom", "first of March"),
        lambda c: c.__setitem__("credentialSubject", []),
    ],
)
def test_malformed_parts_of_a_signed_credential_fail_cleanly(world: World, change: Any) -> None:
    unsigned = world.unsigned()
    change(unsigned)
    report = world.verify(create_proof(unsigned, world.keys["active"], world.method["active"], SIGNED_AT))
    assert not report.verified
    assert all(item.message for item in report.checks)


# ---------------------------------------------------------------------------------------------------
# Property: any change to any value, or any key, anywhere in a signed credential (proof included)
# makes verification fail.

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def all_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix] if prefix else []
    if isinstance(value, dict):
        for name, item in value.items():
            paths.extend(all_paths(item, (*prefix, name)))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            paths.extend(all_paths(item, (*prefix, position)))
    return paths


def parent_of(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


PROPERTY_WORLD = World()
PROPERTY_SIGNED = PROPERTY_WORLD.issue()
PROPERTY_PATHS = all_paths(PROPERTY_SIGNED)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PROPERTY_PATHS),
    mutation=st.sampled_from(["replace", "rename", "delete"]),
    new_value=JSON_VALUES,
    new_key=st.text(max_size=8),
)
def test_any_change_anywhere_breaks_verification(
    path: tuple[Any, ...], mutation: str, new_value: Any, new_key: str
) -> None:
    assert PROPERTY_WORLD.verify(PROPERTY_SIGNED).verified
    tampered = copy.deepcopy(PROPERTY_SIGNED)
    parent, last = parent_of(tampered, path), path[-1]
    if mutation == "replace":
        # Equal JSON values (1 and 1.0) are the same JSON, so not a change.
        assume(canonicalize(new_value) != canonicalize(parent[last]))
        parent[last] = new_value
    elif mutation == "rename":
        assume(isinstance(parent, dict) and new_key not in parent)
        parent[new_key] = parent.pop(last)
    else:
        del parent[last]
    assert not PROPERTY_WORLD.verify(tampered).verified
