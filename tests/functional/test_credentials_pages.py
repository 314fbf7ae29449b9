"""HR's credential pages, the public issuer documents, and the key and verify commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.background.models import Job
from passport.credentials.contexts import CONTEXT_FILE
from passport.credentials.did import trust_did
from passport.credentials.keys import active_key
from passport.credentials.models import CredentialState, IssuedCredential, KeyState, SigningKey, StatusList
from tests.conftest import sign_in
from tests.support.credential_factories import issue, staff
from tests.support.factories import UserFactory

VECTORS = Path(__file__).resolve().parents[1] / "unit" / "credentials" / "vectors"


@pytest.fixture
def hr(client, demo_trusts):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.HR, trust=demo_trusts[0])
    sign_in(client, user)
    return user


def _count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(IssuedCredential))


# --- Public issuer documents ----------------------------------------------------------------------------


def test_did_document_lists_the_trusts_keys_as_multikeys(client, session, demo_trusts):
    own = demo_trusts[0]
    issue(own)
    key = active_key(session, own)
    response = client.get("/trusts/RPG/did.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.json
    assert document["id"] == trust_did(own)
    assert document["verificationMethod"] == [
        {
            "id": f"{trust_did(own)}#{key.key_id}",
            "type": "Multikey",
            "controller": trust_did(own),
            "publicKeyMultibase": key.public_key_multibase,
        }
    ]
    assert client.get("/trusts/rpg/did.json").status_code == 404
    assert client.get("/trusts/ZZZ/did.json").status_code == 404


def test_status_lists_and_the_context_are_served(client, session, demo_trusts):
    credential = issue(demo_trusts[0])
    for entry in credential.document["credentialStatus"]:
        path = entry["statusListCredential"].split("127.0.0.1:5000", 1)[1]
        response = client.get(path)
        assert response.status_code == 200
        assert response.json["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
        assert response.json["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert client.get("/trusts/RPG/status/refresh/1").status_code == 404
    assert client.get("/trusts/RPG/status/revocation/99").status_code == 404
    served = client.get("/contexts/staff-passport/v1")
    assert served.status_code == 200
    assert served.mimetype == "application/ld+json"
    assert served.headers["Access-Control-Allow-Origin"] == "*"
    # Byte for byte the file in the repository, whatever the deployment's address.
    assert served.data == CONTEXT_FILE.read_bytes()
    context = served.json["@context"]
    document = credential.document
    assert document["@context"][1] == "http://127.0.0.1:5000/contexts/staff-passport/v1"
    for term in (
        "MandatoryTrainingCredential",
        "mandatoryTraining",
        "cstfSubject",
        "completedOn",
        "expiresOn",
    ):
        assert term in context
    assert context["@protected"] is True


# --- Issuing from the form ----------------------------------------------------------------------------


def _date_boxes(name: str, day: str, month: str, year: str) -> dict[str, str]:
    """What the NHS.UK date input sends: three boxes."""
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def test_hr_issues_from_the_form(client, session, hr, demo_trusts):
    member = staff(demo_trusts[0])
    assert "DBS check" in client.get("/credentials/issue").get_data(as_text=True)
    response = client.post(
        "/credentials/issue?type=mandatory-training",
        data={
            "staff_email": member.email,
            "subject_code": "CSTF-RESUS",
            "level": "2",
            **_date_boxes("completed_on", "15", "3", "2026"),
        },
    )
    assert response.status_code == 302
    credential = session.scalar(select(IssuedCredential).where(IssuedCredential.staff_member_id == member.id))
    assert credential.document["credentialSubject"]["mandatoryTraining"]["completedOn"] == "2026-03-15"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resuscitation, level 2" in page and "Revoke for good" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"subject_code": "CSTF-FIRE", "level": "1", **_date_boxes("completed_on", "31", "2", "2026")},
            "Completed on must be a real date",
        ),
        (
            {"subject_code": "CSTF-FIRE", "level": "1", **_date_boxes("completed_on", "31", "", "2026")},
            "Completed on must include a month",
        ),
        (
            {"subject_code": "CSTF-FIRE", "level": "2", **_date_boxes("completed_on", "1", "2", "2026")},
            "has no level 2",
        ),
        ({"subject_code": "CSTF-FIRE", "level": "1"}, "Missing data"),
        (
            {
                "email": "",
                "subject_code": "CSTF-FIRE",
                "level": "1",
                **_date_boxes("completed_on", "1", "2", "2026"),
            },
            "email address",
        ),
    ],
)
def test_form_errors_are_shown_beside_their_fields_and_nothing_is_issued(
    client, session, hr, demo_trusts, form, message
):
    member = staff(demo_trusts[0])
    data = {"staff_email": member.email, **form}
    if "email" in form:
        data["staff_email"] = form.pop("email")
    response = client.post("/credentials/issue?type=mandatory-training", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in page and message in page
    assert "<title>Error: " in page
    assert _count(session) == 0


def test_hr_changes_status_from_the_detail_page(client, session, hr, demo_trusts):
    credential = issue(demo_trusts[0])
    url = f"/credentials/{credential.id}/status"
    assert client.post(url, data={"action": "suspend", "reason": "Checking"}).status_code == 302
    session.refresh(credential)
    assert credential.state is CredentialState.SUSPENDED
    response = client.post(url, data={"action": "suspend", "reason": "Again"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422  # refused on the credential's page: already suspended
    assert "There is a problem" in page and "Only an active credential" in page
    assert ">Again</textarea>" in page  # what was typed is kept
    session.refresh(credential)
    assert credential.state is CredentialState.SUSPENDED and credential.status_reason == "Checking"


def test_hr_of_another_trust_gets_403_on_the_status_form(client, session, demo_trusts):
    credential = issue(demo_trusts[0])
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[1]))
    assert client.post(f"/credentials/{credential.id}/status", data={"action": "revoke"}).status_code == 403
    session.refresh(credential)
    assert credential.state is CredentialState.ACTIVE


# --- Commands ------------------------------------------------------------------------------------------


def _run(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["passport", *args])


def test_verify_command_exit_codes(app, session, demo_trusts, tmp_path):
    credential = issue(demo_trusts[0])
    good = tmp_path / "good.json"
    good.write_text(json.dumps(credential.document))
    result = _run(app, "verify", str(good))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["verified"] is True
    tampered = json.loads(json.dumps(credential.document))
    tampered["name"] = "Something else"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    result = _run(app, "verify", str(bad))
    assert result.exit_code == 1 and json.loads(result.output)["verified"] is False
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{nope")
    assert _run(app, "verify", str(garbage)).exit_code == 2
    assert _run(app, "verify", str(tmp_path / "missing.json")).exit_code == 2
    other = tmp_path / "other.json"
    other.write_text(
        '{"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"]}'
    )
    assert _run(app, "verify", str(other)).exit_code == 1


def test_verify_command_proof_only_takes_the_w3c_vector(app):
    vector = str(VECTORS / "eddsa_jcs_2022_signed_credential.json")
    assert _run(app, "verify", vector, "--proof-only").exit_code == 0
    assert _run(app, "verify", vector).exit_code == 1  # its issuer is not in the partnership


def test_key_commands(app, session, demo_trusts, tmp_path):
    own = demo_trusts[0]
    credential = issue(own)
    first = active_key(session, own)
    result = _run(app, "rotate-signing-key", "--trust", "RPG")
    assert result.exit_code == 0, result.output
    session.expire_all()
    second = active_key(session, own)
    assert second.key_id != first.key_id and session.get(SigningKey, first.id).state is KeyState.RETIRED
    # The rotation queued the re-signing job (run at commit here): the lists now carry the new key.
    resign = session.scalar(select(Job).where(Job.kind == "status_list_resign").order_by(Job.id.desc()))
    assert f"Job {resign.id} re-signs" in result.output
    assert resign.status == "succeeded" and resign.result["resigned"] == 2
    methods = {
        sl.signed_credential["proof"]["verificationMethod"]
        for sl in session.scalars(select(StatusList).where(StatusList.trust_id == own.id))
    }
    assert methods == {f"{trust_did(own)}#{second.key_id}"}
    # --wait re-signs here and now, and says so.
    result = _run(app, "rotate-signing-key", "--trust", "RPG", "--wait")
    assert result.exit_code == 0 and "Re-signed 2 of 2 status list(s)." in result.output, result.output
    session.expire_all()
    second = active_key(session, own)
    assert _run(app, "rotate-kek").exit_code == 0
    result = _run(
        app,
        "mark-key-compromised",
        "--trust",
        "RPG",
        "--key-id",
        first.key_id,
        "--at",
        "2020-01-01T00:00:00+00:00",
    )
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(SigningKey, first.id).state is KeyState.COMPROMISED
    good = tmp_path / "c.json"
    good.write_text(json.dumps(credential.document))
    assert _run(app, "verify", str(good)).exit_code == 1  # signed after the (reported) compromise
    assert _run(app, "mark-key-compromised", "--trust", "RPG", "--key-id", "nope").exit_code == 1
    assert (
        _run(
            app, "mark-key-compromised", "--trust", "RPG", "--key-id", second.key_id, "--at", "yesterday"
        ).exit_code
        == 1
    )
    assert _run(app, "rotate-signing-key", "--trust", "ZZZ").exit_code == 1
