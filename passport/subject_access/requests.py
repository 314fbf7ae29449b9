"""Subject access requests made another way (letter, email, in person): HR of the person's trust record
each with the date it arrived, answer it within one calendar month, and make the same copy the person
could make on the "Your data" page. Plain functions taking a ``Session``; they never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import UserAccount
from passport.auth.policy import Action, ensure, own_trust_record
from passport.background.models import Job
from passport.background.operations import start_job
from passport.credentials.types import add_months
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput
from passport.subject_access.models import SubjectAccessRequest
from passport.subject_access.operations import EXPORT_JOB_KIND
from passport.trusts.models import StaffMember

HOW_RECEIVED: dict[str, str] = {
    "letter": "Letter",
    "email": "Email",
    "in_person": "In person",
    "telephone": "Telephone",
    "other": "Another way",
}
MAX_NOTES = 500


def due_on(received_on: date) -> date:
    """One calendar month: the same date next month, or its last day when there is no such date (ICO)."""
    return add_months(received_on, 1)


def record_request(
    session: Session,
    hr: UserAccount,
    member: StaffMember,
    *,
    received_on: date,
    how_received: str,
    notes: str = "",
    today: date,
) -> SubjectAccessRequest:
    ensure(hr, Action.HANDLE_SUBJECT_ACCESS, hr.trust_id)
    if member.trust_id != hr.trust_id:
        raise InvalidInput(
            f"{member.full_name} is on the staff of {member.trust.name}: their HR team records and answers "
            "the request.",
            field="staff_email",
        )
    if received_on > today:
        raise InvalidInput("The date received must be today or in the past.", field="received_on")
    if how_received not in HOW_RECEIVED:
        raise InvalidInput("Choose how the request arrived.", field="how_received")
    if len(notes or "") > MAX_NOTES:
        raise InvalidInput(f"Notes must be {MAX_NOTES} characters or fewer.", field="notes")
    request = SubjectAccessRequest(
        staff_member_id=member.id,
        trust_id=member.trust_id,
        received_on=received_on,
        due_on=due_on(received_on),
        how_received=how_received,
        notes=(notes or "").strip(),
        recorded_by_id=hr.id,
    )
    session.add(request)
    session.flush()
    record_event(
        session, actor=hr, action="subject_access.request_recorded", record_type="staff_member",
        record_id=member.id, trust_id=member.trust_id,
        details={"request": request.id, "received_on": received_on.isoformat(),
                 "due_on": request.due_on.isoformat()},
    )  # fmt: skip
    return request


def get_request(session: Session, hr: UserAccount, request_id: int) -> SubjectAccessRequest:
    """The request, to HR of its trust (anyone else: 404, as if there were none)."""
    return own_trust_record(
        session, hr, SubjectAccessRequest, request_id, Action.HANDLE_SUBJECT_ACCESS,
        f"Your trust has no subject access request {request_id}.",
    )  # fmt: skip


def trust_requests(
    session: Session, trust_id: int
) -> tuple[list[SubjectAccessRequest], list[SubjectAccessRequest]]:
    """Open requests, the nearest deadline first; and the 20 answered most recently."""
    base = select(SubjectAccessRequest).where(SubjectAccessRequest.trust_id == trust_id)
    open_ = session.scalars(
        base.where(SubjectAccessRequest.completed_at.is_(None)).order_by(
            SubjectAccessRequest.due_on, SubjectAccessRequest.id
        )
    )
    done = session.scalars(
        base.where(SubjectAccessRequest.completed_at.is_not(None))
        .order_by(SubjectAccessRequest.completed_at.desc())
        .limit(20)
    )
    return list(open_), list(done)


def make_copy(session: Session, hr: UserAccount, request: SubjectAccessRequest) -> Job:
    """Start the job making the person's copy (or show the one already being made)."""
    if request.completed_at is not None:
        raise Conflict("This request was answered already.")
    running = session.get(Job, request.export_job_id) if request.export_job_id else None
    if running is not None and not running.finished:
        return running
    job = start_job(
        session,
        kind=EXPORT_JOB_KIND,
        title=f"A copy of the data of {request.staff_member.full_name} (request {request.id})",
        params={"staff_member_id": request.staff_member_id, "request_id": request.id},
        trust_id=request.trust_id,
        created_by_id=hr.id,
    )
    request.export_job_id = job.id
    return job


def mark_answered(session: Session, hr: UserAccount, request: SubjectAccessRequest) -> None:
    if request.completed_at is not None:
        raise Conflict("This request was answered already.")
    request.completed_at = utcnow()
    record_event(
        session, actor=hr, action="subject_access.request_answered", record_type="staff_member",
        record_id=request.staff_member_id, trust_id=request.trust_id, details={"request": request.id},
    )  # fmt: skip
