"""SQL building blocks shared by the metric queries: portable date arithmetic, the period calendar, and
which assignments count.

Everything here builds SQLAlchemy Core expressions that compile to SQL running on SQLite and PostgreSQL
(and, for the benchmark, DuckDB through the PostgreSQL dialect). Day counts are done on whole day
numbers (days since 1970-01-01) so that each engine's own date arithmetic is needed in one place only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    values,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from passport.formatting import uk_month
from passport.trusts.models import Trust
from passport.workforce.models import Assignment

EPOCH = date(1970, 1, 1)
SECONDEE = "secondee"
# Only her own posts count (docs/metrics.md, "Who counts"): bank workers hold no contracted post, and a
# secondee assignment at a host trust is where she works for a while, not a post of hers. A secondee
# belongs to her employing (home) trust, where her own assignment carries on; her sickness recorded on
# the secondee assignment counts there (``sickness.clipped_spans``).
EXCLUDED_PERSON_TYPES = ("bank", SECONDEE)


# --- Portable date arithmetic ------------------------------------------------------------------------
class day_number(FunctionElement[int]):  # noqa: N801 (reads as a SQL function)
    """Whole days since 1970-01-01 of a DATE expression."""

    type = Integer()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    # julianday('1970-01-01') is 2440587.5; dates are stored as ISO text, so the difference is whole.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(day_number)
def _day_number_default(element: day_number, compiler: Any, **kw: Any) -> str:
    # PostgreSQL and DuckDB: DATE - DATE is a whole number of days.
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


class greatest(FunctionElement[int]):  # noqa: N801
    type = Integer()
    inherit_cache = True
    name = "greatest"


class least(FunctionElement[int]):  # noqa: N801
    type = Integer()
    inherit_cache = True
    name = "least"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"  # SQLite's scalar max of several values


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(least)
def _least_default(element: least, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


class latest(greatest):  # noqa: N801
    """The latest of several DATE expressions (ISO text compares in date order on SQLite)."""

    type = Date()
    inherit_cache = True


class earliest(least):  # noqa: N801
    type = Date()
    inherit_cache = True


def to_day_number(value: date) -> int:
    return (value - EPOCH).days


# --- Months and periods ------------------------------------------------------------------------------
def month_index(value: date) -> int:
    """Months since year 0: consecutive months differ by one, whatever the year."""
    return value.year * 12 + value.month - 1


def month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_last_day(index: int) -> date:
    return month_of(index + 1) - timedelta(days=1)


def month_label(index: int) -> str:
    first = month_of(index)
    return f"{first.year:04d}-{first.month:02d}"


@dataclass(frozen=True)
class Period:
    """A run of whole months, first_month to last_month inclusive, as month indexes."""

    first_month: int
    last_month: int

    @property
    def first_day(self) -> date:
        return month_of(self.first_month)

    @property
    def last_day(self) -> date:
        return month_last_day(self.last_month)

    @property
    def label(self) -> str:
        if self.first_month == self.last_month:
            return month_label(self.first_month)
        return f"{month_label(self.first_month)}/{month_label(self.last_month)}"

    @property
    def words(self) -> str:
        """The period as people read it: "April 2024", or "April 2023 to March 2024" (``label`` is the
        machine form, for the API and CSV downloads)."""
        if self.first_month == self.last_month:
            return uk_month(self.first_day)
        return f"{uk_month(self.first_day)} to {uk_month(month_of(self.last_month))}"


def periods_table(periods: Sequence[Period], name: str = "period") -> CTE:
    """The periods as a VALUES common table expression: key, first and last month, first and last day
    as dates (for indexed comparisons) and as day numbers (for day counts)."""
    rows = [
        (
            number,
            p.first_month,
            p.last_month,
            p.first_day,
            p.last_day,
            to_day_number(p.first_day),
            to_day_number(p.last_day),
        )
        for number, p in enumerate(periods)
    ]
    table = values(
        column("key", Integer),
        column("first_month", Integer),
        column("last_month", Integer),
        column("first_date", Date),
        column("last_date", Date),
        column("first_dn", Integer),
        column("last_dn", Integer),
        name=name,
    ).data(rows)
    return table.cte(name)


# --- Which assignments count ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """Where inside one trust, as its posts record it (the ESR extract's organisation columns): a
    directorate, a ward or department, and a cost centre, each one (its name) or all (None). The fields
    are named as the Assignment columns, the query fields and the form fields are."""

    directorate: str | None = None
    ward: str | None = None
    cost_centre: str | None = None

    @classmethod
    def levels(cls) -> tuple[str, ...]:
        """The fields from the widest to the narrowest: the drill-down's order."""
        return tuple(field.name for field in fields(cls))

    @property
    def chosen(self) -> dict[str, str]:
        """The fields naming one unit, by field name."""
        return {level: value for level in self.levels() if (value := getattr(self, level)) is not None}

    def conditions(self, assignment: Any) -> list[ColumnElement[bool]]:
        """The assignment (the class, an alias or a CTE's columns) is in this place."""
        return [getattr(assignment, level) == value for level, value in self.chosen.items()]

    def enclosing(self) -> list[Place]:
        """Every other place that can be asked for and holds this one: some of its chosen fields
        widened to all (the trust itself among them)."""
        chosen = list(self.chosen)
        return [
            replace(self, **{level: None for level in widened})
            for size in range(1, len(chosen) + 1)
            for widened in combinations(chosen, size)
        ]


@dataclass(frozen=True)
class Scope:
    """The assignments a figure is counted over: one trust (trust level) or every trust of the partnership
    (partnership level), optionally narrowed to staff groups and bands, and inside one trust to a place
    (a directorate, ward or cost centre of it)."""

    trust_ids: tuple[int, ...]
    partnership_trust_ids: tuple[int, ...]  # every partner trust: where a move is not a leave
    level: str  # "trust" or "partnership"
    staff_groups: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    place: Place = Place()

    @property
    def organisation_chosen(self) -> bool:
        """A place inside the trust is chosen: the roll-ups, which keep no such cells, cannot answer."""
        return bool(self.place.chosen)

    @property
    def continuity_trust_ids(self) -> tuple[int, ...]:
        """Where a next assignment keeps a person in post: her own trust, or any partner trust."""
        return self.partnership_trust_ids if self.level == "partnership" else self.trust_ids


def counted(assignment: Any, scope: Scope, *, indexed: bool = True) -> ColumnElement[bool]:
    """Assignments inside the scope: its trusts, its groups and bands, her own posts only (never bank,
    never a secondee assignment). ``assignment`` is the Assignment class or an alias of it.

    ``indexed=False`` writes the trust test as ``trust_id + 0``, which no index can serve: joining every
    absence to its assignment, SQLite otherwise walks assignments by the trust index and fetches absences
    one by one, many times slower than scanning absences once.
    """
    trust = assignment.trust_id if indexed else assignment.trust_id + 0
    conditions = [
        trust.in_(scope.trust_ids),
        assignment.person_type.not_in(EXCLUDED_PERSON_TYPES),
    ]
    if scope.staff_groups:
        conditions.append(assignment.staff_group.in_(scope.staff_groups))
    if scope.bands:
        conditions.append(assignment.afc_band.in_(scope.bands))
    conditions.extend(scope.place.conditions(assignment))
    return and_(*conditions)


def covers_day(assignment: Any, day: Any) -> ColumnElement[bool]:
    """The assignment is in post on ``day`` (a DATE expression)."""
    return and_(assignment.start_date <= day, or_(assignment.end_date.is_(None), assignment.end_date >= day))


BREAKDOWN_COLUMNS = {
    "trust": lambda a: a.trust_id,
    "staff_group": lambda a: a.staff_group,
    "band": lambda a: a.afc_band,
    # A place inside the trust (Place.levels()): the drill-down's tables, one unit a row.
    "directorate": lambda a: a.directorate,
    "ward": lambda a: a.ward,
    "cost_centre": lambda a: a.cost_centre,
}


def breakdown_columns(assignment: Any, by: Sequence[str]) -> list[ColumnElement[Any]]:
    """The assignment's columns for the breakdown keys asked for (month is handled by the periods)."""
    return [BREAKDOWN_COLUMNS[key](assignment).label(key) for key in by if key in BREAKDOWN_COLUMNS]


def trust_codes(session: Any, ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(select(Trust.id, Trust.ods_code).where(Trust.id.in_(ids)))
    return {row.id: row.ods_code for row in rows}


def zero() -> ColumnElement[int]:
    return literal(0, Integer)


def null_text() -> ColumnElement[str]:
    return literal(None, String)


__all__ = [
    "Assignment",
    "EPOCH",
    "Period",
    "Scope",
    "breakdown_columns",
    "counted",
    "covers_day",
    "day_number",
    "greatest",
    "least",
    "month_index",
    "month_label",
    "month_last_day",
    "month_of",
    "periods_table",
    "to_day_number",
]


def fte_e4(assignment: Any) -> ColumnElement[int]:
    """Contracted FTE in ten-thousandths, a whole number: sums stay exact on every engine (SQLite keeps
    NUMERIC as binary floating point)."""
    return cast(func.round(assignment.contracted_fte * 10000), Integer)


E4 = 10000


class month_number(FunctionElement[int]):  # noqa: N801 (reads as a SQL function)
    """The month index (year x 12 + month - 1, as ``month_index``) of a DATE expression."""

    type = Integer()
    inherit_cache = True
    name = "month_number"


@compiles(month_number, "sqlite")
def _month_number_sqlite(element: month_number, compiler: Any, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"(CAST(substr({day}, 1, 4) AS INTEGER) * 12 + CAST(substr({day}, 6, 2) AS INTEGER) - 1)"


@compiles(month_number)
def _month_number_default(element: month_number, compiler: Any, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return (
        f"(CAST(EXTRACT(YEAR FROM {day}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {day}) AS INTEGER) - 1)"
    )


def own_post_columns() -> list[Any]:
    """The columns both roll-ups and the suppression read of each post: (id, trust, staff group, band, first
    day, last day or None (day numbers), FTE in ten-thousandths, the staff member)."""
    a = Assignment
    return [
        a.id,
        a.trust_id,
        a.staff_group,
        a.afc_band,
        day_number(a.start_date),
        day_number(a.end_date),
        fte_e4(a),
        a.staff_member_id,
    ]
