"""The background-job core on the real database: start, run, fail, retry, sweep, lock, follow.

Jobs here run "immediately" (the test app's queue): queued when the starting session commits, then run
at once by ``passport.background.runner.run_job`` in a session of their own on the test's connection.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from passport.auth.models import Role
from passport.background import operations
from passport.background.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job, JobFile
from passport.background.registry import JOB_KINDS, job_kind
from passport.background.runner import JobFailed, is_transient, run_job
from passport.db import utcnow
from passport.trusts.models import Partnership
from tests.conftest import sign_in
from tests.support.factories import UserFactory

CALLS: list[dict] = []


@job_kind("test_count", max_attempts=3)
def _count_in_chunks(ctx):  # type: ignore[no-untyped-def]
    """Counts to ``params.to`` in chunks of ``params.chunk``; each chunk adds a row and commits."""
    to, chunk = ctx.params["to"], ctx.params["chunk"]
    start = ctx.job.done  # resumes after the last committed chunk
    CALLS.append({"start": start})
    for done in range(start + chunk, to + chunk, chunk):
        ctx.session.add(Partnership(code=f"C{done}", name=f"chunk ending {done}"))
        if ctx.params.get("crash_at") == done:
            raise RuntimeError("the worker died here")
        ctx.progress(done=min(done, to), total=to, stage="Counting")
    return {"counted": to}


@job_kind("test_refuses", max_attempts=2)
def _refuses(ctx):  # type: ignore[no-untyped-def]
    ctx.session.add(Partnership(code="NOPE", name="never kept"))
    ctx.session.flush()
    raise JobFailed("The file has no header row.")


@job_kind("test_transient", max_attempts=3)
def _transient(ctx):  # type: ignore[no-untyped-def]
    CALLS.append({"attempt": ctx.job.attempts})
    if ctx.job.attempts < ctx.params["succeed_on"]:
        raise OperationalError("UPDATE x", {}, Exception("deadlock detected"))
    return {"attempt": ctx.job.attempts}


@job_kind("test_conflict", max_attempts=3)
def _conflict(ctx):  # type: ignore[no-untyped-def]
    """Writes a row another writer "already" saved: the database refuses it (a real unique violation)."""
    CALLS.append({"attempt": ctx.job.attempts})
    if ctx.job.attempts < ctx.params["succeed_on"]:
        ctx.session.add(Partnership(code="TWICE", name="first"))
        ctx.session.flush()
        ctx.session.add(Partnership(code="TWICE", name="second"))
        ctx.session.flush()
    return {"attempt": ctx.job.attempts}


@pytest.fixture(autouse=True)
def _fresh_calls():  # type: ignore[no-untyped-def]
    CALLS.clear()


def _start(session, **params):  # type: ignore[no-untyped-def]
    return operations.start_job(
        session, kind="test_count", title="Count", params={"to": 10, "chunk": 4, **params}
    )


def _partnerships(session, prefix: str = "C") -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(func.count()).select_from(Partnership).where(Partnership.code.like(f"{prefix}%"))
    )


def test_a_job_is_queued_at_commit_and_runs_to_its_end(app, session):
    with app.app_context():
        job = _start(session)
        assert job.status == QUEUED and CALLS == []  # nothing runs before the commit
        session.commit()
        session.refresh(job)
    assert job.status == SUCCEEDED
    assert (job.done, job.total, job.result, job.attempts) == (10, 10, {"counted": 10}, 1)
    assert job.finished_at is not None and job.error is None
    assert _partnerships(session) == 3


def test_a_rolled_back_start_queues_nothing(app, session):
    with app.app_context():
        _start(session)
        session.rollback()
        session.commit()
    assert CALLS == []
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_same_key_gives_the_same_job_and_a_failed_one_starts_again(app, session):
    with app.app_context():
        first = operations.start_job(session, kind="test_refuses", title="Refused", idempotency_key="k1")
        session.commit()
        session.refresh(first)
        assert first.status == FAILED
        again = operations.start_job(session, kind="test_refuses", title="Refused", idempotency_key="k1")
        assert again.id == first.id and again.status == QUEUED and again.attempts == 0
        session.rollback()
        done = operations.start_job(
            session, kind="test_count", title="Count", params={"to": 4, "chunk": 4}, idempotency_key="k2"
        )
        session.commit()
        twice = operations.start_job(session, kind="test_count", title="Count", idempotency_key="k2")
        session.commit()
    assert twice.id == done.id
    assert len(CALLS) == 1  # a finished job is answered, not run again
    assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_job_that_cannot_be_done_fails_with_its_reason_and_changes_nothing(app, session):
    with app.app_context():
        job = operations.start_job(session, kind="test_refuses", title="Refused")
        session.commit()
        session.refresh(job)
    assert job.status == FAILED
    assert job.error == "The file has no header row."
    assert _partnerships(session, "NOPE") == 0


def test_an_unexpected_error_fails_the_job_and_keeps_the_chunks_already_saved(app, session):
    with app.app_context():
        job = _start(session, crash_at=8)
        session.commit()
        session.refresh(job)
    assert job.status == FAILED
    assert "unexpected error" in job.error
    assert job.done == 4 and _partnerships(session) == 1


def test_a_transient_database_error_is_retried_then_succeeds(app, session):
    with app.app_context():
        job = operations.start_job(session, kind="test_transient", title="Flaky", params={"succeed_on": 3})
        session.commit()
        session.refresh(job)
    assert [call["attempt"] for call in CALLS] == [1, 2, 3]
    assert job.status == SUCCEEDED and job.attempts == 3 and job.result == {"attempt": 3}


def test_a_transient_error_on_every_attempt_fails_with_the_reason(app, session):
    with app.app_context():
        job = operations.start_job(session, kind="test_transient", title="Flaky", params={"succeed_on": 99})
        session.commit()
        session.refresh(job)
    assert len(CALLS) == 3
    assert job.status == FAILED and "3 attempts" in job.error


def test_a_write_conflict_is_retried_with_its_reason_and_fails_with_it_after_the_last_attempt(app, session):
    with app.app_context():
        job = operations.start_job(session, kind="test_conflict", title="Racing", params={"succeed_on": 2})
        session.commit()
        session.refresh(job)
        assert job.status == SUCCEEDED and job.attempts == 2
        stuck = operations.start_job(session, kind="test_conflict", title="Racing", params={"succeed_on": 9})
        session.commit()
        session.refresh(stuck)
    assert [call["attempt"] for call in CALLS] == [1, 2, 1, 2, 3]
    assert stuck.status == FAILED
    assert stuck.error == (
        "A record with the same key was saved at the same moment. This happened on each of 3 attempts; "
        "nothing more was changed."
    )
    assert _partnerships(session, "TWICE") == 0


def test_transient_errors_are_told_apart():
    assert is_transient(OperationalError("SELECT 1", {}, Exception("database is locked")))
    assert not is_transient(ValueError("a bug"))


def test_claim_takes_a_queued_job_once(app, session):
    with app.app_context():
        job = _start(session)
        session.flush()
        assert operations.claim(session, job.id) is not None
        assert operations.claim(session, job.id) is None
        assert session.get(Job, job.id).status == RUNNING


def test_the_sweeper_runs_again_a_job_whose_worker_died(app, session):
    with app.app_context():
        job = _start(session, to=12)
        session.flush()
        # A worker took it, saved one chunk and died: running, with a heartbeat long gone.
        operations.claim(session, job.id)
        session.add(Partnership(code="C4", name="chunk ending 4"))
        job.done = 4
        job.heartbeat_at = utcnow() - timedelta(minutes=10)
        session.flush()
        counts = operations.sweep_stale_jobs(session, timedelta(minutes=2))
        assert counts == {"requeued": 1, "failed": 0}
        session.commit()  # queued again at commit: here it runs at once
        session.refresh(job)
    assert job.status == SUCCEEDED and job.attempts == 2
    assert CALLS == [{"start": 4}]  # the second worker went on after the saved chunk
    assert _partnerships(session) == 3  # chunks ending 4, 8 and 12: each once


def test_the_sweeper_fails_a_job_after_its_last_attempt(app, session):
    with app.app_context():
        job = _start(session)
        session.flush()
        operations.claim(session, job.id)
        job.attempts = job.max_attempts
        job.heartbeat_at = utcnow() - timedelta(minutes=10)
        session.flush()
        assert operations.sweep_stale_jobs(session, timedelta(minutes=2)) == {"requeued": 0, "failed": 1}
        session.commit()
        session.refresh(job)
    assert job.status == FAILED and "stopped 3 times" in job.error
    assert CALLS == []


def test_the_sweeper_leaves_a_live_job_alone(app, session):
    with app.app_context():
        job = _start(session)
        session.flush()
        operations.claim(session, job.id)
        session.flush()
        assert operations.sweep_stale_jobs(session, timedelta(minutes=2)) == {"requeued": 0, "failed": 0}


def test_a_job_message_for_a_finished_job_does_nothing(app, session):
    with app.app_context():
        job = _start(session, to=4)
        session.commit()
        run_job(app, job.id)  # a duplicate message, as a re-queue by the sweeper could leave
    assert len(CALLS) == 1


def test_the_file_is_stored_with_the_job(app, session):
    with app.app_context():
        job = operations.start_job(
            session,
            kind="test_count",
            title="Count",
            file=("a.csv", b"x,y\n1,2\n"),
            params={"to": 1, "chunk": 1},
        )
        session.flush()
        stored = session.scalar(select(JobFile).where(JobFile.job_id == job.id))
    assert stored.filename == "a.csv" and stored.size == 8 and len(stored.sha256) == 64


def test_old_finished_jobs_are_deleted_with_their_files(app, session):
    with app.app_context():
        job = operations.start_job(session, kind="test_refuses", title="Refused", file=("a.csv", b"a"))
        session.commit()
        session.refresh(job)
        assert operations.delete_finished_jobs(session, utcnow() - timedelta(days=1)) == 0
        assert operations.delete_finished_jobs(session, utcnow() + timedelta(seconds=1)) == 1
    assert session.scalar(select(func.count()).select_from(JobFile)) == 0


def test_every_registered_kind_has_a_handler():
    assert {"test_count", "test_refuses", "test_transient"} <= set(JOB_KINDS)


def test_exclusive_lets_one_holder_at_a_time(engine, app):
    """Two transactions on the real engine: the second waits until the first commits."""
    order: list[str] = []
    first_has_lock = threading.Event()
    sessionmaker = app.extensions["passport_sessionmaker"]

    def first() -> None:
        with sessionmaker() as session, operations.exclusive(session, "test-lock", "first"):
            first_has_lock.set()
            time.sleep(0.5)
            order.append("first done")
            session.commit()

    def second() -> None:
        first_has_lock.wait(5)
        with sessionmaker() as session, operations.exclusive(session, "test-lock", "second"):
            order.append("second in")
            session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert order == ["first done", "second in"]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM background_lock"))


# --- Following a job: its page and the API -------------------------------------------------------------
def test_the_starter_follows_her_job_on_its_page_and_in_the_api(app, session, client, demo_trusts):
    own, _ = demo_trusts
    hr = UserFactory(role=Role.HR, trust=own)
    job = Job(
        kind="test_count",
        title="Import of big.csv",
        trust_id=own.id,
        created_by_id=hr.id,
        status=RUNNING,
        stage="Saving rows",
        done=50_000,
        total=200_000,
        params={},
    )
    session.add(job)
    session.flush()
    sign_in(client, hr)
    page = client.get(f"/background-jobs/{job.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Import of big.csv" in body and "Saving rows: 50,000 of 200,000 (25%)" in body
    assert "You can close this page" in body
    answer = client.get(f"/api/v1/background-jobs/{job.id}")
    assert answer.status_code == 200
    assert answer.json["status"] == "running" and answer.json["percent"] == 25
    assert answer.json["links"]["page"] == f"/background-jobs/{job.id}"
    listing = client.get("/background-jobs")
    assert "Import of big.csv" in listing.get_data(as_text=True)


def test_a_failed_job_page_says_why(app, session, client, demo_trusts):
    own, _ = demo_trusts
    hr = UserFactory(role=Role.HR, trust=own)
    job = Job(
        kind="test_count",
        title="Import of bad.csv",
        trust_id=own.id,
        created_by_id=hr.id,
        status=FAILED,
        error="Row 1: the header names no assignment number.",
        params={},
    )
    session.add(job)
    session.flush()
    sign_in(client, hr)
    body = client.get(f"/background-jobs/{job.id}").get_data(as_text=True)
    assert "This job did not finish" in body and "the header names no assignment number" in body


def test_an_unknown_job_and_someone_elses_answer_404(app, session, client, demo_trusts):
    own, other = demo_trusts
    nurse = UserFactory(role=Role.NURSE, trust=own)
    hr_other = UserFactory(role=Role.HR, trust=other)
    job = Job(kind="test_count", title="Import", trust_id=own.id, created_by_id=hr_other.id, params={})
    session.add(job)
    session.flush()
    sign_in(client, nurse)
    assert client.get("/api/v1/background-jobs/999999").status_code == 404
    assert client.get(f"/api/v1/background-jobs/{job.id}").status_code == 404
    assert client.get(f"/background-jobs/{job.id}").status_code == 404
    assert client.get("/api/v1/background-jobs").json == {"items": []}


def test_a_run_given_to_another_worker_saves_nothing_more(app, session):
    from sqlalchemy import update

    from passport.background.runner import JobContext, Superseded

    with app.app_context():
        job = _start(session)
        session.flush()
        operations.claim(session, job.id)
        ctx = JobContext(session, job, app, attempt=1)
        # Taken for dead, it was queued again and claimed by another worker: attempt 2 is the job's now.
        session.execute(update(Job).where(Job.id == job.id).values(attempts=2))
        session.add(Partnership(code="LATE", name="a chunk written after losing the job"))
        with pytest.raises(Superseded):
            ctx.progress(done=4)
    assert _partnerships(session, "LATE") == 0
