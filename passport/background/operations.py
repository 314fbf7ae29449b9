"""Starting, following and ending jobs. Plain functions taking a ``Session``; they never commit.

A job started here is put on the queue when the session's transaction commits (``queue.py`` listens for
that), never before: a worker must find the row it is asked to run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport.background.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job, JobFile, JobLock
from passport.background.registry import JOB_KINDS
from passport.db import utcnow
from passport.errors import InvalidInput, NotFound

PENDING_KEY = "passport_jobs_to_enqueue"


def queue_after_commit(session: Session, job_id: int, delay_seconds: float = 0) -> None:
    """Ask for ``job_id`` to be put on the queue once this session's transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append((job_id, delay_seconds))


def start_job(
    session: Session,
    *,
    kind: str,
    title: str,
    params: dict[str, Any] | None = None,
    trust_id: int | None = None,
    created_by_id: int | None = None,
    idempotency_key: str | None = None,
    file: tuple[str, bytes] | None = None,
    queue: bool = True,
) -> Job:
    """Record a job and queue it at commit (``queue=False``: the caller runs it itself, as the command
    line does). With ``idempotency_key``, a job already recorded under the key is answered instead
    (started again from the start if it had failed)."""
    if kind not in JOB_KINDS:
        raise ValueError(f"no job kind {kind!r} is registered")
    if idempotency_key is not None:
        existing = _job_by_key(session, idempotency_key)
        if existing is not None:
            return _restart_if_failed(session, existing)
    job = Job(
        kind=kind,
        title=title,
        params=params or {},
        trust_id=trust_id,
        created_by_id=created_by_id,
        idempotency_key=idempotency_key,
        status=QUEUED,
        max_attempts=JOB_KINDS[kind].max_attempts,
        stage="Waiting for a worker",
    )
    try:
        # A savepoint: when another request records the same key first, only this insert is undone.
        with session.begin_nested():
            session.add(job)
            session.flush()
            if file is not None:
                filename, content = file
                session.add(
                    JobFile(
                        job_id=job.id,
                        filename=filename[:255],
                        size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                        content=content,
                    )
                )
                session.flush()
    except IntegrityError:
        if idempotency_key is None:
            raise
        existing = _job_by_key(session, idempotency_key)
        if existing is None:
            raise
        return _restart_if_failed(session, existing)
    if queue:
        queue_after_commit(session, job.id)
    return job


def _job_by_key(session: Session, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.idempotency_key == key))


def _restart_if_failed(session: Session, job: Job) -> Job:
    if job.status == FAILED:
        job.status = QUEUED
        job.attempts = 0
        job.error = None
        job.done = 0
        job.stage = "Waiting for a worker"
        job.queued_at = utcnow()
        job.finished_at = None
        queue_after_commit(session, job.id)
    return job


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"There is no job {job_id}.")
    return job


def job_file(session: Session, job: Job) -> JobFile:
    stored = session.scalar(select(JobFile).where(JobFile.job_id == job.id))
    if stored is None:
        raise InvalidInput("The job's file is missing.")
    return stored


def claim(session: Session, job_id: int, now: datetime | None = None) -> Job | None:
    """Mark a queued job running and count the attempt; None when it is not queued (already taken by
    another worker, finished, or unknown). One UPDATE, so two workers never both claim it."""
    now = now or utcnow()
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now, error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    job = session.get(Job, job_id, populate_existing=True)
    return job


def record_progress(
    job: Job, *, done: int | None = None, total: int | None = None, stage: str | None = None
) -> None:
    if done is not None:
        job.done = done
    if total is not None:
        job.total = total
    if stage is not None:
        job.stage = stage[:120]
    job.heartbeat_at = utcnow()


def succeed(job: Job, result: dict[str, Any] | None, stage: str = "Finished") -> None:
    job.status = SUCCEEDED
    job.result = result or {}
    job.stage = stage
    job.error = None
    job.finished_at = utcnow()
    if job.total is not None:
        job.done = job.total


def fail(session: Session, job_id: int, reason: str) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=FAILED, error=reason, stage="Stopped", finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def retry_later(session: Session, job: Job, reason: str, delay_seconds: float) -> None:
    """Put a job that met a transient error back on the queue after ``delay_seconds``."""
    _queue_again(session, job, "Waiting to try again", delay_seconds)
    job.error = reason


def postpone(session: Session, job: Job, stage: str, delay_seconds: float) -> None:
    """Put a job that cannot start yet (another holds what it needs) back on the queue after
    ``delay_seconds``, its worker thread free meanwhile; the wait does not use up an attempt."""
    _queue_again(session, job, stage, delay_seconds)
    job.attempts = max(0, job.attempts - 1)
    job.error = None


def _queue_again(session: Session, job: Job, stage: str, delay_seconds: float) -> None:
    job.status = QUEUED
    job.stage = stage[:120]
    job.queued_at = utcnow()
    queue_after_commit(session, job.id, delay_seconds)


def owns(session: Session, job_id: int, attempt: int) -> bool:
    """Is ``attempt`` still the job's running attempt? (Not when the sweeper gave it to another worker.)"""
    row = session.execute(select(Job.status, Job.attempts).where(Job.id == job_id)).one_or_none()
    return row is not None and row.status == RUNNING and row.attempts == attempt


def heartbeat(session: Session, job_id: int, attempt: int) -> bool:
    """Beat the job's heartbeat if ``attempt`` still owns it; say whether it does. A write first, so on
    SQLite the transaction takes the write lock before it reads anything more."""
    return (
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def sweep_stale_jobs(session: Session, stale_after: timedelta, now: datetime | None = None) -> dict[str, int]:
    """Queue again (or fail, after its last attempt) every running job whose worker has stopped beating,
    and queue again every queued job left waiting longer than ``stale_after`` (its message may have been
    lost with a broker). A job that turns out to be taken already is skipped by ``claim``."""
    now = now or utcnow()
    cutoff = now - stale_after
    stale = select(Job).where(
        or_(
            (Job.status == RUNNING) & (Job.heartbeat_at < cutoff),
            (Job.status == QUEUED) & (Job.queued_at < cutoff),
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    counts = {"requeued": 0, "failed": 0}
    for job in session.scalars(stale):
        if job.status == RUNNING and job.attempts >= job.max_attempts:
            job.status = FAILED
            job.stage = "Stopped"
            job.finished_at = now
            job.error = (
                f"The worker running this job stopped {job.attempts} times without finishing it. "
                "What it had saved is kept; start it again, or ask the service desk to look at the workers."
            )
            counts["failed"] += 1
            continue
        if job.status == RUNNING:
            job.error = "The worker running this job stopped; it was put back on the queue."
        job.status = QUEUED
        job.stage = "Waiting for a worker"
        job.queued_at = now
        queue_after_commit(session, job.id)
        counts["requeued"] += 1
    return counts


def delete_finished_jobs(session: Session, older_than: datetime) -> int:
    """Remove finished jobs (and their files) that ended before ``older_than``."""
    finished = select(Job.id).where(Job.status.in_((SUCCEEDED, FAILED)), Job.finished_at < older_than)
    session.execute(delete(JobFile).where(JobFile.job_id.in_(finished)))
    return session.execute(
        delete(Job).where(Job.id.in_(finished)).execution_options(synchronize_session=False)
    ).rowcount


def take_lock_if_free(session: Session, name: str, holder: str) -> bool:
    """Take the lock ``name`` for this transaction if nobody holds it, and say whether it was taken, without
    waiting on PostgreSQL. On SQLite, whose holders keep the lock only for brief writes, this waits its
    turn (the busy timeout) as ``exclusive`` does, and answers True."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(
            session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
            )
        )
    with exclusive(session, name, holder):
        return True


@contextmanager
def exclusive(session: Session, name: str, holder: str) -> Iterator[None]:
    """Hold the lock ``name`` until this transaction ends: an advisory lock on PostgreSQL, a lock row on
    SQLite (whose single writer then waits for the holder's commit). Two holders never overlap."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
        yield
        return
    # A write as the first thing: SQLite then waits (busy timeout) for the holder's commit. Read first
    # and it could only fail, since a reader cannot become the writer once another has written.
    values = {"name": name, "holder": holder[:100], "acquired_at": utcnow()}
    session.execute(
        sqlite_insert(JobLock)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[JobLock.name],
            set_={"holder": values["holder"], "acquired_at": values["acquired_at"]},
        )
    )
    yield
