"""Running one job in a worker: claim it, beat a heartbeat, call its handler, record how it ended.

The handler gets a ``JobContext``. It saves its work in chunks through ``ctx.progress`` (each call
commits what was done so far together with the figures, so the progress page and the work agree), and
must be safe to run again from the start: a job whose worker died is run again by another.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from passport import db
from passport.background import operations
from passport.background.models import Job
from passport.background.registry import JOB_KINDS, PERIODIC
from passport.errors import write_conflict

log = logging.getLogger("passport.background")


class JobFailed(Exception):
    """The job cannot be done (an unreadable file, a trust that no longer exists): it ends failed with
    this message, shown on its page, and what it had not committed is undone."""


class RunLater(Exception):
    """The job cannot start yet (another holds what it needs): it goes back on the queue for
    ``delay_seconds`` and gives its worker thread back meanwhile, instead of waiting in it."""

    def __init__(self, stage: str, delay_seconds: float):
        super().__init__(stage)
        self.stage, self.delay_seconds = stage, delay_seconds


class Superseded(Exception):
    """The sweeper gave this job to another worker (this one was taken for dead): stop, keep nothing."""


@dataclass
class JobContext:
    session: Session
    job: Job
    app: Flask
    # The attempt this run is: a run whose attempt is no longer the job's saves nothing more.
    attempt: int = 0

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params or {}

    def progress(self, done: int | None = None, total: int | None = None, stage: str | None = None) -> None:
        """Record how far the job has got and commit it with the work done so far."""
        if not operations.heartbeat(self.session, self.job.id, self.attempt):
            self.session.rollback()
            raise Superseded()
        operations.record_progress(self.job, done=done, total=total, stage=stage)
        self.session.commit()

    def show_result_at(self, endpoint: str, **values: Any) -> None:
        """Link the job's page to where its outcome is shown (a path built without a request: a worker
        has none)."""
        root = self.app.config.get("APPLICATION_ROOT") or "/"
        self.job.result_url = self.app.url_map.bind("localhost", script_name=root).build(endpoint, values)

    def file_content(self) -> tuple[str, bytes]:
        stored = operations.job_file(self.session, self.job)
        return stored.filename, stored.content


def is_transient(error: BaseException) -> bool:
    """A deadlock, a serialization failure, a lost connection or a locked SQLite file: worth a retry."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa_exc.OperationalError)


def backoff_seconds(app: Flask, attempt: int) -> float:
    base = float(app.config.get("PASSPORT_JOB_RETRY_SECONDS", 5))
    return base * (2 ** max(0, attempt - 1))


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat on a connection of its own while the handler works."""

    def __init__(self, app: Flask, job_id: int, attempt: int, every: float):
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.app, self.job_id, self.attempt, self.every = app, job_id, attempt, every
        self.stopped = threading.Event()

    def run(self) -> None:
        sessionmaker = self.app.extensions["passport_sessionmaker"]
        while not self.stopped.wait(self.every):
            try:
                with sessionmaker() as session:
                    operations.heartbeat(session, self.job_id, self.attempt)
                    session.commit()
            except Exception as error:  # SQLite busy behind the job's own writes: the next beat will do
                log.debug("heartbeat of job %s skipped: %s", self.job_id, error)


def run_job(app: Flask, job_id: int) -> None:
    with app.app_context():
        session = db.get_session()
        job = operations.claim(session, job_id)
        if job is None:
            session.rollback()
            return
        session.commit()
        attempt = job.attempts
        kind = JOB_KINDS.get(job.kind)
        beat = None
        if not app.extensions["passport_huey"].immediate:
            every = float(app.config.get("PASSPORT_JOB_HEARTBEAT_SECONDS", 10))
            beat = _Heartbeat(app, job_id, attempt, every)
            beat.start()
        try:
            if kind is None:
                raise JobFailed(f"This service does not know how to run a job of kind {job.kind!r}.")
            result = kind.handler(JobContext(session, job, app, attempt))
            if not operations.heartbeat(session, job_id, attempt):
                raise Superseded()
            operations.succeed(job, result)
            session.commit()
        except Superseded:
            session.rollback()
            log.warning("job %s attempt %s was given to another worker; this run stopped", job_id, attempt)
        except RunLater as later:
            session.rollback()
            job = session.get(Job, job_id, populate_existing=True)
            if job is not None and operations.owns(session, job_id, attempt):
                operations.postpone(session, job, later.stage, later.delay_seconds)
            session.commit()
        except JobFailed as error:
            session.rollback()
            if operations.owns(session, job_id, attempt):
                operations.fail(session, job_id, str(error))
            session.commit()
        except Exception as error:
            session.rollback()
            if operations.owns(session, job_id, attempt):
                _after_error(app, session, job_id, error)
            else:
                log.warning(
                    "job %s attempt %s, already given to another worker, stopped on: %s",
                    job_id,
                    attempt,
                    error,
                )
        finally:
            if beat is not None:
                beat.stopped.set()


def run_inline(session: Session, job: Job) -> Job:
    """Commit ``session`` (which recorded ``job``, unqueued) and run the job here and now, as the command
    line does; answer the job as it ended."""
    from flask import current_app

    session.commit()
    run_job(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]
    return session.get(Job, job.id, populate_existing=True)  # type: ignore[return-value]


def _after_error(app: Flask, session: Session, job_id: int, error: Exception) -> None:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        return
    conflict = write_conflict(error)
    if conflict is not None and job.attempts < job.max_attempts:
        # Another writer committed first: run again, the job's rules then see what it saved (an import
        # reports the rows that now clash instead of writing them).
        log.warning("job %s met a write conflict, retrying: %s", job_id, error)
        operations.retry_later(
            session, job, f"{conflict} The job will try again.", backoff_seconds(app, job.attempts)
        )
    elif conflict is not None:
        operations.fail(
            session,
            job_id,
            f"{conflict} This happened on each of {job.attempts} attempts; nothing more was changed.",
        )
    elif is_transient(error) and job.attempts < job.max_attempts:
        log.warning("job %s met a transient database error, retrying: %s", job_id, error)
        operations.retry_later(
            session,
            job,
            "A database error stopped this job for a moment; it will try again.",
            backoff_seconds(app, job.attempts),
        )
    elif is_transient(error):
        log.error("job %s failed after %s attempts: %s", job_id, job.attempts, error)
        operations.fail(
            session,
            job_id,
            f"The database was unavailable on each of {job.attempts} attempts; nothing more was changed. "
            "Start the job again later.",
        )
    else:
        log.exception("job %s stopped on an unexpected error", job_id, exc_info=error)
        operations.fail(
            session,
            job_id,
            "The job stopped on an unexpected error; what it had not saved was undone. "
            "The service desk can find the details in the worker's log.",
        )
    session.commit()


def run_periodic(app: Flask, name: str) -> None:
    periodic = PERIODIC[name]
    with app.app_context():
        session = db.get_session()
        try:
            message = periodic.work(session)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("periodic work %s failed", name)
            return
        if message:
            log.info("%s: %s", name, message)
