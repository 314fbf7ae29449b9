"""The ESR import as a background job: a worker killed at any point, and the job run again from the
start by another, leaves the records exactly as one clean import does, with the same counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.background.models import RUNNING, SUCCEEDED, Job
from passport.background.operations import sweep_stale_jobs
from passport.background.runner import run_job
from passport.db import utcnow
from passport.trusts.models import StaffMember
from passport.workforce import tasks
from passport.workforce.import_runs import ImportTakenOver, import_steps, record_applied_chunk
from passport.workforce.importing import ABSENCES, ASSIGNMENTS, AppliedChunk
from passport.workforce.models import Absence, Assignment, ImportRun
from passport.workforce.tables import RowError
from passport.workforce.uploads import start_import_job
from tests.support.esr_csv import absence, assignment, csv_bytes
from tests.support.workforce_factories import AssignmentFactory

CHUNK = 4  # rows written per committed chunk in these tests


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so the runner neither catches it nor records anything."""


def assignments_file() -> bytes:
    rows = [assignment(f"3000{n:04d}-1", f"person{n}@rpg.example") for n in range(1, 21)]
    rows += [
        assignment(f"3100{n:04d}-1", f"other{n}@rv5.example", **{"Org Code": "RV5"}) for n in range(1, 4)
    ]
    rows.append(assignment("40000001-1", "kept@rpg.example", **{"Contracted FTE": "0.6"}))  # an update
    rows.append(assignment("40000002-1", "same@rpg.example"))  # unchanged
    rows.append(assignment("3000bad-1", "bad@rpg.example", **{"Org Code": "ZZZ"}))  # rejected
    rows.insert(7, assignment("3000dup-1", "dup@rpg.example", **{"Contracted FTE": "abc"}))  # rejected
    return csv_bytes(rows)


def absences_file() -> bytes:
    rows = []
    for n in range(1, 21):
        rows.append(absence(f"3000{n:04d}-1", "01/05/2024", "03/05/2024"))
        rows.append(absence(f"3000{n:04d}-1", "01/07/2024", "", **{"Attendance Reason": "S12"}))
    return csv_bytes(rows)


def absences_file_with_bad_rows() -> bytes:
    """Decided row by row (a good file is decided by columns): imported partially, its good rows written."""
    rows = [absence(f"3000{n:04d}-1", "01/05/2024", "03/05/2024") for n in range(1, 21)]
    rows.insert(5, absence("30000003-1", "02/05/2024", "04/05/2024"))  # overlaps the one before it
    rows.append(absence("3999bad-1", "01/05/2024", "03/05/2024"))  # no such assignment
    return csv_bytes(rows)


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg = demo_trusts[0]
    AssignmentFactory(
        assignment_number="40000001-1", staff_member__trust=rpg, staff_member__email="kept@rpg.example"
    )
    AssignmentFactory(
        assignment_number="40000002-1",
        staff_member__trust=rpg,
        staff_member__email="same@rpg.example",
        staff_group="NMR",
        job_role="Staff Nurse",
        afc_band="5",
    )
    session.commit()
    return demo_trusts


def records(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Every workforce record as plain values (no ids or times), to compare two imports by."""
    assignments = session.execute(
        select(
            Assignment.assignment_number,
            StaffMember.email,
            Assignment.trust_id,
            Assignment.contracted_fte,
            Assignment.afc_band,
            Assignment.start_date,
            Assignment.end_date,
        ).join(StaffMember, StaffMember.id == Assignment.staff_member_id)
    ).all()
    absences = session.execute(
        select(
            Assignment.assignment_number,
            Absence.first_day,
            Absence.last_day,
            Absence.category,
            Absence.reason_code,
        ).join(Assignment, Assignment.id == Absence.assignment_id)
    ).all()
    staff = session.scalars(select(StaffMember.email)).all()
    return {"assignments": sorted(assignments), "absences": sorted(absences), "staff": sorted(staff)}


def run_counts(run: ImportRun) -> tuple[Any, ...]:
    report = run.report or {}
    return (
        run.status,
        run.rows_read,
        run.added,
        run.updated,
        run.unchanged,
        run.rejected,
        report.get("staff_added"),
        report.get("rejected_rows"),
    )


def clean_import(session, kind: str, content: bytes, partial: bool):  # type: ignore[no-untyped-def]
    """What one uninterrupted import of ``content`` makes (records, counts, and how many steps it
    took), worked out in a savepoint then undone."""
    savepoint = session.begin_nested()
    run, steps = None, 0
    for number, step in enumerate(
        import_steps(
            session,
            kind=kind,
            content=content,
            filename="extract.csv",
            actor="cli",
            only_trust_id=None,
            trust_id=None,
            partial=partial,
            max_bytes=10_000_000,
            apply_chunk_size=CHUNK,
        ),
        start=1,
    ):
        run, steps = step.run, number
    made = records(session), run_counts(run), steps
    savepoint.rollback()
    return made


def killed_at(monkeypatch, step_number: int) -> None:  # type: ignore[no-untyped-def]
    """Make the import's worker die when it reaches its ``step_number``th step: that step's work is
    done in the database but not committed, as when a worker is killed before the commit."""
    real = import_steps

    def dying(*args, **kwargs):  # type: ignore[no-untyped-def]
        for number, step in enumerate(real(*args, **{**kwargs, "apply_chunk_size": CHUNK}), start=1):
            if number == step_number:
                raise WorkerKilled
            yield step

    monkeypatch.setattr(tasks, "import_steps", dying)


def start(session, kind: str, content: bytes, partial: bool) -> Job:  # type: ignore[no-untyped-def]
    job = start_import_job(
        session,
        kind=kind,
        filename="extract.csv",
        content=content,
        only_trust_id=None,
        run_trust_id=None,
        partial=partial,
        max_bytes=10_000_000,
        created_by_id=None,
        queue=False,
    )
    session.commit()
    return job


def run_again_after_the_sweeper(app, session, job: Job) -> Job:  # type: ignore[no-untyped-def]
    """The sweeper finds the dead worker's job (no heartbeat) and queues it; another worker runs it."""
    assert sweep_stale_jobs(session, timedelta(seconds=1), now=utcnow() + timedelta(minutes=5)) == {
        "requeued": 1,
        "failed": 0,
    }
    session.commit()  # in tests the queue runs the job here, when an app context is about
    run_job(app, job.id)  # and here otherwise (a job already run is not claimed again)
    session.expire_all()
    return session.get(Job, job.id)


@pytest.mark.parametrize(
    ("kind", "partial", "file"),
    [
        (ASSIGNMENTS, True, assignments_file),
        (ABSENCES, False, absences_file),
        (ABSENCES, True, absences_file_with_bad_rows),
    ],
    ids=["assignments-partial", "absences", "absences-partial"],
)
@pytest.mark.parametrize("dies_at", ["first-step", "after-the-check", "half-way", "last-step"])
def test_a_worker_killed_anywhere_leaves_the_same_records_and_counts_as_a_clean_import(
    app, session, world, monkeypatch, kind, partial, file, dies_at
):
    if kind == ABSENCES:  # absences need their assignments first
        start_and_finish(app, session, ASSIGNMENTS, assignments_file(), True)
    content = file()
    expected_records, expected_counts, steps = clean_import(session, kind, content, partial)
    # Steps: the check (row by row: rows read, then done; an absence file of good rows is decided by
    # columns in one), the run recorded, each chunk written, what was carried across the chunks settled
    # (passport.metrics.upkeep), the end.
    checking = 1 if file is absences_file else 2
    assert steps == checking + 1 + -(-expected_counts[1] // CHUNK) + 1 + 1
    step_number = {
        "first-step": 1,
        "after-the-check": checking + 1,
        "half-way": steps // 2 + 2,
        "last-step": steps,
    }[dies_at]
    job = start(session, kind, content, partial)
    killed_at(monkeypatch, step_number)
    with pytest.raises(WorkerKilled):
        run_job(app, job.id)
    session.expire_all()
    assert session.get(Job, job.id).status == RUNNING  # nobody recorded the death: the sweeper will
    if dies_at == "half-way":
        half = session.scalar(select(ImportRun).where(ImportRun.job_id == job.id))
        assert half.status == "applying" and half.applied_through_row > 0
        assert records(session) != expected_records  # some chunks were committed, not all
    monkeypatch.undo()

    job = run_again_after_the_sweeper(app, session, job)
    assert job.status == SUCCEEDED and job.attempts == 2, job.error
    runs = list(session.scalars(select(ImportRun).where(ImportRun.job_id == job.id)))
    assert len(runs) == 1 and run_counts(runs[0]) == expected_counts
    assert records(session) == expected_records
    assert job.result["added"] == expected_counts[2] and job.result["run_id"] == runs[0].id
    audited = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == f"import.{kind}", AuditEvent.record_id == str(runs[0].id))
    )
    assert audited == 1


def start_and_finish(app, session, kind: str, content: bytes, partial: bool) -> Job:  # type: ignore[no-untyped-def]
    job = start(session, kind, content, partial)
    run_job(app, job.id)
    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == SUCCEEDED, job.error
    return job


def test_a_worker_thought_dead_cannot_write_a_chunk_the_new_one_has_written(app, session, world, monkeypatch):
    job = start(session, ASSIGNMENTS, assignments_file(), True)
    killed_at(monkeypatch, 6)  # two chunks committed
    with pytest.raises(WorkerKilled):
        run_job(app, job.id)
    monkeypatch.undo()
    session.expire_all()
    stale = session.scalar(select(ImportRun).where(ImportRun.job_id == job.id))
    assert stale.applied_through_row > 0
    # The old worker's view of the run, kept while a new worker finishes the import.
    session.expunge(stale)
    assert run_again_after_the_sweeper(app, session, job).status == SUCCEEDED
    chunk = AppliedChunk(stale.applied_through_row + CHUNK, CHUNK, CHUNK, 0, 0, CHUNK, set(), [])
    fresh = session.get(ImportRun, stale.id)
    session.expunge(fresh)
    with pytest.raises(ImportTakenOver):
        record_applied_chunk(session, stale, chunk)
    session.rollback()
    assert session.get(ImportRun, stale.id).applied_through_row == fresh.applied_through_row


def test_rows_refused_while_writing_are_reported_with_the_rest(session, world):
    run = ImportRun(
        kind=ASSIGNMENTS,
        filename="x.csv",
        sha256="0" * 64,
        status="applying",
        rows_read=3,
        added=0,
        updated=0,
        unchanged=0,
        rejected=1,
        report={"rejected_rows": [{"row": 4, "column": "Org Code", "message": "ZZZ"}], "staff_added": 0},
    )
    session.add(run)
    session.flush()
    chunk = AppliedChunk(4, 3, 1, 0, 0, 1, {world[0].id}, [RowError(2, "Org Code", "changed meanwhile")])
    record_applied_chunk(session, run, chunk)
    assert run.rejected == 2 and [error["row"] for error in run.report["rejected_rows"]] == [2, 4]
    assert run.report["changed_trust_ids"] == [world[0].id] and run.applied_through_row == 4
