"""The background module's own periodic work: the sweeper, and clearing away old finished jobs."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from passport.background.operations import delete_finished_jobs, sweep_stale_jobs
from passport.background.registry import periodic
from passport.db import utcnow

# Finished jobs (and the files they read) are kept this long for their pages and reports.
KEEP_FINISHED = timedelta(days=30)


@periodic("sweep-stale-jobs", every_minutes=1)
def sweep(session: Session) -> str | None:
    stale_after = timedelta(seconds=current_app.config["PASSPORT_JOB_STALE_SECONDS"])
    counts = sweep_stale_jobs(session, stale_after)
    if counts["requeued"] or counts["failed"]:
        return f"{counts['requeued']} stale jobs queued again, {counts['failed']} failed"
    return None


@periodic("delete-old-jobs", every_minutes=60)
def delete_old(session: Session) -> str | None:
    removed = delete_finished_jobs(session, utcnow() - KEEP_FINISHED)
    return f"{removed} finished jobs deleted" if removed else None
