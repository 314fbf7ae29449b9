"""Keeping the roll-ups current as the records change, in the transaction that changes them.

Every figure of both roll-ups is a sum over people (passport.metrics.rollup_counts), so a change of some
people's records moves the cells by their contribution after the change less their contribution before
it. A transaction that changes assignments or absences therefore:

1. before its first change of a person's records, counts her contribution as the records stand
   (``people_changing``: called by a ``before_flush`` hook for changes made through the ORM, by the
   import before its bulk writes);
2. when it commits, counts the contribution of everyone it changed again and applies the difference to
   the kept cells (``settle``, from a ``before_commit`` hook): cells that come to nothing are removed, as
   a full count leaves them out. Months the change brings into the roll-ups' reach (a sickness absence in
   a month after the last one covered, or a new month begun) are counted for everyone and added;
3. records the new state of the records (the fingerprint) on the roll-ups, so they stay current.

This happens only while the roll-ups are current when the transaction first changes a record: stale ones
(a change that went round this, a refresh under way, roll-ups never built) are left to the refresh job,
which counts everything again. On PostgreSQL the transaction holds the partnership's refresh lock from its
first change of a record to its commit, so two of them never count the same person's contribution at
once; a transaction that cannot have it within ``LOCK_WAIT_SECONDS`` (a full count under way) leaves the
roll-ups to that count. SQLite has one writer at a time anyway. A rollback undoes the cells with the
records: both are in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import add, itemgetter
from typing import Any

from sqlalchemy import delete, event, inspect, or_, select
from sqlalchemy.orm import Session

from passport.background.operations import take_lock_if_free
from passport.db import driver_rows, insert_driver_rows, utcnow
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RetentionRollup, RollupState, SicknessRollup
from passport.metrics.queries import Period
from passport.metrics.refresh import refresh_lock_name
from passport.metrics.rollup_cells import forget as forget_rollup_cells
from passport.metrics.rollup_counts import WINDOW_MONTHS
from passport.metrics.rollup_io import write_cell_changes
from passport.metrics.rollup_months import rollup_months
from passport.metrics.rollups import (
    CELL_COLUMNS,
    RETENTION_ROLLUP,
    SICKNESS_ROLLUP,
    retention_rows,
    sickness_rows,
)
from passport.trusts.models import StaffMember
from passport.workforce.models import Absence, Assignment
from passport.workforce.signals import import_writing, import_written, records_changing

# How long a change waits for a full count under way before leaving the roll-ups to it (PostgreSQL).
LOCK_WAIT_SECONDS = 2.0
_UPKEEP = "passport.metrics.rollup_upkeep"
_HELD = "passport.metrics.rollup_upkeep_held"  # set while an import writes its chunks


@dataclass(frozen=True)
class _Rollup:
    model: type[SicknessRollup] | type[RetentionRollup]
    keys: tuple[str, ...]
    figures: tuple[str, ...]
    count: Callable[[Session, Period, Sequence[int] | None], list[dict[str, Any]]]
    # Months before the first one asked for that the count must see (a stability window's first month).
    lead_months: int


ROLLUPS = {
    SICKNESS_ROLLUP: _Rollup(SicknessRollup, *CELL_COLUMNS[SICKNESS_ROLLUP], sickness_rows, 0),
    RETENTION_ROLLUP: _Rollup(
        RetentionRollup, *CELL_COLUMNS[RETENTION_ROLLUP], retention_rows, WINDOW_MONTHS - 1
    ),
}

# What each kind of record moves: absences only the sickness roll-up (retention counts posts alone).
ASSIGNMENTS, ABSENCES = "assignments", "absences"
MOVED_BY = {ASSIGNMENTS: (SICKNESS_ROLLUP, RETENTION_ROLLUP), ABSENCES: (SICKNESS_ROLLUP,)}

Key = tuple[Any, ...]
Sums = dict[Key, list[int]]


@dataclass
class _Upkeep:
    """One transaction's upkeep: whether it keeps the roll-ups, the months each covers, the people whose
    contribution before the change is counted, and the sums of those contributions per cell."""

    active: bool
    covered: dict[str, Period] = field(default_factory=dict)
    people: dict[str, set[int]] = field(default_factory=dict)  # per roll-up
    before: dict[str, Sums] = field(default_factory=dict)
    # Carried across an import's commits: the fingerprint of the records as its last commit left them,
    # to be found again by its next transaction (nobody else has changed them in between).
    chain: str | None = None
    # The fingerprint the kept roll-ups carried when this upkeep began: an import's commits leave it on
    # them until its last, so finding another there means a refresh counted them again in between.
    kept_for: str | None = None


def people_changing(
    session: Session, staff_member_ids: Iterable[int | None], records: str = "assignments"
) -> None:
    """Call before this transaction changes these people's assignments or absences (``records``; the
    ORM hook below does for changes through the ORM): their contribution is counted as the records
    stand, to the roll-ups those records move (absences move only the sickness roll-up)."""
    upkeep = _upkeep(session)
    if not upkeep.active:
        return
    people = {i for i in staff_member_ids if i is not None}
    for name in MOVED_BY[records]:
        new = people - upkeep.people.setdefault(name, set())
        if new:
            upkeep.people[name] |= new
            rollup = ROLLUPS[name]
            counted = _contribution(session, rollup, upkeep, name, new)
            _add(upkeep.before.setdefault(name, {}), rollup, counted)


def settle(session: Session) -> None:
    """Apply the changed people's contributions to the kept cells (see the module's text). Called when
    the transaction commits, and by an import after its last chunk; does nothing when it changed nobody
    or does not keep the roll-ups."""
    session.flush()  # the last changes (and their people, through the hook) reach the database first
    upkeep: _Upkeep | None = session.info.get(_UPKEEP)
    if upkeep is not None and upkeep.active:
        _follow_chain(session, upkeep)
    if upkeep is not None and upkeep.active and session.info.get(_HELD):
        # An import between two chunks: applied once, after its last chunk.
        upkeep.chain = source_fingerprint(session)
        return
    # This ends the transaction's upkeep: the next change, in the next transaction, decides afresh.
    session.info.pop(_UPKEEP, None)
    if upkeep is None or not upkeep.active:
        return
    needed = rollup_months(session)
    fingerprint = source_fingerprint(session)  # of the records as this commit leaves them
    # Everything is counted before anything is written: SQLite gives a transaction the one write lock at
    # its first write, so an import's upkeep (seconds of counting for a month's people, in a transaction
    # of its own after its last chunk) holds up no form while it counts.
    settled = [_count_settlement(session, upkeep, name, needed) for name in ROLLUPS]
    for settlement in settled:
        rollup = ROLLUPS[settlement.name]
        cells = settlement.cells
        write_cell_changes(session, rollup.model, cells.inserts, cells.updates, cells.removed)
        for months, rows in settlement.recounted:
            _replace_months(session, rollup, months, rows)
        _record(session, settlement.name, settlement.reach, fingerprint)


@dataclass(frozen=True)
class _Settlement:
    """What a transaction's commit writes to one roll-up: its cells changed, the months counted again for
    everyone with their rows, and the months it then covers."""

    name: str
    cells: _CellWrites
    recounted: list[tuple[Period, list[dict[str, Any]]]]
    reach: Period


def _count_settlement(session: Session, upkeep: _Upkeep, name: str, needed: Period) -> _Settlement:
    """Count (reading only) what settling the changed people's contributions writes to roll-up ``name``."""
    rollup = ROLLUPS[name]
    sums = {key: [-v for v in values] for key, values in upkeep.before.get(name, {}).items()}
    if upkeep.people.get(name):
        _add(sums, rollup, _contribution(session, rollup, upkeep, name, upkeep.people[name]))
    # Months new to the roll-up's reach (see ``rollup_months``): counted for everyone. A retention row's
    # stability needs the 11 months before it, so months gained at the front also complete the stability
    # of the 11 months after them.
    covered = upkeep.covered[name]
    reach = Period(min(covered.first_month, needed.first_month), max(covered.last_month, needed.last_month))
    recounted = []
    if reach.last_month > covered.last_month:
        later = Period(covered.last_month + 1, reach.last_month)
        recounted.append(
            (later, _count_again(session, rollup, later, later.first_month - rollup.lead_months))
        )
    if reach.first_month < covered.first_month:
        earlier = Period(reach.first_month, covered.first_month + rollup.lead_months - 1)
        recounted.append((earlier, _count_again(session, rollup, earlier, reach.first_month)))
    changes = {key: values for key, values in sums.items() if any(values)}
    return _Settlement(name, _cell_writes(session, rollup, changes), recounted, reach)


def _upkeep(session: Session) -> _Upkeep:
    """This transaction's upkeep, decided at its first change of a record."""
    upkeep: _Upkeep | None = session.info.get(_UPKEEP)
    if upkeep is not None:
        if upkeep.active:
            _follow_chain(session, upkeep)
        return upkeep
    upkeep = _Upkeep(active=False)
    session.info[_UPKEEP] = upkeep
    with session.no_autoflush:
        states = _states(session)
        if len(states) < len(ROLLUPS) or not _take_lock(session):
            return upkeep
        states = _states(session)  # read again: another change may have been kept while this waited
        fingerprint = source_fingerprint(session)
        if any(state.source_fingerprint != fingerprint for state in states.values()):
            return upkeep
    upkeep.active = True
    upkeep.covered = {name: Period(s.first_month, s.last_month) for name, s in states.items()}
    upkeep.kept_for = fingerprint
    return upkeep


def _follow_chain(session: Session, upkeep: _Upkeep) -> None:
    """In an import's next transaction: go on only if the records are as its last commit left them (on
    PostgreSQL under the refresh lock again, released by that commit); otherwise another change came in
    between, uncounted, and the roll-ups are left to the refresh job."""
    if upkeep.chain is None:
        return
    with session.no_autoflush:
        upkeep.active = (
            _take_lock(session)
            and source_fingerprint(session) == upkeep.chain
            # A refresh between two commits (the periodic check's, one a form queued) counted the
            # roll-ups again with the chunks written so far: carried on, the upkeep would add them again.
            and all(state.source_fingerprint == upkeep.kept_for for state in _states(session).values())
        )
    upkeep.chain = None


def _states(session: Session) -> dict[str, Any]:
    # Columns, not the RollupState objects: those may be stale in this session's identity map.
    s = RollupState
    rows = session.execute(select(s.name, s.source_fingerprint, s.first_month, s.last_month))
    return {row.name: row for row in rows if row.name in ROLLUPS}


def _take_lock(session: Session) -> bool:
    """The partnership's refresh lock on PostgreSQL, waiting up to LOCK_WAIT_SECONDS for it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not take_lock_if_free(session, refresh_lock_name(), "roll-up upkeep"):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _contribution(
    session: Session, rollup: _Rollup, upkeep: _Upkeep, name: str, people: Iterable[int]
) -> list[dict[str, Any]]:
    with session.no_autoflush:
        return rollup.count(session, upkeep.covered[name], sorted(people))


def _add(sums: Sums, rollup: _Rollup, rows: Iterable[dict[str, Any]]) -> None:
    key_of, figures_of = itemgetter(*rollup.keys), itemgetter(*rollup.figures)
    for row in rows:
        key, figures = key_of(row), figures_of(row)
        values = sums.get(key)
        if values is None:
            sums[key] = list(figures)
        else:
            values[:] = map(add, values, figures)


@dataclass(frozen=True)
class _CellWrites:
    """What adding a transaction's changes to a roll-up's kept cells writes: cells to insert, cells to
    update (by id) and the ids of cells that come to nothing, to remove."""

    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    removed: list[int]


def _cell_writes(session: Session, rollup: _Rollup, changes: Sums) -> _CellWrites:
    """Read the kept cells ``changes`` move and work out the writes that add them (reads only)."""
    if not changes:
        return _CellWrites([], [], [])
    model = rollup.model
    columns = [getattr(model, k) for k in rollup.keys]
    # The kept cells that may be among them: a few hundred for one person's change.
    conditions = []
    for index, column in enumerate(columns):
        values = {key[index] for key in changes}
        if column.key == "month":
            conditions.append(column.between(min(values), max(values)))
            continue
        known = sorted(v for v in values if v is not None)
        either = [column.in_(known)] if known else []
        conditions.append(or_(*either, column.is_(None)) if None in values else either[0])
    width = len(rollup.keys)
    query = select(model.id, *columns, *[getattr(model, f) for f in rollup.figures]).where(*conditions)
    kept = {row[1 : 1 + width]: (row[0], row[1 + width :]) for row in driver_rows(session, query)}
    writes = _CellWrites([], [], [])
    for key, change in changes.items():
        found = kept.get(key)
        if found is None:
            writes.inserts.append({**dict(zip(rollup.keys, key, strict=True)), **_figures(rollup, change)})
            continue
        row_id, values = found
        total = [v + c for v, c in zip(values, change, strict=True)]
        if any(total):
            writes.updates.append({"id": row_id, **_figures(rollup, total)})
        else:
            writes.removed.append(row_id)
    return writes


def _count_again(session: Session, rollup: _Rollup, months: Period, count_from: int) -> list[dict[str, Any]]:
    """Everyone's rows of ``months``, counted from ``count_from``."""
    return [
        row
        for row in rollup.count(session, Period(count_from, months.last_month), None)
        if months.first_month <= row["month"] <= months.last_month
    ]


def _replace_months(session: Session, rollup: _Rollup, months: Period, rows: list[dict[str, Any]]) -> None:
    """Replace the kept rows of ``months`` with ``rows``."""
    model = rollup.model
    session.execute(delete(model).where(model.month.between(months.first_month, months.last_month)))
    insert_driver_rows(session, model.__table__, rows)  # as every other cell the roll-ups keep


def _figures(rollup: _Rollup, values: Sequence[int]) -> dict[str, int]:
    return dict(zip(rollup.figures, values, strict=True))


def _record(session: Session, name: str, covered: Period, fingerprint: str) -> None:
    forget_rollup_cells(session)  # the rows just written are read again
    state = session.get(RollupState, name)
    assert state is not None  # the upkeep is active only when both are kept
    session.refresh(state)
    state.source_fingerprint = fingerprint
    state.first_month, state.last_month = covered.first_month, covered.last_month
    state.built_at = utcnow()
    session.flush()


# --- The hooks ---------------------------------------------------------------------------------------


@import_writing.connect
def _hold_through_an_import(
    _sender: Any, session: Session, people: Callable[[], Iterable[int]], records: str, **_: Any
) -> None:
    """Count the file's people once before its first chunk, carry the upkeep across its chunks' commits
    and apply it once after its last (each chunk's own upkeep would touch most cells again and again)."""
    if not _upkeep(session).active:
        return
    session.info[_HELD] = True
    people_changing(session, people(), records)


@import_written.connect
def _settle_after_an_import(_sender: Any, session: Session, **_: Any) -> None:
    """Settle what was carried, at once: the signal comes at the start of a transaction of its own, before
    the caller writes anything (an import job's heartbeat and progress, written when it commits). On
    SQLite the write lock is taken at a transaction's first write, so the counting goes without it."""
    session.info.pop(_HELD, None)
    settle(session)


@records_changing.connect
def _count_before_bulk_changes(
    _sender: Any, session: Session, staff_member_ids: list[int], records: str, **_: Any
) -> None:
    people_changing(session, staff_member_ids, records)


@event.listens_for(Session, "before_flush")
def _count_before_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """The people whose assignments or absences this flush changes: counted before it (see above)."""
    changed = _changed_records(session)
    new_staff = any(isinstance(obj, StaffMember) for obj in session.new)
    if not changed and not new_staff:
        return
    with session.no_autoflush:
        # Decided before a new staff record (which moves the fingerprint) reaches the database.
        if not _upkeep(session).active:
            return
        people: dict[str, set[int]] = {ASSIGNMENTS: set(), ABSENCES: set()}
        for obj in changed:
            records = ASSIGNMENTS if isinstance(obj, Assignment) else ABSENCES
            people[records].update(_people_of(session, obj))
            # Moved from one person or assignment to another: the earlier one changes too.
            if isinstance(obj, Assignment):
                people[records].update(_earlier_values(obj, "staff_member_id"))
            else:
                earlier = _earlier_values(obj, "assignment_id")
                if earlier:
                    people[records].update(
                        session.scalars(select(Assignment.staff_member_id).where(Assignment.id.in_(earlier)))
                    )
        for records, ids in people.items():
            people_changing(session, ids, records)


@event.listens_for(Session, "after_flush")
def _note_new_people(session: Session, _flush_context: Any) -> None:
    """People made in this flush had no records before it (nothing to take out); their contribution
    after the change is counted with the others'."""
    upkeep: _Upkeep | None = session.info.get(_UPKEEP)
    if upkeep is None or not upkeep.active:
        return
    for obj in _changed_records(session):
        for name in MOVED_BY[ASSIGNMENTS if isinstance(obj, Assignment) else ABSENCES]:
            upkeep.people.setdefault(name, set()).update(_people_of(session, obj))


def _changed_records(session: Session) -> list[Any]:
    return [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, (Assignment, Absence)) and (obj not in session.dirty or session.is_modified(obj))
    ]


def _people_of(session: Session, record: Any) -> set[int]:
    """The staff member whose record this is, when known (a staff member made in the same flush has no
    id before it)."""
    if isinstance(record, Assignment):
        assignment = record
    elif record.assignment_id is not None:  # a new absence knows its post by id only, until flushed
        assignment = session.get(Assignment, record.assignment_id)
    else:
        assignment = record.assignment
    if assignment is None:
        return set()
    person = assignment.staff_member_id
    if person is None and assignment.staff_member is not None:
        person = assignment.staff_member.id
    return {person} if person is not None else set()


def _earlier_values(obj: Any, attribute: str) -> list[Any]:
    history = inspect(obj).attrs[attribute].history
    return [value for value in history.deleted or () if value is not None]


@event.listens_for(Session, "before_commit")
def _settle_on_commit(session: Session) -> None:
    settle(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    # An import's carried counts go too: what it committed before is no longer followed, and the roll-ups
    # (no longer matching the records) are left to the refresh job.
    session.info.pop(_UPKEEP, None)
    session.info.pop(_HELD, None)


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if not session.info.get(_HELD):
        session.info.pop(_UPKEEP, None)
