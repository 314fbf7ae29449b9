"""The workflow on the real database: bad input refused with a reason and nothing changed, the fit check
at approval, the host assignment contract with the metrics, the daily tick, and notifications."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.errors import AccessDenied, Conflict, DomainError, InvalidInput
from passport.secondments import operations
from passport.secondments.models import Notification, OutboxEmail, Secondment, SecondmentStep
from passport.secondments.state import Step
from passport.workforce.models import Assignment
from passport.workforce.signals import records_changed
from tests.support.credential_factories import issue
from tests.support.factories import UserFactory
from tests.support.job_factories import make_job
from tests.support.secondment_factories import OVERRIDE, TODAY, active, agreed, make_world, propose, step


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


def _counts(session):  # type: ignore[no-untyped-def]
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Secondment, SecondmentStep, Notification, OutboxEmail, Assignment)
    )


def _refused(session, call, error_type, words, field=None):  # type: ignore[no-untyped-def]
    """The call is refused with the error and words given, and nothing is written."""
    before = _counts(session)
    with session.begin_nested() as savepoint:
        with pytest.raises(error_type) as caught:
            call()
        savepoint.rollback()
    assert words in caught.value.message, caught.value.message
    if field:
        assert field in caught.value.errors, caught.value.errors
    assert _counts(session) == before
    return caught.value


# --- Proposing ---------------------------------------------------------------------------------------------


def test_host_hr_proposes_and_the_home_trust_and_nurse_are_told(session, world):
    secondment = propose(session, world)
    assert (secondment.status, secondment.home_trust_id, secondment.host_trust_id) == (
        "proposed",
        world.home.id,
        world.host.id,
    )
    assert secondment.fte == Decimal("0.8000")
    assert [s.step for s in secondment.steps] == ["propose"]
    told = set(
        session.scalars(select(Notification.user_id).where(Notification.secondment_id == secondment.id))
    )
    assert told == {world.home_hr.id, world.nurse_user.id}
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 2


def test_home_and_host_the_same_trust_is_refused(session, world):
    same = UserFactory(role=Role.HR, trust=world.home)
    proposal = operations.Proposal(
        staff_member=world.nurse,
        job_version_id=world.version.id,
        start_date=TODAY,
        end_date=TODAY,
        fte="1",
        recharge_percent="50",
        reason="x",
    )
    _refused(
        session,
        lambda: operations.propose(session, same, proposal, today=TODAY),
        InvalidInput,
        "home and host cannot be the same",
        "staff_email",
    )


def test_end_before_start_is_refused(session, world):
    _refused(
        session,
        lambda: propose(session, world, start=30, days=-1),
        InvalidInput,
        "end date must be on or after the start date",
        "end_date",
    )


def test_a_nurse_already_seconded_over_the_same_dates_is_refused(session, world):
    first = propose(session, world, start=30, days=100)
    error = _refused(
        session,
        lambda: propose(session, world, start=120, days=30),
        Conflict,
        "already seconded",
        "start_date",
    )
    assert f"secondment {first.id}" in error.message
    propose(session, world, start=131, days=30)  # the next day after the first ends is free


def test_a_closed_secondment_does_not_hold_her_dates(session, world):
    first = propose(session, world)
    step(session, world, first, Step.DECLINE, world.home_hr)
    assert propose(session, world).status == "proposed"


def test_a_job_description_the_host_has_not_adopted_is_refused(session, world):
    other = make_job(session)  # a draft nobody adopted
    _refused(
        session,
        lambda: propose(session, world, job_version_id=other.id),
        InvalidInput,
        "RPG has not adopted job description version",
        "job_version_id",
    )


def test_only_hr_may_propose(session, world):
    _refused(
        session,
        lambda: operations.propose(
            session,
            world.nurse_user,
            operations.Proposal(
                staff_member=world.nurse,
                job_version_id=world.version.id,
                start_date=TODAY,
                end_date=TODAY,
                fte="1",
                recharge_percent="0",
                reason="x",
            ),
            today=TODAY,
        ),
        AccessDenied,
        "propose a secondment",
    )


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"fte": None}, "fte", "either the FTE or the hours"),
        ({"fte": "0.8", "hours_per_week": "30"}, "fte", "either the FTE or the hours"),
        ({"fte": "1.2"}, "fte", "up to 1"),
        ({"fte": "0"}, "fte", "more than 0"),
        ({"fte": "NaN"}, "fte", "more than 0"),
        ({"fte": "abc"}, "fte", "as a number"),
        ({"fte": None, "hours_per_week": "40"}, "hours_per_week", "up to 37.5"),
        ({"recharge_percent": "101"}, "recharge_percent", "up to 100"),
        ({"recharge_percent": "-1"}, "recharge_percent", "0 or more"),
        ({"reason": "   "}, "reason", "Enter the reason"),
        ({"start": -1}, "start_date", "today or later"),
    ],
)
def test_bad_proposal_fields_are_named(session, world, overrides, field, words):  # type: ignore[no-untyped-def]
    _refused(session, lambda: propose(session, world, **overrides), InvalidInput, words, field)


def test_hours_become_the_host_assignment_fte(session, world):
    secondment = active(session, world, fte=None, hours_per_week="30")
    assignment = session.get(Assignment, secondment.host_assignment_id)
    assert assignment.contracted_fte == Decimal("0.8000")


# --- Deciding ----------------------------------------------------------------------------------------------


def test_approval_by_a_user_of_the_wrong_trust_is_refused(session, world):
    secondment = propose(session, world)
    for wrong in (world.host_hr, world.third_hr):
        error = _refused(
            session,
            lambda u=wrong: step(session, world, secondment, Step.APPROVE, u, override_reason=OVERRIDE),
            AccessDenied,
            "Only HR of the home trust (RV5)",
        )
        assert error.status == 403
    assert secondment.home_approved is False


def test_consent_by_anyone_but_the_nurse_is_refused(session, world):
    secondment = propose(session, world)
    other_nurse = UserFactory(role=Role.NURSE, trust=world.home, staff_member=None)
    for wrong in (world.home_hr, world.host_hr, other_nurse):
        _refused(
            session,
            lambda u=wrong: step(session, world, secondment, Step.CONSENT, u),
            AccessDenied,
            "(the secondee)",
        )
    assert secondment.nurse_consented is False


def test_an_extension_of_a_completed_secondment_is_refused(session, world):
    secondment = active(session, world)
    step(session, world, secondment, Step.COMPLETE, world.host_hr, on=secondment.end_date)
    after = secondment.end_date + timedelta(days=3)
    _refused(
        session,
        lambda: step(
            session,
            world,
            secondment,
            Step.REQUEST_EXTENSION,
            world.host_hr,
            on=after,
            new_end_date=after + timedelta(days=60),
        ),
        Conflict,
        "A completed secondment cannot be extended",
    )
    assert secondment.status == "completed"


def test_agreed_only_when_all_three_agree(session, world):
    secondment = propose(session, world)
    step(session, world, secondment, Step.APPROVE, world.home_hr, override_reason=OVERRIDE)
    assert secondment.status == "proposed"
    step(session, world, secondment, Step.CONSENT, world.nurse_user, note="Happy to go.")
    assert secondment.status == "agreed"
    timeline = [(s.step, s.party, s.actor_label, s.note) for s in secondment.steps]
    assert timeline == [
        ("propose", "host", world.host_hr.email, None),
        ("approve", "home", world.home_hr.email, None),
        ("consent", "nurse", world.nurse_user.email, "Happy to go."),
    ]
    messages = session.scalars(
        select(Notification.message).where(Notification.user_id == world.host_hr.id)
    ).all()
    assert any("All three parties agree" in m for m in messages)


def test_a_missing_essential_requirement_blocks_approval_unless_overridden_and_audited(session, world):
    secondment = propose(session, world)
    error = _refused(
        session,
        lambda: step(session, world, secondment, Step.APPROVE, world.home_hr),
        Conflict,
        "does not meet essential requirements",
        "override_reason",
    )
    assert "DBS" in error.message or "dbs" in error.message.lower()
    step(session, world, secondment, Step.APPROVE, world.home_hr, override_reason=OVERRIDE)
    assert secondment.fit_check["verdict"] == "not_ready"
    assert secondment.fit_override_reason == OVERRIDE
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "secondment.fit_check_overridden")
    ).one()
    assert event.details["reason"] == OVERRIDE and event.details["missing"]


def test_a_nurse_who_fits_is_approved_without_override_and_the_snapshot_is_kept(session, world):
    for kind in ("dbs-check", "professional-registration", "mandatory-training"):
        issue(world.home, world.nurse, kind)
    secondment = propose(session, world)
    step(session, world, secondment, Step.APPROVE, world.home_hr)
    assert secondment.fit_check["verdict"] == "ready"
    assert secondment.fit_override_reason is None
    assert {r["outcome"] for r in secondment.fit_check["requirements"]} == {"met"}
    assert secondment.steps[-1].details["fit_verdict"] == "ready"


# --- The workforce contract ----------------------------------------------------------------------------


def test_activation_makes_a_secondee_assignment_at_the_host_and_leaves_home_untouched(session, world):
    secondment = agreed(session, world)
    home_before = (world.home_assignment.end_date, world.home_assignment.leaving_reason)
    report = operations.activate_due_secondments(session, secondment.start_date - timedelta(days=1))
    assert report.started == [] and secondment.status == "agreed"
    report = operations.activate_due_secondments(session, secondment.start_date)
    assert report.started == [secondment.id] and secondment.status == "active"
    assignment = session.get(Assignment, secondment.host_assignment_id)
    assert (assignment.assignment_number, assignment.trust_id, assignment.person_type) == (
        f"SEC-{secondment.id}",
        world.host.id,
        "secondee",
    )
    assert (assignment.start_date, assignment.end_date, assignment.staff_group) == (
        secondment.start_date,
        None,
        "NMR",
    )
    assert (world.home_assignment.end_date, world.home_assignment.leaving_reason) == home_before
    again = operations.activate_due_secondments(session, secondment.start_date)  # the tick may run twice
    assert (
        again.started == []
        and session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.person_type == "secondee")
        )
        == 1
    )


def test_ending_early_ends_the_host_assignment_without_a_leaving_reason(session, world):
    secondment = active(session, world)
    last = secondment.start_date + timedelta(days=20)
    step(
        session,
        world,
        secondment,
        Step.END_EARLY,
        world.home_hr,
        on=last,
        ended_on=last,
        note="Needed back home.",
    )
    assignment = session.get(Assignment, secondment.host_assignment_id)
    assert (secondment.status, secondment.ended_on) == ("ended_early", last)
    assert (assignment.end_date, assignment.leaving_reason) == (last, None)
    assert world.home_assignment.end_date is None


def test_the_tick_completes_a_secondment_whose_end_date_has_passed(session, world):
    secondment = active(session, world)
    assert operations.activate_due_secondments(session, secondment.end_date).completed == []
    report = operations.activate_due_secondments(session, secondment.end_date + timedelta(days=1))
    assert report.completed == [secondment.id] and secondment.status == "completed"
    assignment = session.get(Assignment, secondment.host_assignment_id)
    assert (assignment.end_date, assignment.leaving_reason) == (secondment.end_date, None)
    assert secondment.steps[-1].party == "system"


def test_a_step_on_a_due_agreed_secondment_starts_it_first(session, world):
    secondment = agreed(session, world)
    day = secondment.start_date + timedelta(days=5)
    step(
        session,
        world,
        secondment,
        Step.REQUEST_EXTENSION,
        world.host_hr,
        on=day,
        new_end_date=secondment.end_date + timedelta(days=30),
    )
    assert secondment.status == "active" and secondment.host_assignment_id is not None
    assert [s.step for s in secondment.steps][-2:] == ["activate", "request_extension"]


def test_agreeing_on_or_after_the_start_date_starts_it_at_once(session, world):
    secondment = propose(session, world, start=0)
    step(session, world, secondment, Step.APPROVE, world.home_hr, override_reason=OVERRIDE)
    step(session, world, secondment, Step.CONSENT, world.nurse_user)
    assert secondment.status == "active" and secondment.host_assignment_id is not None


def test_extension_both_trusts_agree(session, world):
    secondment = active(session, world)
    day = secondment.start_date + timedelta(days=3)
    new_end = secondment.end_date + timedelta(days=60)
    step(session, world, secondment, Step.REQUEST_EXTENSION, world.home_hr, on=day, new_end_date=new_end)
    _refused(
        session,
        lambda: step(session, world, secondment, Step.AGREE_EXTENSION, world.home_hr, on=day),
        AccessDenied,
        "other trust",
    )
    step(session, world, secondment, Step.AGREE_EXTENSION, world.host_hr, on=day)
    assert (secondment.end_date, secondment.pending_end_date) == (new_end, None)


def test_an_extension_over_another_secondment_is_refused(session, world):
    first = active(session, world, start=30, days=60)
    propose(session, world, start=100, days=30)
    _refused(
        session,
        lambda: step(
            session,
            world,
            first,
            Step.REQUEST_EXTENSION,
            world.host_hr,
            on=first.start_date,
            new_end_date=first.end_date + timedelta(days=20),
        ),
        Conflict,
        "already seconded",
    )


def test_cancel_before_start_only(session, world):
    secondment = agreed(session, world)
    step(session, world, secondment, Step.CANCEL, world.home_hr, note="Ward closed.")
    assert secondment.status == "cancelled"
    started = active(session, world, start=300)
    _refused(
        session,
        lambda: step(session, world, started, Step.CANCEL, world.host_hr, on=started.start_date),
        Conflict,
        "has started",
    )


def test_notes_are_checked(session, world):
    secondment = propose(session, world)
    _refused(
        session,
        lambda: step(session, world, secondment, Step.REFUSE, world.nurse_user, note="x" * 2001),
        InvalidInput,
        "2000 characters",
        "note",
    )


def test_propose_and_activate_are_not_steps_by_hand(session, world):
    secondment = propose(session, world)
    for which in (Step.PROPOSE, Step.ACTIVATE):
        with pytest.raises(DomainError):
            step(session, world, secondment, which, world.host_hr)


def test_starting_and_ending_tell_the_metrics_the_host_records_changed(session, world):
    heard: list[list[int]] = []

    def listener(_sender, session, trust_ids):  # type: ignore[no-untyped-def]
        heard.append(list(trust_ids))

    secondment = agreed(session, world)
    records_changed.connect(listener)
    try:
        operations.activate_due_secondments(session, secondment.start_date)
        operations.activate_due_secondments(session, secondment.start_date)  # again: nothing changes
        operations.activate_due_secondments(session, secondment.end_date + timedelta(days=1))
    finally:
        records_changed.disconnect(listener)
    assert heard == [[world.host.id], [world.host.id]]
