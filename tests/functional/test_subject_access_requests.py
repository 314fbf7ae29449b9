"""Subject access requests made by letter, email or in person (issue 17): HR of the person's trust record
one with the date it arrived, see the deadline (one calendar month) and the days left, make the person's
copy, download it, and mark the request answered; all audited. Another trust's staff are refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.subject_access.models import SubjectAccessRequest
from passport.subject_access.requests import due_on
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, TrustFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 2), date(2027, 1, 2)),
    ],
)
def test_the_deadline_is_one_calendar_month(received, due):
    assert due_on(received) == due


def _boxes(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def test_hr_records_a_request_makes_the_copy_and_answers_it(client, session):
    trust = TrustFactory(ods_code="RPG", name="Oxleas")
    member = StaffMemberFactory(trust=trust, given_name="Ada", family_name="Okafor")
    absence = AbsenceFactory(assignment=AssignmentFactory(staff_member=member), reason_code="S12")
    hr = UserFactory(role=Role.HR, trust=trust)
    session.flush()
    sign_in(client, hr)
    received = date.today() - timedelta(days=3)
    answer = client.post(
        "/workforce/subject-access",
        data={"staff_email": "okafor", **_boxes("received_on", received), "how_received": "letter"},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    record = session.scalars(select(SubjectAccessRequest)).one()
    assert record.staff_member_id == member.id and record.due_on == due_on(received)
    listing = client.get("/workforce/subject-access").get_data(as_text=True)
    left = (record.due_on - date.today()).days
    assert "Ada Okafor" in listing and f"{left} days left" in listing

    made = client.post(f"/workforce/subject-access/{record.id}/copy")
    assert made.status_code == 303 and "/background-jobs/" in made.headers["Location"]
    session.refresh(record)
    download = client.get(f"/workforce/subject-access/{record.id}/copy.json")
    assert download.status_code == 200
    sections = {s["table"]: s["rows"] for s in json.loads(download.data)["sections"]}
    assert [row["id"] for row in sections["absence"]] == [absence.id]
    # The copy is the request's, not HR's own: not on HR's Your data page.
    assert f"/account/your-data/{record.export_job_id}" not in client.get("/account/your-data").get_data(
        as_text=True
    )
    assert client.get(f"/account/your-data/{record.export_job_id}.json").status_code == 404

    # Answering asks first: without the confirmation page's answer nothing changes.
    confirm = client.get(f"/workforce/subject-access/{record.id}/answered").get_data(as_text=True)
    assert "Mark the request of Ada Okafor as answered?" in confirm
    assert 'name="confirmed" value="yes"' in confirm
    unconfirmed = client.post(f"/workforce/subject-access/{record.id}/answered")
    assert unconfirmed.headers["Location"].endswith(f"/workforce/subject-access/{record.id}/answered")
    session.refresh(record)
    assert record.completed_at is None
    answered = client.post(f"/workforce/subject-access/{record.id}/answered", data={"confirmed": "yes"})
    assert answered.status_code == 302
    session.refresh(record)
    assert record.completed_at is not None
    assert "No open requests." in client.get("/workforce/subject-access").get_data(as_text=True)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("subject_%"))).all()
    assert sorted(actions) == [
        "subject_access.request_answered",
        "subject_access.request_recorded",
        "subject_data.exported",
    ]


def test_another_trusts_staff_and_bad_dates_are_refused_and_nothing_is_recorded(client, session):
    own, other = TrustFactory(ods_code="RPG", name="Oxleas"), TrustFactory(ods_code="RV5", name="Maudsley")
    theirs = StaffMemberFactory(trust=other, given_name="Cat", family_name="Elsewhere")
    StaffMemberFactory(trust=own, given_name="Ada", family_name="Okafor")
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    base = {"how_received": "email", **_boxes("received_on", date.today())}
    by_email = client.post("/workforce/subject-access", data={**base, "staff_email": theirs.email})
    assert by_email.status_code == 422
    assert "Cat Elsewhere is on the staff of Maudsley: their HR team records" in by_email.get_data(
        as_text=True
    )
    by_name = client.post("/workforce/subject-access", data={**base, "staff_email": "Elsewhere"})
    assert by_name.status_code == 422 and "No one in your trust" in by_name.get_data(as_text=True)
    future = {**base, **_boxes("received_on", date.today() + timedelta(days=1)), "staff_email": "Okafor"}
    later = client.post("/workforce/subject-access", data=future)
    assert later.status_code == 422 and "today or in the past" in later.get_data(as_text=True)
    assert session.scalars(select(SubjectAccessRequest)).first() is None


def test_hr_of_another_trust_cannot_open_a_request(client, session):
    own, other = TrustFactory(ods_code="RPG"), TrustFactory(ods_code="RV5")
    member = StaffMemberFactory(trust=own)
    hr = UserFactory(role=Role.HR, trust=own)
    sign_in(client, hr)
    client.post(
        "/workforce/subject-access",
        data={"staff_email": member.email, "how_received": "email", **_boxes("received_on", date.today())},
    )
    record = session.scalars(select(SubjectAccessRequest)).one()
    client.post("/sign-out")
    sign_in(client, UserFactory(role=Role.HR, trust=other))
    assert client.get(f"/workforce/subject-access/{record.id}").status_code == 404
    assert client.post(f"/workforce/subject-access/{record.id}/answered").status_code == 404
