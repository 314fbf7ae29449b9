"""An import's record (``ImportRun``) through its steps: checked whole, then applied chunk by chunk.

``import_steps`` drives one import and yields after every step; the caller (the import job) commits at
each yield, so each applied chunk is committed together with the run's checkpoint
(``applied_through_row``) and its running counts. Run again after a crash, with the same ``job_id``, it
finds the run and goes on after the last committed chunk; a finished run is answered as it is. Nothing
here commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.db import utcnow
from passport.workforce.import_gate import Actor
from passport.workforce.importing import (
    KINDS,
    MAX_STORED_ROW_ERRORS,
    AppliedChunk,
    ImportReport,
    apply_file,
    check_file,
    people_in_file,
    rows_to_keep,
)
from passport.workforce.models import ImportRun
from passport.workforce.signals import announce_import_writing, announce_import_written
from passport.workforce.tables import DEFAULT_CHUNK_SIZE

APPLYING = "applying"
IMPORTED = "imported"
REJECTED = "rejected"
FINISHED = (IMPORTED, REJECTED, "failed")

CHECKING_STAGE = "checking"
APPLYING_STAGE = "applying"
FINISHED_STAGE = "finished"


class ImportTakenOver(Exception):
    """Another worker committed this run's next chunk first (this one was thought dead and its job was
    queued again): this worker's chunk is rolled back, so no row is written twice."""


@dataclass
class ImportStep:
    stage: str  # checking, applying or finished
    done: int  # data rows checked, or written, so far
    total: int | None  # data rows in the file, once checked
    run: ImportRun | None  # None while the file is being checked
    report: ImportReport | None = None  # the check's full report (every rejected row), when just made


def run_of_job(session: Session, job_id: int) -> ImportRun | None:
    return session.scalar(select(ImportRun).where(ImportRun.job_id == job_id))


def import_steps(
    session: Session,
    *,
    kind: str,
    content: bytes,
    filename: str,
    actor: Actor,
    only_trust_id: int | None,
    trust_id: int | None,
    partial: bool,
    max_bytes: int,
    job_id: int | None = None,
    check_chunk_size: int = DEFAULT_CHUNK_SIZE,
    apply_chunk_size: int | None = None,
) -> Iterator[ImportStep]:
    """Import ``content``, yielding after each chunk checked (nothing written), once the check's outcome
    is recorded, after each chunk written, and at the end. Raises ``FileRejected`` for a file that cannot
    be read (then nothing is recorded)."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind}")
    run = run_of_job(session, job_id) if job_id is not None else None
    # The check's rows, written without parsing the file again; a resumed import reads the file again.
    parsed = None
    if run is None:
        parsed = rows_to_keep(kind)
        report: ImportReport | None = None
        for report in check_file(
            session,
            kind,
            content,
            filename=filename,
            actor=actor,
            only_trust_id=only_trust_id,
            partial=partial,
            max_bytes=max_bytes,
            chunk_size=check_chunk_size,
            keep=parsed,
        ):
            yield ImportStep(CHECKING_STAGE, report.rows_read, None, None)
        assert report is not None  # check_file yields at least once
        run = record_checked_run(
            session,
            report,
            job_id=job_id,
            sha256=hashlib.sha256(content).hexdigest(),
            actor=actor,
            trust_id=trust_id,
        )
        yield ImportStep(APPLYING_STAGE, 0, run.rows_read, run, report)
    if run.status == APPLYING:
        done = max(0, run.applied_through_row - 1)  # the header is row 1; near enough after a resume
        announce_import_writing(
            session,
            lambda: people_in_file(
                session, kind, content, filename=filename, max_bytes=max_bytes, parsed=parsed
            ),
            kind,
        )
        for chunk in apply_file(
            session,
            kind,
            content,
            filename=filename,
            actor=actor,
            only_trust_id=only_trust_id,
            max_bytes=max_bytes,
            skip_rows=(run.report or {}).get("skip_rows", ()),
            after_row=run.applied_through_row,
            chunk_size=apply_chunk_size,
            parsed=parsed,
        ):
            record_applied_chunk(session, run, chunk)
            done = min(done + chunk.rows_read, run.rows_read)
            yield ImportStep(APPLYING_STAGE, done, run.rows_read, run)
        # What the listeners carried across the chunks is settled in a transaction of its own, before
        # anything else is written in it (the job's progress is written when it commits): the metrics
        # count the file's people again before they write (passport.metrics.upkeep), and on SQLite a
        # transaction takes the one write lock at its first write, so no form waits meanwhile.
        announce_import_written(session)
        yield ImportStep(APPLYING_STAGE, done, run.rows_read, run)
        finish_applied_run(session, run, actor)
    yield ImportStep(FINISHED_STAGE, run.rows_read, run.rows_read, run)


def record_checked_run(
    session: Session,
    report: ImportReport,
    *,
    job_id: int | None,
    sha256: str,
    actor: Actor,
    trust_id: int | None,
) -> ImportRun:
    """Record a checked file's run: finished as rejected when nothing may be written, else waiting to
    be applied, with the rows the check rejected (passed over while applying)."""
    run = ImportRun(
        kind=report.kind,
        job_id=job_id,
        trust_id=trust_id,
        filename=report.filename[:255],
        sha256=sha256,
        status=APPLYING if report.written else REJECTED,
        rows_read=report.rows_read,
        added=0,
        updated=0,
        unchanged=0,
        rejected=report.rejected,
        applied_through_row=0,
        report=report.as_json(),
        created_by_id=getattr(actor, "id", None),
    )
    if report.written:
        run.report["staff_added"] = 0
        if report.row_errors:
            run.report["skip_rows"] = sorted(report.rejected_row_numbers)
    else:
        run.unchanged = report.unchanged
        run.report["would_have"] = {"added": report.added, "updated": report.updated}
        run.finished_at = utcnow()
    session.add(run)
    session.flush()
    if not report.written:
        _audit(session, run, actor)
    return run


def record_applied_chunk(session: Session, run: ImportRun, chunk: AppliedChunk) -> None:
    """Move the run's checkpoint past ``chunk`` and add its counts, in the chunk's own transaction. The
    checkpoint moves only from where this worker found it: when another worker moved it first, the
    chunk is refused (``ImportTakenOver``) and the caller rolls it back."""
    moved = session.execute(
        update(ImportRun)
        .where(ImportRun.id == run.id, ImportRun.applied_through_row == run.applied_through_row)
        .values(applied_through_row=chunk.through_row)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise ImportTakenOver(f"import {run.id} was taken over by another worker")
    run.applied_through_row = chunk.through_row
    run.added += chunk.added
    run.updated += chunk.updated
    run.unchanged += chunk.unchanged
    report = dict(run.report or {})
    report["staff_added"] = report.get("staff_added", 0) + chunk.staff_added
    if chunk.trust_ids:
        report["changed_trust_ids"] = sorted(set(report.get("changed_trust_ids", [])) | chunk.trust_ids)
    if chunk.row_errors:
        # Rows the check passed but writing refused: records changed by hand since the check.
        stored = list(report.get("rejected_rows", []))
        room = max(0, MAX_STORED_ROW_ERRORS - len(stored))
        stored.extend(
            {"row": e.row_number, "column": e.column, "message": e.message} for e in chunk.row_errors[:room]
        )
        report["rejected_rows"] = sorted(stored, key=lambda error: error["row"])
        truncated = room < len(chunk.row_errors)
        report["rejected_rows_truncated"] = bool(report.get("rejected_rows_truncated")) or truncated
        run.rejected += len({e.row_number for e in chunk.row_errors})
    run.report = report  # a new dict: the JSON column sees the change


def finish_applied_run(session: Session, run: ImportRun, actor: Actor) -> None:
    run.status = IMPORTED
    run.finished_at = utcnow()
    run.report = {key: value for key, value in (run.report or {}).items() if key != "skip_rows"}
    session.flush()
    _audit(session, run, actor)


def _audit(session: Session, run: ImportRun, actor: Actor) -> None:
    record_event(
        session,
        actor=actor,
        action=f"import.{run.kind}",
        record_type="import_run",
        record_id=run.id,
        trust_id=run.trust_id,
        details={
            "filename": run.filename,
            "sha256": run.sha256,
            **run.counts,
            "partial": bool((run.report or {}).get("partial")),
        },
    )
