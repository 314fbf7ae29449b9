"""``flask --app wsgi passport export-subject-data --email EMAIL --out FILE``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from passport.audit.operations import record_event
from passport.db import get_session
from passport.errors import DomainError
from passport.subject_access.operations import find_subject, subject_data


@click.command("export-subject-data")
@with_appcontext
@click.option("--email", required=True, help="The person's email address (staff record or account).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_subject_data_command(email: str, out: Path) -> None:
    """Write everything the service holds about a person to FILE (JSON), for a subject access request."""
    session = get_session()
    try:
        subject = find_subject(session, email)
    except DomainError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    body = subject_data(session, subject)
    try:
        out.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        click.echo(f"Error: cannot write {out}: {error.strerror or error}", err=True)
        sys.exit(1)
    rows = sum(len(section["rows"]) for section in body["sections"])
    # On each staff record's trail, or the account's when there is no staff record.
    for staff_id in subject.staff_ids:
        record_event(
            session, actor="cli", action="subject_data.exported", record_type="staff_member",
            record_id=staff_id, details={"rows": rows},
        )  # fmt: skip
    if not subject.staff_ids:
        record_event(
            session, actor="cli", action="subject_data.exported", record_type="user_account",
            record_id=subject.user_ids[0], details={"rows": rows},
        )  # fmt: skip
    click.echo(f"Wrote {rows} record(s) about {subject.email} in {len(body['sections'])} sections to {out}.")


commands = [export_subject_data_command]
