"""``flask --app wsgi passport export-passport --email EMAIL --out FILE``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from passport.db import get_session


@click.command("export-passport")
@with_appcontext
@click.option("--email", required=True, help="The staff member's email address.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_passport_command(email: str, out: Path) -> None:
    """Write a Verifiable Presentation (JSON) of her current credentials to FILE."""
    from passport.audit.operations import record_event
    from passport.credentials.operations import find_staff_by_email
    from passport.errors import DomainError
    from passport.passports.operations import current_presentation

    session = get_session()
    try:
        member = find_staff_by_email(session, email)
    except DomainError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    body = current_presentation(session, member)
    try:
        out.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        click.echo(f"Error: cannot write {out}: {error.strerror or error}", err=True)
        sys.exit(1)
    record_event(
        session,
        actor="cli",
        action="passport.exported",
        record_type="staff_member",
        record_id=member.id,
        trust_id=member.trust_id,
        details={"credentials": len(body["verifiableCredential"])},
    )
    click.echo(f"Wrote {len(body['verifiableCredential'])} credential(s) of {member.email} to {out}.")


commands = [export_passport_command]
