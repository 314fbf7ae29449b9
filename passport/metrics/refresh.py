"""Keeping the figures current: the roll-ups and the usual dashboards' snapshots are counted again by a
``metrics_refresh`` job (passport.metrics.tasks), never by a page view. Plain functions taking a
``Session``; they never commit (the caller's ``save`` does, see ``refresh_figures``).

A refresh rebuilds everything the dashboard sums (both roll-ups, for every partner trust and the
partnership) and the usual dashboards. Whatever it writes is written under the partnership's refresh lock
(``exclusive``), held until the transaction ends, so two refreshes never write at once. The lock is the
partnership's, not a trust's, because every trust's change moves the partnership's own figures (and its
leavers: a move between two trusts is a leave from one of them only), which a refresh rebuilds too.

On PostgreSQL (and wherever the caller gives no ``save``) a refresh is one transaction under the lock:
readers never wait for it there. On SQLite, whose one write lock every writer of the database shares (a
sign-in too), a job's refresh counts first and writes briefly: it counts the roll-ups in a read
transaction (WAL: readers neither wait for writers nor hold them up), then replaces their rows in a short
write transaction; the same again for the usual dashboards. Every piece kept carries the fingerprint of
the records it was counted from and is used only while that fingerprint matches the records, so a worker
killed between the pieces leaves nothing wrong on show, and a refresh run again gives what a clean one
gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from passport.background.models import QUEUED, RUNNING, Job
from passport.background.operations import exclusive, start_job, take_lock_if_free
from passport.background.runner import RunLater
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import DashboardSnapshot, RollupState
from passport.metrics.recount import count_rollups
from passport.metrics.rollups import (
    RETENTION_ROLLUP,
    SICKNESS_ROLLUP,
    keep_rollup,
    rollups_kept_current,
)
from passport.metrics.snapshots import count_usual_dashboards, keep_usual_dashboards, refresh_usual_dashboards
from passport.trusts.models import Trust

REFRESH_KIND = "metrics_refresh"
# How long a refresh that found another under way steps back before it looks again.
WAIT_FOR_REFRESH_SECONDS = 15
# Every refresh is of the partnership's roll-ups (see above), so there is one scope, and one lock.
PARTNERSHIP_SCOPE = "partnership"


def refresh_lock_name(scope: str = PARTNERSHIP_SCOPE) -> str:
    return f"metrics-rollups:{scope}"


@dataclass(frozen=True)
class FiguresState:
    """How current the kept figures are: ``current`` when the roll-ups and the usual dashboards were
    counted from the records as they are now, and today (newly qualified nurse retention and the usual
    snapshots count up to today)."""

    current: bool
    built_at: datetime | None


def figures_state(session: Session, fingerprint: str | None = None) -> FiguresState:
    states = [session.get(RollupState, name) for name in (SICKNESS_ROLLUP, RETENTION_ROLLUP)]
    if any(state is None for state in states):
        return FiguresState(False, None)
    fingerprint = fingerprint or source_fingerprint(session)
    built_at = min(state.built_at for state in states if state is not None)
    current = all(state is not None and state.source_fingerprint == fingerprint for state in states)
    # The dashboards are kept after the roll-ups (on SQLite in a transaction of their own): a refresh
    # stopped between the two has not finished, and one started again counts them.
    kept = list(session.scalars(select(DashboardSnapshot.source_fingerprint)))
    current = current and bool(kept) and all(kept_for == fingerprint for kept_for in kept)
    return FiguresState(current and built_at.astimezone().date() >= date.today(), built_at)


def waiting_refresh(session: Session) -> Job | None:
    """A refresh queued and not yet started: it will count the records as they are when it starts, so a
    change made now needs no other."""
    return session.scalar(
        select(Job).where(Job.kind == REFRESH_KIND, Job.status == QUEUED).order_by(Job.id).limit(1)
    )


def refresh_under_way(session: Session) -> bool:
    """Whether a refresh is queued or running (the dashboard says newer figures are being counted)."""
    found = session.scalar(
        select(Job.id).where(Job.kind == REFRESH_KIND, Job.status.in_((QUEUED, RUNNING))).limit(1)
    )
    return found is not None


def request_refresh(
    session: Session,
    *,
    reason: str,
    trust_ids: list[int] | None = None,
    force: bool = False,
    recount: bool = False,
    created_by_id: int | None = None,
) -> Job:
    """Start a refresh job (queued when the session commits), unless one is already waiting to start:
    that one will see this change too. ``force``: count again even if the figures look current;
    ``recount``: the roll-ups too, from every record, even when the changes kept them current."""
    waiting = waiting_refresh(session)
    if waiting is not None:
        asked = {"force": force, "recount": recount}
        if any(value and not (waiting.params or {}).get(key) for key, value in asked.items()):
            waiting.params = {
                **(waiting.params or {}),
                **{key: True for key, value in asked.items() if value},
            }
        return waiting
    return start_refresh(
        session,
        reason=reason,
        trust_ids=trust_ids,
        force=force,
        recount=recount,
        created_by_id=created_by_id,
    )


def start_refresh(
    session: Session,
    *,
    reason: str,
    trust_ids: list[int] | None = None,
    force: bool = False,
    recount: bool = False,
    created_by_id: int | None = None,
    queue: bool = True,
) -> Job:
    """Record a refresh job, queued when the session commits (``queue=False``: the caller runs it
    itself, as the command line does)."""
    return start_job(
        session,
        kind=REFRESH_KIND,
        title="Count the retention and sickness figures again",
        params={
            "scope": PARTNERSHIP_SCOPE,
            "reason": reason,
            "trust_ids": sorted(set(trust_ids or [])),
            "force": force,
            "recount": recount,
        },
        created_by_id=created_by_id,
        queue=queue,
    )


def _wait_for_other_writers(session: Session) -> None:
    """SQLite: take the database's write lock before reading anything in this transaction. A transaction
    that reads first and then waits for another writer's commit cannot write after it (its snapshot is
    stale: "database is locked" at once); one that asks for the write lock first simply waits its turn.
    PostgreSQL's advisory lock waits either way."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE rollup_state SET name = name WHERE 0"))


def refresh_figures(
    session: Session,
    holder: str,
    *,
    force: bool = True,
    recount: bool = True,
    save: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Count the roll-ups and the usual dashboards again from the records and keep them, under the
    partnership's refresh lock. Without ``force``, figures already current (a refresh that ran while this
    one waited) are left as they are. Without ``recount``, roll-ups the changes kept current
    (passport.metrics.upkeep) are kept as they are and only the dashboards are counted from them.

    ``save(stage)`` commits the session with what it has done so far, saying what comes next (the job's
    ``ctx.progress``). Given it, on SQLite, the refresh counts first and writes briefly
    (``_refresh_in_phases``), ending its read transactions itself: the session must have nothing unsaved
    when called. Otherwise everything is done in the caller's transaction, committed by the caller."""
    if save is not None and session.get_bind().dialect.name == "sqlite":
        return _refresh_in_phases(session, holder, force, recount, save)
    if save is not None:
        # Saved before the counting starts, so the job's page says what it is doing; the counting itself
        # is one transaction, under the lock, committed by the caller.
        save("Counting the retention and sickness figures")
        # A refresh under way may take minutes on a large partnership: rather than hold a worker thread
        # waiting for it, this one steps back and starts after it (seeing every change it missed).
        if not take_lock_if_free(session, refresh_lock_name(), holder):
            raise RunLater("Waiting for the refresh under way to finish", WAIT_FOR_REFRESH_SECONDS)
    _wait_for_other_writers(session)
    with exclusive(session, refresh_lock_name(), holder):
        if not force and figures_state(session).current:
            return _ALREADY_CURRENT
        counted = refresh_usual_dashboards(session, recount=recount)
    return {"dashboards": counted}


_ALREADY_CURRENT: dict[str, object] = {"dashboards": 0, "skipped": "The figures were already current."}


def _refresh_in_phases(
    session: Session, holder: str, force: bool, recount: bool, save: Callable[[str], None]
) -> dict[str, object]:
    """SQLite: hold the write lock only to replace rows (a fraction of a second for the demo, against
    some seconds to count them), so that a sign-in or a form posted meanwhile barely waits."""
    # Saved first (so nothing unsaved is lost by the rollbacks below), after asking for the write lock:
    # ``save`` may read before it writes, which SQLite refuses once another writer has committed since.
    _wait_for_other_writers(session)
    save("Counting the retention and sickness figures")
    no_trusts = session.scalar(select(Trust.id).limit(1)) is None
    if no_trusts or (not force and figures_state(session).current):
        session.rollback()  # it only read: the caller's commit starts a transaction of its own
        return {"dashboards": 0} if no_trusts else _ALREADY_CURRENT
    # 1. Count the roll-ups in a read transaction: a snapshot of the records, and no lock on anyone.
    # Roll-ups the changes kept current are left as they are, unless a full recount is asked for.
    fingerprint = source_fingerprint(session)
    if recount or not rollups_kept_current(session, fingerprint):
        rollups = count_rollups(session, fingerprint)
        session.rollback()  # it wrote nothing: end the read, so that this session may take the write lock
        # 2. Replace them in a short write transaction. If the records changed after step 1, the rows
        # kept are still those of ``fingerprint``: they no longer match the records, so the dashboard does
        # not use them, and the refresh that the change queued (or the periodic check) counts again.
        _wait_for_other_writers(session)
        with exclusive(session, refresh_lock_name(), holder):
            if not _newer_kept(session, fingerprint, _rollup_fingerprints(session)):
                for counted in rollups:
                    keep_rollup(session, counted, fingerprint)
        save("Counting the usual dashboards")
    else:
        session.rollback()
    # 3. The usual dashboards, counted from the roll-ups just kept (from the records, should these have
    # changed since), in a read transaction; then kept in a short write transaction, each with the
    # fingerprint of the records it was counted from. Until then the dashboards kept before stay, with
    # their older fingerprint: the dashboard page no longer takes them as current (it counts from the
    # current roll-ups instead), and ``figures_state`` calls the figures out of date, so a refresh run
    # again (or the periodic check's) counts them.
    dashboards = count_usual_dashboards(session)
    session.rollback()
    _wait_for_other_writers(session)
    with exclusive(session, refresh_lock_name(), holder):
        kept_for = set(session.scalars(select(DashboardSnapshot.source_fingerprint)))
        if not _newer_kept(session, dashboards.fingerprint, kept_for):
            keep_usual_dashboards(session, dashboards)
    # Committed by the caller (the job's runner, when this returns).
    return {"dashboards": len(dashboards.boards)}


def _rollup_fingerprints(session: Session) -> set[str | None]:
    return {
        state.source_fingerprint if state is not None else None
        for state in (session.get(RollupState, name) for name in (SICKNESS_ROLLUP, RETENTION_ROLLUP))
    }


def _newer_kept(session: Session, counted_for: str, kept_for: set[str | None]) -> bool:
    """Whether what is kept (of ``kept_for``) was counted, by a refresh that ran alongside this one, from
    the records as they are now, while this one counted from an older state: that is not replaced."""
    now = source_fingerprint(session)
    return counted_for != now and kept_for == {now}
