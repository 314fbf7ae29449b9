"""The credentials API and the public verifier: every rule and every bad input of issue 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.credentials.models import CredentialState, IssuedCredential
from passport.credentials.operations import change_status
from passport.credentials.schemas import VerificationReportSchema
from tests.conftest import sign_in
from tests.support.credential_factories import SAMPLE_SUBJECTS, issue, staff
from tests.support.factories import UserFactory

VECTORS = Path(__file__).resolve().parents[1] / "unit" / "credentials" / "vectors"


@pytest.fixture
def hr(client, demo_trusts):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.HR, trust=demo_trusts[0])
    sign_in(client, user)
    return user


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_hr_issues_a_credential_for_her_trust(client, session, hr, demo_trusts):
    member = staff(demo_trusts[1])  # any partnership staff member: a new starter from another trust
    response = client.post(
        "/api/v1/credentials",
        json={
            "staff_email": member.email,
            "credential_type": "dbs-check",
            "subject": SAMPLE_SUBJECTS["dbs-check"],
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["issuer"] == "RPG" and body["state"] == "active" and body["staff_email"] == member.email
    assert body["document"]["issuer"]["id"].endswith(":trusts:RPG")
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.issued"))
    assert audit.actor_user_id == hr.id and audit.record_id == str(body["id"])
    listed = client.get("/api/v1/credentials", query_string={"staff_email": member.email}).json
    assert [c["id"] for c in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"credential_type": "dbs-check", "subject": {}}, "staff_email"),
        ({"staff_email": "nobody@x.example", "credential_type": "dbs-check", "subject": {}}, "staff_email"),
        ({"staff_email": "{email}", "credential_type": "passport-photo", "subject": {}}, "credential_type"),
        (
            {"staff_email": "{email}", "credential_type": "dbs-check", "subject": {"level": "gold"}},
            "subject.level",
        ),
        ({"staff_email": "{email}", "credential_type": "dbs-check", "subject": []}, "subject"),
        (
            {
                "staff_email": "{email}",
                "credential_type": "mandatory-training",
                "subject": {"subject_code": "CSTF-FIRE", "level": 2, "completed_on": "2026-01-01"},
            },
            "subject.level",
        ),
    ],
)
def test_bad_issue_requests_name_the_field_and_store_nothing(
    client, session, hr, demo_trusts, payload, field
):
    member = staff(demo_trusts[0])
    payload = json.loads(json.dumps(payload).replace("{email}", member.email))
    response = client.post("/api/v1/credentials", json=payload)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in [error["field"] for error in response.json["errors"]]
    assert _count(session, IssuedCredential) == 0


def test_a_nurse_cannot_issue(client, demo_trusts):
    nurse = UserFactory(role=Role.NURSE, trust=demo_trusts[0])
    sign_in(client, nurse)
    response = client.post("/api/v1/credentials", json={})
    assert response.status_code == 403


def test_hr_of_another_trust_cannot_revoke_and_nothing_changes(client, session, demo_trusts):
    own, other = demo_trusts
    credential = issue(own)
    list_before = dict(credential.revocation_list.signed_credential)
    intruder = UserFactory(role=Role.HR, trust=other)
    sign_in(client, intruder)
    for action in ("revoke", "suspend", "reinstate"):
        response = client.post(f"/api/v1/credentials/{credential.id}/{action}", json={"reason": "no"})
        assert response.status_code == 403, response.json
        assert "issued" in response.json["detail"]
    session.refresh(credential)
    assert credential.state is CredentialState.ACTIVE
    assert credential.revocation_list.signed_credential == list_before
    changes = ["credential.revoked", "credential.suspended", "credential.reinstated"]
    assert session.scalar(select(func.count()).where(AuditEvent.action.in_(changes))) == 0


def test_revoke_suspend_reinstate_by_the_issuing_trust_are_audited(client, session, hr, demo_trusts):
    credential = issue(demo_trusts[0])
    url = f"/api/v1/credentials/{credential.id}"
    assert client.post(f"{url}/reinstate", json={}).status_code == 409  # not suspended
    assert client.post(f"{url}/suspend", json={"reason": "Investigation"}).json["state"] == "suspended"
    assert client.post(f"{url}/reinstate", json={}).json["state"] == "active"
    revoked = client.post(f"{url}/revoke", json={"reason": "Issued in error"})
    assert revoked.json["state"] == "revoked" and revoked.json["status_reason"] == "Issued in error"
    assert client.post(f"{url}/reinstate", json={}).status_code == 409  # revoked stays revoked
    actions = list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.record_id == str(credential.id), AuditEvent.record_type == "issued_credential")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "credential.issued",
        "credential.suspended",
        "credential.reinstated",
        "credential.revoked",
    ]
    report = client.post("/api/v1/verify", json=credential.document).json
    assert not report["verified"]
    assert {c["check"]: c["code"] for c in report["credentials"][0]["checks"]}["revocation"] == "revoked"


def test_the_holder_sees_her_credential_and_others_do_not(client, demo_trusts):
    from tests.support.credential_factories import nurse_with_passport

    nurse, member = nurse_with_passport(demo_trusts[0])
    mine = issue(demo_trusts[1], member)
    someone_elses = issue(demo_trusts[0])
    sign_in(client, nurse)
    assert client.get(f"/api/v1/credentials/{mine.id}").status_code == 200
    assert client.get(f"/api/v1/credentials/{someone_elses.id}").status_code == 404
    assert client.post(f"/api/v1/credentials/{mine.id}/revoke", json={}).status_code == 403


# --- The verifier -------------------------------------------------------------------------------------


def test_verify_a_presentation_without_signing_in(client, demo_trusts):
    first, second = issue(demo_trusts[0]), issue(demo_trusts[1], kind="employment")
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [first.document, second.document],
    }
    response = client.post("/api/v1/verify", json=presentation)
    assert response.status_code == 200
    assert response.json["verified"] and response.json["kind"] == "presentation"
    assert len(response.json["credentials"]) == 2
    tampered = json.loads(json.dumps(first.document))
    tampered["credentialSubject"]["mandatoryTraining"]["level"] = 3
    report = client.post("/api/v1/verify", json=tampered).json
    assert not report["verified"]
    failure = next(c for c in report["credentials"][0]["checks"] if not c["passed"])
    assert failure["code"] == "signature_invalid" and "changed" in failure["message"]
    # The verifier writes its report without marshmallow (for speed): it must be exactly the documented
    # shape, passing and failing alike (a dump keeps only documented keys, formatted as documented).
    for answer in (response.json, report):
        assert VerificationReportSchema().dump(answer) == answer


def test_a_status_change_is_seen_by_the_next_verification(client, session, demo_trusts):
    # Status list documents are kept between verifications while their list is unchanged (signed_at).
    credential = issue(demo_trusts[0])
    assert client.post("/api/v1/verify", json=credential.document).json["verified"]
    change_status(session, credential, "suspend", actor="test")
    session.flush()
    report = client.post("/api/v1/verify", json=credential.document).json
    assert not report["verified"]
    assert {c["code"] for c in report["credentials"][0]["checks"] if not c["passed"]} == {"suspended"}
    change_status(session, credential, "reinstate", actor="test")
    session.flush()
    assert client.post("/api/v1/verify", json=credential.document).json["verified"]


def test_the_w3c_test_vector_verifies_proof_only_and_is_untrusted_otherwise(client):
    vector = json.loads((VECTORS / "eddsa_jcs_2022_signed_credential.json").read_text())
    proof_only = client.post("/api/v1/verify?proof_only=true", json=vector).json
    assert proof_only["verified"], proof_only
    full = client.post("/api/v1/verify", json=vector).json
    codes = {c["check"]: c["code"] for c in full["credentials"][0]["checks"]}
    assert not full["verified"] and codes["issuer_trusted"] == "issuer_unknown"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "empty"),
        (b"\xff\xfe\x00garbage", 400, "UTF-8"),
        (b"[1, 2, 3]", 422, "JSON object"),
        (b'"eyJhbGciOiJFZERTQSJ9.e30.sig"', 422, "JSON object"),
        (b'{"hello": "world"}', 422, "VerifiableCredential"),
        (
            json.dumps(
                {
                    "@context": ["https://www.w3.org/2018/credentials/v1"],
                    "type": ["VerifiableCredential"],
                    "issuer": "did:example:1",
                    "credentialSubject": {"id": "x"},
                }
            ).encode(),
            422,
            "1.1",
        ),
        (
            json.dumps(
                {
                    "@context": ["https://www.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                    "type": ["Achievement"],
                }
            ).encode(),
            422,
            "not a W3C",
        ),
        (b'{"a": NaN}', 400, "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "nested too deeply"),
    ],
)
def test_bad_input_to_the_verifier_gets_a_clear_4xx(client, body, status, words):
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert words in response.json["detail"]


def test_a_document_over_2_mb_is_refused_with_413(client):
    big = b'{"type": ["VerifiableCredential"], "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/verify", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json" and "2 MB" in response.json["detail"]


def test_a_presentation_of_more_than_100_credentials_is_refused_before_any_is_checked(client):
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [{"type": ["VerifiableCredential"]}] * 101,
    }
    response = client.post("/api/v1/verify", json=presentation)
    assert response.status_code == 422, response.json
    assert response.json["errors"] == [
        {
            "field": "verifiableCredential",
            "message": "A presentation may hold at most 100 credentials; this one holds 101.",
        }
    ]
    presentation["verifiableCredential"] = presentation["verifiableCredential"][:100]
    assert client.post("/api/v1/verify", json=presentation).status_code == 200


def test_a_presentation_of_odd_things_reports_each_without_failing(client):
    odd = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [1, "two", None, {"type": "VerifiableCredential"}, [], {"proof": {}}],
    }
    response = client.post("/api/v1/verify", json=odd)
    assert response.status_code == 200
    assert not response.json["verified"] and len(response.json["credentials"]) == 6
