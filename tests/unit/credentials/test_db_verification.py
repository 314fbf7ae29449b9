"""Verification against the database: the register of trusted issuers, keys in every state, status lists.

Credentials here are signed by the real issuance code and checked by ``verify_document``, which reads
keys and status lists from the test database and never the network.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.credentials.did import public_url, trust_did
from passport.credentials.directory import DatabaseStatusListSource, verify_document
from passport.credentials.keys import active_key, mark_key_compromised, rotate_signing_key, signer_for
from passport.credentials.multikey import did_key_verification_method_id
from passport.credentials.operations import change_status
from passport.credentials.proofs import create_proof
from passport.db import utcnow
from tests.support.credential_factories import issue


def _checks(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (credential,) = report.credentials
    return {check.check: check.code for check in credential.checks}


def _failed(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (credential,) = report.credentials
    return {check.check: check.code for check in credential.checks if not check.passed}


@pytest.fixture
def own(demo_trusts):  # type: ignore[no-untyped-def]
    return demo_trusts[0]


def test_a_fresh_credential_verifies_on_every_check(session, own):
    credential = issue(own)
    report = verify_document(session, credential.document)
    assert report.verified, report.to_dict()
    assert _checks(report) == {
        "shape": "well_formed",
        "proof": "proof_valid",
        "issuer_trusted": "issuer_trusted",
        "key_state": "key_active",
        "validity_window": "within_validity",
        "revocation": "not_revoked",
        "suspension": "not_suspended",
    }


def test_a_presentation_of_credentials_from_two_trusts_verifies(session, demo_trusts):
    own, other = demo_trusts
    first, second = issue(own), issue(other)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [first.document, second.document],
    }
    report = verify_document(session, presentation)
    assert report.kind == "presentation" and report.verified
    assert [c.issuer for c in report.credentials] == [trust_did(own), trust_did(other)]


def test_revoked_then_the_list_says_so(session, own):
    credential = issue(own)
    change_status(session, credential, "revoke", actor="test")
    assert _failed(verify_document(session, credential.document)) == {"revocation": "revoked"}


def test_suspended_then_reinstated(session, own):
    credential = issue(own)
    change_status(session, credential, "suspend", actor="test")
    assert _failed(verify_document(session, credential.document)) == {"suspension": "suspended"}
    change_status(session, credential, "reinstate", actor="test")
    assert verify_document(session, credential.document).verified


def test_revoking_one_credential_leaves_its_neighbours_valid(session, own):
    credentials = [issue(own) for _ in range(5)]
    change_status(session, credentials[2], "revoke", actor="test")
    verdicts = [verify_document(session, c.document).verified for c in credentials]
    assert verdicts == [True, True, False, True, True]


def test_expired_and_not_yet_valid(session, own):
    credential = issue(own)  # training: lapses at the end of its refresher period
    after = credential.valid_until + timedelta(seconds=1)
    assert _failed(verify_document(session, credential.document, now=after)) == {"validity_window": "expired"}
    before = credential.valid_from - timedelta(days=1)
    failed = _failed(verify_document(session, credential.document, now=before))
    assert failed["validity_window"] == "not_yet_valid"


def test_a_key_compromised_after_signing_keeps_the_signature_but_not_later_ones(session, own):
    before = issue(own)
    old_key = active_key(session, own)
    stolen = signer_for(session, own)
    compromised_at = before.issued_at + timedelta(seconds=2)
    mark_key_compromised(session, own, old_key.key_id, at=compromised_at, actor="test")
    assert active_key(session, own).key_id != old_key.key_id  # a new key took over at once
    # Whoever stole the key signs a new credential after the compromise: refused.
    forged_document = copy.deepcopy(before.document)
    del forged_document["proof"]
    forged_document["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    forged = create_proof(
        forged_document, stolen, stolen.verification_method, compromised_at + timedelta(seconds=5)
    )
    assert _failed(verify_document(session, forged)) == {"key_state": "key_compromised"}
    # Signed before the compromise: still good, and its status lists were re-signed with the new key.
    report = verify_document(session, before.document)
    assert report.verified, report.to_dict()
    assert _checks(report)["key_state"] == "key_compromised_later"
    # The DID document no longer lists the compromised key.
    from passport.credentials.did import did_document
    from passport.credentials.keys import trust_keys

    listed = [m["id"] for m in did_document(own, trust_keys(session, own))["verificationMethod"]]
    assert stolen.verification_method not in listed and len(listed) == 1


def test_a_key_compromised_before_signing_fails(session, own):
    credential = issue(own)
    key = active_key(session, own)
    mark_key_compromised(session, own, key.key_id, at=credential.issued_at - timedelta(hours=1), actor="test")
    assert _failed(verify_document(session, credential.document))["key_state"] == "key_compromised"


def test_a_retired_key_still_verifies_what_it_signed(session, own):
    credential = issue(own)
    rotate_signing_key(session, own, actor="test")
    report = verify_document(session, credential.document)
    assert report.verified and _checks(report)["key_state"] == "key_retired"
    assert (
        issue(own).document["proof"]["verificationMethod"]
        != credential.document["proof"]["verificationMethod"]
    )


def test_an_issuer_outside_the_partnership_is_untrusted(session, own):
    outsider = Ed25519PrivateKey.generate()
    method = did_key_verification_method_id(outsider.public_key())
    document = copy.deepcopy(issue(own).document)
    del document["proof"]
    document["issuer"] = method.partition("#")[0]
    signed = create_proof(document, outsider, method, utcnow())
    failed = _failed(verify_document(session, signed))
    assert failed["issuer_trusted"] == "issuer_unknown"
    assert verify_document(session, signed, proof_only=True).verified


def test_an_unknown_key_id_and_a_wrong_key(session, demo_trusts):
    own, other = demo_trusts
    credential = issue(own)
    document = copy.deepcopy(credential.document)
    del document["proof"]
    # Signed with the other trust's key but naming a key id our trust never had.
    other_signer = signer_for(session, other)
    unknown = create_proof(document, other_signer, f"{trust_did(own)}#key-never-made", utcnow())
    assert _failed(verify_document(session, unknown))["proof"] == "key_unresolvable"
    # Signed with the other trust's key while naming our trust's real key.
    wrong = create_proof(document, other_signer, credential.document["proof"]["verificationMethod"], utcnow())
    assert _failed(verify_document(session, wrong))["proof"] == "signature_invalid"
    # Signed by the other trust's key naming itself, while the issuer says it is our trust.
    mismatched = create_proof(document, other_signer, other_signer.verification_method, utcnow())
    assert _failed(verify_document(session, mismatched))["key_state"] == "key_not_issuers"


def test_a_tampered_status_list_is_refused(session, own):
    credential = issue(own)
    status_list = credential.revocation_list
    tampered = copy.deepcopy(status_list.signed_credential)
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    status_list.signed_credential = tampered
    session.flush()
    failed = _failed(verify_document(session, credential.document))
    assert failed["revocation"] == "status_list_invalid"


def test_status_lists_are_read_from_the_database_only(session, own):
    credential = issue(own)
    source = DatabaseStatusListSource(session)
    url = credential.document["credentialStatus"][0]["statusListCredential"]
    assert url.startswith(public_url())
    assert source.fetch_status_list(url)["id"] == url
    assert source.fetch_status_list("https://elsewhere.example/trusts/RPG/status/revocation/1") is None
    assert source.fetch_status_list(url.replace("/revocation/", "/refresh/")) is None


def test_wrong_proof_type_cryptosuite_missing_proof_and_context(session, own):
    document = issue(own).document
    cases = {
        "proof_type_unsupported": lambda d: d["proof"].update(type="Ed25519Signature2020"),
        "cryptosuite_unsupported": lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022"),
        "proof_missing": lambda d: d.pop("proof"),
        "context_mismatch": lambda d: d["@context"].append("https://evil.example/context"),
    }
    for code, change in cases.items():
        changed = copy.deepcopy(document)
        change(changed)
        assert _failed(verify_document(session, changed))["proof"] == code


# Any change to a signed credential: a value replaced, a key added or removed, anywhere in it.
def _paths(value, prefix=()):  # type: ignore[no-untyped-def]
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=12))


@pytest.fixture
def signed_document(session, own):  # type: ignore[no-untyped-def]
    return issue(own).document


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_any_change_to_a_signed_credential_fails(session, signed_document, data):
    document = copy.deepcopy(signed_document)
    paths = [p for p in _paths(document) if p and p[0] != "proof"]
    path = data.draw(st.sampled_from(paths))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    operation = data.draw(st.sampled_from(["replace", "add", "remove"]))
    if operation == "remove":
        if isinstance(parent, list):
            parent.pop(path[-1])
        else:
            del parent[path[-1]]
    elif operation == "add" and isinstance(parent[path[-1]], dict):
        parent[path[-1]][data.draw(st.text(min_size=1, max_size=8))] = data.draw(JSON_SCALARS)
    else:
        new_value = data.draw(JSON_SCALARS)
        if json.dumps(new_value) == json.dumps(parent[path[-1]]):
            return  # no change after all
        parent[path[-1]] = new_value
    if document == signed_document:
        return
    assert not verify_document(session, document).verified
