"""Everything a person can type is shown as text, never as markup (issue #18).

Each payload goes into every free-text field a person can set -- names and job titles through the ESR
import, secondment reasons and notes, credential claims and revoke or suspend reasons, framework titles
and statements, job description text, API token and account names -- and every page that shows the
field is requested as the people who can see it: the payload must not be in the HTML, its escaped form
must be. The NHS.UK macros are ``.jinja`` templates, which Flask alone would not autoescape."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.models import FrameworkItem
from passport.auth.models import Role
from passport.background.models import Job
from passport.credentials.operations import change_status
from passport.secondments.models import Secondment
from passport.secondments.state import Step
from passport.trusts.models import StaffMember
from passport.workforce.models import Assignment
from tests.conftest import sign_in
from tests.support.credential_factories import SAMPLE_SUBJECTS, issue, share_of
from tests.support.esr_csv import assignment, csv_bytes
from tests.support.factories import UserFactory
from tests.support.framework_factories import small_package
from tests.support.job_factories import adopted_job, job_content
from tests.support.secondment_factories import make_world, propose, step

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "meta": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
}


@pytest.fixture(params=list(PAYLOADS.values()), ids=list(PAYLOADS))
def payload(request) -> str:  # type: ignore[no-untyped-def]
    return request.param


def _as(client, user):  # type: ignore[no-untyped-def]
    client.post("/sign-out")
    sign_in(client, user)
    return client


def shown_as_text(client, url: str, payload: str, *texts: str) -> str:  # type: ignore[no-untyped-def]
    """The page at ``url``: the payload nowhere as markup, and each of ``texts`` (values that carry
    the payload) present in its escaped form."""
    return as_text(client.get(url), payload, *texts, where=url)


def as_text(response, payload: str, *texts: str, where: str = "", status: int = 200) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (where, response.status_code)
    html = response.get_data(as_text=True)
    assert payload not in html, f"{where} shows {payload} as markup"
    for text in texts:
        assert str(escape(text)) in html, f"{where} does not show {text!r} as text"
    return html


def _import_person(client, session, payload: str, trust_code: str, email: str) -> StaffMember:  # type: ignore[no-untyped-def]
    """Names and job role as the ESR import sets them: through HR's upload page."""
    row = assignment(
        "30000001-1",
        email,
        **{"First Name": f"G {payload}", "Last Name": f"F {payload}", "Org Code": trust_code},
        **{"Job Role": f"J {payload}"},
    )
    response = client.post(
        "/workforce/imports",
        data={"kind": "assignments", "file": (io.BytesIO(csv_bytes([row])), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.data[:500]
    member = session.scalars(select(StaffMember).where(StaffMember.email == email)).one()
    assert member.given_name == f"G {payload}" and member.family_name == f"F {payload}"
    return member


def test_esr_names_and_job_roles_are_text_on_hr_pages(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    _as(client, world.home_hr)
    member = _import_person(client, session, payload, world.home.ods_code, "poisoned@rv5.example")
    names = (f"G {payload}", f"F {payload}")
    shown_as_text(client, "/workforce/staff", payload, *names)
    shown_as_text(client, f"/workforce/staff/{member.id}", payload, *names, f"J {payload}")
    shown_as_text(client, f"/jobs/staff/{member.id}", payload, *names)
    post = session.scalars(select(Assignment).where(Assignment.staff_member_id == member.id)).one()
    shown_as_text(client, f"/workforce/assignments/{post.id}/absences/new", payload)
    shown_as_text(client, f"/workforce/assignments/{post.id}/leaver", payload)


def test_secondment_names_reasons_and_notes_are_text_for_both_trusts(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    _as(client, world.home_hr)
    member = _import_person(client, session, payload, world.home.ods_code, "poisoned@rv5.example")
    nurse = UserFactory(role=Role.NURSE, trust=world.home, staff_member=member, display_name=f"D {payload}")
    world.nurse, world.nurse_user = member, nurse
    reason, override = f"R {payload}", f"O {payload}"
    secondment = propose(session, world, reason=reason)
    step(
        session, world, secondment, Step.APPROVE, world.home_hr, override_reason=override, note=f"A {payload}"
    )
    step(session, world, secondment, Step.CONSENT, nurse, note=f"C {payload}")
    declined = propose(session, world, start=300, reason=f"R2 {payload}")
    step(session, world, declined, Step.DECLINE, world.home_hr, note=f"N {payload}")
    names = (f"G {payload}", f"F {payload}")
    for user in (world.host_hr, world.home_hr):
        _as(client, user)
        shown_as_text(client, "/secondments", payload, *names)
        shown_as_text(client, f"/secondments/{secondment.id}", payload, *names, reason, override)
        shown_as_text(client, f"/secondments/{declined.id}", payload, *names, f"R2 {payload}", f"N {payload}")
        shown_as_text(client, "/notifications", payload)
        shown_as_text(client, "/", payload)
    _as(client, nurse)
    shown_as_text(client, "/", payload, f"D {payload}")
    shown_as_text(client, "/notifications", payload)
    shown_as_text(client, f"/secondments/{secondment.id}", payload, reason)
    assert session.get(Secondment, secondment.id).reason == reason


def test_secondee_page_shows_her_names_as_text_to_the_host(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    _as(client, world.home_hr)
    member = _import_person(client, session, payload, world.home.ods_code, "poisoned@rv5.example")
    nurse = UserFactory(role=Role.NURSE, trust=world.home, staff_member=member)
    world.nurse, world.nurse_user = member, nurse
    start = date.today() - timedelta(days=2)  # the page asks whether it is on today
    secondment = propose(session, world, today=start, start=0, days=60, reason=f"R {payload}")
    step(session, world, secondment, Step.APPROVE, world.home_hr, on=start, override_reason=f"O {payload}")
    step(session, world, secondment, Step.CONSENT, nurse, on=start)
    issue(world.home, member, "employment", {**SAMPLE_SUBJECTS["employment"], "job_title": f"T {payload}"})
    _as(client, world.host_hr)
    shown_as_text(
        client,
        f"/secondments/{secondment.id}/secondee",
        payload,
        f"G {payload}",
        f"F {payload}",
        f"T {payload}",
    )


def _credentials(world, member, payload: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    employment = issue(
        world.host, member, "employment", {**SAMPLE_SUBJECTS["employment"], "job_title": f"T {payload}"}
    )
    competency = issue(
        world.home,
        member,
        "competency",
        {
            **SAMPLE_SUBJECTS["competency"],
            "framework_title": f"W {payload}",
            "statement": f"S {payload}",
            "assessor_name": f"X {payload}",
        },
    )
    revoked = issue(world.home, member)
    suspended = issue(world.home, member)
    session = world.version._sa_instance_state.session
    change_status(session, revoked, "revoke", actor="test", reason=f"V {payload}")
    change_status(session, suspended, "suspend", actor="test", reason=f"U {payload}")
    session.flush()
    return {"employment": employment, "competency": competency, "revoked": revoked, "suspended": suspended}


def test_credential_claims_and_reasons_are_text_everywhere(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    _as(client, world.home_hr)
    member = _import_person(client, session, payload, world.home.ods_code, "poisoned@rv5.example")
    nurse = UserFactory(role=Role.NURSE, trust=world.home, staff_member=member)
    made = _credentials(world, member, payload)
    names = (f"G {payload}", f"F {payload}")
    for credential in (made["revoked"], made["suspended"], made["competency"]):
        shown_as_text(client, f"/credentials/{credential.id}", payload, *names)
    shown_as_text(client, "/credentials", payload, *names)
    shown_as_text(client, f"/credentials/{made['revoked'].id}", payload, f"V {payload}")
    shown_as_text(client, f"/credentials/{made['suspended'].id}", payload, f"U {payload}")
    # The statement is in the signed document, shown as JSON: escaped as JSON, then as HTML.
    in_json = json.dumps(f"S {payload}")[1:-1]
    shown_as_text(client, f"/credentials/{made['competency'].id}", payload, in_json)
    _as(client, world.host_hr)
    shown_as_text(client, f"/credentials/{made['employment'].id}", payload, *names, f"T {payload}")
    _as(client, nurse)
    shown_as_text(client, "/passport", payload, f"T {payload}")
    shown_as_text(client, "/passport/share", payload, f"T {payload}")
    share, token = share_of(member, [made["employment"], made["competency"]], receiving=world.host)
    session.flush()
    shown_as_text(client, "/passport/shares", payload)
    client.post("/sign-out")
    # The shared page shows the facts of each credential too, the competency's statement among them.
    shown_as_text(client, f"/v/{token}", payload, *names, f"T {payload}", f"S {payload}")
    _as(client, world.host_hr)
    shown_as_text(client, f"/v/{token}", payload, *names, f"T {payload}", f"S {payload}")


def test_framework_titles_and_statements_are_text(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    package = small_package(title=f"W {payload}")
    for item in package["CFItems"]:
        item["fullStatement"] = f"S {item['humanCodingScheme']} {payload}"
        item["notes"] = f"Z {payload}"
    version = import_case_package(session, package, actor="test", owner_trust_id=None, publish=True)
    session.flush()
    _as(client, world.nurse_user)
    shown_as_text(client, "/frameworks", payload, f"W {payload}")
    shown_as_text(client, f"/frameworks/{version.framework.identifier}", payload, f"W {payload}")
    shown_as_text(
        client, f"/frameworks/versions/{version.identifier}", payload, f"W {payload}", f"S A {payload}"
    )
    item = session.scalars(
        select(FrameworkItem).where(
            FrameworkItem.version_id == version.id, FrameworkItem.human_coding_scheme == "A.1"
        )
    ).one()
    shown_as_text(
        client,
        f"/frameworks/versions/{version.identifier}/items/{item.identifier}",
        payload,
        f"S A.1 {payload}",
    )
    shown_as_text(client, f"/frameworks/versions/{version.identifier}?q=S", payload, f"S B {payload}")


def test_job_description_text_is_text(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    content = job_content(
        title=f"T {payload}",
        reports_to=f"M {payload}",
        accountable_to=f"D {payload}",
        purpose=f"P {payload}",
        duties=[{"area": f"A {payload}", "duties": [f"U {payload}"]}],
        person_spec=[
            {
                "category": "qualifications",
                "criterion": f"C {payload}",
                "essential": True,
                "assessed_by": ["application"],
            }
        ],
    )
    version = adopted_job(session, world.host, world.home, **content)
    session.flush()
    texts = [f"{letter} {payload}" for letter in "TMDPAUC"]
    _as(client, world.host_hr)
    shown_as_text(client, "/jobs", payload, f"T {payload}")
    shown_as_text(client, f"/jobs/{version.id}", payload, *texts)
    shown_as_text(client, f"/jobs/{version.id}/print", payload, *texts)
    shown_as_text(client, f"/jobs/{version.id}/fit-check", payload, f"T {payload}")
    shown_as_text(client, "/secondments/new", payload, f"T {payload}")


def test_account_and_token_names_are_text(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    hr = UserFactory(role=Role.HR, trust=world.home, display_name=f"D {payload}")
    _as(client, hr)
    made = client.post("/account/api-tokens", data={"name": f"K {payload}", "days": "90"})
    assert made.status_code == 200
    assert payload not in made.get_data(as_text=True)
    shown_as_text(client, "/account/api-tokens", payload, f"D {payload}", f"K {payload}")
    shown_as_text(client, "/workforce/staff", payload, f"D {payload}")
    admin = UserFactory(role=Role.ADMIN, trust=None)
    _as(client, admin)
    shown_as_text(client, "/admin/users", payload, f"D {payload}")


def test_an_import_report_shows_the_file_s_values_as_text(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    _as(client, world.home_hr)
    rows = [
        assignment("30000002-1", "a@rv5.example", **{"Org Code": payload}),
        assignment("30000003-1", "b@rv5.example", **{"Org Code": "RV5", "Staff Group": payload}),
    ]

    def upload(filename: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/workforce/imports",
            data={"kind": "assignments", "file": (io.BytesIO(csv_bytes(rows)), filename)},
            content_type="multipart/form-data",
        )

    refused = upload(f"{payload}.csv")
    if refused.status_code == 422:
        as_text(refused, payload, where="refused upload", status=422)
    else:
        assert refused.status_code == 303
        shown_as_text(client, refused.headers["Location"], payload)  # the name, or what is after its "/"
    response = upload("staff.csv")
    assert response.status_code == 303, response.data[:500]
    shown_as_text(client, response.headers["Location"], payload)
    job = session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    shown_as_text(client, job.result_url, payload, payload)


def test_refused_forms_show_what_was_typed_as_text(client, session, payload):  # type: ignore[no-untyped-def]
    world = make_world(session)
    _as(client, world.host_hr)
    day = date.today() + timedelta(days=20)
    refused = client.post(
        "/secondments/new",
        data={
            "staff_email": world.nurse.email,
            "job_version_id": str(world.version.id),
            **{f"start_date-{part}": str(getattr(day, part)) for part in ("day", "month", "year")},
            "fte": "0.6",
            "recharge_percent": "100",
            "reason": f"R {payload}",
        },
    )
    as_text(refused, payload, f"R {payload}", where="refused proposal", status=422)
    version = import_case_package(session, small_package(), actor="test", owner_trust_id=None, publish=True)
    session.flush()
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    assessor = UserFactory(role=Role.ASSESSOR, trust=world.host)
    _as(client, assessor)
    assessed = date.today() - timedelta(days=1)
    form = {
        "version": version.identifier,
        "nurse": f"N {payload}",
        "item": item.identifier,
        "proficiency_level": "competent",
        "method": "questioning",
        "outcome": "working_towards",
        "evidence": f"E {payload}",
        **{f"assessed_on-{part}": str(getattr(assessed, part)) for part in ("day", "month", "year")},
    }
    refused = client.post("/frameworks/sign-offs/new", data=form)
    as_text(refused, payload, f"E {payload}", where="refused sign-off", status=422)
