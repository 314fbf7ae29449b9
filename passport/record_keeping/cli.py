"""``flask --app wsgi passport retention [--dry-run] [--today YYYY-MM-DD]``: the retention schedule, and
what it lets go of today (issue 17)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from passport.db import get_session
from passport.formatting import uk_date
from passport.record_keeping.operations import RetentionReport, apply_retention, plan_retention
from passport.record_keeping.schedule import schedule_rows
from passport.record_keeping.tasks import schedule_in_force


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: give it as YYYY-MM-DD, such as 2026-05-01."
        ) from None


def _print_report(report: RetentionReport) -> None:
    verb = "Would go" if report.dry_run else "Went"
    click.echo(f"\n{verb} on {uk_date(report.today)}:")
    for words, count in report.gone_lines():
        click.echo(f"  {count:>6}  {words}")
    click.echo("Kept, and why:")
    for words, count in report.kept_lines():
        click.echo(f"  {count:>6}  {words}")


@click.command("retention")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Say what would go, by kind and count; change nothing.")
@click.option("--today", callback=_day, metavar="YYYY-MM-DD", help="Count as if it were this day.")
def retention_command(dry_run: bool, today: date | None) -> None:
    """Show the retention schedule, then anonymise or delete what has passed its date (or, with
    --dry-run, say what would go)."""
    schedule, session = schedule_in_force(), get_session()
    click.echo("Retention schedule:")
    for row in schedule_rows(schedule):
        click.echo(f"  {row.what}: {row.period}.")
    day = today or date.today()
    if dry_run:
        _print_report(plan_retention(session, schedule, day))
        session.rollback()  # a plan only reads; nothing of it is kept
        click.echo("\nDry run: nothing was changed.")
        return
    # Committed by the command group (passport.cli) when this returns.
    _print_report(apply_retention(session, schedule, day, actor="cli"))


commands = [retention_command]
