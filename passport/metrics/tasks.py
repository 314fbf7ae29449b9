"""Metrics jobs: the figures are counted again by a ``metrics_refresh`` job after the records change.

Three things start one: a change of the workforce records (the ``records_changed`` signal, received
below, in the transaction of the change), the operator's ``refresh-dashboards --queue`` command, and the
periodic check below, which catches whatever else moved the records (published figures, a new trust, a
new day). A page view never does: a GET writes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.background.registry import job_kind, periodic
from passport.background.runner import JobContext
from passport.metrics import upkeep  # noqa: F401 (keeps the roll-ups as records change: its hooks)
from passport.metrics.refresh import (
    REFRESH_KIND,
    figures_state,
    refresh_figures,
    refresh_under_way,
    request_refresh,
)
from passport.trusts.models import Trust
from passport.workforce.signals import records_changed

# How often the periodic check looks for figures older than the records.
CHECK_EVERY_MINUTES = 10
# Set to False to keep changes of the records from starting refreshes (the test suite, where a refresh
# after every factory-made change would only slow it; the metrics tests turn it back on).
REFRESH_ON_CHANGE = "PASSPORT_METRICS_REFRESH_ON_CHANGE"


@records_changed.connect
def refresh_after_records_changed(sender: Any, session: Session, trust_ids: list[int], **_: Any) -> None:
    """Start a refresh in the transaction of the change (queued when it commits), unless one is already
    waiting to start."""
    # Outside an app (a script over the models) there is no queue to start work on.
    if not has_app_context() or not current_app.config.get(REFRESH_ON_CHANGE, True):
        return
    request_refresh(session, reason="records changed", trust_ids=list(trust_ids or []))


@job_kind(REFRESH_KIND)
def run_refresh(ctx: JobContext) -> dict[str, Any]:
    """Count the roll-ups and the usual dashboards again (passport.metrics.refresh): on PostgreSQL in one
    transaction, committed by the runner when this returns; on SQLite counted in read transactions and
    kept in short write transactions, each committed by ``ctx.progress`` (the last by the runner). A
    worker killed half way leaves figures that are either the previous ones or marked as not matching the
    records, and a second run after it counts them all again."""
    return refresh_figures(
        ctx.session,
        f"job {ctx.job.id}",
        force=bool(ctx.params.get("force")),
        # Jobs queued before roll-ups were kept by the changes carry no "recount": they count everything.
        recount=bool(ctx.params.get("recount", True)),
        save=lambda stage: ctx.progress(stage=stage),
    )


@periodic("refresh-metrics", every_minutes=CHECK_EVERY_MINUTES)
def refresh_when_out_of_date(session: Session) -> str | None:
    """Queue a refresh when the figures are older than the records (or than today) and none is on its
    way: changes that sent no signal (published figures, a renamed trust) are counted within minutes."""
    if session.scalar(select(Trust.id).limit(1)) is None:
        return None
    if figures_state(session).current or refresh_under_way(session):
        return None
    job = request_refresh(session, reason="figures older than the records")
    return f"figures out of date: refresh job {job.id} queued"
