"""``flask --app wsgi passport import-esr assignments|absences FILE``: import an ESR-style extract.

Exit status: 0 imported (with --partial, also when some rows were rejected), 1 rows rejected and so
nothing imported, 2 the file could not be read (or is not allowed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from passport.db import get_session
from passport.errors import DomainError
from passport.workforce.importing import KINDS, ImportReport
from passport.workforce.runner import run_import

DEFAULT_MAX_MB = 256


def print_report(report: ImportReport, status: str) -> None:
    click.echo(
        f"{report.kind} from {report.filename}: {report.rows_read} rows read, "
        f"{report.added if report.written else 0} added, {report.updated if report.written else 0} updated, "
        f"{report.unchanged} unchanged, {report.rejected} rejected ({status})"
    )
    if report.staff_added and report.written:
        click.echo(f"{report.staff_added} new staff records")
    for message in report.file_errors:
        click.echo(f"File refused: {message}", err=True)
    for error in report.row_errors:
        click.echo(f"Row {error.row_number}, {error.column}: {error.message}", err=True)
    if not report.written and not report.file_errors:
        good = report.added + report.updated
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
    with file.open("rb") as stream:
        outcome = run_import(
            session,
            kind=kind,
            stream=stream,
            filename=file.name,
            actor="cli",
            only_trust_id=trust_id,
            run_trust_id=trust_id,
            partial=partial,
            max_bytes=max_mb * 1024 * 1024,
        )
    report = outcome.report
    print_report(report, outcome.run.status)
    click.echo(f"Import run {outcome.run.id}.")
    if report.file_errors:
        sys.exit(2)
    if not report.written:
        sys.exit(1)


commands = [import_esr_command]
