"""Corrections (UK GDPR article 16): a person asks for one value of her staff record, an assignment or an
absence to be corrected; HR of the trust holding the record accept it (the change is made then, checked
by the same rules as the forms) or decline it with a reason; she hears the outcome. Plain functions taking
a ``Session``; they never commit.

A signed credential is never corrected in place: its signature covers every word, so the issuing trust
revokes it and issues a corrected one (``SIGNED_CREDENTIAL``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import UserAccount
from passport.auth.policy import Action, ensure, own_trust_record
from passport.corrections.models import ACCEPTED, DECLINED, OPEN, CorrectionRequest
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput, NotFound
from passport.formatting import uk_date
from passport.reference.workforce import ABSENCE_CATEGORY_BY_CODE, SICKNESS_REASON_BY_CODE
from passport.secondments.models import Notification
from passport.trusts.models import StaffMember
from passport.trusts.operations import normalise_nmc_pin
from passport.workforce.models import Absence, Assignment
from passport.workforce.signals import announce_records_changed

SIGNED_CREDENTIAL = (
    "A signed credential cannot be corrected: its signature covers every word of it. Ask the trust that "
    "issued it to revoke it and issue a corrected one."
)
MAX_VALUE = 100
MAX_EXPLANATION = 1000
MAX_DECISION_REASON = 1000
SICKNESS = "SICKNESS"
RECORD_WORDS = {"staff_member": "Staff record", "assignment": "Assignment", "absence": "Absence"}


@dataclass(frozen=True)
class CorrectableField:
    name: str  # the record's attribute
    label: str
    kind: str  # "text", "date", "pin" or "reason": which input the form shows, how the value is read
    applies: Callable[[Any], bool] = lambda _record: True

    @property
    def in_sentence(self) -> str:
        """The label inside a sentence: "date of birth", but "NMC PIN" as it is."""
        first = self.label.split()[0]
        return self.label if first.isupper() else self.label[0].lower() + self.label[1:]


FIELDS: dict[str, tuple[CorrectableField, ...]] = {
    "staff_member": (
        CorrectableField("given_name", "Given name", "text"),
        CorrectableField("family_name", "Family name", "text"),
        CorrectableField("nmc_pin", "NMC PIN", "pin"),
        CorrectableField("date_of_birth", "Date of birth", "date"),
    ),
    "assignment": (
        CorrectableField("job_role", "Job role", "text"),
        CorrectableField("start_date", "Start date", "date"),
        # An open post's leaving date is recorded by HR as a leaver, not asked for as a correction.
        CorrectableField("end_date", "End date", "date", lambda a: a.end_date is not None),
    ),
    "absence": (
        CorrectableField("first_day", "First day", "date"),
        CorrectableField("last_day", "Last day", "date", lambda a: a.last_day is not None),
        CorrectableField("reason_code", "Reason", "reason", lambda a: a.category == SICKNESS),
    ),
}


def fields_of(record_type: str, record: Any) -> list[CorrectableField]:
    return [field for field in FIELDS.get(record_type, ()) if field.applies(record)]


def shown(field: CorrectableField, value: Any) -> str:
    """A value as the pages and the request keep it: dates as 2 December 2026, a reason with its words."""
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, date):
        return uk_date(value)
    if field.kind == "reason" and value in SICKNESS_REASON_BY_CODE:
        return f"{value} {SICKNESS_REASON_BY_CODE[value].label}"
    return str(value)


def describe(record_type: str, record: Any) -> str:
    """The record in a few words, for the pages: "Sickness absence from 3 March 2025"."""
    if record is None:
        return f"{RECORD_WORDS.get(record_type, 'Record')} (removed)"
    if record_type == "staff_member":
        return f"Staff record of {record.full_name}"
    if record_type == "assignment":
        return f"Assignment {record.assignment_number} at {record.trust.name}"
    category = ABSENCE_CATEGORY_BY_CODE.get(record.category)
    kind = category.label if category else record.category.title()
    return f"{kind} absence from {uk_date(record.first_day)}"


# --- Her side ---------------------------------------------------------------------------------------------
def own_staff_member(session: Session, user: UserAccount) -> StaffMember:
    ensure(user, Action.ASK_FOR_CORRECTION)
    member = session.get(StaffMember, user.staff_member_id) if user.staff_member_id else None
    if member is None:
        raise NotFound("Your account is not linked to a staff record.")
    return member


def parse_reference(reference: str | None) -> tuple[str, int]:
    """``absence:12`` into its kind and identifier; a credential is named so that it can be refused."""
    kind, _, number = (reference or "").partition(":")
    # ASCII digits, and few enough for the database's integer ("²".isdigit() is true; int() refuses it).
    if kind not in (*FIELDS, "credential") or not (number.isascii() and number.isdigit()) or len(number) > 9:
        raise InvalidInput(
            "Choose a record to correct from your record's page (staff record, assignment or absence).",
            field="record",
        )
    return kind, int(number)


def own_record(
    session: Session, user: UserAccount, record_type: str, record_id: int
) -> tuple[StaffMember, Any]:
    """Her own record of that kind: anyone else's answers 404, as if there were none. A credential is
    refused first, whoever asks: the page says why before anything is typed."""
    ensure(user, Action.ASK_FOR_CORRECTION)
    if record_type == "credential":
        raise InvalidInput(SIGNED_CREDENTIAL, field="record")
    member = own_staff_member(session, user)
    record: Any = None
    if record_type == "staff_member":
        record = member if record_id == member.id else None
    elif record_type == "assignment":
        record = session.get(Assignment, record_id)
        record = record if record is not None and record.staff_member_id == member.id else None
    elif record_type == "absence":
        record = session.get(Absence, record_id)
        owner = session.get(Assignment, record.assignment_id) if record is not None else None
        record = record if owner is not None and owner.staff_member_id == member.id else None
    if record is None:
        raise NotFound(f"You have no {RECORD_WORDS.get(record_type, 'record').lower()} {record_id}.")
    return member, record


def field_named(record_type: str, record: Any, name: str | None) -> CorrectableField:
    for field in fields_of(record_type, record):
        if field.name == name:
            return field
    raise InvalidInput("Choose what is wrong from your record's page.", field="field")


def read_value(field: CorrectableField, raw: Any) -> Any:
    """The value she typed, in the record's own form; the form has checked it is there."""
    if field.kind == "date":
        if not isinstance(raw, date):
            raise InvalidInput(f"Enter the correct {field.in_sentence}.", field="value")
        return raw
    text = " ".join(str(raw or "").split())
    if not text:
        raise InvalidInput(f"Enter the correct {field.in_sentence}.", field="value")
    if len(text) > MAX_VALUE:
        raise InvalidInput(f"The {field.in_sentence} must be {MAX_VALUE} characters or fewer.", field="value")
    if field.kind == "pin":
        try:
            return normalise_nmc_pin(text)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="value") from None
    if field.kind == "reason":
        code = text.upper()
        if code not in SICKNESS_REASON_BY_CODE:
            raise InvalidInput(f"{text} is not a sickness absence reason.", field="value")
        return code
    return text


def ask_for_correction(
    session: Session,
    user: UserAccount,
    record_type: str,
    record_id: int,
    *,
    field_name: str,
    value: Any,
    explanation: str = "",
) -> CorrectionRequest:
    member, record = own_record(session, user, record_type, record_id)
    field = field_named(record_type, record, field_name)
    wanted = read_value(field, value)
    current = getattr(record, field.name)
    if record_type == "staff_member" and field.name == "date_of_birth":
        _born(session, record, wanted, field="value")  # told at once, not only when HR decide
    if wanted == current:
        raise InvalidInput(f"Your record already says {shown(field, current)}.", field="value")
    explanation = (explanation or "").strip()
    if len(explanation) > MAX_EXPLANATION:
        raise InvalidInput(
            f"The explanation must be {MAX_EXPLANATION} characters or fewer.", field="explanation"
        )
    waiting = session.scalar(
        select(CorrectionRequest).where(
            CorrectionRequest.record_type == record_type,
            CorrectionRequest.record_id == record.id,
            CorrectionRequest.field == field.name,
            CorrectionRequest.status == OPEN,
        )
    )
    if waiting is not None:
        raise Conflict(
            f"You asked on {uk_date(waiting.requested_at)} for the {field.in_sentence} to be "
            f"{requested_words(waiting)}; HR have not decided yet.",
            field="value",
        )
    request = CorrectionRequest(
        staff_member_id=member.id,
        trust_id=record.trust_id,
        record_type=record_type,
        record_id=record.id,
        field=field.name,
        current_value=shown(field, current)[:200],
        requested_value=wanted.isoformat() if isinstance(wanted, date) else wanted,
        explanation=explanation,
        requested_by_id=user.id,
    )
    session.add(request)
    session.flush()
    # Values stay out of the audit log: a reason for sickness is health data.
    record_event(
        session, actor=user, action="correction.requested", record_type="correction_request",
        record_id=request.id, trust_id=request.trust_id,
        details={"record": f"{record_type}:{record.id}", "field": field.name},
    )  # fmt: skip
    return request


def requests_of(session: Session, member: StaffMember) -> list[CorrectionRequest]:
    return list(
        session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.staff_member_id == member.id)
            .order_by(CorrectionRequest.requested_at.desc(), CorrectionRequest.id.desc())
        )
    )


# --- HR's side --------------------------------------------------------------------------------------------
def get_request(session: Session, hr: UserAccount, request_id: int) -> CorrectionRequest:
    """A request, to HR of the trust holding the record (anyone else: 404, as if there were none)."""
    return own_trust_record(
        session, hr, CorrectionRequest, request_id, Action.DECIDE_CORRECTIONS,
        f"Your trust has no correction request {request_id}.",
    )  # fmt: skip


def trust_requests(
    session: Session, trust_id: int
) -> tuple[list[CorrectionRequest], list[CorrectionRequest]]:
    """Open requests, the oldest first; and the 20 decided most recently."""
    base = select(CorrectionRequest).where(CorrectionRequest.trust_id == trust_id)
    waiting = session.scalars(
        base.where(CorrectionRequest.status == OPEN).order_by(
            CorrectionRequest.requested_at, CorrectionRequest.id
        )
    )
    decided = session.scalars(
        base.where(CorrectionRequest.status != OPEN).order_by(CorrectionRequest.decided_at.desc()).limit(20)
    )
    return list(waiting), list(decided)


def open_count(session: Session, trust_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                CorrectionRequest.trust_id == trust_id, CorrectionRequest.status == OPEN
            )
        )
        or 0
    )


def record_of(session: Session, request: CorrectionRequest) -> Any:
    model = {"staff_member": StaffMember, "assignment": Assignment, "absence": Absence}[request.record_type]
    return session.get(model, request.record_id)


def field_of(request: CorrectionRequest) -> CorrectableField:
    return next(field for field in FIELDS[request.record_type] if field.name == request.field)


def requested_value(request: CorrectionRequest) -> Any:
    """The value asked for, as the record holds it (a date is kept as 2026-12-02)."""
    if field_of(request).kind == "date":
        return date.fromisoformat(request.requested_value)
    return request.requested_value


def requested_words(request: CorrectionRequest) -> str:
    return shown(field_of(request), requested_value(request))


def check_reason(*, accept: bool, reason: str) -> str:
    """The decision's reason, trimmed: needed to decline (the person reads it), at most 1,000 characters.
    Checked before the confirmation page too, so that page never offers a decline without one."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput("Say why the correction is declined: the person will read it.", field="reason")
    if len(reason) > MAX_DECISION_REASON:
        raise InvalidInput(f"The reason must be {MAX_DECISION_REASON} characters or fewer.", field="reason")
    return reason


def decide(
    session: Session, hr: UserAccount, request: CorrectionRequest, *, accept: bool, reason: str = ""
) -> CorrectionRequest:
    """Accept (the record is changed now, by the forms' rules) or decline with a reason; she is told."""
    ensure(hr, Action.DECIDE_CORRECTIONS, request.trust_id)
    if request.status != OPEN:
        raise Conflict(f"This request was {request.status} already.", field="decision")
    if request.requested_by_id is not None and request.requested_by_id == hr.id:
        raise Conflict("A correction you asked for yourself is decided by a colleague.", field="decision")
    reason = check_reason(accept=accept, reason=reason)
    field = field_of(request)
    if accept:
        record = record_of(session, request)
        if record is None:
            raise Conflict("The record has been removed since the request was made.", field="decision")
        _apply(session, request.record_type, record, field, requested_value(request))
    request.status = ACCEPTED if accept else DECLINED
    request.decided_by_id = hr.id
    request.decided_at = utcnow()
    request.decision_reason = reason
    session.flush()
    details = {"record": f"{request.record_type}:{request.record_id}", "field": request.field}
    if accept:
        record_event(
            session, actor=hr, action="correction.accepted", record_type="correction_request",
            record_id=request.id, trust_id=request.trust_id, details=details,
        )  # fmt: skip
    else:
        record_event(
            session, actor=hr, action="correction.declined", record_type="correction_request",
            record_id=request.id, trust_id=request.trust_id, details=details,
        )  # fmt: skip
    _tell_the_person(session, request, field)
    return request


def _tell_the_person(session: Session, request: CorrectionRequest, field: CorrectableField) -> None:
    what = f"{RECORD_WORDS[request.record_type].lower()}'s {field.in_sentence}"
    if request.status == ACCEPTED:
        message = f"Your correction was made: your {what} now says {requested_words(request)}."
    else:
        message = f"Your correction to your {what} was declined: {request.decision_reason}"
    if request.requested_by_id is not None:
        session.add(Notification(user_id=request.requested_by_id, message=message[:500]))


# --- Making the change, by the rules the forms and imports keep -------------------------------------------
def _apply(session: Session, record_type: str, record: Any, field: CorrectableField, value: Any) -> None:
    check = _CHECKS.get((record_type, field.name))
    if check is not None:
        check(session, record, value)
    setattr(record, field.name, value)
    session.flush()
    if record_type in ("assignment", "absence"):
        announce_records_changed(session, [record.trust_id])


def _pin_free(session: Session, member: StaffMember, pin: str) -> None:
    holder = session.scalar(
        select(StaffMember).where(StaffMember.nmc_pin == pin, StaffMember.id != member.id)
    )
    if holder is not None:
        raise Conflict(f"Another staff record has the NMC PIN {pin}.", field="decision")


def _born(session: Session, member: StaffMember, born: date, *, field: str = "decision") -> None:
    """As the import holds it: in the past, and before the person's first post started."""
    if born >= date.today():
        raise InvalidInput("A date of birth must be in the past.", field=field)
    first_post = session.scalar(
        select(func.min(Assignment.start_date)).where(Assignment.staff_member_id == member.id)
    )
    if first_post is not None and born >= first_post:
        raise InvalidInput(
            f"A date of birth must be before the first post started ({uk_date(first_post)}).", field=field
        )


def _assignment_start(session: Session, assignment: Assignment, start: date) -> None:
    if assignment.end_date is not None and start > assignment.end_date:
        raise InvalidInput(
            f"The start date would be after the end date ({uk_date(assignment.end_date)}).", field="decision"
        )
    first = session.scalar(select(func.min(Absence.first_day)).where(Absence.assignment_id == assignment.id))
    if first is not None and start > first:
        raise InvalidInput(
            f"An absence starts on {uk_date(first)}, before this start date.", field="decision"
        )


def _assignment_end(session: Session, assignment: Assignment, end: date) -> None:
    if end < assignment.start_date:
        raise InvalidInput(
            f"The end date would be before the start date ({uk_date(assignment.start_date)}).",
            field="decision",
        )
    last = session.scalar(
        select(func.max(func.coalesce(Absence.last_day, Absence.first_day))).where(
            Absence.assignment_id == assignment.id
        )
    )
    if last is not None and end < last:
        raise InvalidInput(f"An absence goes on to {uk_date(last)}, after this end date.", field="decision")


def _absence_span(session: Session, absence: Absence, first: date, last: date | None) -> None:
    from passport.workforce.operations import _overlapping_sickness, _span

    if last is not None and last < first:
        raise InvalidInput(
            f"The last day ({uk_date(last)}) would be before the first day ({uk_date(first)}).",
            field="decision",
        )
    assignment = session.get(Assignment, absence.assignment_id)
    if assignment is not None and (
        first < assignment.start_date
        or (assignment.end_date is not None and (last or first) > assignment.end_date)
    ):
        raise InvalidInput("The absence would fall outside its assignment's dates.", field="decision")
    same_start = session.scalar(
        select(Absence.id).where(
            Absence.assignment_id == absence.assignment_id,
            Absence.first_day == first,
            Absence.category == absence.category,
            Absence.id != absence.id,
        )
    )
    if same_start is not None:
        raise Conflict(
            f"Another absence of this kind starts on {uk_date(first)} on the same post.", field="decision"
        )
    if absence.category == SICKNESS and (
        clash := _overlapping_sickness(session, absence.assignment_id, first, last, except_id=absence.id)
    ):
        raise Conflict(
            f"It would overlap the sickness absence {_span(clash.first_day, clash.last_day)}.",
            field="decision",
        )


_CHECKS: dict[tuple[str, str], Callable[[Session, Any, Any], None]] = {
    ("staff_member", "nmc_pin"): _pin_free,
    ("staff_member", "date_of_birth"): _born,
    ("assignment", "start_date"): _assignment_start,
    ("assignment", "end_date"): _assignment_end,
    ("absence", "first_day"): lambda s, absence, first: _absence_span(s, absence, first, absence.last_day),
    ("absence", "last_day"): lambda s, absence, last: _absence_span(s, absence, absence.first_day, last),
}
