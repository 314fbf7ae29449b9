"""The task queue: Huey, on Redis in production, on an SQLite file of its own for ``make run``, and run
at once (in the caller's thread) in tests. Why Huey: docs/operations.md.

Only two kinds of message travel on it: "run job N" and the periodic ticks. Everything else about a
job lives in the database, so a lost message costs nothing but time: the sweeper queues the job again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from passport.background.operations import PENDING_KEY

log = logging.getLogger("passport.background")
IMMEDIATE = "immediate"


def make_huey(url: str) -> Huey:
    if url == IMMEDIATE:
        return MemoryHuey("passport", immediate=True, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("passport", filename=str(path), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("passport", url=url, results=False)
    raise ValueError(f"PASSPORT_QUEUE_URL must be redis://..., sqlite:///... or 'immediate', not {url!r}")


def init_app(app: Flask) -> None:
    from passport.background import runner
    from passport.background.registry import PERIODIC

    huey = make_huey(app.config["PASSPORT_QUEUE_URL"])
    app.extensions["passport_huey"] = huey

    @huey.task(name="passport.run_job")
    def run_job_task(job_id: int) -> None:
        runner.run_job(app, job_id)

    app.extensions["passport_run_job_task"] = run_job_task
    for periodic in PERIODIC.values():
        schedule = crontab(minute=f"*/{periodic.every_minutes}")
        huey.periodic_task(schedule, name=f"passport.periodic.{periodic.name}")(
            _periodic_runner(app, periodic.name)
        )


def _periodic_runner(app: Flask, name: str):  # type: ignore[no-untyped-def]
    from passport.background import runner

    def run() -> None:
        runner.run_periodic(app, name)

    return run


def enqueue(app: Flask, job_id: int, delay_seconds: float = 0) -> None:
    task = app.extensions["passport_run_job_task"]
    if delay_seconds > 0 and not app.extensions["passport_huey"].immediate:
        task.schedule(args=(job_id,), delay=delay_seconds)
    else:
        task(job_id)


def huey_for(app: Flask) -> Huey:
    return app.extensions["passport_huey"]


@event.listens_for(Session, "after_commit")
def _enqueue_committed_jobs(session: Session) -> None:
    pending: list[tuple[int, float]] = session.info.pop(PENDING_KEY, [])
    if not pending or not has_app_context():
        return
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    for job_id, delay in pending:
        try:
            enqueue(app, job_id, delay)
        except Exception:  # a broker that is down: the sweeper queues the job again later
            log.exception("job %s could not be put on the queue; the sweeper will try again", job_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_jobs(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
