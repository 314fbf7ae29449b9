"""Fuzzing the verifier engine: arbitrary credential-shaped JSON gives a failed report, never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.credentials.status_list import StatusListCache
from passport.credentials.verification import KeyRecord, verify_credential, verify_presentation

NOW = datetime(2026, 6, 1, tzinfo=UTC)
KEYS = st.sampled_from(
    [
        "@context",
        "type",
        "id",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "credentialStatus",
        "statusPurpose",
        "statusListIndex",
        "statusListCredential",
        "statusSize",
        "proof",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
        "created",
        "verifiableCredential",
        "encodedList",
    ]
)
VALUES = st.sampled_from(
    [
        "https://www.w3.org/ns/credentials/v2",
        "VerifiableCredential",
        "VerifiablePresentation",
        "BitstringStatusListEntry",
        "DataIntegrityProof",
        "eddsa-jcs-2022",
        "assertionMethod",
        "revocation",
        "suspension",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:key:zzzz",
        "https://status.example/1",
        "2026-01-01T00:00:00Z",
        "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX",
        "uH4sIAAAAAAAAA",
        "12",
        "-1",
    ]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | VALUES
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=4), inner, max_size=6)
    ),
    max_leaves=25,
)


class Directory:
    def is_trusted_issuer(self, issuer_did: str) -> bool:
        return True

    def resolve_verification_method(self, verification_method_id: str) -> KeyRecord | None:
        return None


class StatusLists:
    def __init__(self, document: Any) -> None:
        self.document = document

    def fetch_status_list(self, url: str) -> Any:
        return self.document  # whatever garbage the fuzzer made, served as a "status list"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, status_list=DOCUMENTS)
def test_arbitrary_documents_never_raise_and_never_verify(document: Any, status_list: Any) -> None:
    options: dict[str, Any] = {
        "issuers": Directory(),
        "status_lists": StatusLists(status_list),
        "now": NOW,
        "cache": StatusListCache(),
    }
    presentation_report = verify_presentation(document, **options)
    credential_report = verify_credential(document, **options)
    json.dumps(presentation_report.to_dict())
    json.dumps(credential_report.to_dict())
    assert not presentation_report.verified
    assert not credential_report.verified
    assert all(check.message for check in credential_report.checks)
