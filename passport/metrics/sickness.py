"""Sickness absence counted in the database: FTE days lost and available, the rate, reasons, Bradford.

Definitions (shared/design.md, restated in docs/metrics.md): calendar days; FTE days available for an
assignment in a month = contracted FTE x days it is in post in that month; FTE days lost = FTE x days of
a sickness absence inside the month and inside the assignment; an open absence runs to the period end;
rate = sum lost / sum available x 100, always a ratio of sums.

The SQL reduces records to one row per month and breakdown cell (sums in ten-thousandths of an FTE day,
whole numbers, so every engine sums exactly); longer periods and rolling 12 months are sums of those
monthly rows, done in SQL too (GROUP BY and a RANGE window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    column,
    func,
    literal,
    or_,
    select,
    union_all,
    values,
)
from sqlalchemy.orm import Session, aliased

from passport.db import among
from passport.metrics.published import rate_percent
from passport.metrics.queries import (
    E4,
    SECONDEE,
    Period,
    Scope,
    breakdown_columns,
    counted,
    day_number,
    earliest,
    fte_e4,
    latest,
    month_last_day,
    month_of,
    periods_table,
)
from passport.trusts.models import StaffMember
from passport.workforce.models import Absence, Assignment

SICKNESS = "SICKNESS"
ROLLING_MONTHS = 12
# An episode (one sickness absence record) over this many calendar days is long-term (NHS Digital); all of
# its days are. An open one's length runs to the end of the period counted (docs/metrics.md).
LONG_TERM_DAYS = 28
GROUP_KEYS = ("trust", "staff_group", "band", "directorate", "ward", "cost_centre")


@dataclass(frozen=True)
class SicknessCell:
    period: Period
    keys: dict[str, Any]  # trust (id), staff_group, band: those asked for
    fte_days_lost: Decimal
    fte_days_available: Decimal

    @property
    def rate_percent(self) -> Decimal | None:
        if not self.fte_days_available:
            return None
        return rate_percent(self.fte_days_lost, self.fte_days_available)


def _group_keys(by: Sequence[str]) -> list[str]:
    return [key for key in GROUP_KEYS if key in by]


def term_columns(span_first: Any, absence: Any, p_last: Any, weight: Any, sign: Any = 1) -> list[Any]:
    """For the span rows of a sickness absence (``absence``: its table or alias), the columns that split
    them by term: ``long_e4`` (the span's weight if the episode is long-term, else 0), ``started`` (the
    span's sign when it begins on the episode's first day: the episode starts there and is counted once)
    and ``long_started``. An open episode's length runs to ``p_last``, the end of the period counted."""
    length = day_number(func.coalesce(absence.last_day, p_last)) - day_number(absence.first_day) + 1
    is_long = length > LONG_TERM_DAYS
    started = case((span_first == absence.first_day, sign), else_=0)
    return [
        case((is_long, weight), else_=0).label("long_e4"),
        started.label("started"),
        case((is_long, started), else_=0).label("long_started"),
    ]


def _no_term_columns() -> list[Any]:
    return [literal(0, Integer).label(name) for name in ("long_e4", "started", "long_started")]


def clipped_spans(
    scope: Scope,
    first_day: date,
    last_day: date,
    by: Sequence[str],
    reason: bool = False,
    terms: bool = False,
) -> Select[Any]:
    """Every counted assignment's days in post and every sickness absence's days lost, each clipped to
    the period (and an absence to its assignment; an open one runs to the period end), as
    (first, last, keys, lost_e4, available_e4) rows grouped on identical spans.

    Only her own posts count (``counted``). Sickness recorded on a secondee assignment belongs to her
    home trust: it counts on each of her own posts that cover those days, with that post's FTE and
    cell, as if recorded there; days also recorded as sickness on that post are taken off again (a
    span of negative weight), so they count once. Her secondee assignments do not overlap one another
    (the secondments feature refuses overlapping secondments; docs/metrics.md).

    One pass over each table, whatever the number of months: the months are split out afterwards.
    ``terms``: each row also says how much of it is long-term, and whether it starts an episode
    (``term_columns``), summed with the rest.
    """
    a, ab = Assignment, Absence
    p_first, p_last = literal(first_day, Date), literal(last_day, Date)
    keys = breakdown_columns(a, by)
    in_post_first = latest(a.start_date, p_first)
    in_post_last = earliest(func.coalesce(a.end_date, p_last), p_last)
    reason_col = [literal(None, String).label("reason")] if reason else []
    available = select(
        in_post_first.label("first"),
        in_post_last.label("last"),
        *keys,
        *reason_col,
        literal(0, Integer).label("lost_e4"),
        fte_e4(a).label("available_e4"),
        *(_no_term_columns() if terms else []),
    ).where(counted(a, scope), in_post_first <= in_post_last)
    sick_first = latest(ab.first_day, a.start_date, p_first)
    sick_last = earliest(func.coalesce(ab.last_day, p_last), func.coalesce(a.end_date, p_last), p_last)
    lost = (
        select(
            sick_first.label("first"),
            sick_last.label("last"),
            *breakdown_columns(a, by),
            *([ab.reason_code.label("reason")] if reason else []),
            fte_e4(a).label("lost_e4"),
            literal(0, Integer).label("available_e4"),
            *(term_columns(sick_first, ab, p_last, fte_e4(a)) if terms else []),
        )
        .select_from(ab)
        .join(a, a.id == ab.assignment_id)
        .where(ab.category == SICKNESS, counted(a, scope, indexed=False), sick_first <= sick_last)
    )
    moved = secondee_sickness_spans(scope, p_first, p_last, by, reason, terms=terms)
    return _grouped_spans(union_all(available, lost, *moved), by, reason, terms)


def secondee_sickness_spans(
    scope: Scope,
    p_first: Any,
    p_last: Any,
    by: Sequence[str],
    reason: bool,
    seconded_ids: Sequence[int] | None = None,
    *,
    terms: bool = False,
    episodes: bool = False,
    dialect: str = "",
) -> tuple[Select[Any], Select[Any]]:
    """Sickness recorded on secondee assignments, moved onto her own posts (see ``clipped_spans``): the
    spans it adds, and the spans (negative) it takes off again where the own post records the same days.
    ``seconded_ids``: only these secondee assignments' (ids); named in the statement, they let PostgreSQL
    look their absences up by index, where it would otherwise scan every absence (0.34 s against 0.04 s
    at 60,000 staff: it expects 25 absences an assignment, read at random). ``terms``: the columns of
    ``term_columns`` (the secondee absence's term: the rows taken off again cancel its own); ``episodes``:
    the absence's own first and last day (``episode_first``, ``episode_last``, None while open) and the
    row's ``sign``, for the roll-up, which settles the terms itself. ``dialect``: the session's, which says
    how the ids are named (``passport.db.among``: one array on PostgreSQL, one JSON text on SQLite).

    Secondee assignments are few: both start from them (the person_type index), then her absences and
    posts by their indexes.
    """
    seconded = aliased(Assignment, name="seconded")
    own = aliased(Assignment, name="own_post")
    ab = aliased(Absence, name="seconded_absence")
    also = aliased(Absence, name="own_absence")
    first = latest(ab.first_day, seconded.start_date, own.start_date, p_first)
    last = earliest(
        func.coalesce(ab.last_day, p_last),
        func.coalesce(seconded.end_date, p_last),
        func.coalesce(own.end_date, p_last),
        p_last,
    )
    reason_col = [ab.reason_code.label("reason")] if reason else []

    def rows(first_day: Any, last_day: Any, sign: int) -> Select[Any]:
        return (
            select(
                first_day.label("first"),
                last_day.label("last"),
                *breakdown_columns(own, by),
                *reason_col,
                (sign * fte_e4(own)).label("lost_e4"),
                literal(0, Integer).label("available_e4"),
                *(term_columns(first_day, ab, p_last, sign * fte_e4(own), sign) if terms else []),
                *(
                    [
                        ab.first_day.label("episode_first"),
                        ab.last_day.label("episode_last"),
                        literal(sign, Integer).label("sign"),
                    ]
                    if episodes
                    else []
                ),
            )
            .select_from(seconded)
            .join(ab, ab.assignment_id == seconded.id)
            .join(own, own.staff_member_id == seconded.staff_member_id)
            .where(
                seconded.person_type == SECONDEE,
                ab.category == SICKNESS,
                counted(own, scope),
                first_day <= last_day,
                *(
                    [
                        among(seconded.id, seconded_ids, dialect),
                        among(ab.assignment_id, seconded_ids, dialect),
                    ]
                    if seconded_ids is not None
                    else []
                ),
            )
        )

    moved = rows(first, last, 1)
    also_first = latest(first, also.first_day)
    also_last = earliest(last, func.coalesce(also.last_day, p_last))
    counted_twice = rows(also_first, also_last, -1).join(
        also, and_(also.assignment_id == own.id, also.category == SICKNESS)
    )
    return moved, counted_twice


def _grouped_spans(rows: Any, by: Sequence[str], reason: bool, terms: bool = False) -> Select[Any]:
    """The span rows summed on identical spans and cells (with ``terms``, their term columns too)."""
    both = rows.subquery("span_rows")
    group = [
        both.c.first,
        both.c.last,
        *[both.c[k] for k in _group_keys(by)],
        *([both.c.reason] if reason else []),
    ]
    return select(
        *group,
        func.sum(both.c.lost_e4).label("lost_e4"),
        func.sum(both.c.available_e4).label("available_e4"),
        *[func.sum(both.c[name]).label(name) for name in TERM_SUMS if terms],
    ).group_by(*group)


TERM_SUMS = ("long_e4", "started", "long_started")


def monthly_sums(
    scope: Scope, first_month: int, last_month: int, by: Sequence[str], terms: bool = False
) -> Select[Any]:
    """SELECT month, <keys>, lost_e4, available_e4 — one row per month and cell with staff in post; with
    ``terms`` also long_lost_e4 (the long-term part of lost_e4), episodes and long_episodes (episodes
    starting in the month): the same events with more columns, not another pass.

    Each span [first, last] of weight w becomes two change events, +w on its first day and -w the day
    after its last; the weighted days before day x are then sum over events up to x of (x * w - day * w).
    A month's days are that at (its last day + 1) less that at its first day. Only the events (one row
    per day and cell) meet the months, never the records.
    """
    spans = clipped_spans(scope, month_of(first_month), month_last_day(last_month), by, terms=terms).subquery(
        "span"
    )
    keys = [spans.c[k] for k in _group_keys(by)]
    side = values(column("side", Integer), name="side").data([(0,), (1,)]).cte("side")
    day = case((side.c.side == 0, day_number(spans.c.first)), else_=day_number(spans.c.last) + 1)
    sign = case((side.c.side == 0, 1), else_=-1)
    events = (
        select(
            day.label("day"),
            *keys,
            func.sum(sign * spans.c.lost_e4).label("lost"),
            func.sum(sign * spans.c.lost_e4 * day).label("lost_days"),
            func.sum(sign * spans.c.available_e4).label("available"),
            func.sum(sign * spans.c.available_e4 * day).label("available_days"),
            *(
                [
                    func.sum(sign * spans.c.long_e4).label("long"),
                    func.sum(sign * spans.c.long_e4 * day).label("long_days"),
                    func.sum(case((side.c.side == 0, spans.c.started), else_=0)).label("started"),
                    func.sum(case((side.c.side == 0, spans.c.long_started), else_=0)).label("long_started"),
                ]
                if terms
                else []
            ),
        )
        .select_from(spans.join(side, literal(True)))
        .group_by(day, *keys)
        .subquery("event")
    )
    months = periods_table([Period(m, m) for m in range(first_month, last_month + 1)], "month")
    event_keys = [events.c[k] for k in _group_keys(by)]
    end, begin = months.c.last_dn + 1, months.c.first_dn

    def days_in_month(weight: Any, weighted_days: Any) -> Any:
        before_begin = case((events.c.day <= begin, begin * weight - weighted_days), else_=0)
        return func.sum(end * weight - weighted_days - before_begin)

    lost_e4 = days_in_month(events.c.lost, events.c.lost_days)
    available_e4 = days_in_month(events.c.available, events.c.available_days)
    term_sums = []
    if terms:
        in_month = and_(events.c.day >= begin, events.c.day < end)
        term_sums = [
            days_in_month(events.c.long, events.c.long_days).label("long_lost_e4"),
            func.sum(case((in_month, events.c.started), else_=0)).label("episodes"),
            func.sum(case((in_month, events.c.long_started), else_=0)).label("long_episodes"),
        ]
    return (
        select(
            months.c.first_month.label("month"),
            *event_keys,
            lost_e4.label("lost_e4"),
            available_e4.label("available_e4"),
            *term_sums,
        )
        .select_from(events)
        .join(months, events.c.day <= end)
        .group_by(months.c.first_month, *event_keys)
        .having(available_e4 != 0)
    )


def sickness_cells(
    session: Session,
    scope: Scope,
    first_month: int,
    last_month: int,
    by: Sequence[str],
    window: str = "month",
) -> list[SicknessCell]:
    """Sickness figures for the months first_month..last_month (month indexes).

    With "month" in ``by``: one row per month, or per 12 months ending with each month when ``window`` is
    "rolling12". Without it: one row for the whole period. Other keys of ``by`` split every row.
    """
    keys = _group_keys(by)
    by_month = "month" in by
    rolling = by_month and window == "rolling12"
    start = first_month - (ROLLING_MONTHS - 1) if rolling else first_month
    monthly = monthly_sums(scope, start, last_month, by).subquery("monthly")
    key_cols = [monthly.c[key] for key in keys]
    if rolling:
        window_args = {"partition_by": key_cols or None, "order_by": monthly.c.month, "range_": (-11, 0)}
        rolled = select(
            monthly.c.month,
            *key_cols,
            func.sum(monthly.c.lost_e4).over(**window_args).label("lost_e4"),
            func.sum(monthly.c.available_e4).over(**window_args).label("available_e4"),
        ).subquery("rolled")
        stmt = select(rolled).where(rolled.c.month >= first_month)
    elif by_month:
        stmt = select(monthly)
    else:
        stmt = select(
            *key_cols,
            func.sum(monthly.c.lost_e4).label("lost_e4"),
            func.sum(monthly.c.available_e4).label("available_e4"),
        ).group_by(*key_cols)
    cells = []
    for row in session.execute(stmt).mappings():
        if by_month:
            month = row["month"]
            period = Period(month - ROLLING_MONTHS + 1 if rolling else month, month)
        else:
            period = Period(first_month, last_month)
        cells.append(
            SicknessCell(
                period,
                {key: row[key] for key in keys},
                Decimal(int(row["lost_e4"] or 0)) / E4,
                Decimal(int(row["available_e4"] or 0)) / E4,
            )
        )
    cells.sort(key=lambda c: (c.period.last_month, *(str(c.keys[k]) for k in keys)))
    return cells


def sickness_trend(
    session: Session, scope: Scope, first_month: int, last_month: int
) -> tuple[dict[int, SicknessCell], dict[int, SicknessCell]]:
    """Monthly and rolling 12-month cells for the same months in one statement (the dashboard's trend):
    one pass over the records instead of two."""
    monthly = monthly_sums(scope, first_month - (ROLLING_MONTHS - 1), last_month, ()).subquery("monthly")
    window = {"order_by": monthly.c.month, "range_": (-11, 0)}
    both = select(
        monthly.c.month,
        monthly.c.lost_e4,
        monthly.c.available_e4,
        func.sum(monthly.c.lost_e4).over(**window).label("rolling_lost_e4"),
        func.sum(monthly.c.available_e4).over(**window).label("rolling_available_e4"),
    ).subquery("trend")
    by_month: dict[int, SicknessCell] = {}
    rolling: dict[int, SicknessCell] = {}
    for row in session.execute(select(both).where(both.c.month >= first_month)).mappings():
        m = row["month"]
        by_month[m] = SicknessCell(
            Period(m, m),
            {},
            Decimal(int(row["lost_e4"] or 0)) / E4,
            Decimal(int(row["available_e4"] or 0)) / E4,
        )
        rolling[m] = SicknessCell(
            Period(m - ROLLING_MONTHS + 1, m),
            {},
            Decimal(int(row["rolling_lost_e4"] or 0)) / E4,
            Decimal(int(row["rolling_available_e4"] or 0)) / E4,
        )
    return by_month, rolling


@dataclass(frozen=True)
class ReasonShare:
    reason_code: str
    fte_days_lost: Decimal
    share_percent: Decimal


def sickness_reasons(
    session: Session, scope: Scope, first_month: int, last_month: int
) -> tuple[list[ReasonShare], Decimal]:
    """FTE days lost per reason code over the period and each one's share of all days lost; with the
    period's FTE days available (so the caller can suppress a small cell). One pass, no months."""
    first_day, last_day = month_of(first_month), month_last_day(last_month)
    spans = clipped_spans(scope, first_day, last_day, (), reason=True).subquery()
    days = day_number(spans.c.last) - day_number(spans.c.first) + 1
    stmt = select(
        spans.c.reason,
        func.sum(spans.c.lost_e4 * days).label("lost_e4"),
        func.sum(spans.c.available_e4 * days).label("available_e4"),
    ).group_by(spans.c.reason)
    return reason_shares(session.execute(stmt))


def reason_shares(rows: Any) -> tuple[list[ReasonShare], Decimal]:
    """Shares of days lost from (reason, lost_e4, available_e4) rows, reason None holding the days
    available; with the FTE days available."""
    rows = list(rows)
    available = sum(int(row.available_e4 or 0) for row in rows)
    lost_by_reason = [(row.reason, int(row.lost_e4 or 0)) for row in rows if row.reason is not None]
    total = sum(lost for _code, lost in lost_by_reason)
    shares = [
        ReasonShare(code, Decimal(lost) / E4, rate_percent(Decimal(lost), Decimal(total)))
        for code, lost in lost_by_reason
        if lost > 0
    ]
    shares.sort(key=lambda r: (-r.fte_days_lost, r.reason_code))
    return shares, Decimal(available) / E4


# --- Bradford factor ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BradfordScore:
    staff_member_id: int
    name: str
    spells: int
    days: int
    score: int


def bradford_factors(session: Session, trust_id: int, as_of: date, limit: int = 50) -> list[BradfordScore]:
    """The trust's people with sickness in the 52 weeks ending ``as_of``, highest Bradford factor first.

    The factor itself (S^2 x D, spells on two posts at once merged) is the workforce records' own
    ``bradford_factor``, so the person's record page and this list always agree. Only the sickness rows
    inside the window are read. HR of the trust only (the policy's VIEW_SICKNESS_DETAIL).
    """
    from passport.workforce.operations import BRADFORD_WINDOW_DAYS, bradford_factor

    first = as_of - timedelta(days=BRADFORD_WINDOW_DAYS - 1)
    stmt = (
        select(Absence, StaffMember)
        .join(Assignment, Assignment.id == Absence.assignment_id)
        .join(StaffMember, StaffMember.id == Assignment.staff_member_id)
        .where(
            Absence.trust_id == trust_id,
            Absence.category == SICKNESS,
            Absence.first_day <= as_of,
            or_(Absence.last_day.is_(None), Absence.last_day >= first),
        )
    )
    spells: dict[int, tuple[StaffMember, list[Absence]]] = {}
    for absence, member in session.execute(stmt):
        spells.setdefault(member.id, (member, []))[1].append(absence)
    scores = []
    for member, absences in spells.values():
        factor = bradford_factor(absences, as_of)
        scores.append(BradfordScore(member.id, member.full_name, factor.spells, factor.days, factor.score))
    scores.sort(key=lambda s: (-s.score, s.name))
    return scores[:limit]
