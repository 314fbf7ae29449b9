"""Operator commands: ``flask --app wsgi passport metrics ...`` and ``import-published-sickness``."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from passport.background.models import SUCCEEDED
from passport.background.runner import run_inline
from passport.db import get_session
from passport.errors import DomainError, InvalidInput
from passport.metrics import demo as _demo  # noqa: F401  (adds the 24-month history to seed-demo)
from passport.metrics import operations
from passport.metrics.benchmark import import_published_sickness
from passport.metrics.queries import Period
from passport.metrics.refresh import request_refresh, start_refresh
from passport.metrics.snapshots import default_period, keep_dashboards_for
from passport.trusts.models import Trust
from passport.trusts.operations import find_trust


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def rows_as_csv(rows: list[dict]) -> str:
    """CSV with the rows' own keys as the header (empty cells for suppressed or missing figures)."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


@click.command("metrics")
@with_appcontext
@click.argument("metric", type=click.Choice(operations.METRICS))
@click.option("--trust", "trust", metavar="ODS", help="One trust's figures (trust level).")
@click.option("--partnership", is_flag=True, help="The partnership's figures (partnership level).")
@click.option("--from", "from_month", required=True, metavar="YYYY-MM", help="First month of the period.")
@click.option("--to", "to_month", required=True, metavar="YYYY-MM", help="Last month of the period.")
@click.option(
    "--by", "by", default="", metavar="KEYS", help="Breakdown: any of month,trust,staff_group,band."
)
@click.option(
    "--window", type=click.Choice(operations.WINDOWS), help="With --by month: one month or rolling 12."
)
@click.option("--staff-group", "staff_groups", multiple=True, help="Only this staff group code (repeatable).")
@click.option("--band", "bands", multiple=True, help="Only this Agenda for Change band (repeatable).")
@click.option("--directorate", metavar="NAME", help="Only this directorate of the trust.")
@click.option("--ward", metavar="NAME", help="Only this ward or department of the trust.")
@click.option("--cost-centre", metavar="CODE", help="Only this cost centre of the trust.")
@click.option("--format", "output", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--show-small-cells", is_flag=True, help="Do not suppress cells of 330 FTE days or fewer.")
def metrics_command(
    metric: str,
    trust: str | None,
    partnership: bool,
    from_month: str,
    to_month: str,
    by: str,
    window: str | None,
    staff_groups: tuple[str, ...],
    bands: tuple[str, ...],
    directorate: str | None,
    ward: str | None,
    cost_centre: str | None,
    output: str,
    show_small_cells: bool,
) -> None:
    """Sickness, leaver or stability figures for a trust or the partnership, as JSON or CSV."""
    session = get_session()
    try:
        query = operations.build_query(
            session,
            metric=metric,
            trust=trust,
            partnership=partnership,
            from_month=from_month,
            to_month=to_month,
            by=by,
            window=window,
            staff_groups=staff_groups,
            bands=bands,
            directorate=directorate,
            ward=ward,
            cost_centre=cost_centre,
        )
        operations.refuse_period_past_records(session, query.trust, query.first_month, "from")
        rows = operations.metric_rows(session, query, suppress=not show_small_cells)
    except DomainError as error:
        _fail(error.message)
    click.echo(json.dumps(rows, indent=2) if output == "json" else rows_as_csv(rows), nl=output == "json")


@click.command("import-published-sickness")
@with_appcontext
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_published_command(files: tuple[Path, ...]) -> None:
    """Import NHS England's published monthly sickness absence files (CSV or XLSX); re-import is harmless."""
    session = get_session()
    handles = [path.open("rb") for path in files]
    try:
        summary = import_published_sickness(
            session, [(path.name, handle) for path, handle in zip(files, handles, strict=True)], actor="cli"
        )
    except DomainError as error:
        _fail(error.message)  # the command group rolls back
    finally:
        for handle in handles:
            handle.close()
    # The dashboards show the published figures beside the trusts' own: count them again.
    request_refresh(session, reason="published figures imported")
    click.echo(
        f"Imported {summary.rows} rows from {len(files)} file(s) for {', '.join(summary.months)}: "
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged."
    )


@click.command("refresh-dashboards")
@with_appcontext
@click.option(
    "--queue", "queue", is_flag=True, help="Leave it to a worker (a refresh job) instead of counting here."
)
@click.option(
    "--all",
    "recount",
    is_flag=True,
    help="Count the roll-ups again from every record too, even when the changes kept them current "
    "(after a migration, or to check them).",
)
@click.option(
    "--trust", "trust", metavar="ODS", help="Also count and keep this trust's dashboard over --from/--to."
)
@click.option("--from", "from_month", metavar="YYYY-MM", help="With --trust: first month (else the usual).")
@click.option("--to", "to_month", metavar="YYYY-MM", help="With --trust: last month (else the usual).")
def refresh_dashboards_command(
    queue: bool, recount: bool, trust: str | None, from_month: str | None, to_month: str | None
) -> None:
    """Count the usual dashboards now, and the roll-ups where they are not current (changes of the
    records keep them current, and start a refresh job of their own for the dashboards). With --trust,
    that trust's dashboard over a chosen period is counted and kept too (ahead of a board meeting, say),
    until the next refresh replaces the kept dashboards."""
    session = get_session()
    try:
        extra = _extra_dashboard(session, trust, from_month, to_month, queue)
    except DomainError as error:
        _fail(error.message)
    if queue:
        job = request_refresh(session, reason="asked for by an operator", force=True, recount=recount)
        click.echo(f"Refresh job {job.id} queued.")
        return
    started = time.perf_counter()
    # The same job as a worker runs, run here and now (committing as it goes, as in a worker: on SQLite
    # it holds the database's write lock only to replace rows, so the web keeps working meanwhile).
    job = run_inline(
        session,
        start_refresh(session, reason="asked for by an operator", force=True, recount=recount, queue=False),
    )
    if job.status != SUCCEEDED:
        _fail(f"The refresh did not finish: {job.error}")
    kept = job.result["dashboards"]
    if extra is not None:
        found, period = extra
        kept += keep_dashboards_for(session, found, period)
        session.commit()
    seconds = time.perf_counter() - started
    click.echo(f"Counted and kept {kept} dashboards in {seconds:.1f} s.")


def _extra_dashboard(
    session: Session, trust: str | None, from_month: str | None, to_month: str | None, queue: bool
) -> tuple[Trust, Period] | None:
    """The trust and period of the dashboard asked for besides the usual ones, checked before anything
    is counted: an unknown trust, a period past the records or the wrong way round are refused."""
    if trust is None:
        if from_month or to_month:
            raise InvalidInput("--from and --to choose the period of --trust's dashboard: give --trust too.")
        return None
    if queue:
        raise InvalidInput("A trust's dashboard over a chosen period is counted here: leave out --queue.")
    found = find_trust(session, trust)
    if found is None:
        raise InvalidInput(f"There is no trust {trust.strip().upper()!r} in the partnership.", field="trust")
    usual = default_period(session, found, [found.id])
    first = operations.parse_month(from_month, "from") if from_month else usual.first_month
    last = operations.parse_month(to_month, "to") if to_month else usual.last_month
    operations.refuse_period_past_records(session, found, first, "from")
    if last < first:
        raise InvalidInput(f"The period ends ({to_month or 'usually'}) before it starts.", field="to")
    return found, Period(first, last)


commands = [metrics_command, import_published_command, refresh_dashboards_command]
