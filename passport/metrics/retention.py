"""Leavers, stability and newly qualified nurse retention, counted in the database.

A person is in post on a day when she holds a post of her own (an assignment that is neither bank nor a
secondee assignment: ``queries.counted``) covering it. She leaves a level (her trust, or the partnership)
on the last day of a post when no post of hers at that level covers the next day: at the trust level
only her own trust's posts keep her in post, at the partnership level any partner trust's do, so a move
between partner trusts starting no later than the day after is a leave from the trust but not from the
partnership. Concurrent posts ending the same day are one leave. Headcounts count people, not posts.

A secondment changes none of this: she stays in post at her home trust on her own post there, and the
secondee assignment at the host is neither a joiner, nor a leaver, nor in post there (docs/metrics.md).
Stability asks only whether she is in post at the period's start and at its end: a returner is stable.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from passport.metrics.published import rate_percent
from passport.metrics.queries import (
    BREAKDOWN_COLUMNS,
    E4,
    EXCLUDED_PERSON_TYPES,
    Period,
    Place,
    Scope,
    breakdown_columns,
    counted,
    covers_day,
    day_number,
    fte_e4,
    month_last_day,
    month_of,
    periods_table,
    to_day_number,
)
from passport.workforce.models import Assignment

GROUP_KEYS = ("trust", "staff_group", "band", "directorate", "ward", "cost_centre")


def _group_keys(by: Sequence[str]) -> list[str]:
    return [key for key in GROUP_KEYS if key in by]


def _continued(ending: Any, scope: Scope) -> Any:
    """EXISTS: another assignment of the same person at the level covers the day after ``ending`` ends.

    Any staff group or band counts: changing job inside the trust is not leaving it.
    """
    nxt = aliased(Assignment, name="next_assignment")
    return exists().where(
        nxt.staff_member_id == ending.staff_member_id,
        nxt.trust_id.in_(scope.continuity_trust_ids),
        nxt.person_type.not_in(EXCLUDED_PERSON_TYPES),
        day_number(nxt.start_date) <= day_number(ending.end_date) + 1,
        or_(nxt.end_date.is_(None), nxt.end_date > ending.end_date),
    )


def leave_events(scope: Scope, first_day: date, last_day: date, by: Sequence[str]) -> Select[Any]:
    """One row per person, leaving date and breakdown cell: her counted assignments that end that day
    with nothing at the level carrying her on (FTE summed over them)."""
    ending = aliased(Assignment, name="ending")
    key_cols = breakdown_columns(ending, by)
    return (
        select(
            ending.staff_member_id.label("person"),
            ending.end_date.label("leaving_date"),
            *key_cols,
            func.sum(fte_e4(ending)).label("fte_e4"),
        )
        .where(
            counted(ending, scope),
            ending.end_date >= first_day,
            ending.end_date <= last_day,
            ~_continued(ending, scope),
        )
        .group_by(ending.staff_member_id, ending.end_date, *[c.element for c in key_cols])
    )


def _presence_events(scope: Scope, by: Sequence[str]) -> Select[Any]:
    """Changes in people and FTE in post, per day and breakdown cell: (day, <keys>, heads, fte_e4).

    A person's assignments in one cell that follow or overlap one another make one spell in post; an
    assignment adds a head on its first day only when it starts a spell (no assignment of hers in the
    cell covers the day before, nor starts the same day with a lower id) and takes it away the day after
    its last only when it ends one. FTE changes with every assignment. The people in post on day x are
    then the sum of the changes up to x: each assignment is looked at once (with two index lookups on
    staff_member_id), not once per date asked about.
    """
    a = Assignment
    other = aliased(Assignment, name="same_cell")
    same_cell = [
        other.staff_member_id == a.staff_member_id,
        other.id != a.id,
        counted(other, scope),
        *[BREAKDOWN_COLUMNS[k](other).is_not_distinct_from(BREAKDOWN_COLUMNS[k](a)) for k in _group_keys(by)],
    ]
    starts_spell = ~exists().where(
        *same_cell,
        or_(
            and_(
                other.start_date < a.start_date,
                or_(other.end_date.is_(None), day_number(other.end_date) + 1 >= day_number(a.start_date)),
            ),
            and_(other.start_date == a.start_date, other.id < a.id),
        ),
    )
    ends_spell = ~exists().where(
        *same_cell,
        or_(
            and_(
                or_(other.end_date.is_(None), other.end_date > a.end_date),
                day_number(other.start_date) <= day_number(a.end_date) + 1,
            ),
            and_(other.end_date == a.end_date, other.id < a.id),
        ),
    )
    keys = breakdown_columns(a, by)
    starts = select(
        day_number(a.start_date).label("day"),
        *keys,
        case((starts_spell, 1), else_=0).label("heads"),
        fte_e4(a).label("fte_e4"),
    ).where(counted(a, scope))
    ends = select(
        (day_number(a.end_date) + 1).label("day"),
        *breakdown_columns(a, by),
        case((ends_spell, -1), else_=0).label("heads"),
        (-fte_e4(a)).label("fte_e4"),
    ).where(counted(a, scope), a.end_date.is_not(None))
    both = union_all(starts, ends).subquery("presence_change")
    group = [both.c.day, *[both.c[k] for k in _group_keys(by)]]
    return select(
        *group, func.sum(both.c.heads).label("heads"), func.sum(both.c.fte_e4).label("fte_e4")
    ).group_by(*group)


_NO_BAND = "~"  # stands in for a missing band while cells are matched with plain equality


def _headcount_at(scope: Scope, periods: Any, day_column: str, by: Sequence[str]) -> Select[Any]:
    """People (and FTE) in post on each period's first or last day, per breakdown cell.

    The days asked about cut the timeline into steps; each change event falls into the first step whose
    day is on or after it (one match per event, never one per event and day), the steps are summed per
    cell, and a running sum over the steps gives the people in post on each day.
    """
    events = _presence_events(scope, by).subquery("presence")
    keys = _group_keys(by)
    asked = periods.c["first_dn" if day_column == "first_date" else "last_dn"]
    days = select(asked.label("day")).distinct().subquery("asked_day")
    steps = select(days.c.day, func.lag(days.c.day).over(order_by=days.c.day).label("previous")).subquery(
        "step"
    )

    def cell_key(column: Any, key: str) -> Any:
        return func.coalesce(column, _NO_BAND) if key == "band" else column

    in_step = and_(
        events.c.day <= steps.c.day, or_(steps.c.previous.is_(None), events.c.day > steps.c.previous)
    )
    # One expression per key, used in SELECT and GROUP BY alike (PostgreSQL wants them identical).
    step_keys = [cell_key(events.c[k], k) for k in keys]
    per_step = (
        select(
            steps.c.day,
            *[column.label(k) for column, k in zip(step_keys, keys, strict=True)],
            func.sum(events.c.heads).label("heads"),
            func.sum(events.c.fte_e4).label("fte_e4"),
        )
        .select_from(events)
        .join(steps, in_step)
        .group_by(steps.c.day, *step_keys)
        .subquery("per_step")
    )
    # Every cell on every day asked about, so that a day with no change still gets its running sum.
    if keys:
        cells = select(*[per_step.c[k] for k in keys]).distinct().subquery("cell")
        cell_columns = [cells.c[k] for k in keys]
        grid: Any = cells.join(days, literal(True))
    else:
        cell_columns, grid = [], days
    same_cell = [per_step.c[k] == c for k, c in zip(keys, cell_columns, strict=True)]
    same = and_(per_step.c.day == days.c.day, *same_cell)
    window = {"partition_by": cell_columns or None, "order_by": days.c.day}
    running = (
        select(
            days.c.day,
            *cell_columns,
            func.sum(func.coalesce(per_step.c.heads, 0)).over(**window).label("headcount"),
            func.sum(func.coalesce(per_step.c.fte_e4, 0)).over(**window).label("fte_e4"),
        )
        .select_from(grid.outerjoin(per_step, same))
        .subquery("in_post")
    )
    return (
        select(
            periods.c.key.label("period"),
            *[(func.nullif(running.c[k], _NO_BAND) if k == "band" else running.c[k]).label(k) for k in keys],
            running.c.headcount,
            running.c.fte_e4,
        )
        .join(periods, asked == running.c.day)
        .where(running.c.headcount > 0)
    )


def _cell_key(row: Any, keys: Sequence[str]) -> tuple[Any, ...]:
    return (row["period"], *(row[k] for k in keys))


# --- Leaver rate ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LeaverCell:
    period: Period
    keys: dict[str, Any]
    leavers: int
    start_headcount: int
    end_headcount: int
    leavers_fte: Decimal
    start_fte: Decimal
    end_fte: Decimal

    @property
    def average_headcount(self) -> Decimal:
        return Decimal(self.start_headcount + self.end_headcount) / 2

    @property
    def average_fte(self) -> Decimal:
        return (self.start_fte + self.end_fte) / 2

    @property
    def rate_percent(self) -> Decimal | None:
        return rate_percent(Decimal(self.leavers), self.average_headcount) if self.average_headcount else None

    @property
    def fte_rate_percent(self) -> Decimal | None:
        return rate_percent(self.leavers_fte, self.average_fte) if self.average_fte else None


def leaver_cells(
    session: Session, scope: Scope, periods: Sequence[Period], by: Sequence[str]
) -> list[LeaverCell]:
    """Leavers with a leaving date in each period / average of the headcounts on its first and last day."""
    keys = _group_keys(by)
    table = periods_table(periods)
    first = min(p.first_day for p in periods)
    last = max(p.last_day for p in periods)
    events = leave_events(scope, first, last, by).subquery("leave_event")
    event_keys = [events.c[k] for k in keys]
    leavers_stmt = (
        select(
            table.c.key.label("period"),
            *event_keys,
            func.count().label("leavers"),
            func.sum(events.c.fte_e4).label("fte_e4"),
        )
        .join(
            table,
            and_(events.c.leaving_date >= table.c.first_date, events.c.leaving_date <= table.c.last_date),
        )
        .group_by(table.c.key, *event_keys)
    )
    found: dict[tuple[Any, ...], dict[str, Any]] = {}

    def slot(row: Any) -> dict[str, Any]:
        return found.setdefault(
            _cell_key(row, keys),
            {"leavers": 0, "leavers_fte": 0, "start": 0, "start_fte": 0, "end": 0, "end_fte": 0},
        )

    for row in session.execute(leavers_stmt).mappings():
        cell = slot(row)
        cell["leavers"], cell["leavers_fte"] = int(row["leavers"]), int(row["fte_e4"] or 0)
    for day_column, name in (("first_date", "start"), ("last_date", "end")):
        for row in session.execute(_headcount_at(scope, table, day_column, by)).mappings():
            cell = slot(row)
            cell[name], cell[f"{name}_fte"] = int(row["headcount"]), int(row["fte_e4"] or 0)
    cells = [
        LeaverCell(
            periods[key[0]],
            dict(zip(keys, key[1:], strict=True)),
            v["leavers"],
            v["start"],
            v["end"],
            Decimal(v["leavers_fte"]) / E4,
            Decimal(v["start_fte"]) / E4,
            Decimal(v["end_fte"]) / E4,
        )
        for key, v in found.items()
    ]
    cells.sort(key=lambda c: (c.period.last_month, *(str(c.keys[k]) for k in keys)))
    return cells


# --- Stability index -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StabilityCell:
    period: Period
    keys: dict[str, Any]
    start_headcount: int
    still_in_post: int

    @property
    def stability_percent(self) -> Decimal | None:
        if not self.start_headcount:
            return None
        return rate_percent(Decimal(self.still_in_post), Decimal(self.start_headcount))


def stability_cells(
    session: Session, scope: Scope, periods: Sequence[Period], by: Sequence[str]
) -> list[StabilityCell]:
    """People in post on each period's first day (counted in the cell of the post they held then) who
    are in post at the level on its last day, whatever happened between / people in post on its first
    day. A returner (left and back by the last day) is stable.

    Counted as the cohort less those gone: someone in post on the first day and not on the last left
    the level in between, so only the period's leavers need the look at the last day.
    """
    keys = _group_keys(by)
    table = periods_table(periods)
    first = min(p.first_day for p in periods)
    last = max(p.last_day for p in periods)
    # Leaving the level from any group, band or place counts, so events are found without those filters.
    level_scope = replace(
        scope, trust_ids=scope.continuity_trust_ids, staff_groups=(), bands=(), place=Place()
    )
    events = leave_events(level_scope, first, last, ()).subquery("leave_event")
    # (period, person) for every leave strictly before the period's last day.
    left_in_period = (
        select(table.c.key.label("period"), events.c.person, table.c.first_date, table.c.last_date)
        .join(
            table,
            and_(events.c.leaving_date >= table.c.first_date, events.c.leaving_date < table.c.last_date),
        )
        .distinct()
        .subquery("left_in_period")
    )
    back = aliased(Assignment, name="back_in_post")
    in_post_at_end = exists().where(
        back.staff_member_id == left_in_period.c.person,
        counted(back, level_scope),
        covers_day(back, left_in_period.c.last_date),
    )
    a = Assignment
    key_cols = breakdown_columns(a, by)
    leavers_from_cohort = (
        select(left_in_period.c.period, a.staff_member_id.label("person"), *key_cols)
        .join(a, a.staff_member_id == left_in_period.c.person)
        .where(covers_day(a, left_in_period.c.first_date), counted(a, scope), ~in_post_at_end)
        .distinct()
        .subquery("cohort_leaver")
    )
    cohort_keys = [leavers_from_cohort.c[k] for k in keys]
    gone_stmt = select(leavers_from_cohort.c.period, *cohort_keys, func.count().label("gone")).group_by(
        leavers_from_cohort.c.period, *cohort_keys
    )
    gone = {_cell_key(row, keys): int(row["gone"]) for row in session.execute(gone_stmt).mappings()}
    cells = []
    for row in session.execute(_headcount_at(scope, table, "first_date", by)).mappings():
        key = _cell_key(row, keys)
        start = int(row["headcount"])
        cells.append(
            StabilityCell(
                periods[key[0]], dict(zip(keys, key[1:], strict=True)), start, start - gone.get(key, 0)
            )
        )
    cells.sort(key=lambda c: (c.period.last_month, *(str(c.keys[k]) for k in keys)))
    return cells


# --- Newly qualified nurse retention ---------------------------------------------------------------------
NQN_STAFF_GROUP = "NMR"
NQN_BAND = "5"


def one_year_on(start: date) -> date:
    """The same day 12 months later; 29 February gives 28 February."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


@dataclass(frozen=True)
class RetentionCell:
    keys: dict[str, Any]
    cohort: int
    retained: int

    @property
    def retention_percent(self) -> Decimal | None:
        return rate_percent(Decimal(self.retained), Decimal(self.cohort)) if self.cohort else None


def nqn_retention(
    session: Session, scope: Scope, cohort: Period, as_of: date, by: Sequence[str] = ()
) -> list[RetentionCell]:
    """Nurses whose first assignment anywhere in the partnership started at band 5 (registered nursing)
    within ``cohort``, at the scope's trusts, who are still in post at the level 12 months after their start.

    Only starters whose first anniversary has come by ``as_of`` are counted.
    """
    keys = [k for k in _group_keys(by) if k == "trust"]
    # One row per cohort month (not per day: a long list of rows costs more to compile than to run): a
    # start's first anniversary is its day number plus the days from the 1st of its month to the 1st of
    # the same month a year later, less one for 29 February (whose anniversary is 28 February). The rows are
    # bound values in a UNION ALL, not a VALUES list: a VALUES with data has no cache key, so SQLAlchemy
    # compiled the whole statement afresh each time (7 ms; four times in a refresh, once a page view).
    month_rows = []
    for index in range(cohort.first_month, cohort.last_month + 1):
        first = month_of(index)
        leap_day = date(first.year, 2, 29) if first.month == 2 and calendar.isleap(first.year) else None
        # For other months a day outside the month, which no start in it can equal.
        leap_dn = to_day_number(leap_day) if leap_day else to_day_number(first) - 1
        month_rows.append(
            select(
                literal(first, Date).label("first_date"),
                literal(month_last_day(index), Date).label("last_date"),
                literal((first.replace(year=first.year + 1) - first).days, Integer).label("year_days"),
                literal(leap_dn, Integer).label("leap_dn"),
            )
        )
    cohort_months = union_all(*month_rows).cte("cohort_month")
    a = Assignment
    earlier = aliased(Assignment, name="earlier")
    first_in_partnership = ~exists().where(
        earlier.staff_member_id == a.staff_member_id,
        earlier.trust_id.in_(scope.partnership_trust_ids),
        earlier.person_type.not_in(EXCLUDED_PERSON_TYPES),
        earlier.start_date < a.start_date,
    )
    start_dn = day_number(a.start_date)
    anniversary_dn = (
        start_dn + cohort_months.c.year_days - case((start_dn == cohort_months.c.leap_dn, 1), else_=0)
    )
    level_scope = replace(
        scope, trust_ids=scope.continuity_trust_ids, staff_groups=(), bands=(), place=Place()
    )
    ending = aliased(Assignment, name="ending")
    left_within_year = exists().where(
        ending.staff_member_id == a.staff_member_id,
        ending.trust_id.in_(scope.continuity_trust_ids),
        ending.person_type.not_in(EXCLUDED_PERSON_TYPES),
        ending.end_date >= a.start_date,
        day_number(ending.end_date) < anniversary_dn,
        ~_continued(ending, level_scope),
    )
    starters = (
        select(
            a.staff_member_id.label("person"),
            *breakdown_columns(a, keys),
            func.max(case((left_within_year, 1), else_=0)).label("left"),
        )
        .join(
            cohort_months,
            and_(a.start_date >= cohort_months.c.first_date, a.start_date <= cohort_months.c.last_date),
        )
        .where(
            a.trust_id.in_(scope.trust_ids),
            a.person_type.not_in(EXCLUDED_PERSON_TYPES),
            a.staff_group == NQN_STAFF_GROUP,
            a.afc_band == NQN_BAND,
            *scope.place.conditions(a),  # a place's cohort: those whose first post was there
            a.start_date.between(cohort.first_day, cohort.last_day),  # lets the planner see how few
            anniversary_dn <= to_day_number(as_of),  # only starters whose first anniversary has come
            first_in_partnership,
        )
        .group_by(a.staff_member_id, *[c.element for c in breakdown_columns(a, keys)])
        .subquery("starter")
    )
    key_cols = [starters.c[k] for k in keys]
    stmt = select(
        *key_cols,
        func.count().label("cohort"),
        func.sum(1 - starters.c.left).label("retained"),
    ).group_by(*key_cols)
    return [
        RetentionCell({k: row[k] for k in keys}, int(row["cohort"]), int(row["retained"] or 0))
        for row in session.execute(stmt).mappings()
        if row["cohort"]
    ]
