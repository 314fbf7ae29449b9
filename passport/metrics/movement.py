"""Secondments in and out per trust per month, counted from workforce records.

A secondment is a ``secondee`` assignment at the host trust (the secondments feature makes it when a
secondment starts and ends it when it ends); the nurse's own assignment at her home trust carries on.
So a trust's secondments *in* are the people holding a secondee assignment there during the month, and
its secondments *out* are the people whose staff record belongs to the trust (her home trust) holding a
secondee assignment at another partner trust during the month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from passport.metrics.queries import Period, Place, month_last_day, month_of, periods_table
from passport.trusts.models import StaffMember
from passport.workforce.models import Assignment

SECONDEE = "secondee"


def secondment_counts(
    session: Session,
    trust_ids: tuple[int, ...],
    partnership_trust_ids: tuple[int, ...],
    months: list[int],
    *,
    place: Place = Place(),
) -> dict[int, tuple[int, int]]:
    """{month index: (people seconded in, people seconded out)} for the given trusts together. In a place
    of the trust (a directorate, ward or cost centre): seconded in to it (the secondee assignment's), and
    out of it (an own post of hers there during the month)."""
    if not months:
        return {}
    if not place.chosen:
        return _counted_from_secondees(_secondees(session), trust_ids, partnership_trust_ids, months)
    return placed_secondment_counts(session, trust_ids, partnership_trust_ids, months, place=place)


def _secondees(session: Session) -> list[tuple[int, int, date, date | None, int]]:
    """Every secondee assignment: (person, host trust, start, end or None, her home trust)."""
    query = (
        select(
            Assignment.staff_member_id,
            Assignment.trust_id,
            Assignment.start_date,
            Assignment.end_date,
            StaffMember.trust_id,
        )
        .join(StaffMember, StaffMember.id == Assignment.staff_member_id)
        .where(Assignment.person_type == SECONDEE)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def _counted_from_secondees(
    secondees: list[tuple[int, int, date, date | None, int]],
    trust_ids: tuple[int, ...],
    partnership_trust_ids: tuple[int, ...],
    months: list[int],
) -> dict[int, tuple[int, int]]:
    """``secondment_counts`` with no place chosen, from the secondee assignments read once: they are few,
    and one statement of the SQL below (its months as VALUES) costs more to compile than to run, eight of
    them for the usual dashboards of a refresh."""
    bounds = {m: (month_of(m), month_last_day(m)) for m in months}
    seconded_in: dict[int, set[int]] = defaultdict(set)
    seconded_out: dict[int, set[int]] = defaultdict(set)
    for person, host, start, end, home in secondees:
        coming_in = host in trust_ids
        going_out = home in trust_ids and host in partnership_trust_ids and host not in trust_ids
        if not (coming_in or going_out):
            continue
        for m, (first_day, last_day) in bounds.items():
            if start <= last_day and (end is None or end >= first_day):
                (seconded_in if coming_in else seconded_out)[m].add(person)
    return {m: (len(seconded_in[m]), len(seconded_out[m])) for m in months}


def placed_secondment_counts(
    session: Session,
    trust_ids: tuple[int, ...],
    partnership_trust_ids: tuple[int, ...],
    months: list[int],
    *,
    place: Place = Place(),
) -> dict[int, tuple[int, int]]:
    """``secondment_counts`` in SQL, for any place (none chosen too: the tests hold the two ways equal)."""
    if not months:
        return {}
    period = periods_table([Period(m, m) for m in months], "movement_month")
    # Secondee assignments are few: read them once through their index (MATERIALIZED keeps the planner
    # from walking every assignment of the trust for every month instead).
    secondee = (
        select(
            Assignment.staff_member_id,
            Assignment.trust_id,
            Assignment.start_date,
            Assignment.end_date,
            # Looked up per secondee by primary key: a join would read every staff record.
            select(StaffMember.trust_id)
            .where(StaffMember.id == Assignment.staff_member_id)
            .scalar_subquery()
            .label("home_trust_id"),
            *(getattr(Assignment, level) for level in Place.levels()),
        )
        .where(Assignment.person_type == SECONDEE)
        .cte("secondee_assignment")
        .prefix_with("MATERIALIZED")
    )
    during = and_(
        secondee.c.start_date <= period.c.last_date,
        or_(secondee.c.end_date.is_(None), secondee.c.end_date >= period.c.first_date),
    )
    people = func.count(func.distinct(secondee.c.staff_member_id))
    placed_in, placed_out = [], []
    if place.chosen:
        own = aliased(Assignment, name="own_post")
        placed_in = place.conditions(secondee.c)
        placed_out = [
            exists().where(
                own.staff_member_id == secondee.c.staff_member_id,
                own.trust_id == secondee.c.home_trust_id,
                own.person_type.not_in(("bank", SECONDEE)),
                own.start_date <= period.c.last_date,
                or_(own.end_date.is_(None), own.end_date >= period.c.first_date),
                *place.conditions(own),
            )
        ]
    seconded_in = (
        select(period.c.first_month, people)
        .join(secondee, during)
        .where(secondee.c.trust_id.in_(trust_ids), *placed_in)
        .group_by(period.c.first_month)
    )
    seconded_out = (
        select(period.c.first_month, people)
        .join(secondee, during)
        .where(
            secondee.c.home_trust_id.in_(trust_ids),
            secondee.c.trust_id.in_(partnership_trust_ids),
            secondee.c.trust_id.not_in(trust_ids),
            *placed_out,
        )
        .group_by(period.c.first_month)
    )
    ins = dict(session.execute(seconded_in).all())
    outs = dict(session.execute(seconded_out).all())
    return {m: (int(ins.get(m, 0)), int(outs.get(m, 0))) for m in months}
