"""The retention schedule's daily job: anonymise or delete what has passed its date (issue 17)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy.orm import Session

from passport.background.registry import periodic
from passport.record_keeping.operations import apply_retention
from passport.record_keeping.schedule import RetentionSchedule


def schedule_in_force() -> RetentionSchedule:
    """The periods the service was started with (PASSPORT_RETENTION_*)."""
    return current_app.config.get("PASSPORT_RETENTION_SCHEDULE") or RetentionSchedule()


@periodic("apply-retention-schedule", every_minutes=24 * 60)
def apply_retention_schedule(session: Session) -> str | None:
    report = apply_retention(session, schedule_in_force(), date.today(), actor="system")
    if not report.anything_gone:
        return None
    return "; ".join(f"{count} {words}" for words, count in report.gone_lines() if count)
