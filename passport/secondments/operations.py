"""The secondment workflow: propose, decide, consent, start, extend, end, complete, cancel.

Each step asks ``state.decide`` (the pure state machine) first, so a refused step changes nothing. The
workforce side of the contract: when a secondment becomes active an assignment with person type
``secondee`` and number ``SEC-<id>`` is made at the host trust, and it is ended (an end date, never a
leaving reason) when the secondment ends early or completes. The home assignment is never touched, so
the metrics never count a secondee as a leaver (docs/secondments.md). Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import UserAccount
from passport.auth.policy import Action, ensure
from passport.db import utcnow
from passport.errors import AccessDenied, Conflict, InvalidInput
from passport.formatting import uk_date
from passport.secondments import notifications
from passport.secondments.access import (  # noqa: F401 (callers reach them through operations too)
    can_view,
    get_secondment,
    host_access,
    is_on,
    parties_of,
    snapshot_of,
)
from passport.secondments.models import Secondment, SecondmentStep
from passport.secondments.state import Party, Refused, Snapshot, Status, Step, WrongParty, decide
from passport.trusts.models import StaffMember, Trust
from passport.workforce.models import Assignment
from passport.workforce.signals import announce_records_changed

FULL_TIME_HOURS = Decimal("37.5")
MAX_NOTE = 2000
OPEN_STATUSES = [s.value for s in Status if s.is_open]


# --- Checking input -----------------------------------------------------------------------------------


def _decimal(
    value: object, field: str, high: Decimal, places: str, what: str, *, zero_ok: bool = False
) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"Enter {what} as a number.", field=field) from None
    if not number.is_finite() or (number < 0 if zero_ok else number <= 0) or number > high:
        low = "0 or more" if zero_ok else "more than 0"
        raise InvalidInput(f"Enter {what} of {low}, up to {high}.", field=field)
    rounded = number.quantize(Decimal(places), rounding=ROUND_HALF_UP)
    if rounded == 0 and not zero_ok:
        raise InvalidInput(f"Enter {what} of more than 0, up to {high}.", field=field)
    return rounded


def _text(value: str | None, field: str, *, required: bool, what: str) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"Enter {what}.", field=field)
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"{what.capitalize()} must be {MAX_NOTE} characters or fewer.", field=field)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise InvalidInput(f"{what.capitalize()} contains characters that cannot be stored.", field=field)
    return text or None


def _overlapping(
    session: Session, member_id: int, start: date, end: date, *, except_id: int | None = None
) -> Secondment | None:
    stmt = select(Secondment).where(
        Secondment.staff_member_id == member_id,
        Secondment.status.in_(OPEN_STATUSES),
        Secondment.start_date <= end,
        Secondment.end_date >= start,
    )
    if except_id is not None:
        stmt = stmt.where(Secondment.id != except_id)
    return session.scalars(stmt.order_by(Secondment.start_date).limit(1)).first()


def _refuse_overlap(
    session: Session, member: StaffMember, start: date, end: date, *, field: str, except_id: int | None = None
) -> None:
    clash = _overlapping(session, member.id, start, end, except_id=except_id)
    if clash is not None:
        raise Conflict(
            f"{member.full_name} is already seconded to {clash.host_trust.ods_code} from "
            f"{uk_date(clash.start_date)} to {uk_date(clash.end_date)} "
            f"(secondment {clash.id}, {Status(clash.status).label.lower()}): the dates overlap.",
            field=field,
        )


def staff_by_email(session: Session, email: str) -> StaffMember:
    member = session.scalar(select(StaffMember).where(StaffMember.email == (email or "").strip().lower()))
    if member is None:
        raise InvalidInput(f"There is no staff record for {(email or '').strip()}.", field="staff_email")
    return member


@dataclass(frozen=True)
class Proposal:
    staff_member: StaffMember
    job_version_id: int
    start_date: date
    end_date: date
    recharge_percent: Any
    reason: str
    fte: Any = None
    hours_per_week: Any = None


def propose(session: Session, user: UserAccount, proposal: Proposal, *, today: date) -> Secondment:
    """HR of the host trust (her own) proposes seconding a nurse of another trust into it."""
    from competencies.jobs.models import JobAdoption, JobVersion

    ensure(user, Action.PROPOSE_SECONDMENT, user.trust_id)
    host = session.get(Trust, user.trust_id)
    member = proposal.staff_member
    if host is None:
        raise AccessDenied("Only HR of a trust can propose a secondment into it.")
    if member.trust_id == host.id:
        raise InvalidInput(
            f"{member.full_name} is employed by {host.name} already: a secondment is between two different "
            "trusts (home and host cannot be the same).",
            field="staff_email",
        )
    if proposal.end_date < proposal.start_date:
        raise InvalidInput("The end date must be on or after the start date.", field="end_date")
    if proposal.start_date < today:
        raise InvalidInput("The start date must be today or later.", field="start_date")
    if (proposal.fte is None) == (proposal.hours_per_week is None):
        raise InvalidInput("Give either the FTE or the hours a week, not both.", field="fte")
    fte = hours = None
    if proposal.fte is not None:
        fte = _decimal(proposal.fte, "fte", Decimal(1), "0.0001", "an FTE")
    else:
        hours = _decimal(proposal.hours_per_week, "hours_per_week", FULL_TIME_HOURS, "0.01", "hours a week")
    recharge = _decimal(
        proposal.recharge_percent,
        "recharge_percent",
        Decimal(100),
        "0.01",
        "a recharge percentage",
        zero_ok=True,
    )
    reason = _text(proposal.reason, "reason", required=True, what="the reason for the secondment")
    version = session.get(JobVersion, proposal.job_version_id)
    adopted = session.scalar(
        select(JobAdoption.id).where(
            JobAdoption.version_id == proposal.job_version_id, JobAdoption.trust_id == host.id
        )
    )
    if version is None or adopted is None:
        raise InvalidInput(
            f"{host.ods_code} has not adopted job description version {proposal.job_version_id}: choose one "
            "your trust has approved.",
            field="job_version_id",
        )
    _refuse_overlap(session, member, proposal.start_date, proposal.end_date, field="start_date")
    secondment = Secondment(
        staff_member_id=member.id,
        home_trust_id=member.trust_id,
        host_trust_id=host.id,
        job_version_id=version.id,
        start_date=proposal.start_date,
        end_date=proposal.end_date,
        fte=fte,
        hours_per_week=hours,
        recharge_percent=recharge,
        reason=reason,
        status=Status.PROPOSED.value,
        proposed_by_id=user.id,
    )
    session.add(secondment)
    session.flush()
    _record_step(session, secondment, Step.PROPOSE, Party.HOST, user, note=None)
    who = f"{member.full_name} ({member.trust.ods_code} to {host.ods_code})"
    notifications.notify(
        session,
        notifications.hr_of(session, member.trust_id),
        secondment,
        f"{host.name} proposes seconding {who}: approve or decline.",
    )
    notifications.notify(
        session,
        notifications.nurse_accounts(session, member.id),
        secondment,
        f"{host.name} proposes a secondment for you from {uk_date(secondment.start_date)}: "
        "consent or decline.",
    )
    return secondment


# --- Steps --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    note: str | None = None
    new_end_date: date | None = None
    ended_on: date | None = None
    override_reason: str | None = None


def _party_for(user: UserAccount | None, secondment: Secondment, step: Step) -> Party:
    from passport.secondments.state import BY

    if user is None:
        return Party.SYSTEM
    mine = parties_of(user, secondment) & BY[step]
    if not mine:
        needed = " or ".join(sorted(_who(secondment, p) for p in BY[step] if p is not Party.SYSTEM))
        raise AccessDenied(f"Only {needed} can {step.value.replace('_', ' ')} this secondment.")
    return sorted(mine)[0]


def _who(secondment: Secondment, party: Party) -> str:
    if party is Party.HOST:
        return f"HR of the host trust ({secondment.host_trust.ods_code})"
    if party is Party.HOME:
        return f"HR of the home trust ({secondment.home_trust.ods_code})"
    return f"{secondment.staff_member.full_name} (the secondee)"


def _apply(secondment: Secondment, after: Snapshot) -> None:
    secondment.status = after.status.value
    secondment.home_approved = after.home_approved
    secondment.nurse_consented = after.nurse_consented
    secondment.end_date = after.end_date
    secondment.pending_end_date = after.pending_end_date
    secondment.extension_requested_by = (
        after.extension_requested_by.value if after.extension_requested_by else None
    )
    secondment.ended_on = after.ended_on


def _decide(secondment: Secondment, step: Step, party: Party, today: date, given: StepInput) -> Snapshot:
    try:
        return decide(
            snapshot_of(secondment),
            step,
            party,
            today,
            new_end_date=given.new_end_date,
            ended_on=given.ended_on,
        )
    except WrongParty as refused:
        raise AccessDenied(refused.message) from None
    except Refused as refused:
        raise Conflict(refused.message, field=refused.field) from None


def _record_step(
    session: Session,
    secondment: Secondment,
    step: Step,
    party: Party,
    user: UserAccount | None,
    *,
    note: str | None,
    details: dict[str, Any] | None = None,
) -> SecondmentStep:
    row = SecondmentStep(
        secondment_id=secondment.id,
        step=step.value,
        party=party.value,
        actor_user_id=user.id if user is not None else None,
        actor_label=user.email if user is not None else "secondments-tick",
        status_after=secondment.status,
        note=note,
        details=details or {},
    )
    secondment.steps.append(row)
    session.flush()
    record_event(
        session,
        actor=user if user is not None else "secondments-tick",
        action=f"secondment.{step.value}",
        record_type="secondment",
        record_id=secondment.id,
        trust_id=secondment.host_trust_id,
        details={"party": party.value, "status": secondment.status, **(details or {})},
    )
    return row


def _fte_of(secondment: Secondment) -> Decimal:
    if secondment.fte is not None:
        return Decimal(secondment.fte)
    return (Decimal(secondment.hours_per_week or 0) / FULL_TIME_HOURS).quantize(Decimal("0.0001"))


def _start_host_assignment(session: Session, secondment: Secondment) -> Assignment:
    from competencies.jobs.models import JobVersion

    version = session.get(JobVersion, secondment.job_version_id)
    assignment = Assignment(
        staff_member_id=secondment.staff_member_id,
        trust_id=secondment.host_trust_id,
        assignment_number=secondment.assignment_number,
        staff_group=version.staff_group if version else "NMR",
        job_role=(version.title if version else "Secondee")[:100],
        afc_band=version.afc_band if version else None,
        contracted_fte=_fte_of(secondment),
        person_type="secondee",
        start_date=secondment.start_date,
        end_date=None,
        leaving_reason=None,
    )
    session.add(assignment)
    session.flush()
    secondment.host_assignment_id = assignment.id
    announce_records_changed(session, [assignment.trust_id])
    return assignment


def _end_host_assignment(session: Session, secondment: Secondment, last_day: date) -> None:
    if secondment.host_assignment_id is None:
        return
    assignment = session.get(Assignment, secondment.host_assignment_id)
    if assignment is not None:
        assignment.end_date = last_day  # an end, not a leaver: no leaving reason
        assignment.leaving_reason = None
        announce_records_changed(session, [assignment.trust_id])


def _activate(session: Session, secondment: Secondment, today: date) -> None:
    after = _decide(secondment, Step.ACTIVATE, Party.SYSTEM, today, StepInput())
    _apply(secondment, after)
    _start_host_assignment(session, secondment)
    _record_step(session, secondment, Step.ACTIVATE, Party.SYSTEM, None, note=None)


def catch_up(session: Session, secondment: Secondment, today: date) -> None:
    """An agreed secondment whose start date has come is started before anyone acts on it."""
    if secondment.status == Status.AGREED and secondment.start_date <= today:
        _activate(session, secondment, today)


def _fit_check(session: Session, secondment: Secondment, override_reason: str | None) -> dict[str, Any]:
    """Her passport against the job, verified now; missing essentials block unless HR overrides."""
    from competencies.jobs.facts import fit_check, fit_report
    from competencies.jobs.models import JobVersion

    version = session.get(JobVersion, secondment.job_version_id)
    if version is None:
        raise Conflict("The job description of this secondment no longer exists.")
    moment = utcnow()
    result = fit_check(session, secondment.staff_member, version, now=moment)
    report = fit_report(secondment.staff_member, version, result)
    report["checked_at"] = moment.isoformat()
    missing = [r.label for r in result.missing]
    if missing and not override_reason:
        raise Conflict(
            f"{secondment.staff_member.full_name}'s passport does not meet essential requirements of "
            f"{version.title}: {'; '.join(missing)}. Give a reason to override the fit check, or decline.",
            field="override_reason",
        )
    secondment.fit_check = report
    secondment.fit_checked_at = moment
    secondment.fit_override_reason = override_reason if missing else None
    return report


_TELL = {
    Step.APPROVE: "{home} approved the secondment of {name}.",
    Step.DECLINE: "{home} declined the secondment of {name}.",
    Step.CONSENT: "{name} consented to the secondment.",
    Step.REFUSE: "{name} declined the secondment.",
    Step.REQUEST_EXTENSION: "An extension of {name}'s secondment to {pending} is asked: agree or decline.",
    Step.AGREE_EXTENSION: "The extension of {name}'s secondment to {end} is agreed.",
    Step.DECLINE_EXTENSION: "The extension of {name}'s secondment was declined; it ends on {end}.",
    Step.END_EARLY: "{name}'s secondment ends early: the last day is {ended}.",
    Step.COMPLETE: "{name}'s secondment is complete.",
    Step.CANCEL: "The secondment of {name} is cancelled.",
}


def _tell_everyone(
    session: Session, secondment: Secondment, step: Step, actor: UserAccount | None, before: Status
) -> None:
    template = _TELL.get(step)
    if template is None:
        return
    message = template.format(
        home=secondment.home_trust.ods_code,
        name=secondment.staff_member.full_name,
        pending=uk_date(secondment.pending_end_date) if secondment.pending_end_date else "",
        end=uk_date(secondment.end_date),
        ended=uk_date(secondment.ended_on) if secondment.ended_on else "",
    )
    if secondment.status == Status.AGREED and before != Status.AGREED:
        message += f" All three parties agree: it starts on {uk_date(secondment.start_date)}."
    recipients = [
        *notifications.hr_of(session, secondment.host_trust_id),
        *notifications.hr_of(session, secondment.home_trust_id),
        *notifications.nurse_accounts(session, secondment.staff_member_id),
    ]
    notifications.notify(session, recipients, secondment, message, skip=actor)


def take_step(
    session: Session,
    user: UserAccount,
    secondment: Secondment,
    step: Step,
    given: StepInput,
    *,
    today: date,
) -> Secondment:
    """One party's step on the secondment, checked by the state machine; recorded, audited, told."""
    if step in (Step.PROPOSE, Step.ACTIVATE):
        raise InvalidInput(f"'{step.value}' is not a step anyone takes by hand.", field="step")
    party = _party_for(user, secondment, step)
    note = _text(given.note, "note", required=False, what="the note")
    override = _text(given.override_reason, "override_reason", required=False, what="the override reason")
    catch_up(session, secondment, today)
    before = Status(secondment.status)
    after = _decide(secondment, step, party, today, given)
    details: dict[str, Any] = {}
    if step is Step.REQUEST_EXTENSION and after.pending_end_date is not None:
        _refuse_overlap(
            session,
            secondment.staff_member,
            secondment.end_date,
            after.pending_end_date,
            field="new_end_date",
            except_id=secondment.id,
        )
        details["new_end_date"] = after.pending_end_date.isoformat()
    if step is Step.AGREE_EXTENSION:
        details["end_date"] = after.end_date.isoformat()
    if step is Step.APPROVE:
        report = _fit_check(session, secondment, override)
        details["fit_verdict"] = report["verdict"]
        if secondment.fit_override_reason:
            details["fit_override_reason"] = secondment.fit_override_reason
            details["fit_missing"] = report["missing"]
    _apply(secondment, after)
    if step is Step.END_EARLY and after.ended_on is not None:
        _end_host_assignment(session, secondment, after.ended_on)
        details["ended_on"] = after.ended_on.isoformat()
    if step is Step.COMPLETE:
        _end_host_assignment(session, secondment, secondment.end_date)
    _record_step(session, secondment, step, party, user, note=note, details=details)
    if step is Step.APPROVE and secondment.fit_override_reason:
        record_event(
            session,
            actor=user,
            action="secondment.fit_check_overridden",
            record_type="secondment",
            record_id=secondment.id,
            trust_id=secondment.home_trust_id,
            details={"reason": secondment.fit_override_reason, "missing": details.get("fit_missing", [])},
        )
    catch_up(session, secondment, today)  # agreed on or after its start date: it starts at once
    _tell_everyone(session, secondment, step, user, before)
    return secondment


def available_steps(user: UserAccount, secondment: Secondment, today: date) -> list[Step]:
    """The steps this user could take now (steps needing a date are offered when the status allows)."""
    from passport.secondments.state import BY, FROM, effective_status

    status = effective_status(snapshot_of(secondment), today)
    mine = parties_of(user, secondment)
    offered = []
    for step in Step:
        if step in (Step.PROPOSE, Step.ACTIVATE) or not (mine & BY[step]) or status not in FROM[step]:
            continue
        if step in (Step.REQUEST_EXTENSION, Step.END_EARLY):
            if step is Step.REQUEST_EXTENSION and secondment.pending_end_date is not None:
                continue
            offered.append(step)
            continue
        party = sorted(mine & BY[step])[0]
        snapshot = snapshot_of(secondment)
        if status is Status.ACTIVE and snapshot.status is Status.AGREED:
            snapshot = Snapshot(**{**snapshot.__dict__, "status": Status.ACTIVE})
        try:
            decide(snapshot, step, party, today)
        except Refused:
            continue
        offered.append(step)
    return offered


def ensure_step_offered(user: UserAccount, secondment: Secondment, step: Step, today: date) -> None:
    """Refuse unless ``user`` could take ``step`` now (a confirmation page asks only about such a step):
    403 if the step is not theirs to take, 409 saying why not if the secondment does not allow it now."""
    party = _party_for(user, secondment, step)
    if step in available_steps(user, secondment, today):
        return
    from passport.secondments.state import effective_status

    snapshot = snapshot_of(secondment)
    snapshot = replace(snapshot, status=effective_status(snapshot, today))
    try:  # a last day that passes its own checks, so that the refusal names what stands in the way
        decide(snapshot, step, party, today, ended_on=secondment.start_date)
    except Refused as refused:
        raise Conflict(refused.message) from None
    raise Conflict(f"{step.label} is not possible on this secondment now.")


# --- The daily tick -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickReport:
    started: list[int]
    completed: list[int]


def activate_due_secondments(session: Session, today: date) -> TickReport:
    """Start every agreed secondment whose start date has come; complete every active one whose end
    date has passed. Run daily (``secondments-tick``); safe to run again on the same day."""
    started: list[int] = []
    completed: list[int] = []
    due = session.scalars(
        select(Secondment)
        .where(Secondment.status == Status.AGREED.value, Secondment.start_date <= today)
        .order_by(Secondment.id)
    )
    for secondment in list(due):
        _activate(session, secondment, today)
        started.append(secondment.id)
    finished = session.scalars(
        select(Secondment)
        .where(Secondment.status == Status.ACTIVE.value, Secondment.end_date < today)
        .order_by(Secondment.id)
    )
    for secondment in list(finished):
        _apply(secondment, _decide(secondment, Step.COMPLETE, Party.SYSTEM, today, StepInput()))
        _end_host_assignment(session, secondment, secondment.end_date)
        _record_step(session, secondment, Step.COMPLETE, Party.SYSTEM, None, note=None)
        _tell_everyone(session, secondment, Step.COMPLETE, None, Status.ACTIVE)
        completed.append(secondment.id)
    return TickReport(started, completed)


def started_at(secondment: Secondment) -> datetime | None:
    return next((s.at for s in secondment.steps if s.step == Step.ACTIVATE), None)
