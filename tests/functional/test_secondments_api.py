"""The secondments API end to end through HTTP: the three-party journey, refusals as RFC 9457 problems
that change nothing, lists by direction, the to-do list, notifications and the host's view of her."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from passport.auth.operations import create_api_token
from passport.secondments import operations
from passport.secondments.models import Secondment, SecondmentStep
from passport.secondments.state import Step
from tests.support.credential_factories import issue
from tests.support.job_factories import make_job
from tests.support.secondment_factories import make_world, propose, step
from tests.support.workforce_factories import AbsenceFactory

TODAY = date.today()


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


@pytest.fixture
def call(client, session):  # type: ignore[no-untyped-def]
    tokens: dict[int, str] = {}

    def _call(user, method, url, json=None):  # type: ignore[no-untyped-def]
        if user.id not in tokens:
            tokens[user.id] = create_api_token(session, user, "test")[1]
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {tokens[user.id]}"}
        )

    return _call


def _proposal(world, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "staff_email": world.nurse.email,
        "job_version_id": world.version.id,
        "start_date": (TODAY + timedelta(days=14)).isoformat(),
        "end_date": (TODAY + timedelta(days=200)).isoformat(),
        "hours_per_week": "30",
        "recharge_percent": "80",
        "reason": "Cover for a long-term vacancy.",
    }
    body.update(overrides)
    return body


def _count(session):  # type: ignore[no-untyped-def]
    return (
        session.scalar(select(func.count()).select_from(Secondment)),
        session.scalar(select(func.count()).select_from(SecondmentStep)),
    )


def test_the_three_party_journey(call, world, session):
    made = call(world.host_hr, "POST", "/api/v1/secondments", _proposal(world))
    assert made.status_code == 201, made.json
    body = made.json
    assert (body["status"], body["home_trust"], body["host_trust"]) == ("proposed", "RV5", "RPG")
    assert (body["hours_per_week"], body["recharge_percent"], body["fte"]) == ("30.00", "80.00", None)
    assert body["waiting_on"] == ["home", "nurse"]
    url = f"/api/v1/secondments/{body['id']}"

    todo = call(world.home_hr, "GET", "/api/v1/secondments/todo").json
    assert [(t["secondment_id"], t["party"], t["what"]) for t in todo] == [
        (body["id"], "home", "Approve or decline")
    ]
    assert call(world.nurse_user, "GET", "/api/v1/secondments/todo").json[0]["what"] == "Consent or decline"

    blocked = call(world.home_hr, "POST", f"{url}/steps", {"step": "approve"})
    assert blocked.status_code == 409
    assert blocked.mimetype == "application/problem+json"
    assert "does not meet essential requirements" in blocked.json["detail"]
    assert blocked.json["errors"][0]["field"] == "override_reason"

    approved = call(
        world.home_hr,
        "POST",
        f"{url}/steps",
        {"step": "approve", "override_reason": "Checks follow on day one.", "note": "Good luck"},
    )
    assert approved.status_code == 200, approved.json
    assert approved.json["fit_check"]["verdict"] == "not_ready"
    assert approved.json["waiting_on"] == ["nurse"]

    consented = call(world.nurse_user, "POST", f"{url}/steps", {"step": "consent"})
    assert consented.status_code == 200
    assert consented.json["status"] == "agreed"
    assert [s["step"] for s in consented.json["steps"]] == ["propose", "approve", "consent"]
    assert consented.json["steps"][1]["note"] == "Good luck"

    incoming = call(world.host_hr, "GET", "/api/v1/secondments?direction=incoming").json
    outgoing = call(world.home_hr, "GET", "/api/v1/secondments?direction=outgoing").json
    assert [s["id"] for s in incoming] == [s["id"] for s in outgoing] == [body["id"]]
    assert call(world.home_hr, "GET", "/api/v1/secondments?direction=incoming").json == []
    assert call(world.host_hr, "GET", "/api/v1/secondments?status=agreed").json[0]["id"] == body["id"]
    assert call(world.host_hr, "GET", "/api/v1/secondments?status=active").json == []
    assert call(world.third_hr, "GET", "/api/v1/secondments").json == []
    assert call(world.third_hr, "GET", url).status_code == 403

    notes = call(world.host_hr, "GET", "/api/v1/notifications").json
    assert any("All three parties agree" in n["message"] for n in notes)
    assert call(world.host_hr, "POST", "/api/v1/notifications/read").json["marked_read"] == len(notes)


@pytest.mark.parametrize(
    ("overrides", "status", "field", "words"),
    [
        (
            {"end_date": (TODAY + timedelta(days=13)).isoformat()},
            422,
            "end_date",
            "on or after the start date",
        ),
        ({"fte": "0.5"}, 422, "fte", "not both"),
        ({"staff_email": "nobody@example.test"}, 422, "staff_email", "no staff record"),
        ({"recharge_percent": "120"}, 422, "recharge_percent", None),
        ({"surprise": 1}, 422, "surprise", None),
    ],
)
def test_bad_proposals_are_problems_naming_the_field(call, world, session, overrides, status, field, words):  # type: ignore[no-untyped-def]
    before = _count(session)
    answer = call(world.host_hr, "POST", "/api/v1/secondments", _proposal(world, **overrides))
    assert answer.status_code == status, answer.json
    assert field in {e["field"] for e in answer.json["errors"]}
    if words:
        assert words in answer.json["detail"]
    assert _count(session) == before


def test_home_and_host_the_same_trust_and_an_unadopted_job_are_refused(call, world, session):
    before = _count(session)
    same = call(world.home_hr, "POST", "/api/v1/secondments", _proposal(world))
    assert same.status_code == 422 and "home and host cannot be the same" in same.json["detail"]
    draft = make_job(session)
    unadopted = call(world.host_hr, "POST", "/api/v1/secondments", _proposal(world, job_version_id=draft.id))
    assert unadopted.status_code == 422 and unadopted.json["errors"][0]["field"] == "job_version_id"
    assert _count(session) == before


def test_overlap_wrong_trust_wrong_nurse_and_completed_extension(call, world, session):
    first = call(world.host_hr, "POST", "/api/v1/secondments", _proposal(world)).json
    again = call(world.host_hr, "POST", "/api/v1/secondments", _proposal(world))
    assert again.status_code == 409 and "already seconded" in again.json["detail"]
    steps = f"/api/v1/secondments/{first['id']}/steps"
    before = _count(session)
    wrong_trust = call(world.host_hr, "POST", steps, {"step": "approve", "override_reason": "x"})
    assert wrong_trust.status_code == 403 and "Only HR of the home trust (RV5)" in wrong_trust.json["detail"]
    not_her = call(world.home_hr, "POST", steps, {"step": "consent"})
    assert not_her.status_code == 403
    cancel_then_extend = call(world.host_hr, "POST", steps, {"step": "cancel"})
    assert cancel_then_extend.json["status"] == "cancelled"
    extend = call(world.host_hr, "POST", steps, {"step": "request_extension", "new_end_date": "2030-01-01"})
    assert extend.status_code == 409 and "cannot be extended" in extend.json["detail"]
    assert _count(session)[1] == before[1] + 1  # only the cancel was recorded


def test_host_hr_sees_her_passport_while_active_but_never_her_sickness(call, world, session):
    AbsenceFactory(assignment=world.home_assignment, reason_code="S10", related_reason="stress at home")
    issue(world.home, world.nurse, "dbs-check")
    start = TODAY - timedelta(days=3)
    secondment = propose(session, world, today=start, start=0, days=90)
    url = f"/api/v1/secondments/{secondment.id}/secondee"
    assert call(world.host_hr, "GET", url).status_code == 403  # proposed: not on
    step(session, world, secondment, Step.APPROVE, world.home_hr, on=start, override_reason="x")
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=start)
    answer = call(world.host_hr, "GET", url)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert [c["credential_type"] for c in body["credentials"]] == ["dbs-check"]
    assert body["host_assignment"]["assignment_number"] == f"SEC-{secondment.id}"
    assert body["host_assignment"]["person_type"] == "secondee"
    assert body["home_assignment"]["trust"] == "RV5"
    text = answer.get_data(as_text=True)
    assert "S10" not in text and "stress" not in text and "absence" not in text.lower()
    assert call(world.home_hr, "GET", url).status_code == 403  # the home trust has its own pages for her
    assert call(world.third_hr, "GET", url).status_code == 403
    assert operations.is_on(secondment, TODAY)
