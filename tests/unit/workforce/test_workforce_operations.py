"""Absences, leavers, the staff list and a person's record, through the access policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.errors import AccessDenied, Conflict, InvalidInput
from passport.workforce import operations
from passport.workforce.operations import StaffFilters, bradford_factor
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    own, other = demo_trusts
    return {
        "own": own,
        "other": other,
        "hr": UserFactory(role=Role.HR, trust=own),
        "other_hr": UserFactory(role=Role.HR, trust=other),
        "director": UserFactory(role=Role.DIRECTOR, trust=own),
        "admin": UserFactory(role=Role.ADMIN, trust=None),
        "nurse_post": AssignmentFactory(
            staff_member__trust=own,
            staff_member__given_name="Amara",
            staff_member__family_name="Okafor",
            start_date=date(2023, 4, 1),
        ),
        "physio_post": AssignmentFactory(
            staff_member__trust=own,
            staff_group="AHP",
            afc_band="6",
            start_date=date(2020, 1, 1),
            end_date=date(2022, 12, 31),
        ),
        "elsewhere": AssignmentFactory(staff_member__trust=other, start_date=date(2023, 1, 1)),
    }


def record(session, world, **changes):  # type: ignore[no-untyped-def]
    values = {
        "first_day": date(2024, 5, 1),
        "last_day": date(2024, 5, 3),
        "category": "SICKNESS",
        "reason_code": "S10",
    }
    values.update(changes)
    user = values.pop("user", world["hr"])
    assignment = values.pop("assignment", world["nurse_post"])
    return operations.record_absence(session, user, assignment, **values)


def test_hr_records_a_sickness_absence_and_the_audit_log_keeps_no_reason(session, world):
    absence = record(session, world)
    assert (absence.reason_code, absence.trust_id) == ("S10", world["own"].id)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "absence.recorded"))
    assert event.details == {
        "assignment_number": world["nurse_post"].assignment_number,
        "category": "SICKNESS",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason_code": None}, "reason_code"),
        ({"reason_code": "S55"}, "reason_code"),
        ({"category": "ANNUAL_LEAVE"}, "reason_code"),  # only sickness has a reason
        ({"category": "HOLIDAY"}, "category"),
        ({"last_day": date(2024, 4, 30)}, "last_day"),
        ({"first_day": date(2023, 3, 1)}, "first_day"),  # before the assignment began
    ],
)
def test_bad_absences_are_refused_naming_the_field(session, world, changes, field):
    with pytest.raises(InvalidInput) as caught:
        record(session, world, **changes)
    assert field in caught.value.errors


def test_overlapping_sickness_is_refused_but_other_absence_may_overlap(session, world):
    record(session, world, last_day=None)
    with pytest.raises(Conflict, match="overlaps the sickness absence 1 May 2024 to now"):
        record(session, world, first_day=date(2024, 6, 1), last_day=date(2024, 6, 2))
    leave = record(
        session, world, first_day=date(2024, 6, 1), last_day=None, category="STUDY_LEAVE", reason_code=None
    )
    assert leave.reason_code is None


def test_absences_outside_an_ended_assignment_are_refused(session, world):
    with pytest.raises(InvalidInput, match="end by the assignment's end date"):
        record(session, world, assignment=world["physio_post"], first_day=date(2022, 12, 30), last_day=None)


@pytest.mark.parametrize("who", ["other_hr", "director"])
def test_only_hr_of_the_trust_or_an_admin_records(session, world, who):
    with pytest.raises(AccessDenied):
        record(session, world, user=world[who])
    assert record(session, world, user=world["admin"]).id


def test_ending_an_absence(session, world):
    absence = record(session, world, last_day=None)
    with pytest.raises(InvalidInput):
        operations.end_absence(session, world["hr"], absence, last_day=date(2024, 4, 1))
    operations.end_absence(session, world["hr"], absence, last_day=date(2024, 5, 9))
    assert absence.last_day == date(2024, 5, 9)
    with pytest.raises(Conflict, match="already ended"):
        operations.end_absence(session, world["hr"], absence, last_day=date(2024, 5, 10))
    with pytest.raises(AccessDenied):
        operations.end_absence(session, world["other_hr"], absence, last_day=date(2024, 5, 10))


def test_recording_a_leaver_ends_open_absences(session, world):
    post = world["nurse_post"]
    open_absence = record(session, world, first_day=date(2025, 1, 6), last_day=None)
    with pytest.raises(InvalidInput, match="not a leaving reason"):
        operations.record_leaver(
            session, world["hr"], post, end_date=date(2025, 3, 31), leaving_reason="BORED"
        )
    with pytest.raises(InvalidInput, match="after this leaving date"):
        operations.record_leaver(
            session, world["hr"], post, end_date=date(2025, 1, 1), leaving_reason="RETIREMENT_AGE"
        )
    operations.record_leaver(
        session, world["hr"], post, end_date=date(2025, 3, 31), leaving_reason="retirement_age"
    )
    assert (post.end_date, post.leaving_reason, open_absence.last_day) == (
        date(2025, 3, 31),
        "RETIREMENT_AGE",
        date(2025, 3, 31),
    )
    with pytest.raises(Conflict, match="already ended"):
        operations.record_leaver(
            session, world["hr"], post, end_date=date(2025, 4, 1), leaving_reason="FTC_END"
        )


def test_the_staff_list_is_scoped_and_filtered(session, world):
    def names(user, **filters):  # type: ignore[no-untyped-def]
        page = operations.list_staff(session, user, StaffFilters(**filters))
        return {item.member.id for item in page.items}

    nurse, physio, elsewhere = (world[k].staff_member_id for k in ("nurse_post", "physio_post", "elsewhere"))
    unassigned = StaffMemberFactory(trust=world["own"]).id
    assert names(world["hr"]) == {nurse, physio, unassigned}
    assert names(world["admin"]) >= {nurse, physio, elsewhere, unassigned}
    assert names(world["hr"], staff_group="AHP") == {physio}
    assert names(world["hr"], afc_band="6") == {physio}
    assert names(world["hr"], in_post_on=date(2024, 1, 1)) == {nurse}
    assert names(world["hr"], name="okaf") == {nurse}
    assert names(world["hr"], name="amara okafor") == {nurse}
    assert names(world["other_hr"]) == {elsewhere}
    with pytest.raises(InvalidInput):
        names(world["hr"], staff_group="NOPE")
    with pytest.raises(AccessDenied):
        names(world["director"])
    page = operations.list_staff(session, world["admin"], StaffFilters(), limit=1, offset=1)
    assert page.total >= 4 and len(page.items) == 1


def test_a_persons_record_shows_reasons_and_bradford_to_her_trusts_hr_only(session, world):
    post = world["nurse_post"]
    record(session, world, first_day=date(2024, 5, 1), last_day=date(2024, 5, 2))
    record(session, world, first_day=date(2024, 9, 1), last_day=date(2024, 9, 3), reason_code="S12")
    hr_view = operations.person_record(session, world["hr"], post.staff_member_id, today=date(2024, 12, 31))
    assert [a.reason_label for a in hr_view.absences] == [
        "S12 Other musculoskeletal problems",
        "S10 Anxiety/stress/depression/other psychiatric illnesses",
    ]
    assert (hr_view.bradford.spells, hr_view.bradford.days, hr_view.bradford.score) == (2, 5, 20)
    admin_view = operations.person_record(session, world["admin"], post.staff_member_id)
    assert admin_view.bradford is None and [a.reason_label for a in admin_view.absences] == [None, None]
    for who in ("other_hr", "director"):
        with pytest.raises(AccessDenied):
            operations.person_record(session, world[who], post.staff_member_id)


def _sick(first: date, last: date | None):  # type: ignore[no-untyped-def]
    return AbsenceFactory.build(first_day=first, last_day=last)


def test_bradford_factor_by_hand():
    as_of = date(2025, 3, 31)  # window: 52 weeks = 364 days, from 02/04/2024
    spells = [
        _sick(date(2024, 3, 30), date(2024, 4, 3)),  # 2 days inside the window (2 and 3 April)
        _sick(date(2024, 6, 10), date(2024, 6, 12)),  # 3 days
        _sick(date(2024, 6, 12), date(2024, 6, 14)),  # overlaps the last (second post): one spell to 14/06
        _sick(date(2024, 6, 15), date(2024, 6, 15)),  # touches it: still the same spell
        _sick(date(2025, 3, 30), None),  # open: runs to 31/03/2025, 2 days
        _sick(date(2023, 1, 1), date(2023, 1, 9)),  # outside the window
    ]
    factor = bradford_factor(spells, as_of)
    assert factor.window_start == date(2024, 4, 2)
    assert (factor.spells, factor.days, factor.score) == (3, 2 + 6 + 2, 3 * 3 * 10)
    assert bradford_factor([], as_of).score == 0


def test_fte_is_a_decimal(world):
    assert world["nurse_post"].contracted_fte == Decimal("1.0")
