"""``flask --app wsgi passport worker``: a worker that takes jobs from the queue; ``sweep-jobs``."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import click
from flask import current_app

from passport.background.operations import sweep_stale_jobs
from passport.background.queue import huey_for
from passport.db import get_session


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs this worker runs at once.")
@click.option(
    "--no-periodic", is_flag=True, help="Leave the periodic work (sweeper, expiry) to other workers."
)
@click.option(
    "--nice",
    "niceness",
    default=0,
    show_default=True,
    help="Lower this worker's CPU priority by this much (make serve-prod uses 10), so that on a machine "
    "it shares with the web server, people's page views go first.",
)
def worker_command(threads: int, no_periodic: bool, niceness: int) -> None:
    """Take jobs from the queue (PASSPORT_QUEUE_URL) and run them until stopped (SIGINT: finish first)."""
    huey = huey_for(current_app)
    if huey.immediate:
        raise click.ClickException("PASSPORT_QUEUE_URL is 'immediate': jobs run where they start.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Jobs this worker was running when it last died are stale now: look at once, not in a minute.
    # Committed here, not when the command ends: a worker's command ends only when it is stopped.
    _sweep(app)
    session = get_session()
    session.commit()
    session.close()
    if niceness > 0:
        os.nice(niceness)
    # A queue polled (SQLite's; Redis blocks on its list instead) is looked at least once a second, so a
    # job started after a quiet spell is not left waiting for huey's default backoff of up to 10 s.
    consumer = huey.create_consumer(
        workers=threads, worker_type="thread", periodic=not no_periodic, max_delay=1.0
    )
    consumer.run()


def _sweep(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    session = get_session()
    counts = sweep_stale_jobs(session, timedelta(seconds=app.config["PASSPORT_JOB_STALE_SECONDS"]))
    return counts


@click.command("sweep-jobs")
def sweep_jobs_command() -> None:
    """Queue again the jobs whose worker stopped beating (the workers do this every minute)."""
    counts = _sweep(current_app)
    click.echo(f"{counts['requeued']} stale jobs queued again, {counts['failed']} failed.")


commands = [worker_command, sweep_jobs_command]
