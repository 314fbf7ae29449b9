"""``flask --app wsgi passport secondments-tick`` (run daily) and ``send-outbox``.

Both are committed once by the command group (``passport.cli``), but ``send-outbox``: sending commits as
it goes, claim by claim and email by email, exactly as the outbox job does (it calls the same function).
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from passport.db import get_session
from passport.secondments.operations import activate_due_secondments
from passport.secondments.outbox import send_outbox


@click.command("secondments-tick")
@with_appcontext
@click.option("--today", "day", type=click.DateTime(["%Y-%m-%d"]), help="Run as if today were this date.")
def secondments_tick_command(day) -> None:  # type: ignore[no-untyped-def]
    """Start agreed secondments whose start date has come; complete those whose end date has passed.
    The emails this queues go with the outbox job within a minute (or run send-outbox)."""
    report = activate_due_secondments(get_session(), day.date() if day else date.today())
    click.echo(f"{len(report.started)} secondments started, {len(report.completed)} completed.")


@click.command("send-outbox")
@with_appcontext
def send_outbox_command() -> None:
    """Send queued emails over PASSPORT_SMTP_URL (without it, print them to the log). Safe beside the
    workers' outbox job: an email claimed by one sender is never sent by another."""
    click.echo(str(send_outbox(get_session(), current_app.config["PASSPORT_SMTP_URL"])))


commands = [secondments_tick_command, send_outbox_command]
