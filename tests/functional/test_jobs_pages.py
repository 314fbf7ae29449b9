"""Job description pages: writing, approval, the joint label, print, export, diff and the fit check."""

from __future__ import annotations

import re

from sqlalchemy import select

from competencies.jobs import operations
from passport.audit.models import AuditEvent
from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.credential_factories import issue, nurse_with_passport, share_of, staff
from tests.support.factories import UserFactory
from tests.support.job_factories import adopted_job, job_content

FORM = {
    "title": "Healthcare Support Worker",
    "afc_band": "3",
    "staff_group": "ACS",
    "hours": "37.5",
    "reports_to": "Ward Manager",
    "accountable_to": "Director of Nursing",
    "purpose": "Supports registered staff to deliver care.",
    "duties": "Clinical care: Takes observations\nClinical care: Helps with meals\nTeamwork: Hands over",
    "person_spec": "skills | essential | interview, test | Takes accurate observations",
    "local_fields": ["base_site"],
    "requirements": "\n".join(
        ["credential dbs-check min_level=enhanced", "training CSTF-FIRE 1", "desirable training CSTF-MH 2"]
    ),
}


def test_admin_writes_a_job_description_with_the_form(client, session, demo_trusts):
    sign_in(client, UserFactory(role=Role.ADMIN, trust=None))
    answer = client.post("/jobs/new", data=FORM)
    assert answer.status_code == 302, answer.data[:2000]
    version_id = int(answer.headers["Location"].rsplit("/", 1)[-1])
    version = operations.get_version(session, version_id)
    assert version.duties == [
        {"area": "Clinical care", "duties": ["Takes observations", "Helps with meals"]},
        {"area": "Teamwork", "duties": ["Hands over"]},
    ]
    assert version.person_spec[0]["assessed_by"] == ["interview", "test"]
    assert [r.essential for r in version.requirements] == [True, True, False]
    page = client.get(f"/jobs/{version_id}/edit").get_data(as_text=True)
    assert "training CSTF-MH 2" in page  # the form gives the lines back as they were typed


def test_bad_lines_are_shown_beside_their_box(client, session, demo_trusts):
    sign_in(client, UserFactory(role=Role.ADMIN, trust=None))
    answer = client.post(
        "/jobs/new", data={**FORM, "requirements": "training CSTF-FIRE 1\ncredential pilot-licence"}
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert re.search(r"Line 2: (&#39;|')pilot-licence(&#39;|') is not a credential type", page)
    assert 'href="#requirements"' in page  # the error summary links to the box
    answer = client.post("/jobs/new", data={**FORM, "afc_band": "10"})
    assert answer.status_code == 422 and "There is a problem" in answer.get_data(as_text=True)
    assert operations.list_versions(session, set(operations.JobStatus)) == []


def test_hr_sees_a_joint_job_description_and_approves_for_her_trust(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rv5)
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    page = client.get(f"/jobs/{version.id}").get_data(as_text=True)
    assert "Joint job description" not in page and "Approve for RPG" in page
    content_hash = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page)[1]
    approve = {"content_hash": content_hash, "confirmed": "yes"}  # as its confirmation page sends it
    assert client.post(f"/jobs/{version.id}/approve", data=approve).status_code == 302
    page = client.get(f"/jobs/{version.id}").get_data(as_text=True)
    assert "Joint job description" in page and "Approve for RPG" not in page
    twice = client.post(f"/jobs/{version.id}/approve", data=approve)
    assert twice.status_code == 409 and "already approved" in twice.get_data(as_text=True)
    saved = client.post(f"/jobs/{version.id}/local-values", data={"base_site": "Sidcup", "cost_centre": "C9"})
    assert saved.status_code == 302
    assert "Sidcup" in client.get(f"/jobs/{version.id}").get_data(as_text=True)
    assert client.post(f"/jobs/{version.id}/local-values", data={"title": "Boss"}).status_code == 422


def test_print_export_and_diff(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    first = adopted_job(session, rpg, rv5)
    second = operations.new_version(session, first, actor="test")
    operations.update_version(session, second, job_content(purpose="A clearer purpose."), actor="test")
    sign_in(client, UserFactory(role=Role.ADMIN, trust=None))

    printable = client.get(f"/jobs/{first.id}/print").get_data(as_text=True)
    assert "/static/css/jobs-print.css" in printable and "style=" not in printable
    assert "joint job description of RPG, RV5" in printable
    exported = client.get(f"/jobs/{first.id}/export.json")
    assert exported.json["content_hash"] == first.content_hash and exported.json["joint"] is True
    assert "attachment" in exported.headers["Content-Disposition"]
    diff = client.get(f"/jobs/{second.id}/diff", query_string={"with": first.id}).get_data(as_text=True)
    assert "<del>Safe, compassionate nursing care.</del>" in diff and "<ins>A clearer purpose.</ins>" in diff
    assert "Duties" not in diff  # unchanged fields are not listed


def test_nurses_see_adopted_job_descriptions_only(client, session, demo_trusts):
    rpg, _ = demo_trusts
    adopted = adopted_job(session, rpg, title="Ward Nurse")
    draft = operations.create_job_description(session, job_content(title="Secret Draft"), actor="test")
    sign_in(client, UserFactory(role=Role.NURSE, trust=rpg))
    page = client.get("/jobs").get_data(as_text=True)
    assert "Ward Nurse" in page and "Secret Draft" not in page
    assert client.get(f"/jobs/{adopted.id}").status_code == 200
    assert client.get(f"/jobs/{draft.id}").status_code == 404
    assert client.get(f"/jobs/{adopted.id}/fit-check").status_code == 403


def test_hr_fit_check_pages(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rpg, rv5)
    ready = staff(rpg, given_name="Ada", family_name="Ready")
    for kind in ("dbs-check", "professional-registration", "mandatory-training"):
        issue(rpg, ready, kind)
    staff(rpg, given_name="Bea", family_name="Blank")
    elsewhere = staff(rv5, given_name="Cat", family_name="Elsewhere")
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))

    page = client.get(f"/jobs/{version.id}/fit-check", query_string={"email": ready.email}).get_data(
        as_text=True
    )
    assert "Ada Ready" in page and "Met by DBS check" in page
    assert re.search(r'nhsuk-tag--green">\s*Ready\s*<', page)  # the verdict
    refused = client.get(f"/jobs/{version.id}/fit-check", query_string={"email": elsewhere.email})
    assert refused.status_code == 403
    bad = client.get(f"/jobs/{version.id}/fit-check", query_string={"email": "not an email"})
    assert bad.status_code == 422

    listing = client.get(f"/jobs/{version.id}/ready").get_data(as_text=True)
    assert "Ada Ready" in listing and "Bea Blank" in listing and "Cat Elsewhere" not in listing
    filtered = client.get(f"/jobs/{version.id}/ready", query_string={"verdict": "not_ready"}).get_data(
        as_text=True
    )
    assert "Bea Blank" in filtered and "Ada Ready" not in filtered
    by_name = client.get(f"/jobs/{version.id}/ready", query_string={"q": "ada"}).get_data(as_text=True)
    assert "Ada Ready" in by_name and "Bea Blank" not in by_name

    record = client.get(f"/jobs/staff/{ready.id}").get_data(as_text=True)
    assert "Registered Nurse" in record and "Met by NMC registration" in record
    assert client.get(f"/jobs/staff/{elsewhere.id}").status_code == 403


def _fit_section(client, token: str) -> str:  # type: ignore[no-untyped-def]
    """The fit check part of a shared passport's page, its whitespace collapsed."""
    page = client.get(f"/v/{token}").get_data(as_text=True)
    return " ".join(page.split('id="fit-check"')[1].split())


def test_a_shared_passport_shows_the_receiving_trust_the_fit_of_what_was_shared(app, session, demo_trusts):
    own, receiving = demo_trusts
    dbs_only = [
        {"kind": "credential", "credential_type": "dbs-check", "conditions": {"min_level": "enhanced"}}
    ]
    adopted_job(session, receiving, title="Community Staff Nurse", requirements=dbs_only)
    _nurse, member = nurse_with_passport(own)
    dbs, training = issue(own, member, "dbs-check"), issue(own, member)
    _share, with_dbs = share_of(member, [dbs, training], receiving=receiving)
    _share, without_dbs = share_of(member, [training], receiving=receiving)
    session.flush()
    receiving_hr, own_hr, anyone = app.test_client(), app.test_client(), app.test_client()
    sign_in(receiving_hr, UserFactory(role=Role.HR, trust=receiving))
    sign_in(own_hr, UserFactory(role=Role.HR, trust=own))

    section = _fit_section(receiving_hr, with_dbs)
    assert f"Fit for {receiving.name}" in section and "Community Staff Nurse" in section
    assert "> Ready </strong>" in section and "Met by DBS check: enhanced with barred lists." in section
    # She holds a DBS check but did not share it: only what she presented counts.
    section = _fit_section(receiving_hr, without_dbs)
    assert "> Not ready </strong>" in section and "> Missing </strong>" in section
    # The fit is for the trust she shared it with: not her own trust's HR, nor someone not signed in.
    assert 'id="fit-check"' not in own_hr.get(f"/v/{with_dbs}").get_data(as_text=True)
    assert 'id="fit-check"' not in anyone.get(f"/v/{with_dbs}").get_data(as_text=True)
    checked = session.scalars(select(AuditEvent).where(AuditEvent.action == "job.fit_checked")).all()
    assert [(e.record_type, e.trust_id) for e in checked] == [("passport_share", receiving.id)] * 2
