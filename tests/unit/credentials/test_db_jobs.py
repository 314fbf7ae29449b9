"""Credentials jobs on the real database with real signatures: a bulk upload whose worker dies half way
is finished by another without issuing any line twice, and a key rotation's re-signing job.

A worker killed with SIGKILL runs no ``except`` and no ``finally`` of ours: here the handler's work is
interrupted by a ``BaseException`` the runner does not catch, so the job is left "running" with what it
had committed, and the uncommitted chunk is lost with the session, as it would be with the process.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.background.models import RUNNING, SUCCEEDED, Job
from passport.background.operations import start_job, sweep_stale_jobs
from passport.background.runner import run_job
from passport.credentials import bulk, tasks
from passport.credentials.directory import verify_document
from passport.credentials.issuance import resign_status_lists
from passport.credentials.keys import active_key, rotate_signing_key, signer_for
from passport.credentials.models import IssuedCredential, StatusList
from passport.db import utcnow
from tests.support.credential_factories import issue, staff
from tests.support.factories import UserFactory


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing of the runner's error handling sees it."""


def _upload(session, trust, user, members) -> Job:  # type: ignore[no-untyped-def]
    text = "email,subject_code,level,completed_on\n" + "".join(
        f"{m.email},CSTF-FIRE,1,01/03/2026\n" for m in members
    )
    job, new = bulk.start_training_upload(
        session, trust=trust, actor=user, filename="training.csv", content=text.encode()
    )
    assert new
    return job


def _issued(session, job: Job) -> list[IssuedCredential]:  # type: ignore[no-untyped-def]
    session.expire_all()
    upload_id = job.params["upload_id"]
    return list(session.scalars(select(IssuedCredential).where(IssuedCredential.bulk_upload_id == upload_id)))


@pytest.mark.parametrize("killed_after_chunks", [1, 3])
def test_a_bulk_job_killed_half_way_and_run_again_issues_each_line_exactly_once(
    app, session, demo_trusts, monkeypatch, killed_after_chunks
):
    own = demo_trusts[0]
    hr = UserFactory(role=Role.HR, trust=own)
    members = [staff(own) for _ in range(9)]
    issue(own)  # the trust's lists exist already, with one place taken
    monkeypatch.setattr(bulk, "ISSUE_CHUNK", 2)
    job = _upload(session, own, hr, members)
    session.commit()  # no app context: nothing is queued; this test runs the job itself
    original = bulk.issue_training_chunk
    calls = {"n": 0}

    def dies_after_signing(*args, **kwargs):  # type: ignore[no-untyped-def]
        ids = original(*args, **kwargs)  # this chunk is signed and flushed, not yet committed
        calls["n"] += 1
        if calls["n"] > killed_after_chunks:
            raise WorkerKilled()
        return ids

    monkeypatch.setattr(tasks.bulk, "issue_training_chunk", dies_after_signing)
    with pytest.raises(WorkerKilled):
        run_job(app, job.id)
    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == RUNNING  # as a dead worker leaves it
    assert len(_issued(session, job)) == 2 * killed_after_chunks  # the committed chunks only
    assert job.done == 2 * killed_after_chunks
    # The sweeper finds its heartbeat stale and queues it again; another worker runs it to the end.
    monkeypatch.setattr(tasks.bulk, "issue_training_chunk", original)
    assert sweep_stale_jobs(session, timedelta(seconds=60), now=utcnow() + timedelta(minutes=5)) == {
        "requeued": 1,
        "failed": 0,
    }
    session.commit()
    run_job(app, job.id)
    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == SUCCEEDED and job.attempts == 2
    assert job.result["issued"] + job.result["skipped"] == 9
    assert job.result["skipped"] == 2 * killed_after_chunks
    credentials = _issued(session, job)
    lines = Counter(c.bulk_line for c in credentials)
    assert sorted(lines) == list(range(2, 11)) and set(lines.values()) == {1}
    assert Counter(c.staff_member_id for c in credentials) == {m.id: 1 for m in members}
    # Status places: each list's count of places handed out is the number of credentials holding one.
    for status_list in session.scalars(select(StatusList).where(StatusList.trust_id == own.id)):
        column = (
            IssuedCredential.revocation_list_id
            if status_list.purpose.value == "revocation"
            else IssuedCredential.suspension_list_id
        )
        holders = session.scalar(
            select(func.count()).select_from(IssuedCredential).where(column == status_list.id)
        )
        assert status_list.allocated_count == holders == 10
    for credential in credentials:
        report = verify_document(session, credential.document)
        assert report.verified, report.to_dict()


def test_a_line_cannot_be_stored_twice_for_one_upload(session, demo_trusts):
    from sqlalchemy.exc import IntegrityError

    own = demo_trusts[0]
    hr = UserFactory(role=Role.HR, trust=own)
    member = staff(own)
    rows = bulk.read_training_csv(
        f"email,subject_code,level,completed_on\n{member.email},CSTF-FIRE,1,01/03/2026\n".encode()
    )
    pending, problems = bulk.check_training_rows(session, trust=own, rows=rows)
    assert problems == [] and pending[0].source_line == 2
    bulk.issue_training_chunk(session, trust=own, pending=pending, actor=hr, upload_id="u-1", job_id=1)
    with pytest.raises(IntegrityError), session.begin_nested():
        bulk.issue_training_chunk(session, trust=own, pending=pending, actor=hr, upload_id="u-1", job_id=1)
    assert bulk.issued_lines(session, "u-1") == {2}


def test_a_key_rotation_queues_the_re_signing_job_and_the_lists_verify_with_the_new_key(
    app, session, demo_trusts
):
    own = demo_trusts[0]
    credentials = [issue(own) for _ in range(3)]
    old_method = signer_for(session, own).verification_method
    with app.app_context():
        key = rotate_signing_key(session, own, actor="test")
        jobs = session.scalars(select(Job).where(Job.kind == "status_list_resign")).all()
        assert [job.status for job in jobs] == ["queued"]  # recorded; runs when this commits
        lists = session.scalars(select(StatusList).where(StatusList.trust_id == own.id)).all()
        assert {sl.signed_credential["proof"]["verificationMethod"] for sl in lists} == {old_method}
        session.commit()
    session.expire_all()
    job = session.get(Job, jobs[0].id)
    assert job.status == SUCCEEDED and job.trust_id == own.id
    assert job.result["lists"] == job.result["resigned"] == 2
    new_method = f"{old_method.partition('#')[0]}#{key.key_id}"
    lists = session.scalars(select(StatusList).where(StatusList.trust_id == own.id)).all()
    assert {sl.signed_credential["proof"]["verificationMethod"] for sl in lists} == {new_method}
    for credential in credentials:
        report = verify_document(session, credential.document)
        assert report.verified, report.to_dict()
    # Re-signing again is harmless: nothing left to do, and the lists still verify.
    with app.app_context():
        again = start_job(session, kind="status_list_resign", title="Again", trust_id=own.id)
        session.commit()
    session.expire_all()
    again = session.get(Job, again.id)
    assert again.status == SUCCEEDED and again.result["resigned"] == 0 and again.result["already_signed"] == 2
    assert resign_status_lists(session, own) == 0
    assert all(verify_document(session, c.document).verified for c in credentials)
    assert active_key(session, own).id == key.id
