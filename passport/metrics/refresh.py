"""Keeping the figures current: the roll-ups and the usual dashboards' snapshots are counted again by a
``metrics_refresh`` job (passport.metrics.tasks), never by a page view. Plain functions taking a
``Session``; they never commit.

A refresh rebuilds everything the dashboard sums (both roll-ups, for every partner trust and the
partnership) and the usual dashboards, in one transaction: a worker killed half way leaves the previous
figures as they were, and running it again gives what a clean refresh gives. Two refreshes never overlap:
each holds the partnership's refresh lock (``exclusive``) until its transaction ends. The lock is the
partnership's, not a trust's, because every trust's change moves the partnership's own figures (and its
leavers: a move between two trusts is a leave from one of them only), which a refresh rebuilds too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from passport.background.models import QUEUED, RUNNING, Job
from passport.background.operations import exclusive, start_job
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RollupState
from passport.metrics.rollups import RETENTION_ROLLUP, SICKNESS_ROLLUP
from passport.metrics.snapshots import refresh_usual_dashboards

REFRESH_KIND = "metrics_refresh"
# Every refresh is of the partnership's roll-ups (see above), so there is one scope, and one lock.
PARTNERSHIP_SCOPE = "partnership"


def refresh_lock_name(scope: str = PARTNERSHIP_SCOPE) -> str:
    return f"metrics-rollups:{scope}"


@dataclass(frozen=True)
class FiguresState:
    """How current the kept figures are: ``current`` when they were counted from the records as they
    are now, and today (newly qualified nurse retention and the usual snapshots count up to today)."""

    current: bool
    built_at: datetime | None


def figures_state(session: Session, fingerprint: str | None = None) -> FiguresState:
    states = [session.get(RollupState, name) for name in (SICKNESS_ROLLUP, RETENTION_ROLLUP)]
    if any(state is None for state in states):
        return FiguresState(False, None)
    fingerprint = fingerprint or source_fingerprint(session)
    built_at = min(state.built_at for state in states if state is not None)
    current = all(state is not None and state.source_fingerprint == fingerprint for state in states)
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
    created_by_id: int | None = None,
) -> Job:
    """Start a refresh job (queued when the session commits), unless one is already waiting to start:
    that one will see this change too. ``force``: count again even if the figures look current."""
    waiting = waiting_refresh(session)
    if waiting is not None:
        if force and not (waiting.params or {}).get("force"):
            waiting.params = {**(waiting.params or {}), "force": True}
        return waiting
    return start_job(
        session,
        kind=REFRESH_KIND,
        title="Count the retention and sickness figures again",
        params={
            "scope": PARTNERSHIP_SCOPE,
            "reason": reason,
            "trust_ids": sorted(set(trust_ids or [])),
            "force": force,
        },
        created_by_id=created_by_id,
    )


def _wait_for_other_writers(session: Session) -> None:
    """SQLite: take the database's write lock before reading anything in this transaction. A transaction
    that reads first and then waits for another writer's commit cannot write after it (its snapshot is
    stale: "database is locked" at once); one that asks for the write lock first simply waits its turn.
    PostgreSQL's advisory lock waits either way."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE rollup_state SET name = name WHERE 0"))


def refresh_figures(session: Session, holder: str, *, force: bool = True) -> dict[str, object]:
    """Count the roll-ups and the usual dashboards again from the records, holding the partnership's
    refresh lock until the caller's transaction ends. Without ``force``, figures already current (a
    refresh that ran while this one waited for the lock) are left as they are."""
    _wait_for_other_writers(session)
    with exclusive(session, refresh_lock_name(), holder):
        if not force and figures_state(session).current:
            return {"dashboards": 0, "skipped": "The figures were already current."}
        counted = refresh_usual_dashboards(session)
    return {"dashboards": counted}
