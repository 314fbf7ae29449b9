"""Reading secondments: lists by trust (outgoing, incoming, by status and date), the CSV export, the
to-do list of each party, and what HR of the host trust may see of a seconded nurse."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session, selectinload

from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows, ensure_for_person, filter_by_scope
from passport.errors import AccessDenied, InvalidInput
from passport.secondments.models import Secondment
from passport.secondments.operations import is_on, parties_of, snapshot_of
from passport.secondments.state import Party, Status, effective_status, waiting_on
from passport.workforce.models import Assignment

DIRECTIONS = ("all", "incoming", "outgoing", "mine")
MAX_LIMIT = 500


@dataclass(frozen=True)
class ListFilters:
    direction: str = "all"  # incoming: host is the caller's trust; outgoing: home is; mine: the nurse's own
    status: str | None = None  # an effective status
    on_or_after: date | None = None  # secondments still running on or after this day
    on_or_before: date | None = None  # secondments starting on or before this day


def _visible(user: UserAccount, stmt: Select, direction: str) -> Select:
    """Only what the policy lets the caller see: her trust's side(s), all for admins, her own as nurse."""
    home = filter_by_scope(user, Action.VIEW_SECONDMENTS, select(Secondment.id), Secondment.home_trust_id)
    host = filter_by_scope(user, Action.VIEW_SECONDMENTS, select(Secondment.id), Secondment.host_trust_id)
    own = (
        Secondment.staff_member_id == user.staff_member_id
        if user.staff_member_id is not None and allows(user, Action.CONSENT_TO_SECONDMENT)
        else false()
    )
    if direction == "incoming":
        return stmt.where(Secondment.id.in_(host), Secondment.host_trust_id == user.trust_id)
    if direction == "outgoing":
        return stmt.where(Secondment.id.in_(home), Secondment.home_trust_id == user.trust_id)
    if direction == "mine":
        return stmt.where(own)
    return stmt.where(or_(Secondment.id.in_(home), Secondment.id.in_(host), own))


def _status_condition(status: str, today: date) -> Any:
    due = and_(Secondment.status == Status.AGREED.value, Secondment.start_date <= today)
    if status == Status.ACTIVE:
        return or_(Secondment.status == Status.ACTIVE.value, due)
    if status == Status.AGREED:
        return and_(Secondment.status == Status.AGREED.value, Secondment.start_date > today)
    return Secondment.status == status


def list_secondments(
    session: Session,
    user: UserAccount,
    filters: ListFilters,
    *,
    today: date,
    limit: int = 200,
    offset: int = 0,
) -> list[Secondment]:
    if filters.direction not in DIRECTIONS:
        raise InvalidInput(f"direction must be one of {', '.join(DIRECTIONS)}.", field="direction")
    if filters.status is not None and filters.status not in {s.value for s in Status}:
        raise InvalidInput(f"{filters.status} is not a secondment status.", field="status")
    stmt = _visible(user, select(Secondment), filters.direction)
    if filters.status:
        stmt = stmt.where(_status_condition(filters.status, today))
    if filters.on_or_after:
        stmt = stmt.where(Secondment.end_date >= filters.on_or_after)
    if filters.on_or_before:
        stmt = stmt.where(Secondment.start_date <= filters.on_or_before)
    stmt = stmt.options(
        selectinload(Secondment.staff_member),
        selectinload(Secondment.home_trust),
        selectinload(Secondment.host_trust),
    )
    stmt = stmt.order_by(Secondment.start_date.desc(), Secondment.id.desc())
    return list(session.scalars(stmt.limit(max(1, min(limit, MAX_LIMIT))).offset(max(0, offset))))


def shown_status(secondment: Secondment, today: date) -> Status:
    return effective_status(snapshot_of(secondment), today)


CSV_COLUMNS = [
    "id",
    "status",
    "staff_name",
    "staff_email",
    "home_trust",
    "host_trust",
    "job_version_id",
    "start_date",
    "end_date",
    "ended_on",
    "fte",
    "hours_per_week",
    "recharge_percent",
    "home_approved",
    "nurse_consented",
    "pending_end_date",
    "fit_verdict",
    "fit_overridden",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with these as a formula (CSV injection): make it plain text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(secondments: list[Secondment], today: date) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in secondments:
        row = [
            s.id,
            shown_status(s, today).value,
            s.staff_member.full_name,
            s.staff_member.email,
            s.home_trust.ods_code,
            s.host_trust.ods_code,
            s.job_version_id,
            s.start_date.isoformat(),
            s.end_date.isoformat(),
            s.ended_on.isoformat() if s.ended_on else "",
            s.fte if s.fte is not None else "",
            s.hours_per_week if s.hours_per_week is not None else "",
            s.recharge_percent,
            "yes" if s.home_approved else "no",
            "yes" if s.nurse_consented else "no",
            s.pending_end_date.isoformat() if s.pending_end_date else "",
            (s.fit_check or {}).get("verdict", ""),
            "yes" if s.fit_override_reason else "no",
        ]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


# --- To-do ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Todo:
    secondment: Secondment
    party: Party
    what: str


_WHAT = {
    Party.HOME: "Approve or decline",
    Party.NURSE: "Consent or decline",
}


def todo_for(session: Session, user: UserAccount, today: date) -> list[Todo]:
    """Secondments waiting on this user, as whichever party she is on each."""
    stmt = _visible(user, select(Secondment), "all").where(
        Secondment.status.in_([Status.PROPOSED.value, Status.AGREED.value, Status.ACTIVE.value])
    )
    items: list[Todo] = []
    for secondment in session.scalars(stmt.order_by(Secondment.start_date, Secondment.id)):
        waiting = waiting_on(snapshot_of(secondment), today) & parties_of(user, secondment)
        for party in sorted(waiting):
            if party in _WHAT and secondment.status == Status.PROPOSED:
                what = _WHAT[party]
            elif secondment.extension_requested_by and party.value != secondment.extension_requested_by:
                what = "Agree or decline the extension asked for"
            else:
                what = "Record that it is complete"
            items.append(Todo(secondment, party, what))
    return items


# --- What HR of the host trust sees of the nurse --------------------------------------------------------


@dataclass(frozen=True)
class SecondeeView:
    secondment: Secondment
    groups: list[Any]  # passport groups (credentials) of the nurse
    host_assignment: Assignment | None
    home_assignment: Assignment | None  # role, band and FTE only; never her absences


def secondee_view(session: Session, user: UserAccount, secondment: Secondment, today: date) -> SecondeeView:
    """Her passport and the assignment details the secondment needs, for the host's HR while it is on
    (the policy's temporary grant decides). Her absences, and so her sickness reasons, are never here."""
    from passport.passports.operations import passport_groups

    ensure_for_person(
        session,
        user,
        Action.VIEW_SECONDED_STAFF,
        secondment.staff_member_id,
        secondment.staff_member.trust_id,
    )
    if not is_on(secondment, today):  # the grant may come from another secondment; this one must be on
        raise AccessDenied(
            "This secondment is not running today, so the secondee's passport is not shown to you."
        )
    home_assignment = session.scalars(
        select(Assignment)
        .where(
            Assignment.staff_member_id == secondment.staff_member_id,
            Assignment.trust_id == secondment.home_trust_id,
            Assignment.start_date <= today,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
        )
        .order_by(Assignment.start_date.desc())
        .limit(1)
    ).first()
    host_assignment = (
        session.get(Assignment, secondment.host_assignment_id) if secondment.host_assignment_id else None
    )
    groups = passport_groups(session, secondment.staff_member)
    return SecondeeView(secondment, groups, host_assignment, home_assignment)
