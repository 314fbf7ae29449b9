"""Operator commands for job descriptions: ``flask --app wsgi passport list-jobs`` and ``fit-check``."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from competencies.jobs import demo as _demo  # noqa: F401  (registers the demo job descriptions)
from competencies.jobs import facts, operations
from competencies.jobs.fit_check import DEFAULT_EXPIRING_DAYS
from competencies.jobs.models import JobStatus
from passport.cli import _fail
from passport.db import get_session
from passport.errors import DomainError
from passport.trusts.models import StaffMember


@click.command("list-jobs")
@with_appcontext
def list_jobs_command() -> None:
    """Print every job description version as JSON: id, title, band, status, the trusts that adopted it."""
    versions = operations.list_versions(get_session(), set(JobStatus))
    click.echo(
        json.dumps(
            [
                {
                    "id": v.id,
                    "title": v.title,
                    "band": v.afc_band,
                    "version": v.number,
                    "status": v.status,
                    "joint": v.is_joint,
                    "adopted_by": [trust.ods_code for trust in v.adopted_by],
                }
                for v in versions
            ],
            indent=2,
        )
    )


@click.command("fit-check")
@with_appcontext
@click.option("--email", required=True, help="The nurse's email address on the staff record.")
@click.option("--job", "job_version_id", required=True, type=int, help="The job description version id.")
@click.option(
    "--expiring-days",
    default=DEFAULT_EXPIRING_DAYS,
    show_default=True,
    type=click.IntRange(0, 365),
    help="A credential lapsing within this many days counts as expiring.",
)
def fit_check_command(email: str, job_version_id: int, expiring_days: int) -> None:
    """Check a nurse's passport against a job description version; prints JSON with its verdict."""
    from passport.audit.operations import record_event

    session = get_session()
    try:
        version = operations.get_version(session, job_version_id)
        member = session.scalar(select(StaffMember).where(StaffMember.email == email.strip().lower()))
        if member is None:
            _fail(f"There is no staff record for {email.strip()}.")
        result = facts.fit_check(session, member, version, expiring_within_days=expiring_days)
    except DomainError as error:
        _fail(error.message)
    record_event(
        session,
        actor="cli",
        action="job.fit_checked",
        record_type="staff_member",
        record_id=member.id,
        trust_id=member.trust_id,
        details={"job_version": version.id, "verdict": result.verdict},
    )
    click.echo(json.dumps(facts.fit_report(member, version, result), indent=2))


commands = [list_jobs_command, fit_check_command]
