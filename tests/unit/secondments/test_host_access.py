"""The temporary access HR of the host trust has while a secondment is on (decided by the policy, asked of
the secondments' provider). The email outbox has tests of its own (``test_outbox.py``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from passport.auth.policy import TEMPORARY_ACCESS_PROVIDERS, Action, allows_for_person
from passport.secondments import operations
from passport.secondments.state import Step
from tests.support.secondment_factories import active, make_world, propose, step


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


def _may(session, user, action, world):  # type: ignore[no-untyped-def]
    return allows_for_person(session, user, action, world.nurse.id, world.nurse.trust_id)


def test_the_provider_is_registered_with_the_policy(app):
    assert operations.host_access in TEMPORARY_ACCESS_PROVIDERS


def test_host_hr_sees_her_passport_and_issues_credentials_only_while_the_secondment_is_on(session, world):
    today = date.today()
    assert not _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)
    assert not _may(session, world.host_hr, Action.ISSUE_CREDENTIALS, world)
    secondment = propose(session, world, today=today, start=0, days=30)
    assert not _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)  # proposed is not on
    step(
        session, world, secondment, Step.APPROVE, world.home_hr, on=today, override_reason="checks to follow"
    )
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=today)
    assert secondment.status == "active"
    assert _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)
    assert _may(session, world.host_hr, Action.ISSUE_CREDENTIALS, world)
    # Never her sickness detail, never another trust's HR, never anything outside the grantable actions.
    assert not _may(session, world.host_hr, Action.VIEW_SICKNESS_DETAIL, world)
    assert not _may(session, world.host_hr, Action.CHANGE_CREDENTIAL_STATUS, world)
    assert not _may(session, world.third_hr, Action.VIEW_SECONDED_STAFF, world)
    assert not _may(session, world.nurse_user, Action.VIEW_SECONDED_STAFF, world)
    # Home HR keeps her standing rights over her own staff.
    assert _may(session, world.home_hr, Action.ISSUE_CREDENTIALS, world)


def test_the_access_ends_by_itself_with_the_secondment(session, world):
    today = date.today()
    secondment = propose(
        session, world, today=today - timedelta(days=40), start=0, days=39
    )  # ended yesterday
    step(
        session, world, secondment, Step.APPROVE, world.home_hr, on=secondment.start_date, override_reason="x"
    )
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=secondment.start_date)
    assert secondment.status == "active" and secondment.end_date == today - timedelta(days=1)
    # Nobody ran the tick or completed it: the dates alone end the access.
    assert not _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)


def test_an_early_end_ends_the_access_after_her_last_day(session, world):
    today = date.today()
    secondment = active(session, world, today=today - timedelta(days=10), start=0, days=100)
    step(session, world, secondment, Step.END_EARLY, world.host_hr, on=today, ended_on=today)
    assert operations.host_access(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world.nurse.id, today)
    tomorrow = today + timedelta(days=1)
    assert not operations.host_access(
        session, world.host_hr, Action.VIEW_SECONDED_STAFF, world.nurse.id, tomorrow
    )
