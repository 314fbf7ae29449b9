""""Your data" (issue 17): a person asks for a copy of everything held about them; a job makes it (its
page shows the progress); the copy is theirs alone, readable as a page and as JSON, for seven days."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.background.models import Job, JobFile
from passport.subject_access.operations import EXPORT_JOB_KIND, KEEP_EXPORT
from passport.subject_access.tasks import delete_expired_exports
from tests.conftest import sign_in
from tests.support.credential_factories import issue
from tests.support.factories import UserFactory
from tests.support.secondment_factories import make_world
from tests.support.workforce_factories import AbsenceFactory


def _ask(client, session) -> Job:  # type: ignore[no-untyped-def]
    answer = client.post("/account/your-data")
    assert answer.status_code == 303
    job = session.scalars(select(Job).where(Job.kind == EXPORT_JOB_KIND).order_by(Job.id.desc())).first()
    assert answer.headers["Location"].endswith(f"/background-jobs/{job.id}")  # its progress
    session.refresh(job)
    return job


def test_a_nurse_gets_a_copy_of_everything_held_about_her(client, session):
    world = make_world(session)
    absence = AbsenceFactory(assignment=world.home_assignment, reason_code="S12")
    credential = issue(world.home, world.nurse)
    session.flush()
    sign_in(client, world.nurse_user)
    assert "Get a copy of your data" in client.get("/account/your-data").get_data(as_text=True)

    job = _ask(client, session)
    assert job.status == "succeeded", job.error
    assert job.created_by_id == world.nurse_user.id and job.result["rows"] > 0
    page = client.get("/account/your-data").get_data(as_text=True)
    assert "Ready until" in page and f"/account/your-data/{job.id}.json" in page

    download = client.get(f"/account/your-data/{job.id}.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    sections = {s["table"]: s["rows"] for s in json.loads(download.data)["sections"]}
    assert [row["id"] for row in sections["absence"]] == [absence.id]
    assert sections["issued_credential"][0]["document"] == credential.document
    readable = client.get(f"/account/your-data/{job.id}").get_data(as_text=True)
    assert "<h1>Everything held about you</h1>" in readable
    assert "<h2>Your absences, with their reasons</h2>" in readable and "S12" in readable
    assert world.nurse_user.password_hash not in readable
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_data.exported")).one()
    assert event.actor_user_id == world.nurse_user.id and event.record_id == str(world.nurse.id)


def test_a_copy_is_its_owners_alone(client, session):
    world = make_world(session)
    sign_in(client, world.nurse_user)
    job = _ask(client, session)
    client.post("/sign-out")
    for other in (world.home_hr, UserFactory(role=Role.ADMIN, trust=None)):  # not HR, not an admin
        sign_in(client, other)
        assert client.get(f"/account/your-data/{job.id}.json").status_code == 404
        assert client.get(f"/account/your-data/{job.id}").status_code == 404
        assert f"/account/your-data/{job.id}" not in client.get("/account/your-data").get_data(as_text=True)
        client.post("/sign-out")


def test_a_copy_goes_after_seven_days(client, session):
    world = make_world(session)
    sign_in(client, world.nurse_user)
    job = _ask(client, session)
    assert delete_expired_exports(session) == 0  # a fresh copy stays
    job.finished_at -= KEEP_EXPORT + timedelta(minutes=1)
    session.flush()
    gone = client.get(f"/account/your-data/{job.id}.json")
    assert gone.status_code == 410 and "copies are kept for 7 days" in gone.get_data(as_text=True)
    assert "Deleted after 7 days" in client.get("/account/your-data").get_data(as_text=True)
    assert delete_expired_exports(session) == 1
    assert session.scalars(select(JobFile).where(JobFile.job_id == job.id)).first() is None


def test_asking_again_while_a_copy_is_being_made_shows_that_one(client, session):
    world = make_world(session)
    sign_in(client, world.nurse_user)
    first = client.post("/account/your-data")  # made at once here; make it look unfinished
    job = session.scalars(select(Job).where(Job.kind == EXPORT_JOB_KIND)).one()
    job.status, job.finished_at = "running", None
    session.flush()
    again = client.post("/account/your-data")
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert session.scalars(select(Job).where(Job.kind == EXPORT_JOB_KIND)).all() == [job]
