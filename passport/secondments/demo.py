"""Demo secondments in every state among the demo trusts, made by the real operations (so each has its
timeline, fit check, notifications and host assignment). Idempotent: each is keyed by its reason.
Needs the job descriptions' demo data (a version the host adopted); without it, it is skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.auth.operations import find_user_by_email
from passport.demo import DemoReport
from passport.errors import DomainError
from passport.secondments import operations
from passport.secondments.models import Secondment
from passport.secondments.state import Step
from passport.trusts.models import StaffMember
from passport.trusts.operations import find_trust

OVERRIDE = "Demo data: the host trust will see the nurse's checks on the first day."


@dataclass(frozen=True)
class DemoSecondment:
    key: str
    nurse_email: str  # a demo account with a staff record (nurse or assessor) unless the nurse never acts
    host: str
    start: int  # days from today
    days: int
    # (step, party's email, day offset from today; None: the start date) in order
    steps: list[tuple[Step, str, int | None]] = field(default_factory=list)
    hours: str | None = None
    ended_on: int | None = None
    new_end: int | None = None


def _plan(rv5_nurse: str, rpg_nurse: str) -> list[DemoSecondment]:
    return [
        DemoSecondment("proposed", "assessor@rv5.example", "RPG", 30, 180),
        DemoSecondment(
            "waiting for the nurse",
            "nurse@rqy.example",
            "RPG",
            45,
            120,
            [(Step.APPROVE, "hr@rqy.example", -1)],
        ),
        DemoSecondment(
            "declined", rv5_nurse, "RQY", 60, 90, [(Step.DECLINE, "hr@rv5.example", -2)], hours="30"
        ),
        DemoSecondment(
            "agreed",
            "assessor@rqy.example",
            "RV5",
            20,
            150,
            [(Step.APPROVE, "hr@rqy.example", -5), (Step.CONSENT, "assessor@rqy.example", -4)],
        ),
        DemoSecondment(
            "active",
            "nurse@rv5.example",
            "RQY",
            -60,
            180,
            [(Step.APPROVE, "hr@rv5.example", -80), (Step.CONSENT, "nurse@rv5.example", -79)],
        ),
        DemoSecondment(
            "active, extension asked",
            "assessor@rpg.example",
            "RV5",
            -30,
            90,
            [
                (Step.CONSENT, "assessor@rpg.example", -40),
                (Step.APPROVE, "hr@rpg.example", -39),
                (Step.REQUEST_EXTENSION, "hr@rv5.example", -1),
            ],
            new_end=150,
        ),
        DemoSecondment(
            "completed",
            "nurse@rpg.example",
            "RQY",
            -300,
            200,
            [
                (Step.APPROVE, "hr@rpg.example", -320),
                (Step.CONSENT, "nurse@rpg.example", -319),
                (Step.COMPLETE, "hr@rqy.example", -99),
            ],
        ),
        DemoSecondment(
            "ended early",
            "nurse@rqy.example",
            "RV5",
            -200,
            180,
            [
                (Step.APPROVE, "hr@rqy.example", -220),
                (Step.CONSENT, "nurse@rqy.example", -219),
                (Step.END_EARLY, "hr@rv5.example", -90),
            ],
            ended_on=-91,
        ),
        DemoSecondment(
            "cancelled", rpg_nurse, "RV5", 15, 60, [(Step.CANCEL, "hr@rv5.example", -3)], hours="22.5"
        ),
    ]


def _synthetic_nurse(session: Session, ods_code: str) -> str | None:
    trust = find_trust(session, ods_code)
    if trust is None:
        return None
    return session.scalar(
        select(StaffMember.email)
        .where(StaffMember.trust_id == trust.id, StaffMember.email.like("%.1@%"))
        .order_by(StaffMember.id)
        .limit(1)
    )


def seed_secondments(session: Session, report: DemoReport, today: date | None = None) -> None:
    from competencies.jobs.operations import adopted_by_trust

    day = today or date.today()
    rv5_nurse, rpg_nurse = _synthetic_nurse(session, "RV5"), _synthetic_nurse(session, "RPG")
    if rv5_nurse is None or rpg_nurse is None:
        report.notes.append("Demo secondments skipped: the demo trusts are missing.")
        return
    added = 0
    for item in _plan(rv5_nurse, rpg_nurse):
        reason = f"Demo: {item.key}. Cover for the ward's winter pressures and shared learning."
        if session.scalar(select(Secondment.id).where(Secondment.reason == reason)) is not None:
            continue
        host = find_trust(session, item.host)
        proposer = find_user_by_email(session, f"hr@{item.host.lower()}.example")
        member = session.scalar(select(StaffMember).where(StaffMember.email == item.nurse_email))
        versions = adopted_by_trust(session, host.id) if host else []
        if host is None or proposer is None or member is None:
            report.notes.append(f"Demo secondment '{item.key}' skipped: its trust, HR or nurse is missing.")
            continue
        if not versions:
            report.notes.append(
                f"Demo secondments skipped: {item.host} has adopted no job description (load the job "
                "descriptions' demo data first)."
            )
            return
        start = day + timedelta(days=item.start)
        proposed_on = min(start, day) - timedelta(days=30 if item.start < 0 else 7)
        try:
            with session.begin_nested():
                secondment = operations.propose(
                    session,
                    proposer,
                    operations.Proposal(
                        staff_member=member,
                        job_version_id=versions[0].id,
                        start_date=start,
                        end_date=start + timedelta(days=item.days),
                        fte=None if item.hours else "1.0",
                        hours_per_week=item.hours,
                        recharge_percent="100",
                        reason=reason,
                    ),
                    today=proposed_on,
                )
                for step, email, offset in item.steps:
                    actor = find_user_by_email(session, email)
                    if actor is None:
                        raise DomainError(f"no demo account {email}")
                    operations.take_step(
                        session,
                        actor,
                        secondment,
                        step,
                        operations.StepInput(
                            note="Demo step.",
                            override_reason=OVERRIDE,
                            new_end_date=start + timedelta(days=item.new_end) if item.new_end else None,
                            ended_on=day + timedelta(days=item.ended_on)
                            if item.ended_on is not None
                            else None,
                        ),
                        today=max(day + timedelta(days=offset), proposed_on) if offset is not None else start,
                    )
                operations.catch_up(session, secondment, day)
        except DomainError as error:
            report.notes.append(f"Demo secondment '{item.key}' skipped: {error.message}")
            continue
        added += 1
    if added:
        report.notes.append(f"{added} demo secondments added.")
