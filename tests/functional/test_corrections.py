"""Corrections (issue 17): a person asks from her record's page for one value to be corrected; HR of the
trust holding the record accept (the change is made, by the forms' rules) or decline with a reason; she
sees the outcome; every step is audited. A signed credential is refused, another person's record is not
found, HR of another trust cannot see the request."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.corrections.models import CorrectionRequest
from passport.secondments.models import Notification
from passport.trusts.models import StaffMember
from passport.workforce.models import Absence, Assignment
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, TrustFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


def _boxes(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def _nurse_and_hr(session):  # type: ignore[no-untyped-def]
    trust = TrustFactory(ods_code="RPG", name="Oxleas NHS Foundation Trust")
    member = StaffMemberFactory(trust=trust, given_name="Ada", family_name="Okafor")
    assignment = AssignmentFactory(staff_member=member, start_date=date(2023, 4, 1))
    absence = AbsenceFactory(
        assignment=assignment, first_day=date(2024, 5, 1), last_day=date(2024, 5, 3), reason_code="S12"
    )
    nurse = UserFactory(role=Role.NURSE, trust=trust, staff_member=member, email=member.email)
    hr = UserFactory(role=Role.HR, trust=trust)
    session.flush()
    return member, assignment, absence, nurse, hr


def _events(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_nurse_asks_and_hr_accepts_and_the_absence_changes(client, session):
    member, _assignment, absence, nurse, hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    page = client.get("/account/your-record").get_data(as_text=True)
    assert (
        "Your staff record" in page and "1 May 2024" in page and "S12 Other musculoskeletal problems" in page
    )
    chooser = client.get(f"/account/corrections/new?record=absence:{absence.id}").get_data(as_text=True)
    assert "What is wrong?" in chooser and "Last day: 3 May 2024" in chooser
    form = client.get(f"/account/corrections/new?record=absence:{absence.id}&field=last_day")
    assert "Your record says: 3 May 2024" in form.get_data(as_text=True)
    sent = client.post(
        "/account/corrections/new",
        data={
            "record": f"absence:{absence.id}",
            "field": "last_day",
            **_boxes("value", date(2024, 5, 2)),
            "explanation": "I came back on the 3rd.",
        },
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    request = session.scalars(select(CorrectionRequest)).one()
    assert (request.record_type, request.record_id, request.field) == ("absence", absence.id, "last_day")
    assert (request.current_value, request.requested_value, request.status) == (
        "3 May 2024",
        "2024-05-02",
        "open",
    )
    assert request.trust_id == member.trust_id
    assert "Waiting for HR" in client.get("/account/your-record").get_data(as_text=True)
    # The reason for sickness is health data: the audit log names the field, not the values.
    (asked,) = _events(session, "correction.requested")
    assert asked.details == {"record": f"absence:{absence.id}", "field": "last_day"}

    client.post("/sign-out")
    sign_in(client, hr)
    listing = client.get("/workforce/corrections").get_data(as_text=True)
    assert "Ada Okafor" in listing and "Last day: 3 May 2024 to 2 May 2024" in listing
    assert "1 correction waits for a decision" in client.get("/").get_data(as_text=True)
    confirm = client.post(f"/workforce/corrections/{request.id}", data={"decision": "accept"})
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Change the last day of Ada Okafor?" in text and 'name="confirmed" value="yes"' in text
    session.refresh(absence)
    assert absence.last_day == date(2024, 5, 3)  # nothing changes before the confirmation
    done = client.post(
        f"/workforce/corrections/{request.id}", data={"decision": "accept", "confirmed": "yes"}
    )
    assert done.status_code == 303
    assert session.scalars(select(Absence.last_day).where(Absence.id == absence.id)).one() == date(2024, 5, 2)
    session.refresh(request)
    assert request.status == "accepted" and request.decided_by_id == hr.id
    assert len(_events(session, "correction.accepted")) == 1
    (told,) = session.scalars(select(Notification).where(Notification.user_id == nurse.id))
    assert "now says 2 May 2024" in told.message

    client.post("/sign-out")
    sign_in(client, nurse)
    assert "Corrected" in client.get("/account/your-record").get_data(as_text=True)


def test_hr_declines_with_a_reason_she_reads_and_the_record_stays(client, session):
    member, _assignment, _absence, nurse, hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    sent = client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "family_name", "value": "Okafor-Ade"},
    )
    assert sent.status_code == 303
    request = session.scalars(select(CorrectionRequest)).one()
    client.post("/sign-out")
    sign_in(client, hr)
    no_reason = client.post(
        f"/workforce/corrections/{request.id}", data={"decision": "decline", "confirmed": "yes"}
    )
    assert no_reason.status_code == 422
    assert "Say why the correction is declined" in no_reason.get_data(as_text=True)
    declined = client.post(
        f"/workforce/corrections/{request.id}",
        data={"decision": "decline", "reason": "Your passport shows Okafor.", "confirmed": "yes"},
    )
    assert declined.status_code == 303
    assert (
        session.scalars(select(StaffMember.family_name).where(StaffMember.id == member.id)).one() == "Okafor"
    )
    again = client.post(
        f"/workforce/corrections/{request.id}", data={"decision": "accept", "confirmed": "yes"}
    )
    assert again.status_code == 200 and "Declined on" in again.get_data(as_text=True)
    assert (
        session.scalars(select(StaffMember.family_name).where(StaffMember.id == member.id)).one() == "Okafor"
    )
    client.post("/sign-out")
    sign_in(client, nurse)
    page = client.get("/account/your-record").get_data(as_text=True)
    assert "Declined" in page and "Your passport shows Okafor." in page


def test_an_accepted_change_that_breaks_a_rule_is_refused_with_nothing_written(client, session):
    member, assignment, absence, nurse, hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    # The assignment cannot start after an absence on it.
    client.post(
        "/account/corrections/new",
        data={
            "record": f"assignment:{assignment.id}",
            "field": "start_date",
            **_boxes("value", date(2024, 6, 1)),
        },
    )
    request = session.scalars(select(CorrectionRequest)).one()
    client.post("/sign-out")
    sign_in(client, hr)
    refused = client.post(
        f"/workforce/corrections/{request.id}", data={"decision": "accept", "confirmed": "yes"}
    )
    assert refused.status_code == 422
    assert "An absence starts on 1 May 2024, before this start date" in refused.get_data(as_text=True)
    assert session.scalars(select(Assignment.start_date).where(Assignment.id == assignment.id)).one() == date(
        2023, 4, 1
    )
    assert session.scalars(select(CorrectionRequest.status)).one() == "open"
    assert _events(session, "correction.accepted") == []


def test_bad_requests_are_named(client, session):
    member, _assignment, absence, nurse, _hr = _nurse_and_hr(session)
    other = AbsenceFactory(assignment=AssignmentFactory())
    session.flush()
    sign_in(client, nurse)
    # Another person's absence: not found, as if there were none.
    assert client.get(f"/account/corrections/new?record=absence:{other.id}").status_code == 404
    # A value the record already holds, a PIN that is not one, an empty date.
    same = client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "given_name", "value": "Ada"},
    )
    assert same.status_code == 422 and "Your record already says Ada" in same.get_data(as_text=True)
    pin = client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "nmc_pin", "value": "12345"},
    )
    assert pin.status_code == 422 and "is not an NMC PIN" in pin.get_data(as_text=True)
    empty = client.post(
        "/account/corrections/new", data={"record": f"absence:{absence.id}", "field": "first_day"}
    )
    assert empty.status_code == 422 and "Enter the correct date" in empty.get_data(as_text=True)
    # A second request for the same value while one waits.
    first = client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "given_name", "value": "Adaeze"},
    )
    assert first.status_code == 303
    second = client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "given_name", "value": "Adaora"},
    )
    assert second.status_code == 422 and "HR have not decided yet" in second.get_data(as_text=True)
    assert session.scalars(select(CorrectionRequest.requested_value)).all() == ["Adaeze"]


def test_a_signed_credential_is_refused_and_the_page_says_why(client, session):
    _member, _assignment, _absence, nurse, _hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    page = client.get("/account/corrections/new?record=credential:1")
    assert page.status_code == 200
    assert "revoke it and issue a corrected one" in page.get_data(as_text=True)
    posted = client.post("/account/corrections/new", data={"record": "credential:1", "value": "x"})
    assert posted.status_code == 422 and "There is a problem" in posted.get_data(as_text=True)
    assert session.scalars(select(CorrectionRequest)).all() == []


def test_hr_of_another_trust_cannot_see_or_decide(client, session):
    member, _assignment, _absence, nurse, _hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "given_name", "value": "Adaeze"},
    )
    request = session.scalars(select(CorrectionRequest)).one()
    client.post("/sign-out")
    elsewhere = UserFactory(role=Role.HR, trust=TrustFactory(ods_code="RV5"))
    session.flush()
    sign_in(client, elsewhere)
    assert "Adaeze" not in client.get("/workforce/corrections").get_data(as_text=True)
    assert client.get(f"/workforce/corrections/{request.id}").status_code == 404
    post = client.post(
        f"/workforce/corrections/{request.id}", data={"decision": "accept", "confirmed": "yes"}
    )
    assert post.status_code == 404
    session.refresh(request)
    assert request.status == "open"


def test_an_account_without_a_staff_record_has_no_record_page(client, session):
    hr = UserFactory(role=Role.HR)
    session.flush()
    sign_in(client, hr)
    assert client.get("/account/your-record").status_code == 404


def test_malformed_record_references_are_named_not_failed(client, session):
    _member, _assignment, _absence, nurse, _hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    for reference in (
        "absence:²",
        "absence:99999999999999999999",
        "absence:",
        "absence:-1",
        "staff_member:abc",
    ):
        page = client.get("/account/corrections/new", query_string={"record": reference})
        assert page.status_code == 200 and "This cannot be corrected here" in page.get_data(as_text=True)
        posted = client.post("/account/corrections/new", data={"record": reference, "value": "x"})
        assert posted.status_code == 422, reference
    assert session.scalars(select(CorrectionRequest)).all() == []


def test_hr_opening_a_request_is_a_view_she_sees(client, session):
    from passport.subject_access.models import RecordView

    member, _assignment, absence, nurse, hr = _nurse_and_hr(session)
    sign_in(client, nurse)
    client.post(
        "/account/corrections/new",
        data={"record": f"absence:{absence.id}", "field": "reason_code", "value": "S10"},
    )
    request = session.scalars(select(CorrectionRequest)).one()
    client.post("/sign-out")
    sign_in(client, hr)
    client.get("/workforce/corrections")
    client.get(f"/workforce/corrections/{request.id}")
    views = session.scalars(select(RecordView).where(RecordView.staff_member_id == member.id)).all()
    assert [(v.what, v.viewer_user_id) for v in views] == [("correction_request", hr.id)] * 2


def test_a_date_of_birth_must_come_before_the_first_post(client, session):
    member, _assignment, _absence, nurse, _hr = _nurse_and_hr(session)  # the post starts 1 April 2023
    sign_in(client, nurse)
    late = client.post(
        "/account/corrections/new",
        data={
            "record": f"staff_member:{member.id}",
            "field": "date_of_birth",
            **_boxes("value", date(2023, 5, 1)),
        },
    )
    assert late.status_code == 422
    assert "must be before the first post started (1 April 2023)" in late.get_data(as_text=True)
    assert session.scalars(select(CorrectionRequest)).all() == []


def test_moving_an_absence_onto_another_of_its_kind_is_refused_by_name(client, session):
    _member, assignment, _absence, nurse, hr = _nurse_and_hr(session)
    AbsenceFactory(assignment=assignment, category="ANNUAL_LEAVE", reason_code=None,
                   first_day=date(2025, 3, 2), last_day=date(2025, 3, 4))  # fmt: skip
    later = AbsenceFactory(assignment=assignment, category="ANNUAL_LEAVE", reason_code=None,
                           first_day=date(2025, 3, 9), last_day=date(2025, 3, 10))  # fmt: skip
    session.flush()
    sign_in(client, nurse)
    client.post(
        "/account/corrections/new",
        data={"record": f"absence:{later.id}", "field": "first_day", **_boxes("value", date(2025, 3, 2))},
    )
    request = session.scalars(select(CorrectionRequest)).one()
    client.post("/sign-out")
    sign_in(client, hr)
    refused = client.post(
        f"/workforce/corrections/{request.id}", data={"decision": "accept", "confirmed": "yes"}
    )
    assert refused.status_code == 422
    assert "Another absence of this kind starts on 2 March 2025" in refused.get_data(as_text=True)
    assert session.scalars(select(Absence.first_day).where(Absence.id == later.id)).one() == date(2025, 3, 9)


def test_hr_cannot_decide_a_correction_of_their_own_record(client, session):
    trust = TrustFactory(ods_code="RPG")
    member = StaffMemberFactory(trust=trust, given_name="Hana")
    hr = UserFactory(role=Role.HR, trust=trust, staff_member=member, email=member.email)
    session.flush()
    sign_in(client, hr)
    asked = client.post(
        "/account/corrections/new",
        data={"record": f"staff_member:{member.id}", "field": "given_name", "value": "Hannah"},
    )
    assert asked.status_code == 303
    request = session.scalars(select(CorrectionRequest)).one()
    own = client.post(f"/workforce/corrections/{request.id}", data={"decision": "accept", "confirmed": "yes"})
    assert own.status_code == 422 and "decided by a colleague" in own.get_data(as_text=True)
    assert session.scalars(select(StaffMember.given_name).where(StaffMember.id == member.id)).one() == "Hana"
