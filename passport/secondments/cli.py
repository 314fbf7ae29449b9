"""``flask --app wsgi passport secondments-tick`` (run daily) and ``send-outbox``."""

from __future__ import annotations

import os
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from passport.db import get_session
from passport.secondments.notifications import deliver_outbox
from passport.secondments.operations import activate_due_secondments


def smtp_url() -> str | None:
    return current_app.config.get("PASSPORT_SMTP_URL") or os.environ.get("PASSPORT_SMTP_URL") or None


@click.command("secondments-tick")
@with_appcontext
@click.option("--today", "day", type=click.DateTime(["%Y-%m-%d"]), help="Run as if today were this date.")
def secondments_tick_command(day) -> None:  # type: ignore[no-untyped-def]
    """Start agreed secondments whose start date has come; complete those whose end date has passed;
    then send the emails that queued."""
    session = get_session()
    report = activate_due_secondments(session, day.date() if day else date.today())
    session.commit()
    click.echo(f"{len(report.started)} secondments started, {len(report.completed)} completed.")
    delivered = deliver_outbox(session, smtp_url())
    session.commit()
    click.echo(
        f"Emails: {delivered.sent} sent, {delivered.printed} printed to the log, {delivered.failed} failed."
    )


@click.command("send-outbox")
@with_appcontext
def send_outbox_command() -> None:
    """Send queued emails over PASSPORT_SMTP_URL (without it, print them to the log)."""
    session = get_session()
    delivered = deliver_outbox(session, smtp_url())
    session.commit()
    click.echo(
        f"Emails: {delivered.sent} sent, {delivered.printed} printed to the log, {delivered.failed} failed."
    )


commands = [secondments_tick_command, send_outbox_command]
