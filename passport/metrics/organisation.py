"""Drill-down below a trust: its directorates, each directorate's wards or departments, and each ward's
cost centres (from the ESR extract's organisation columns on each assignment), and the table that leads
from one level to the next.

A place's figures are counted from the records (the roll-ups keep no such cells), with the same
suppression as every other figure (passport.metrics.disclosure: the selection carries the place).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, literal, select
from sqlalchemy.orm import Session

from passport.db import driver_rows
from passport.errors import InvalidInput
from passport.metrics.disclosure import (
    MIN_PEOPLE,
    PeopleInPost,
    Selection,
    keep_in_session,
    kept_in_session,
    kept_only,
)
from passport.metrics.operations import scope_for
from passport.metrics.queries import (
    E4,
    Period,
    Place,
    Scope,
    counted,
    month_last_day,
    month_of,
    own_post_columns,
)
from passport.metrics.retention import leaver_cells, stability_cells
from passport.metrics.rollup_counts import ALL, Posts, count_retention_rows
from passport.metrics.rollups import (
    leaver_cell_of,
    moved_sickness_rows,
    sickness_absences,
    stability_cell_of,
)
from passport.metrics.sickness import SicknessCell
from passport.metrics.sickness_counts import SicknessRecords, count_sickness_rows
from passport.trusts.models import Trust
from passport.workforce.models import Assignment

if TYPE_CHECKING:
    from passport.metrics.dashboard import ChartData


@dataclass(frozen=True)
class Level:
    """A level of the drill-down below the trust, named as people name it."""

    field: str  # Place's field, the query and form field
    noun: str  # "ward or department": in sentences
    heading: str  # "Ward or department": a column heading, the form's label
    all_of_them: str  # the form's "all" choice


LEVELS = (
    Level("directorate", "directorate", "Directorate", "All directorates"),
    Level("ward", "ward or department", "Ward or department", "All wards and departments"),
    Level("cost_centre", "cost centre", "Cost centre", "All cost centres"),
)
assert tuple(level.field for level in LEVELS) == Place.levels()


def places_of(session: Session, trust: Trust, fingerprint: str | None = None) -> list[tuple[str | None, ...]]:
    """Every (directorate, ward, cost centre) the trust's posts record: one read, from which each level's
    names are picked (``units_in``). From every trust's places when a refresh has kept them in the
    session for the records' ``fingerprint`` (``keep_every_trusts_places``)."""
    kept = kept_only(session, _places_key(fingerprint)) if fingerprint is not None else None
    if kept is not None:
        return list(kept.get(trust.id, []))
    columns = [getattr(Assignment, level) for level in Place.levels()]
    query = select(*columns).where(Assignment.trust_id == trust.id).distinct()
    return [tuple(row) for row in session.execute(query)]


def keep_every_trusts_places(session: Session, fingerprint: str) -> None:
    """Read every trust's places at once and keep them in the session for the records' ``fingerprint``,
    for a refresh that counts every trust's dashboard. One plain scan of the posts: SQLite finds one
    trust's through the index on (trust, dates) and then fetches each post's row on its own, 22 ms a trust
    of 24,000 posts, where a scan of all 72,000 takes 11 ms (bench/bench_dashboard.py). The trust is the
    last column: first, it led SQLite to walk that index for the DISTINCT, 68 ms."""
    columns = [getattr(Assignment, level) for level in Place.levels()]
    by_trust: dict[int, list[tuple[str | None, ...]]] = {}
    for *place, trust_id in session.execute(select(*columns, Assignment.trust_id).distinct()):
        by_trust.setdefault(trust_id, []).append(tuple(place))
    keep_in_session(session, _places_key(fingerprint), by_trust)


def _places_key(fingerprint: str | None) -> tuple[Any, ...]:
    return ("places", fingerprint)


def units_in(places: list[tuple[str | None, ...]], level: str, within: Place = Place()) -> list[str]:
    """The names at one level (a Place field) among ``places`` (``places_of``) inside ``within``, in
    alphabetical order."""
    levels = Place.levels()
    wanted = [(levels.index(field), name) for field, name in within.chosen.items()]
    column = levels.index(level)
    names = {
        place[column]
        for place in places
        if place[column] is not None and all(place[i] == name for i, name in wanted)
    }
    return sorted(names)  # type: ignore[type-var]


def check_drill_down(
    session: Session,
    trust: Trust | None,
    *,
    places: list[tuple[str | None, ...]] | None = None,
    **names: str | None,
) -> Place:
    """The place asked for (``names`` by Place field), refused (naming the field) unless the chosen trust
    has it: a place needs a trust, and each level's name must be one of the trust's inside the levels
    above it that are chosen (a ward of the directorate, a cost centre of the ward). So a drill-down can
    never reach into another trust. ``places``: the trust's (``places_of``), when the caller has read
    them."""
    asked = {level.field: (names.get(level.field) or "").strip() or None for level in LEVELS}
    if trust is None:
        for field, value in asked.items():
            if value:
                raise InvalidInput(
                    "Choose a trust first: directorates, wards and cost centres are a trust's own, "
                    "not the partnership's",
                    field=field,
                )
        return Place()
    place = Place()
    places = places_of(session, trust) if places is None else places
    for level in LEVELS:
        name = asked[level.field]
        if name is not None and name not in units_in(places, level.field, place):
            where = ", ".join([*reversed(place.chosen.values()), trust.name])  # narrowest first
            joined = "at" if not place.chosen else "in"
            raise InvalidInput(f"There is no {level.noun} called {name} {joined} {where}", field=level.field)
        place = replace(place, **{level.field: name})
    return place


def next_level(
    session: Session, trust: Trust, place: Place, fingerprint: str | None = None
) -> tuple[Level, list[str]] | None:
    """The level below the place's deepest chosen one at which the trust's records name units inside
    it, with their names (a level the records leave empty is passed over); None at the bottom."""
    chosen = [i for i, level in enumerate(LEVELS) if level.field in place.chosen]
    places = places_of(session, trust, fingerprint)
    for level in LEVELS[(chosen[-1] + 1 if chosen else 0) :]:
        units = units_in(places, level.field, place)
        if units:
            return level, units
    return None


def sickness_by_place(
    session: Session, scope: Scope, level: str, months: Period, fingerprint: str | None
) -> dict[Any, tuple[int, int]]:
    """{unit at ``level`` (a Place field): (FTE days lost, available), in ten-thousandths} over
    ``months``, for the scope's posts: the roll-up's own count (``count_sickness_rows``, from the
    absences the session keeps) with the place in the band's part of each cell, so every unit is counted
    in one numpy pass rather than in SQL (the drill-down's tables)."""
    posts = _posts_placed_as_band(session, scope, level)
    first_day = literal(month_of(months.first_month), Date)
    last_day = literal(month_last_day(months.last_month), Date)
    moved = moved_sickness_rows(session, scope, first_day, last_day, None, ("trust", "staff_group", level))
    records = SicknessRecords(posts, sickness_absences(session, fingerprint), moved)
    sums: dict[Any, tuple[int, int]] = {}
    for row in count_sickness_rows(records, months):
        lost, available = sums.get(row["band"], (0, 0))
        sums[row["band"]] = (lost + row["fte_days_lost_e4"], available + row["fte_days_available_e4"])
    return sums


def _posts_placed_as_band(session: Session, scope: Scope, level: str) -> list[tuple[Any, ...]]:
    """The scope's own posts as the roll-ups count them (``own_post_columns``), with the place at
    ``level`` where the band was: (id, trust, staff group, <the place>, first, last, FTE, staff member)."""
    columns = own_post_columns()
    columns[3] = getattr(Assignment, level)
    return driver_rows(session, select(*columns).where(counted(Assignment, scope)))


def retention_by_place(
    session: Session, level: str, months: Period, fingerprint: str | None
) -> dict[tuple[Any, ...], Any]:
    """{(trust id, staff group or ALL, unit at ``level``, month): the retention roll-up's row (read by
    attribute)} for every partner trust at the trust level over ``months``: the roll-up's own count
    (``count_retention_rows``) of every partner's posts with the place in the band's part of each cell,
    so every unit is counted in one numpy pass; a move between units is a change of cell, not a leave, as
    a change of band is. Kept in the session for the refresh's other trusts."""

    def count() -> dict[tuple[Any, ...], Any]:
        partnership = scope_for(session, None)
        posts = _posts_placed_as_band(session, partnership, level)
        if not posts:
            return {}
        as_counted = Posts.from_rows([(post[7], *post[1:7]) for post in posts])
        rows = count_retention_rows(as_counted, list(partnership.trust_ids), months)
        return {
            (row["trust_id"], row["staff_group"], row["band"], row["month"]): SimpleNamespace(**row)
            for row in rows
            if row["level"] == "trust"
        }

    if fingerprint is None:
        return count()
    return kept_in_session(session, ("retention by place", fingerprint, level, months), count)


def _rows(
    session: Session,
    here: Scope,
    level: Level,
    units: list[str],
    shown: Callable[[Any, int, int], bool],
    last_month: int,
    fingerprint: str | None,
) -> list[dict[str, Any]]:
    """One row a unit (a directorate, ward or cost centre) of the place ``here``: its rolling 12-month
    sickness rate, leaver rate and stability to ``last_month``, each counted for every unit at once (a
    breakdown by the level's column, as by staff group: one pass over the trust's records, not one a
    unit); ``shown`` says whether figures about a unit's scope over those months may be shown."""
    from passport.metrics.dashboard import _sickness_rate  # the dashboard's own rule for a rate shown

    first = last_month - 11
    year = Period(first, last_month)
    rows = {
        unit: {
            "unit": unit,
            "sickness_rate_percent": None,
            "leaver_rate_percent": None,
            "stability_percent": None,
        }
        for unit in units
    }
    visible = [
        unit
        for unit in units
        if shown(replace(here, place=replace(here.place, **{level.field: unit})), first, last_month)
    ]
    if not visible:
        return list(rows.values())  # nothing may be shown: nothing counted
    by = [level.field]
    sickness = {
        unit: SicknessCell(year, {level.field: unit}, Decimal(lost) / E4, Decimal(available) / E4)
        for unit, (lost, available) in sickness_by_place(
            session, here, level.field, year, fingerprint
        ).items()
    }
    if here.level == "trust" and not here.place.chosen and not here.bands and len(here.staff_groups) <= 1:
        # A trust's own table (the kept dashboards'): every trust's units in one numpy pass.
        held = retention_by_place(session, level.field, year, fingerprint)
        key = (here.trust_ids[0], here.staff_groups[0] if here.staff_groups else ALL)
        in_year = range(first, last_month + 1)
        leavers = {
            unit: cell
            for unit in visible
            if (cell := leaver_cell_of(year, {}, [held.get((*key, unit, m)) for m in in_year])) is not None
        }
        stability = {
            unit: cell
            for unit in visible
            if (cell := stability_cell_of(year, {}, held.get((*key, unit, last_month)))) is not None
        }
    else:
        # Inside a place, or for a band: leaving the level from any of them counts, which the
        # roll-up's cells (the place in the band's part) cannot tell; the records can.
        leavers = {cell.keys[level.field]: cell for cell in leaver_cells(session, here, [year], by)}
        stability = {cell.keys[level.field]: cell for cell in stability_cells(session, here, [year], by)}
    for unit in visible:
        row = rows[unit]
        row["sickness_rate_percent"] = _sickness_rate(sickness.get(unit))
        row["leaver_rate_percent"] = leavers[unit].rate_percent if unit in leavers else None
        row["stability_percent"] = stability[unit].stability_percent if unit in stability else None
    return list(rows.values())


def by_organisation_chart(
    session: Session,
    trust: Trust,
    staff_groups: tuple[str, ...],
    bands: tuple[str, ...],
    place: Place,
    people: PeopleInPost | None,
    last_month: int,
    fingerprint: str,
) -> ChartData | None:
    """The units one level below the place (the trust's directorates, a directorate's wards, a ward's
    cost centres), each with its 12-month figures and a link one level down; None at the bottom."""
    from passport.metrics.dashboard import ChartData  # the dashboard imports this module

    def count() -> ChartData | None:
        below = next_level(session, trust, place, fingerprint)
        if below is None:
            return None
        level, units = below

        here = scope_for(session, trust, staff_groups, bands, place=place)

        def shown(scope: Any, first: int, last: int) -> bool:
            return people is None or people.shown(Selection.of(scope, first, last))

        year = Period(last_month - 11, last_month)
        return ChartData(
            "by-organisation",
            f"By {level.noun}",
            f"{year.words}: each {level.noun}'s sickness absence rate, leaver rate and stability index "
            f"at the trust level. Choose one to see all its figures. Figures about fewer than {MIN_PEOPLE} "
            "people, or that would let a handful be worked out from another figure, are not shown.",
            [
                ("unit", level.heading),
                ("sickness_rate_percent", "Sickness rate, 12 months (%)"),
                ("leaver_rate_percent", "Leaver rate, 12 months (%)"),
                ("stability_percent", "Stability index (%)"),
            ],
            rows=_rows(session, here, level, units, shown, last_month, fingerprint),
            kind="table",
            drill=level.field,
        )

    # A trust's dashboard is kept alone and beside its partners (passport.metrics.snapshots): the same
    # table for both, counted once per state of the records.
    key = ("by organisation", fingerprint, trust.id, staff_groups, bands, place, people is None, last_month)
    return kept_in_session(session, key, count)
