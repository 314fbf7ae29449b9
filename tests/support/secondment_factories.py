"""A world for secondment tests: two partner trusts with HR, a nurse of the home trust with her own
account and home assignment, and a job description the host trust adopted; and secondments made by the
real operations in any state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from passport.auth.models import Role, UserAccount
from passport.secondments import operations
from passport.secondments.models import Secondment
from passport.secondments.state import Step
from passport.trusts.models import StaffMember, Trust
from passport.workforce.models import Assignment
from tests.support.factories import StaffMemberFactory, TrustFactory, UserFactory
from tests.support.job_factories import adopted_job
from tests.support.workforce_factories import AssignmentFactory

TODAY = date(2027, 3, 1)  # the operations take "today" as an argument: the tests fix it
OVERRIDE = "Her checks are being transferred from her home trust this week."


@dataclass
class World:
    host: Trust
    home: Trust
    third: Trust
    host_hr: UserAccount
    home_hr: UserAccount
    third_hr: UserAccount
    nurse: StaffMember
    nurse_user: UserAccount
    home_assignment: Assignment
    version: Any  # JobVersion adopted by the host (and the home trust)


def make_world(session: Session, host_code: str = "RPG", home_code: str = "RV5") -> World:
    host = TrustFactory(ods_code=host_code, name=f"Host {host_code}")
    home = TrustFactory(ods_code=home_code, name=f"Home {home_code}")
    third = TrustFactory(ods_code="RQY", name="Third RQY")
    nurse = StaffMemberFactory(trust=home, given_name="Ada", family_name="Okafor", nmc_pin=None)
    nurse_user = UserFactory(
        role=Role.NURSE, trust=home, staff_member=nurse, email=f"ada.{home_code.lower()}@example.test"
    )
    home_assignment = AssignmentFactory(staff_member=nurse, trust=home, start_date=date(2020, 1, 1))
    return World(
        host=host,
        home=home,
        third=third,
        host_hr=UserFactory(role=Role.HR, trust=host),
        home_hr=UserFactory(role=Role.HR, trust=home),
        third_hr=UserFactory(role=Role.HR, trust=third),
        nurse=nurse,
        nurse_user=nurse_user,
        home_assignment=home_assignment,
        version=adopted_job(session, host, home),
    )


def propose(
    session: Session, world: World, *, start: int = 30, days: int = 180, today: date = TODAY, **overrides: Any
) -> Secondment:
    """A proposal starting ``start`` days after ``today`` (a fixed date unless given)."""
    values: dict[str, Any] = {
        "staff_member": world.nurse,
        "job_version_id": world.version.id,
        "start_date": today + timedelta(days=start),
        "end_date": today + timedelta(days=start + days),
        "fte": "0.8",
        "recharge_percent": "100",
        "reason": "Winter cover on the acute ward.",
    }
    values.update(overrides)
    secondment = operations.propose(session, world.host_hr, operations.Proposal(**values), today=today)
    session.flush()  # as the edge's commit would: pages and the API read through their own sessions
    return secondment


def step(
    session: Session,
    world: World,
    secondment: Secondment,
    which: Step,
    user: UserAccount,
    *,
    on: date = TODAY,
    **given: Any,
) -> Secondment:
    operations.take_step(session, user, secondment, which, operations.StepInput(**given), today=on)
    session.flush()
    return secondment


def agreed(session: Session, world: World, **kwargs: Any) -> Secondment:
    secondment = propose(session, world, **kwargs)
    day = kwargs.get("today", TODAY)
    step(session, world, secondment, Step.APPROVE, world.home_hr, on=day, override_reason=OVERRIDE)
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=day)
    return secondment


def active(session: Session, world: World, **kwargs: Any) -> Secondment:
    secondment = agreed(session, world, **kwargs)
    operations.activate_due_secondments(session, secondment.start_date)
    return secondment
