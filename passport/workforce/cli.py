"""``flask --app wsgi passport import-esr assignments|absences FILE``: import an ESR-style extract.

It runs the same background job as an upload, here and now (``run_inline``), and prints its report.
Exit status: 0 imported (with --partial, also when some rows were rejected), 1 rows rejected and so
nothing imported, 2 the file could not be read (or is not allowed), or the job failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from passport.background.models import SUCCEEDED
from passport.background.runner import run_inline
from passport.db import get_session
from passport.errors import DomainError
from passport.workforce.importing import KINDS
from passport.workforce.models import ImportRun
from passport.workforce.uploads import start_import_job

DEFAULT_MAX_MB = 256


def print_run(run: ImportRun) -> None:
    report = run.report or {}
    click.echo(
        f"{run.kind} from {run.filename}: {run.rows_read} rows read, {run.added} added, "
        f"{run.updated} updated, {run.unchanged} unchanged, {run.rejected} rejected ({run.status})"
    )
    if report.get("staff_added"):
        click.echo(f"{report['staff_added']} new staff records")
    for error in report.get("rejected_rows", []):
        click.echo(f"Row {error['row']}, {error['column']}: {error['message']}", err=True)
    if report.get("rejected_rows_truncated"):
        click.echo("Only the first rejected rows are listed.", err=True)
    if run.status == "rejected":
        would_have = report.get("would_have") or {}
        good = would_have.get("added", 0) + would_have.get("updated", 0)
        hint = f", or run again with --partial to make the other {good} changes" if good else ""
        click.echo(f"Nothing was imported: correct the rejected rows{hint}.", err=True)


@click.command("import-esr")
@with_appcontext
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partial", is_flag=True, help="Import the good rows even when some rows are rejected.")
@click.option("--as-trust", "ods_code", help="Import only rows of this trust (ODS code), as its HR would.")
@click.option("--max-mb", default=DEFAULT_MAX_MB, show_default=True, help="Refuse files larger than this.")
def import_esr_command(kind: str, file: Path, partial: bool, ods_code: str | None, max_mb: int) -> None:
    """Import an ESR-style assignments or absences extract (CSV or XLSX)."""
    from passport.trusts.operations import get_trust

    session = get_session()
    try:
        trust_id = get_trust(session, ods_code).id if ods_code else None
    except DomainError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(2)
    max_bytes = max_mb * 1024 * 1024
    if file.stat().st_size > max_bytes:
        click.echo(f"File refused: {file.name} is larger than the {max_mb} MB limit", err=True)
        sys.exit(2)
    job = start_import_job(
        session,
        kind=kind,
        filename=file.name,
        content=file.read_bytes(),
        only_trust_id=trust_id,
        run_trust_id=trust_id,
        partial=partial,
        max_bytes=max_bytes,
        created_by_id=None,
        once_per_file=False,  # an operator who runs it again means it
        queue=False,
    )
    job = run_inline(session, job)
    if job.status != SUCCEEDED:
        click.echo(f"The import did not finish: {job.error}", err=True)
        sys.exit(2)
    run = session.get(ImportRun, job.result["run_id"], populate_existing=True)
    assert run is not None
    print_run(run)
    click.echo(f"Import run {run.id} (background job {job.id}).")
    if run.status != "imported":
        sys.exit(1)


commands = [import_esr_command]
