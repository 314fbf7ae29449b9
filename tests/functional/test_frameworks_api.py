"""The frameworks API and the CASE 1.1 endpoints over HTTP: import, rejection with JSON paths, versions,
the published-version rule, crosswalks, refresher periods, sign-offs and imsx_StatusInfo errors."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from competencies.frameworks.models import FrameworkItem, FrameworkVersion
from passport.auth.models import Role
from passport.credentials.models import CredentialState, IssuedCredential
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.framework_factories import imported_framework, small_package

SAMPLES = sorted(Path("/work/shared/data/case-samples").glob("*.json"))
OPENSALT = Path("/work/shared/data/case-samples/opensalt-framework-20c5134f.json")


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


def _versions(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(FrameworkVersion))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_through_the_api(client, admin, sample) -> None:
    response = client.post("/api/v1/frameworks/imports?publish=true", json=json.loads(sample.read_text()))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "published"
    assert body["document_identifier"] == json.loads(sample.read_text())["CFDocument"]["identifier"]


def test_broken_package_gets_each_problem_with_its_json_path(client, admin, session) -> None:
    package = small_package()
    package["CFItems"][1]["identifier"] = package["CFItems"][0]["identifier"]
    package["CFAssociations"][3]["associationType"] = "isFriendOf"
    before = _versions(session)
    response = client.post("/api/v1/frameworks/imports", json=package)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = {error["field"] for error in response.json["errors"]}
    assert "$.CFItems[1].identifier" in fields
    assert "$.CFAssociations[3].associationType" in fields
    assert "nothing was written" in response.json["detail"]
    assert _versions(session) == before


def test_association_to_an_unknown_item_is_refused(client, admin, session) -> None:
    package = small_package()
    package["CFAssociations"][3]["destinationNodeURI"]["identifier"] = "nowhere"
    response = client.post("/api/v1/frameworks/imports", json=package)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["$.CFAssociations[3].destinationNodeURI"]


def test_a_package_without_cfdocument_is_refused_by_name(client, admin) -> None:
    response = client.post("/api/v1/frameworks/imports", json={"CFItems": []})
    assert response.status_code == 422
    assert any(error["field"] == "CFDocument" for error in response.json["errors"])


def test_hr_imports_only_her_own_trusts_framework(client, session, demo_trusts) -> None:
    own, other = demo_trusts
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    assert client.post("/api/v1/frameworks/imports", json=small_package()).status_code == 403
    assert client.post("/api/v1/frameworks/imports?owner=RV5", json=small_package()).status_code == 403
    response = client.post("/api/v1/frameworks/imports?owner=RPG", json=small_package())
    assert response.status_code == 201
    framework = client.get(f"/api/v1/frameworks/{response.json['framework']}").json
    assert framework["owner_trust"] == "RPG" and framework["shared"] is False


def test_versions_publish_edit_and_diff(client, admin, session) -> None:
    created = client.post("/api/v1/frameworks/imports", json=small_package()).json
    version_id = created["identifier"]
    items = client.get(f"/api/v1/frameworks/versions/{version_id}/items").json
    first = items[0]["identifier"]
    edited = client.patch(
        f"/api/v1/frameworks/versions/{version_id}/items/{first}", json={"full_statement": "Draft edit"}
    )
    assert edited.status_code == 200 and edited.json["full_statement"] == "Draft edit"
    assert client.post(f"/api/v1/frameworks/versions/{version_id}/publish").json["status"] == "published"
    refused = client.patch(
        f"/api/v1/frameworks/versions/{version_id}/items/{first}", json={"full_statement": "Late"}
    )
    assert refused.status_code == 409
    assert "published and never changes" in refused.json["detail"]
    second = client.post(f"/api/v1/frameworks/{created['framework']}/versions", json={"version_label": "2"})
    assert second.status_code == 201 and second.json["based_on"] == version_id
    new_items = client.get(f"/api/v1/frameworks/versions/{second.json['identifier']}/items").json
    assert [i["predecessor"] for i in new_items] == [i["identifier"] for i in items]
    client.patch(
        f"/api/v1/frameworks/versions/{second.json['identifier']}/items/{new_items[1]['identifier']}",
        json={"full_statement": "Reworded"},
    )
    client.post(
        f"/api/v1/frameworks/versions/{second.json['identifier']}/items", json={"full_statement": "New one"}
    )
    diff = client.get(
        f"/api/v1/frameworks/versions/{second.json['identifier']}/diff?against={version_id}"
    ).json
    assert [i["full_statement"] for i in diff["added"]] == ["New one"]
    assert [r["after"]["full_statement"] for r in diff["reworded"]] == ["Reworded"]
    assert diff["removed"] == [] and diff["unchanged"] == 3
    detail = client.get(
        f"/api/v1/frameworks/versions/{second.json['identifier']}/items/{new_items[0]['identifier']}"
    )
    assert {a["association_type"] for a in detail.json["associations"]} >= {"isChildOf", "replacedBy"}


def test_search_items_by_code(client, admin, session) -> None:
    version = imported_framework(session, codes=("CARE.1", "SAFE.1"))
    found = client.get(f"/api/v1/frameworks/versions/{version.identifier}/items?q=safe").json
    assert [i["human_coding_scheme"] for i in found] == ["SAFE.1"]


def test_crosswalks_by_hr_for_her_trust(client, session, demo_trusts) -> None:
    own, other = demo_trusts
    shared = imported_framework(session)
    local = imported_framework(session, owner_trust_id=own.id)
    foreign = imported_framework(session, owner_trust_id=other.id)
    first = lambda v: session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == v.id)).first()  # noqa: E731
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    payload = {
        "local_version": local.identifier,
        "local_item": first(local).identifier,
        "shared_version": shared.identifier,
        "shared_item": first(shared).identifier,
        "association_type": "exactMatchOf",
    }
    response = client.post("/api/v1/frameworks/crosswalks", json=payload)
    assert response.status_code == 201 and response.json["trust"] == "RPG"
    foreign_payload = {
        **payload,
        "local_version": foreign.identifier,
        "local_item": first(foreign).identifier,
    }
    assert client.post("/api/v1/frameworks/crosswalks", json=foreign_payload).status_code == 403
    item = client.get(
        f"/api/v1/frameworks/versions/{shared.identifier}/items/{first(shared).identifier}"
    ).json
    assert [c["identifier"] for c in item["crosswalks"]] == [response.json["identifier"]]
    assert client.delete(f"/api/v1/frameworks/crosswalks/{response.json['identifier']}").status_code == 204


def test_refresher_settings_per_trust(client, session, demo_trusts) -> None:
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    response = client.put("/api/v1/frameworks/refresher-settings/RPG/CSTF-RESUS/2", json={"months": 6})
    assert (
        response.status_code == 200 and response.json["months"] == 6 and response.json["default_months"] == 12
    )
    rows = client.get("/api/v1/frameworks/refresher-settings/RPG").json
    assert next(r for r in rows if r["subject_code"] == "CSTF-RESUS" and r["level"] == 2)["months"] == 6
    assert (
        client.put("/api/v1/frameworks/refresher-settings/RPG/CSTF-RESUS/9", json={"months": 6}).status_code
        == 404
    )
    bad = client.put("/api/v1/frameworks/refresher-settings/RPG/CSTF-RESUS/2", json={"months": 0})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "months"
    assert client.get("/api/v1/frameworks/refresher-settings/RV5").status_code == 403


def test_sign_off_issues_then_withdrawal_revokes(client, session, demo_trusts) -> None:
    own, other = demo_trusts
    version = imported_framework(session)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    nurse = StaffMemberFactory(trust=other, nmc_pin="12A3456B")
    sign_in(client, UserFactory(role=Role.ASSESSOR, trust=own))
    payload = {
        "nurse": "12a3456b",
        "version": version.identifier,
        "item": item.identifier,
        "proficiency_level": "proficient",
        "method": "simulation",
        "outcome": "competent",
        "evidence": "https://evidence.example/123",
        "assessed_on": (date.today() - timedelta(days=1)).isoformat(),
        "review_on": (date.today() + timedelta(days=365)).isoformat(),
    }
    response = client.post("/api/v1/frameworks/sign-offs", json=payload)
    assert response.status_code == 201, response.json
    credential_id = response.json["credential_id"]
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.credential_uri == credential_id)
    )
    assert credential.staff_member_id == nurse.id and credential.trust_id == own.id
    withdrawn = client.post(f"/api/v1/frameworks/sign-offs/{response.json['identifier']}/withdraw", json={})
    assert withdrawn.status_code == 200 and withdrawn.json["withdrawn_at"]
    session.refresh(credential)
    assert credential.state is CredentialState.REVOKED


def test_sign_off_of_a_nurse_outside_the_partnership_is_a_clear_404(client, session, demo_trusts) -> None:
    version = imported_framework(session)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    sign_in(client, UserFactory(role=Role.ASSESSOR, trust=demo_trusts[0]))
    response = client.post(
        "/api/v1/frameworks/sign-offs",
        json={"nurse": "99Z9999Z", "version": version.identifier, "item": item.identifier,
              "proficiency_level": "competent", "method": "observation", "outcome": "competent",
              "assessed_on": "2026-01-05", "review_on": "2027-01-05"},
    )  # fmt: skip
    assert response.status_code == 404
    assert response.json["errors"][0]["field"] == "nurse"
    assert "partner trusts" in response.json["detail"]


def test_case_endpoints_serve_published_versions(client, session) -> None:
    version = imported_framework(session, codes=("A", "A.1"))
    draft = imported_framework(session, publish=False)
    documents = client.get("/ims/case/v1p1/CFDocuments").json["CFDocuments"]
    assert version.document_identifier in {d["identifier"] for d in documents}
    assert draft.document_identifier not in {d["identifier"] for d in documents}
    package = client.get(f"/ims/case/v1p1/CFPackages/{version.document_identifier}").json
    assert len(package["CFItems"]) == 2 and len(package["CFAssociations"]) == 2
    item_id = package["CFItems"][1]["identifier"]
    item = client.get(f"/ims/case/v1p1/CFItems/{item_id}").json
    assert item["fullStatement"] == "Statement A.1"
    assert item["CFDocumentURI"]["identifier"] == version.document_identifier
    with_links = client.get(f"/ims/case/v1p1/CFItemAssociations/{item_id}").json
    assert with_links["CFItem"]["identifier"] == item_id
    association_id = with_links["CFAssociations"][0]["identifier"]
    assert (
        client.get(f"/ims/case/v1p1/CFAssociations/{association_id}").json["associationType"] == "isChildOf"
    )
    assert (
        client.get(f"/ims/case/v1p1/CFDocuments/{version.document_identifier}").json["title"]
        == "Test framework"
    )


@pytest.mark.parametrize(
    "kind", ["CFDocuments", "CFPackages", "CFItems", "CFAssociations", "CFItemAssociations"]
)
def test_case_unknown_identifier_is_imsx_status_info(client, session, kind) -> None:
    draft = imported_framework(session, publish=False)
    for identifier in ("no-such-thing", draft.document_identifier):
        response = client.get(f"/ims/case/v1p1/{kind}/{identifier}")
        assert response.status_code == 404
        body = response.json
        assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
        minor = body["imsx_codeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "unknownobject"


def test_opensalt_export_keeps_cross_framework_links(client, admin) -> None:
    created = client.post(
        "/api/v1/frameworks/imports?publish=true", json=json.loads(OPENSALT.read_text())
    ).json
    served = client.get(f"/ims/case/v1p1/CFPackages/{created['document_identifier']}").json
    original = json.loads(OPENSALT.read_text())
    assert {a["identifier"] for a in served["CFAssociations"]} == {
        a["identifier"] for a in original["CFAssociations"]
    }
