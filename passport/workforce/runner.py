"""The edge of an import, shared by the upload page, the API and the command line: it commits.

An import commits twice: once to record the run as ``running`` (so it can be followed while it works,
and so a crash still leaves a record), and once at the end with the data, the counts and the audit
event, all together. Progress (rows read so far) is published after every chunk: into this process's
memory, and on PostgreSQL also onto the run's row through a connection of its own, so any worker can
answer the progress poll. SQLite allows one writer at a time, so there the figure stays in memory and
is answered by the process doing the import (development runs one process).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from passport import progress
from passport.workforce.importing import (
    Actor,
    ImportReport,
    file_sha256,
    import_file,
    mark_failed,
    start_import_run,
)
from passport.workforce.models import ImportRun

# Work that follows an import that changed records, each step committed on its own (the metrics
# register counting the usual dashboards again). A failing step is logged: the import stands.
AFTER_IMPORT_STEPS: list[Callable[[Session], Any]] = []
log = logging.getLogger(__name__)


@dataclass
class ImportOutcome:
    run: ImportRun
    report: ImportReport


def progress_for(session: Session, progress_key: str, user_id: int | None) -> dict[str, Any] | None:
    """What is known of the import started with ``progress_key`` by this user, or None."""
    known = progress.read(progress_key, user_id)
    if known is not None:
        return known
    # Another worker may be running it: look for the run itself (a user's few latest runs).
    for run in session.scalars(
        select(ImportRun).where(ImportRun.created_by_id == user_id).order_by(ImportRun.id.desc()).limit(20)
    ):
        if (run.report or {}).get("progress_key") == progress_key:
            return {"run_id": run.id, "status": run.status, "rows_read": run.rows_read, "user_id": user_id}
    return None


def _publisher(run_id: int, progress_key: str | None):  # type: ignore[no-untyped-def]
    engine = current_app.extensions.get("passport_engine")
    shared = engine is not None and engine.dialect.name == "postgresql"

    def publish(rows_read: int) -> None:
        progress.publish(progress_key, rows_read=rows_read, status="running")
        if shared:
            with engine.connect() as connection:
                connection.execute(
                    update(ImportRun).where(ImportRun.id == run_id).values(rows_read=rows_read)
                )
                connection.commit()

    return publish


def run_import(
    session: Session,
    *,
    kind: str,
    stream: IO[bytes],
    filename: str,
    actor: Actor,
    only_trust_id: int | None,
    run_trust_id: int | None,
    partial: bool,
    max_bytes: int,
    progress_key: str | None = None,
) -> ImportOutcome:
    """Record the run, import the file, commit; on an unexpected error mark the run failed and re-raise."""
    sha256 = file_sha256(stream) if stream.seekable() else ""
    run = start_import_run(
        session,
        kind=kind,
        filename=filename,
        sha256=sha256,
        actor=actor,
        trust_id=run_trust_id,
        progress_key=progress_key,
    )
    session.commit()
    run_id = run.id
    progress.publish(
        progress_key, run_id=run_id, status="running", rows_read=0, user_id=getattr(actor, "id", None)
    )
    try:
        report = import_file(
            session,
            run,
            stream,
            actor=actor,
            only_trust_id=only_trust_id,
            partial=partial,
            progress=_publisher(run_id, progress_key),
            max_bytes=max_bytes,
        )
        session.commit()
    except Exception:
        session.rollback()
        mark_failed(session, run_id, "The import stopped on an unexpected error; nothing was imported.")
        session.commit()
        progress.publish(progress_key, status="failed")
        raise
    if run.added or run.updated:
        _after_import(session, progress_key)
    progress.publish(progress_key, status=run.status, rows_read=run.rows_read)
    return ImportOutcome(run, report)


def _after_import(session: Session, progress_key: str | None) -> None:
    if not current_app.config.get("PASSPORT_STEPS_AFTER_IMPORT", True):
        return
    progress.publish(progress_key, status="counting")
    for step in AFTER_IMPORT_STEPS:
        try:
            step(session)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("a step after an import failed; the import itself is kept")
