"""The sickness roll-up: FTE days lost (per reason) and available per month, trust, staff group and band;
and the retention roll-up (below).

Days lost and available add up over months, trusts, groups and bands, so once they are counted per month
and cell, every sickness series of the dashboard, for any trust, staff group, band and period, is a sum
over a few thousand rows instead of a pass over every absence. The roll-up is counted from the records
(posts and sickness absences read as stored and summed into months by numpy in ``rollup_counts``), kept
in ``sickness_rollup`` with the fingerprint of the records it came from, and used only while that
fingerprint still matches and it covers the months asked about; otherwise the figures are counted from
the records as before (``RecordSickness``). It is rebuilt with the usual dashboards by the refresh job
that every change of the records starts (passport.metrics.refresh).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Date, Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from passport.db import driver_rows, utcnow
from passport.metrics.arrays import codes_of
from passport.metrics.cell_columns import CellColumns
from passport.metrics.disclosure import kept_in_session
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RetentionRollup, RollupState, SicknessRollup
from passport.metrics.operations import scope_for
from passport.metrics.queries import (
    E4,
    SECONDEE,
    Period,
    Scope,
    counted,
    day_number,
    month_last_day,
    month_of,
    own_post_columns,
)
from passport.metrics.retention import LeaverCell, StabilityCell, leaver_cells, stability_cells
from passport.metrics.rollup_cells import Sums, rollup_cells
from passport.metrics.rollup_cells import keep_written as keep_written_cells
from passport.metrics.rollup_counts import ALL, OPEN, WINDOW_MONTHS, Posts, count_retention_rows
from passport.metrics.rollup_counts import FIGURES as RETENTION_FIGURES
from passport.metrics.rollup_io import postgresql_sickness_absences, sqlite_sickness_absences, write_cells
from passport.metrics.rollup_months import rollup_months
from passport.metrics.sickness import (
    ROLLING_MONTHS,
    SICKNESS,
    ReasonShare,
    SicknessCell,
    reason_shares,
    secondee_sickness_spans,
    sickness_cells,
    sickness_reasons,
    sickness_trend,
)
from passport.metrics.sickness_counts import (
    PostColumns,
    SicknessAbsences,
    SicknessRecords,
    count_sickness_cells,
)
from passport.metrics.sickness_terms import TermMonth, sickness_terms, terms_from_rollup
from passport.workforce.models import Absence, Assignment

SICKNESS_ROLLUP = "sickness"
CELL_KEYS = ("trust", "staff_group", "band")


@dataclass(frozen=True)
class CountedRollup:
    """A roll-up counted from the records and not yet kept: its rows (as columns), the months they cover
    and how long counting them took. Counting only reads: on SQLite it needs no write lock
    (passport.metrics.refresh)."""

    name: str
    model: type[SicknessRollup] | type[RetentionRollup]
    covered: Period
    cells: CellColumns
    seconds: float


def count_sickness_rollup(session: Session) -> CountedRollup:
    """Count the roll-up's cells from the records of every partner trust (``sickness_columns``). Reads
    only."""
    started = time.perf_counter()
    months = rollup_months(session)
    cells = sickness_columns(session, months)
    return CountedRollup(SICKNESS_ROLLUP, SicknessRollup, months, cells, time.perf_counter() - started)


def _sickness_absences_query() -> Select[Any]:
    ab = Absence
    return select(
        ab.assignment_id,
        day_number(ab.first_day),
        func.coalesce(day_number(ab.last_day), OPEN),
        ab.reason_code,
    ).where(ab.category == SICKNESS)


# Each database's own fast read of the sickness absences (None from one: the plain read instead).
_BULK_READS = {"sqlite": sqlite_sickness_absences, "postgresql": postgresql_sickness_absences}


def sickness_absences(session: Session, fingerprint: str | None = None) -> SicknessAbsences:
    """Every sickness absence (one plain scan). With the records' fingerprint, kept in the session: a
    refresh reads the absences once for the sickness roll-up and the dashboards' reasons alike."""
    if fingerprint is not None:
        return kept_in_session(
            session, ("sickness absences", fingerprint), lambda: sickness_absences(session)
        )
    read_in_bulk = _BULK_READS.get(session.get_bind().dialect.name)
    read = read_in_bulk(session) if read_in_bulk is not None else None
    if read is not None:
        return read
    return SicknessAbsences.from_rows(driver_rows(session, _sickness_absences_query()))


def sickness_rows(
    session: Session, covered: Period, people: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """``sickness_columns`` as rows."""
    return sickness_columns(session, covered, people).rows


def sickness_columns(
    session: Session,
    covered: Period,
    people: Sequence[int] | None = None,
    *,
    posts: Sequence[Any] | None = None,
    absences: SicknessAbsences | None = None,
    post_columns: PostColumns | None = None,
) -> CellColumns:
    """The sickness roll-up's rows, as columns, for the months ``covered``, of everyone or of ``people`` only
    (staff member ids: their contribution, passport.metrics.upkeep): the posts of her own (``posts`` when the
    caller has read them, ``own_posts``) and the sickness absences read once each (plain scans; everyone's
    ``absences`` when the caller has read them), and the few spans of sickness recorded on secondee
    assignments as the database moves them onto her own posts; numpy clips, splits into months and sums
    (``count_sickness_cells``). Reads only."""
    scope = scope_for(session, None)
    ab = Absence
    if posts is None:
        posts = own_posts(session, scope, people)
    first_day, last_day = (
        literal(month_of(covered.first_month), Date),
        literal(month_last_day(covered.last_month), Date),
    )
    absences_query = _sickness_absences_query()
    if people is None:
        read = absences if absences is not None else sickness_absences(session)
    elif len(people) > _SCAN_FOR:
        # So many people that a plain scan beats looking each up by index: theirs are kept.
        kept_posts = {post[0] for post in posts}
        read = SicknessAbsences.from_rows(
            [row for row in driver_rows(session, absences_query) if row[0] in kept_posts]
        )
    else:
        rows: list[tuple[Any, ...]] = []
        for post_ids in id_batches([post[0] for post in posts]):
            rows += driver_rows(session, absences_query.where(ab.assignment_id.in_(post_ids)))
        read = SicknessAbsences.from_rows(rows)
    moved = moved_sickness_rows(session, scope, first_day, last_day, people)
    return count_sickness_cells(SicknessRecords(posts, read, moved, post_columns), covered)


def own_posts(session: Session, scope: Scope, people: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
    """Her own posts in the partner trusts (never bank, never a secondee assignment), everyone's or
    ``people``'s, as both roll-ups count them: (id, trust, staff group, band, first day, last day or None
    (day numbers), FTE in ten-thousandths, the staff member)."""
    a = Assignment
    query = select(*own_post_columns()).where(counted(a, scope))
    if people is None:
        return driver_rows(session, query)
    if len(people) > _SCAN_FOR:
        # So many people that a plain scan beats looking each up by index: theirs are kept.
        wanted = set(people)
        return [post for post in driver_rows(session, query) if post[-1] in wanted]
    posts: list[tuple[Any, ...]] = []
    for batch in id_batches(people):
        posts += driver_rows(session, query.where(a.staff_member_id.in_(batch)))
    return posts


def retention_posts(posts: Sequence[Any], columns: PostColumns | None = None) -> Posts | None:
    """``own_posts`` as retention counts them (person first, no post id). From the sickness count's
    columns of the same posts when the caller has made them (``PostColumns.of``): only the people are
    read from the tuples again (a second pass over them all cost a full recount 0.07 s)."""
    if not posts:
        return None
    if columns is None:
        return Posts.from_rows([(post[7], *post[1:7]) for post in posts])
    trusts, groups, bands = zip(*columns.cell_names, strict=True)
    group_of_cell, group_names = codes_of(groups)
    band_of_cell, band_names = codes_of(bands)
    return Posts(
        person=np.fromiter((post[7] for post in posts), dtype=np.int64, count=len(posts)),
        trust=np.array(trusts, dtype=np.int64)[columns.cell],
        group_code=group_of_cell[columns.cell],
        band_code=band_of_cell[columns.cell],
        group_names=group_names,
        band_names=band_names,
        start=columns.start,
        end=columns.end,
        fte_e4=columns.fte,
    )


# Staff member ids per IN (...): well inside SQLite's and PostgreSQL's limits on parameters.
_BATCH = 5_000
# Past this many people, their records are found by reading every record once (as a full count does) and
# keeping theirs: each person looked up by index costs a few random reads, a scan a fraction of one.
_SCAN_FOR = 2_000


def id_batches(ids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _BATCH] for i in range(0, len(ordered), _BATCH)]


def moved_sickness_rows(
    session: Session,
    scope: Scope,
    first_day: Any,
    last_day: Any,
    people: Sequence[int] | None,
    cell_keys: Sequence[str] = CELL_KEYS,
) -> list[Any]:
    """The spans of sickness recorded on secondee assignments (of everyone, or of ``people``), moved onto
    her own posts (passport.metrics.sickness), each with her own post's ``cell_keys``. Secondee
    assignments are few: their ids are read first (the person_type index) and named in the statements."""
    a = Assignment
    seconded = select(a.id).where(a.person_type == SECONDEE)
    if people is None:
        seconded_ids = list(session.scalars(seconded))
    else:
        seconded_ids = []
        for batch in id_batches(people):
            seconded_ids += session.scalars(seconded.where(a.staff_member_id.in_(batch)))
    rows: list[Any] = []
    dialect = session.get_bind().dialect.name
    for batch in id_batches(seconded_ids):
        spans = secondee_sickness_spans(
            scope, first_day, last_day, cell_keys, True, batch, episodes=True, dialect=dialect
        )
        moved = union_all(*spans).subquery("moved")
        rows += session.execute(
            select(
                day_number(moved.c.first),
                day_number(moved.c.last),
                *[moved.c[key] for key in cell_keys],
                moved.c.reason,
                moved.c.lost_e4,
                moved.c.available_e4,
                day_number(moved.c.episode_first),
                day_number(moved.c.episode_last),
                moved.c.sign,
            )
        ).all()
    return rows


def keep_rollup(session: Session, counted: CountedRollup, fingerprint: str) -> RollupState:
    """Replace the kept roll-up with ``counted`` and record which state of the records it came from.
    The caller holds the refresh lock and commits."""
    started = time.perf_counter()
    write_cells(session, counted.model, *CELL_COLUMNS[counted.name], counted.cells)
    if counted.name == SICKNESS_ROLLUP:  # the dashboards counted next sum these rather than read them back
        keep_written_cells(session, counted.covered.first_month, counted.cells)
    seconds = counted.seconds + time.perf_counter() - started
    return _record_state(session, counted.name, fingerprint, counted.covered, seconds)


def rebuild_sickness_rollup(session: Session, fingerprint: str) -> RollupState:
    """Count the roll-up again from the records and keep it, in the caller's transaction."""
    return keep_rollup(session, count_sickness_rollup(session), fingerprint)


@dataclass(frozen=True)
class RecordSickness:
    """The sickness figures counted from the records (one pass over the absences per question)."""

    session: Session
    scope: Scope

    def trend(
        self, first_month: int, last_month: int
    ) -> tuple[dict[int, SicknessCell], dict[int, SicknessCell]]:
        return sickness_trend(self.session, self.scope, first_month, last_month)

    def reasons(self, first_month: int, last_month: int) -> tuple[list[ReasonShare], Decimal]:
        return sickness_reasons(self.session, self.scope, first_month, last_month)

    def by_trust(self, first_month: int, last_month: int) -> list[SicknessCell]:
        return sickness_cells(self.session, self.scope, first_month, last_month, ["trust"])

    def terms(self, first_month: int, last_month: int) -> dict[int, TermMonth]:
        return sickness_terms(self.session, self.scope, first_month, last_month)


@dataclass(frozen=True)
class RollupSickness:
    """The same figures summed from the roll-up (which must be current and cover the months asked)."""

    session: Session
    scope: Scope

    def _sums(self, first_month: int, last_month: int, *keys: str) -> list[Sums]:
        """Grouped sums of the scope's cells (passport.metrics.rollup_cells: read once a transaction)."""
        return rollup_cells(self.session, first_month).sums(self.scope, first_month, last_month, keys)

    def trend(
        self, first_month: int, last_month: int
    ) -> tuple[dict[int, SicknessCell], dict[int, SicknessCell]]:
        start = first_month - (ROLLING_MONTHS - 1)
        sums = {
            row.month: (int(row.lost_e4 or 0), int(row.available_e4 or 0))
            for row in self._sums(start, last_month, "month")
        }
        by_month: dict[int, SicknessCell] = {}
        rolling: dict[int, SicknessCell] = {}
        for month in range(first_month, last_month + 1):
            if not sums.get(month, (0, 0))[1]:  # as counted from the records: months with staff in post
                continue
            lost, available = sums[month]
            window = [sums.get(m, (0, 0)) for m in range(month - ROLLING_MONTHS + 1, month + 1)]
            by_month[month] = SicknessCell(
                Period(month, month), {}, Decimal(lost) / E4, Decimal(available) / E4
            )
            rolling[month] = SicknessCell(
                Period(month - ROLLING_MONTHS + 1, month),
                {},
                Decimal(sum(w[0] for w in window)) / E4,
                Decimal(sum(w[1] for w in window)) / E4,
            )
        return by_month, rolling

    def reasons(self, first_month: int, last_month: int) -> tuple[list[ReasonShare], Decimal]:
        return reason_shares(self._sums(first_month, last_month, "reason"))

    def by_trust(self, first_month: int, last_month: int) -> list[SicknessCell]:
        period = Period(first_month, last_month)
        rows = self._sums(first_month, last_month, "trust_id")
        cells = [
            SicknessCell(
                period,
                {"trust": row.trust_id},
                Decimal(int(row.lost_e4 or 0)) / E4,
                Decimal(int(row.available_e4 or 0)) / E4,
            )
            for row in rows
            if row.available_e4
        ]
        return sorted(cells, key=lambda c: str(c.keys["trust"]))

    def terms(self, first_month: int, last_month: int) -> dict[int, TermMonth]:
        return terms_from_rollup(self._sums(first_month, last_month, "month", "term"), last_month)


def sickness_source(
    session: Session, scope: Scope, first_month: int, last_month: int, fingerprint: str | None = None
) -> RecordSickness | RollupSickness:
    """The roll-up when it is current and covers first_month - 11 (the rolling months) to last_month,
    else the records. ``fingerprint`` saves reading it again when the caller has it. The roll-up keeps no
    directorate or ward, so a figure of one is counted from the records (right, if slower)."""
    if scope.organisation_chosen:
        return RecordSickness(session, scope)
    if not _current(session, SICKNESS_ROLLUP, first_month - (ROLLING_MONTHS - 1), last_month, fingerprint):
        return RecordSickness(session, scope)
    return RollupSickness(session, scope)


# --- Leavers and stability -------------------------------------------------------------------------------
RETENTION_ROLLUP = "retention"
# Each roll-up's cell (the columns of its unique index) and the figures kept for it.
CELL_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    SICKNESS_ROLLUP: (
        ("month", "trust_id", "staff_group", "band", "reason_code", "term"),
        ("fte_days_lost_e4", "fte_days_available_e4", "episodes"),
    ),
    RETENTION_ROLLUP: (("level", "trust_id", "staff_group", "band", "month"), RETENTION_FIGURES),
}


def count_retention_rollup(session: Session) -> CountedRollup:
    """Count leavers, headcounts and stability for every month and breakdown the dashboard offers
    (``retention_rows``). Reads only."""
    started = time.perf_counter()
    covered = rollup_months(session)
    cells = retention_cells(retention_rows(session, covered))
    return CountedRollup(RETENTION_ROLLUP, RetentionRollup, covered, cells, time.perf_counter() - started)


def retention_cells(rows: Sequence[dict[str, Any]]) -> CellColumns:
    """The retention roll-up's rows as columns (a cell of the partnership has no trust)."""
    return CellColumns.from_rows(
        rows,
        (*CELL_COLUMNS[RETENTION_ROLLUP][0], *RETENTION_FIGURES),
        ("level", "trust_id", "staff_group", "band"),
    )


def retention_rows(
    session: Session, covered: Period, people: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """The retention roll-up's rows for the months ``covered`` (each breakdown by itself: people do not
    add up across cells), of everyone or of ``people`` only (their contribution), from one read of the
    posts (rollup_counts). Reads only."""
    scope = scope_for(session, None)
    posts = retention_posts(own_posts(session, scope, people))
    return count_retention_rows(posts, list(scope.trust_ids), covered) if posts is not None else []


def rebuild_retention_rollup(session: Session, fingerprint: str) -> RollupState:
    """Count the retention roll-up again from the records and keep it, in the caller's transaction."""
    return keep_rollup(session, count_retention_rollup(session), fingerprint)


def _record_state(
    session: Session, name: str, fingerprint: str, covered: Period, seconds: float
) -> RollupState:
    state = session.get(RollupState, name) or RollupState(name=name)
    state.source_fingerprint = fingerprint
    state.first_month, state.last_month = covered.first_month, covered.last_month
    state.build_seconds = seconds
    state.built_at = utcnow()
    session.add(state)
    session.flush()
    return state


@dataclass(frozen=True)
class RecordRetention:
    """Leavers and stability counted from the records."""

    session: Session
    scope: Scope

    def leavers(self, periods: Sequence[Period], by: Sequence[str]) -> list[LeaverCell]:
        return leaver_cells(self.session, self.scope, periods, by)

    def stability(self, periods: Sequence[Period], by: Sequence[str]) -> list[StabilityCell]:
        return stability_cells(self.session, self.scope, periods, by)


@dataclass(frozen=True)
class RollupRetention:
    """The same figures from the retention roll-up, for 12-month periods, in total or trust by trust at
    the partnership level; anything else is counted from the records."""

    session: Session
    scope: Scope

    def _answers(self, periods: Sequence[Period], by: Sequence[str], *, any_length: bool = False) -> bool:
        """Whether the roll-up holds these figures: stability only for 12-month periods (each row holds
        the 12 months ending with it); leavers, which add up over months, for any period up to 12 months
        (``any_length``), a single month's for the dashboard's SPC chart included."""
        trust_by_trust = list(by) == ["trust"] and self.scope.level == "partnership"
        lengths_held = (
            all(0 <= p.last_month - p.first_month < WINDOW_MONTHS for p in periods)
            if any_length
            else all(p.last_month - p.first_month == WINDOW_MONTHS - 1 for p in periods)
        )
        return (
            bool(periods)
            and not self.scope.organisation_chosen
            and (not by or trust_by_trust)
            and len(self.scope.staff_groups) <= 1
            and len(self.scope.bands) <= 1
            and lengths_held
        )

    def _rows(self, by_trust: bool, first_month: int, last_month: int) -> dict[tuple[Any, int], Any]:
        r = RetentionRollup
        conditions = [
            r.level == self.scope.level,
            r.staff_group == (self.scope.staff_groups[0] if self.scope.staff_groups else ALL),
            r.band == (self.scope.bands[0] if self.scope.bands else ALL),
            r.month.between(first_month, last_month),
        ]
        if self.scope.level == "trust":
            conditions.append(r.trust_id == self.scope.trust_ids[0])
        elif by_trust:
            conditions.append(r.trust_id.in_(self.scope.trust_ids))
        else:
            conditions.append(r.trust_id.is_(None))
        found = self.session.scalars(select(r).where(*conditions))
        return {(row.trust_id if by_trust else None, row.month): row for row in found}

    def leavers(self, periods: Sequence[Period], by: Sequence[str]) -> list[LeaverCell]:
        if not self._answers(periods, by, any_length=True):
            return RecordRetention(self.session, self.scope).leavers(periods, by)
        by_trust = bool(by)
        rows = self._rows(by_trust, min(p.first_month for p in periods), max(p.last_month for p in periods))
        cells = []
        for period in periods:
            for trust_id in sorted({key[0] for key in rows}, key=str):
                months = [rows.get((trust_id, m)) for m in range(period.first_month, period.last_month + 1)]
                cell = leaver_cell_of(period, {"trust": trust_id} if by_trust else {}, months)
                if cell is not None:
                    cells.append(cell)
        return cells

    def stability(self, periods: Sequence[Period], by: Sequence[str]) -> list[StabilityCell]:
        if not self._answers(periods, by):
            return RecordRetention(self.session, self.scope).stability(periods, by)
        by_trust = bool(by)
        rows = self._rows(by_trust, min(p.last_month for p in periods), max(p.last_month for p in periods))
        cells = []
        for period in periods:
            for trust_id in sorted({key[0] for key in rows}, key=str):
                keys = {"trust": trust_id} if by_trust else {}
                cell = stability_cell_of(period, keys, rows.get((trust_id, period.last_month)))
                if cell is not None:
                    cells.append(cell)
        return cells


def leaver_cell_of(period: Period, keys: dict[str, Any], months: Sequence[Any]) -> LeaverCell | None:
    """A period's leavers from the retention roll-up's rows of its months (None for a month without one;
    rows read by attribute): the leavers add up, the headcounts are those of its first and last day."""
    first, last = months[0], months[-1]
    leavers = sum(m.leavers for m in months if m)
    start, end = (first.start_headcount if first else 0), (last.end_headcount if last else 0)
    if not (leavers or start or end):
        return None
    return LeaverCell(
        period,
        keys,
        leavers,
        start,
        end,
        Decimal(sum(m.leavers_fte_e4 for m in months if m)) / E4,
        Decimal(first.start_fte_e4 if first else 0) / E4,
        Decimal(last.end_fte_e4 if last else 0) / E4,
    )


def stability_cell_of(period: Period, keys: dict[str, Any], row: Any) -> StabilityCell | None:
    """A 12-month period's stability from the retention roll-up's row of its last month."""
    if row is None or not row.stability_start_headcount:
        return None
    return StabilityCell(period, keys, row.stability_start_headcount, row.stability_still_in_post)


def retention_source(
    session: Session, scope: Scope, first_month: int, last_month: int, fingerprint: str | None = None
) -> RecordRetention | RollupRetention:
    """The roll-up when it is current and covers first_month - 11 to last_month, else the records (for a
    directorate or ward too: the roll-up keeps neither)."""
    if scope.organisation_chosen:
        return RecordRetention(session, scope)
    if _current(session, RETENTION_ROLLUP, first_month - (WINDOW_MONTHS - 1), last_month, fingerprint):
        return RollupRetention(session, scope)
    return RecordRetention(session, scope)


def rollups_current(session: Session, first_month: int, last_month: int, fingerprint: str) -> bool:
    """Whether both roll-ups are current and cover first_month to last_month."""
    return all(
        _current(session, name, first_month, last_month, fingerprint)
        for name in (SICKNESS_ROLLUP, RETENTION_ROLLUP)
    )


def rollups_kept_current(session: Session, fingerprint: str) -> bool:
    """Whether both roll-ups were counted from the records as they are (kept so by the changes
    themselves, passport.metrics.upkeep) and cover the months they should (``rollup_months``)."""
    months = rollup_months(session)
    return rollups_current(session, months.first_month, months.last_month, fingerprint)


def _current(session: Session, name: str, first_month: int, last_month: int, fingerprint: str | None) -> bool:
    state = session.get(RollupState, name)
    if state is None or not (state.first_month <= first_month and last_month <= state.last_month):
        return False
    return state.source_fingerprint == (
        fingerprint if fingerprint is not None else source_fingerprint(session)
    )
