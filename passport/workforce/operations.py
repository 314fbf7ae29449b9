"""Workforce records one at a time: the staff list, a person's record, absences and leavers.

Every function takes the acting user and asks the access policy (``passport.auth.policy``) itself, so
the API, the pages and the CLI cannot disagree about who sees what. Sickness reasons and the Bradford
factor are health data: only HR of the record's trust sees them (``Action.VIEW_SICKNESS_DETAIL``).
Nothing here commits; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows, ensure, filter_by_scope
from passport.errors import AccessDenied, Conflict, InvalidInput, NotFound
from passport.formatting import uk_date
from passport.reference.workforce import (
    ABSENCE_CATEGORY_BY_CODE,
    AFC_BANDS,
    LEAVING_REASON_BY_CODE,
    SICKNESS_REASON_BY_CODE,
    STAFF_GROUP_BY_CODE,
)
from passport.trusts.models import StaffMember
from passport.workforce.absence_import import absence_outside_assignment
from passport.workforce.models import Absence, Assignment
from passport.workforce.signals import announce_records_changed

SICKNESS = "SICKNESS"
BRADFORD_WINDOW_DAYS = 52 * 7  # a rolling 52 weeks, ending on the day asked about
MAX_PAGE_SIZE = 200


# --- Reading -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffFilters:
    staff_group: str | None = None  # StaffGroup code, such as NMR
    afc_band: str | None = None  # "5", "8a"
    in_post_on: date | None = None
    name: str | None = None  # part of a given name, family name or email
    trust_id: int | None = None  # admins may narrow to one trust


@dataclass
class StaffSummary:
    member: StaffMember
    assignments: list[Assignment]  # in the caller's scope, newest first


@dataclass
class StaffPage:
    items: list[StaffSummary]
    total: int
    limit: int
    offset: int


def check_filters(filters: StaffFilters) -> None:
    if filters.staff_group is not None and filters.staff_group not in STAFF_GROUP_BY_CODE:
        raise InvalidInput(f"{filters.staff_group} is not a staff group code.", field="staff_group")
    if filters.afc_band is not None and filters.afc_band not in AFC_BANDS:
        raise InvalidInput(f"{filters.afc_band} is not an Agenda for Change band.", field="afc_band")


def _in_post(on: date) -> object:
    return and_(Assignment.start_date <= on, or_(Assignment.end_date.is_(None), Assignment.end_date >= on))


def _assignment_conditions(filters: StaffFilters) -> list[object]:
    conditions: list[object] = []
    if filters.staff_group:
        conditions.append(Assignment.staff_group == filters.staff_group)
    if filters.afc_band:
        conditions.append(Assignment.afc_band == filters.afc_band)
    if filters.in_post_on:
        conditions.append(_in_post(filters.in_post_on))
    if filters.trust_id is not None:
        conditions.append(Assignment.trust_id == filters.trust_id)
    return conditions


def _scoped_assignments(user: UserAccount, stmt: Select) -> Select:
    return filter_by_scope(user, Action.VIEW_WORKFORCE, stmt, Assignment.trust_id)


def list_staff(
    session: Session, user: UserAccount, filters: StaffFilters, *, limit: int = 50, offset: int = 0
) -> StaffPage:
    """People the caller may see, with their assignments in her scope, filtered and paged by name.

    A person is listed when she has an assignment in scope matching the filters; with no assignment
    filter, people whose staff record belongs to the caller's trust are listed too (before any import).
    """
    ensure(user, Action.VIEW_WORKFORCE)
    check_filters(filters)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    matching = _scoped_assignments(user, select(Assignment.staff_member_id)).where(
        *_assignment_conditions(filters)
    )
    stmt = select(StaffMember)
    assignment_filtered = bool(filters.staff_group or filters.afc_band or filters.in_post_on)
    if assignment_filtered or filters.trust_id is not None:
        stmt = stmt.where(StaffMember.id.in_(matching))
    else:
        owned = filter_by_scope(user, Action.VIEW_WORKFORCE, select(StaffMember.id), StaffMember.trust_id)
        stmt = stmt.where(or_(StaffMember.id.in_(matching), StaffMember.id.in_(owned)))
    if filters.name:
        pattern = f"%{filters.name.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(StaffMember.given_name).like(pattern),
                func.lower(StaffMember.family_name).like(pattern),
                StaffMember.email.like(pattern),
                func.lower(StaffMember.given_name + " " + StaffMember.family_name).like(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    members = list(
        session.scalars(
            stmt.order_by(StaffMember.family_name, StaffMember.given_name, StaffMember.id)
            .limit(limit)
            .offset(offset)
        )
    )
    by_member: dict[int, list[Assignment]] = {member.id: [] for member in members}
    if members:
        rows = session.scalars(
            _scoped_assignments(user, select(Assignment))
            .where(Assignment.staff_member_id.in_(list(by_member)))
            .order_by(Assignment.start_date.desc(), Assignment.id.desc())
        )
        for assignment in rows:
            by_member[assignment.staff_member_id].append(assignment)
    items = [StaffSummary(member, by_member[member.id]) for member in members]
    return StaffPage(items=items, total=total, limit=limit, offset=offset)


@dataclass
class AbsenceView:
    absence: Absence
    show_reason: bool  # the caller may see the sickness reason (HR of the absence's trust)

    @property
    def category_label(self) -> str:
        category = ABSENCE_CATEGORY_BY_CODE.get(self.absence.category)
        return category.label if category else self.absence.category

    @property
    def reason_label(self) -> str | None:
        code = self.absence.reason_code
        if not self.show_reason or code is None:
            return None
        reason = SICKNESS_REASON_BY_CODE.get(code)
        return f"{code} {reason.label}" if reason else code

    @property
    def days(self) -> int | None:
        if self.absence.last_day is None:
            return None
        return (self.absence.last_day - self.absence.first_day).days + 1


@dataclass(frozen=True)
class BradfordFactor:
    spells: int
    days: int
    window_start: date
    window_end: date

    @property
    def score(self) -> int:
        return self.spells * self.spells * self.days


@dataclass
class PersonRecord:
    member: StaffMember
    assignments: list[Assignment]
    absences: list[AbsenceView]
    bradford: BradfordFactor | None  # None unless the caller is HR of one of the person's trusts
    can_record_trust_ids: set[int] = field(default_factory=set)

    @property
    def viewed_as(self) -> str:
        """What the caller was shown, as the person's list of views names it (subject_access.trail)."""
        detail = self.bradford is not None or any(view.show_reason for view in self.absences)
        return "staff_record_with_sickness" if detail else "staff_record"


def _person_trust_ids(session: Session, member: StaffMember) -> set[int]:
    ids = set(session.scalars(select(Assignment.trust_id).where(Assignment.staff_member_id == member.id)))
    return ids | {member.trust_id}


def get_staff_member(session: Session, user: UserAccount, staff_id: int) -> StaffMember:
    """The person, if the caller may see workforce records of one of her trusts."""
    ensure(user, Action.VIEW_WORKFORCE)
    member = session.get(StaffMember, staff_id)
    if member is None:
        raise NotFound(f"There is no staff record {staff_id}.")
    if not any(
        allows(user, Action.VIEW_WORKFORCE, trust_id) for trust_id in _person_trust_ids(session, member)
    ):
        raise AccessDenied("This person's records belong to another trust.")
    return member


def person_record(
    session: Session, user: UserAccount, staff_id: int, *, today: date | None = None
) -> PersonRecord:
    """A person's assignments and absences in the caller's scope, and for HR her Bradford factor."""
    member = get_staff_member(session, user, staff_id)
    assignments = list(
        session.scalars(
            _scoped_assignments(user, select(Assignment))
            .where(Assignment.staff_member_id == member.id)
            .order_by(Assignment.start_date.desc(), Assignment.id.desc())
        )
    )
    absences = list(
        session.scalars(
            filter_by_scope(user, Action.VIEW_WORKFORCE, select(Absence), Absence.trust_id)
            .join(Assignment, Absence.assignment_id == Assignment.id)
            .where(Assignment.staff_member_id == member.id)
            .order_by(Absence.first_day.desc(), Absence.id.desc())
        )
    )
    views = [AbsenceView(a, allows(user, Action.VIEW_SICKNESS_DETAIL, a.trust_id)) for a in absences]
    detail_trusts = {a.trust_id for a in assignments if allows(user, Action.VIEW_SICKNESS_DETAIL, a.trust_id)}
    bradford = None
    if detail_trusts:
        sickness = [
            v.absence for v in views if v.absence.category == SICKNESS and v.absence.trust_id in detail_trusts
        ]
        bradford = bradford_factor(sickness, today or date.today())
    can_record = {a.trust_id for a in assignments if allows(user, Action.RECORD_WORKFORCE, a.trust_id)}
    return PersonRecord(member, assignments, views, bradford, can_record)


def bradford_factor(sickness: list[Absence], as_of: date) -> BradfordFactor:
    """S^2 x D over the 52 weeks ending ``as_of``: S spells and D calendar days of sickness.

    Spells recorded on two assignments at once (a person with two posts) are one spell: overlapping and
    touching spells are merged before counting. An open spell runs to ``as_of``.
    """
    window_start = as_of - timedelta(days=BRADFORD_WINDOW_DAYS - 1)
    spans = sorted(
        (max(a.first_day, window_start), min(a.last_day or as_of, as_of))
        for a in sickness
        if a.first_day <= as_of and (a.last_day or as_of) >= window_start
    )
    merged: list[list[date]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    days = sum((last - first).days + 1 for first, last in merged)
    return BradfordFactor(spells=len(merged), days=days, window_start=window_start, window_end=as_of)


def get_assignment(session: Session, user: UserAccount, assignment_id: int, action: Action) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"There is no assignment {assignment_id}.")
    ensure(user, action, assignment.trust_id)
    return assignment


def get_absence(session: Session, user: UserAccount, absence_id: int, action: Action) -> Absence:
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise NotFound(f"There is no absence {absence_id}.")
    ensure(user, action, absence.trust_id)
    return absence


# --- Recording ---------------------------------------------------------------------------------------
def _overlapping_sickness(
    session: Session, assignment_id: int, first: date, last: date | None, *, except_id: int | None = None
) -> Absence | None:
    stmt = select(Absence).where(
        Absence.assignment_id == assignment_id,
        Absence.category == SICKNESS,
        or_(Absence.last_day.is_(None), Absence.last_day >= first),
    )
    if last is not None:
        stmt = stmt.where(Absence.first_day <= last)
    if except_id is not None:
        stmt = stmt.where(Absence.id != except_id)
    return session.scalars(stmt.order_by(Absence.first_day).limit(1)).first()


def _span(first: date, last: date | None) -> str:
    return f"{uk_date(first)} to {uk_date(last) if last else 'now'}"


def _check_inside_assignment(assignment: Assignment, first: date, last: date | None) -> None:
    outside = absence_outside_assignment(assignment.start_date, assignment.end_date, first, last)
    if outside is not None:
        column, message = outside
        field = "first_day" if column == "Absence Start Date" else "last_day"
        raise InvalidInput(message[0].upper() + message[1:] + ".", field=field)


def record_absence(
    session: Session,
    user: UserAccount,
    assignment: Assignment,
    *,
    first_day: date,
    last_day: date | None,
    category: str,
    reason_code: str | None = None,
    related_reason: str | None = None,
) -> Absence:
    """Record an absence on an assignment. Sickness needs a reason code S10-S99 and must not overlap
    another sickness absence on the same assignment."""
    ensure(user, Action.RECORD_WORKFORCE, assignment.trust_id)
    category = (category or "").strip().upper()
    if category not in ABSENCE_CATEGORY_BY_CODE:
        raise InvalidInput(f"{category or 'An empty value'} is not an absence category.", field="category")
    reason_code = (reason_code or "").strip().upper() or None
    related_reason = (related_reason or "").strip() or None
    if related_reason is not None and len(related_reason) > 100:
        raise InvalidInput("The related reason must be 100 characters or fewer.", field="related_reason")
    if category == SICKNESS:
        if reason_code is None:
            raise InvalidInput("A sickness absence needs a reason code from S10 to S99.", field="reason_code")
        if reason_code not in SICKNESS_REASON_BY_CODE:
            raise InvalidInput(f"{reason_code} is not a sickness absence reason code.", field="reason_code")
    elif reason_code is not None:
        raise InvalidInput("Only a sickness absence has a reason code.", field="reason_code")
    if last_day is not None and last_day < first_day:
        raise InvalidInput(
            f"The last day ({uk_date(last_day)}) is before the first day ({uk_date(first_day)}).",
            field="last_day",
        )
    _check_inside_assignment(assignment, first_day, last_day)
    same_start = session.scalar(
        select(Absence.id).where(
            Absence.assignment_id == assignment.id,
            Absence.first_day == first_day,
            Absence.category == category,
        )
    )
    if same_start is not None:
        raise Conflict(
            f"An absence of this kind starting {uk_date(first_day)} is already recorded.",
            field="first_day",
        )
    if category == SICKNESS and (clash := _overlapping_sickness(session, assignment.id, first_day, last_day)):
        raise Conflict(
            f"This overlaps the sickness absence {_span(clash.first_day, clash.last_day)}.", field="first_day"
        )
    absence = Absence(
        assignment_id=assignment.id,
        trust_id=assignment.trust_id,
        first_day=first_day,
        last_day=last_day,
        category=category,
        reason_code=reason_code if category == SICKNESS else None,
        related_reason=related_reason,
    )
    session.add(absence)
    session.flush()
    # The reason is health data: the audit log records that an absence was recorded, not why.
    record_event(
        session,
        actor=user,
        action="absence.recorded",
        record_type="absence",
        record_id=absence.id,
        trust_id=assignment.trust_id,
        details={"assignment_number": assignment.assignment_number, "category": category},
    )
    announce_records_changed(session, [assignment.trust_id])
    return absence


def end_absence(session: Session, user: UserAccount, absence: Absence, *, last_day: date) -> Absence:
    """Give an open absence its last day."""
    ensure(user, Action.RECORD_WORKFORCE, absence.trust_id)
    if absence.last_day is not None:
        raise Conflict(f"This absence already ended on {uk_date(absence.last_day)}.", field="last_day")
    if last_day < absence.first_day:
        raise InvalidInput(
            f"The last day ({uk_date(last_day)}) is before the first day ({uk_date(absence.first_day)}).",
            field="last_day",
        )
    assignment = session.get(Assignment, absence.assignment_id)
    if assignment is not None and assignment.end_date is not None and last_day > assignment.end_date:
        raise InvalidInput(
            f"The absence must end by the assignment's end date ({uk_date(assignment.end_date)}).",
            field="last_day",
        )
    absence.last_day = last_day
    session.flush()
    record_event(
        session,
        actor=user,
        action="absence.ended",
        record_type="absence",
        record_id=absence.id,
        trust_id=absence.trust_id,
        details={"last_day": last_day.isoformat()},
    )
    announce_records_changed(session, [absence.trust_id])
    return absence


def record_leaver(
    session: Session, user: UserAccount, assignment: Assignment, *, end_date: date, leaving_reason: str
) -> Assignment:
    """End an assignment with a leaving reason. Absences still open end on the leaving date; an
    absence starting after it is refused, as it would fall outside the assignment."""
    ensure(user, Action.RECORD_WORKFORCE, assignment.trust_id)
    reason = LEAVING_REASON_BY_CODE.get((leaving_reason or "").strip().upper())
    if reason is None:
        raise InvalidInput(
            f"{leaving_reason or 'An empty value'} is not a leaving reason.", field="leaving_reason"
        )
    if assignment.end_date is not None:
        raise Conflict(
            f"Assignment {assignment.assignment_number} already ended on {uk_date(assignment.end_date)}.",
            field="end_date",
        )
    if end_date < assignment.start_date:
        raise InvalidInput(
            f"The leaving date is before the assignment started ({uk_date(assignment.start_date)}).",
            field="end_date",
        )
    later = session.scalar(
        select(func.min(Absence.first_day)).where(
            Absence.assignment_id == assignment.id, Absence.first_day > end_date
        )
    )
    if later is not None:
        raise InvalidInput(
            f"An absence starts on {uk_date(later)}, after this leaving date.", field="end_date"
        )
    for open_absence in session.scalars(
        select(Absence).where(Absence.assignment_id == assignment.id, Absence.last_day.is_(None))
    ):
        open_absence.last_day = end_date
    for ended_late in session.scalars(
        select(Absence).where(Absence.assignment_id == assignment.id, Absence.last_day > end_date)
    ):
        ended_late.last_day = end_date
    assignment.end_date = end_date
    assignment.leaving_reason = reason.code
    session.flush()
    record_event(
        session,
        actor=user,
        action="assignment.leaver_recorded",
        record_type="assignment",
        record_id=assignment.id,
        trust_id=assignment.trust_id,
        details={
            "assignment_number": assignment.assignment_number,
            "end_date": end_date.isoformat(),
            "leaving_reason": reason.code,
        },
    )
    announce_records_changed(session, [assignment.trust_id])
    return assignment
