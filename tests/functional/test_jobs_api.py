"""Job descriptions and the fit check through the JSON API and the CLI, with real access rules."""

from __future__ import annotations

from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.auth.operations import create_api_token
from tests.support.credential_factories import issue, staff
from tests.support.factories import UserFactory
from tests.support.job_factories import adopted_job, job_content, make_job


def bearer(session, role, trust):  # type: ignore[no-untyped-def]
    user = UserFactory(role=role, trust=trust)
    _token, raw = create_api_token(session, user, "test")
    return {"Authorization": f"Bearer {raw}"}


def audit_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(AuditEvent))


def test_admin_writes_hr_of_each_trust_approves_and_it_becomes_joint(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    admin = bearer(session, Role.ADMIN, None)
    content = job_content()
    created = client.post("/api/v1/jobs", json=content, headers=admin)
    assert created.status_code == 201, created.json
    version_id = created.json["id"]
    assert created.json["status"] == "draft"
    assert client.post(f"/api/v1/jobs/{version_id}/submit", headers=admin).json["status"] == "in_approval"

    content_hash = created.json["content_hash"]
    for trust in (rpg, rv5):
        hr = bearer(session, Role.HR, trust)
        answer = client.post(
            f"/api/v1/jobs/{version_id}/approvals", json={"content_hash": content_hash}, headers=hr
        )
        assert answer.status_code == 201, answer.json
        again = client.post(
            f"/api/v1/jobs/{version_id}/approvals", json={"content_hash": content_hash}, headers=hr
        )
        assert again.status_code == 409 and "already approved" in again.json["detail"]
    listed = client.get("/api/v1/jobs", headers=bearer(session, Role.NURSE, rpg)).json
    assert listed == [
        {
            "id": version_id,
            "title": "Registered Nurse",
            "band": "5",
            "staff_group": "NMR",
            "version": 1,
            "status": "adopted",
            "joint": True,
            "adopted_by": ["RPG", "RV5"],
        }
    ]


def test_bad_input_is_a_clear_422_naming_the_field_and_writes_nothing(client, session, demo_trusts):
    admin = bearer(session, Role.ADMIN, None)
    before = audit_count(session)
    for body, field in (
        (job_content(afc_band="10"), "afc_band"),
        (
            job_content(requirements=[{"kind": "credential", "credential_type": "pilot-licence"}]),
            "requirements.0.credential_type",
        ),
        (job_content(requirements=[{"kind": "competency", "item": "urn:nowhere"}]), "requirements.0.item"),
    ):
        answer = client.post("/api/v1/jobs", json=body, headers=admin)
        assert answer.status_code == 422, answer.json
        assert answer.mimetype == "application/problem+json"
        assert field in [error["field"] for error in answer.json["errors"]]
    assert audit_count(session) == before
    assert client.get("/api/v1/jobs", headers=admin).json == []


def test_approving_a_changed_version_is_refused(client, session, demo_trusts):
    rpg, _ = demo_trusts
    admin = bearer(session, Role.ADMIN, None)
    version = make_job(session)
    stale = version.content_hash
    client.post(f"/api/v1/jobs/{version.id}/submit", headers=admin)
    changed = client.put(f"/api/v1/jobs/{version.id}", json=job_content(hours="30"), headers=admin)
    assert changed.status_code == 200 and changed.json["content_hash"] != stale
    answer = client.post(
        f"/api/v1/jobs/{version.id}/approvals",
        json={"content_hash": stale},
        headers=bearer(session, Role.HR, rpg),
    )
    assert answer.status_code == 409
    assert "changed since you read it" in answer.json["detail"]


def test_drafts_are_hidden_from_everyone_but_admins(client, session, demo_trusts):
    rpg, _ = demo_trusts
    version = make_job(session)
    assert client.get(f"/api/v1/jobs/{version.id}", headers=bearer(session, Role.HR, rpg)).status_code == 404
    assert (
        client.get(f"/api/v1/jobs/{version.id}", headers=bearer(session, Role.ADMIN, None)).status_code == 200
    )


def test_local_values_only_for_local_fields_of_an_adopting_trust(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rpg)
    hr = bearer(session, Role.HR, rpg)
    ok = client.put(
        f"/api/v1/jobs/{version.id}/local-values", json={"values": {"base_site": "Sidcup"}}, headers=hr
    )
    assert ok.status_code == 200
    assert ok.json["adoptions"][0]["local_values"] == {"base_site": "Sidcup"}
    refused = client.put(
        f"/api/v1/jobs/{version.id}/local-values", json={"values": {"title": "Boss"}}, headers=hr
    )
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "title"
    other = client.put(
        f"/api/v1/jobs/{version.id}/local-values",
        json={"values": {"base_site": "Maudsley"}},
        headers=bearer(session, Role.HR, rv5),
    )
    assert other.status_code == 409


def test_fit_check_for_own_staff_and_refused_outside_reach(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rpg, rv5)
    mine = staff(rpg)
    for kind in ("dbs-check", "professional-registration", "mandatory-training"):
        issue(rpg, mine, kind)
    theirs = staff(rv5)
    hr = bearer(session, Role.HR, rpg)

    answer = client.get(
        f"/api/v1/jobs/{version.id}/fit-check", query_string={"email": mine.email}, headers=hr
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["verdict"] == "ready"
    assert [r["outcome"] for r in answer.json["requirements"]] == ["met", "met", "met"]

    before = audit_count(session)
    outside = client.get(
        f"/api/v1/jobs/{version.id}/fit-check", query_string={"email": theirs.email}, headers=hr
    )
    assert outside.status_code == 403
    unknown = client.get(
        f"/api/v1/jobs/{version.id}/fit-check", query_string={"email": "nobody@x.test"}, headers=hr
    )
    assert unknown.status_code == 404
    assert audit_count(session) == before  # nothing written for a refused check

    ready = client.get(f"/api/v1/jobs/{version.id}/ready", query_string={"verdict": "ready"}, headers=hr).json
    assert [row["email"] for row in ready] == [mine.email]
    everyone = client.get(f"/api/v1/jobs/{version.id}/ready", headers=hr).json
    assert theirs.email not in [row["email"] for row in everyone]


def test_cli_lists_jobs_and_runs_a_fit_check(app, session, demo_trusts):
    import json

    rpg, rv5 = demo_trusts
    version = adopted_job(session, rpg, rv5)
    member = staff(rpg)
    issue(rpg, member, "dbs-check")
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["passport", "list-jobs"])
    assert listed.exit_code == 0, listed.output
    assert {
        "id": version.id,
        "title": "Registered Nurse",
        "band": "5",
        "status": "adopted",
    }.items() <= json.loads(listed.output)[0].items()
    assert json.loads(listed.output)[0]["adopted_by"] == ["RPG", "RV5"]

    checked = runner.invoke(args=["passport", "fit-check", "--email", member.email, "--job", str(version.id)])
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["verdict"] == "not_ready"
    assert report["missing"] == [
        "Professional registration (live on the nursing part of the register)",
        "Fire Safety, level 1 or higher",
    ]

    unknown = runner.invoke(args=["passport", "fit-check", "--email", member.email, "--job", "999999"])
    assert unknown.exit_code == 1 and "no job description version" in unknown.output
