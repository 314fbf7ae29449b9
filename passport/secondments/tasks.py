"""Secondments jobs: the kinds of background work this feature registers (passport.background.registry)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from passport.background.registry import periodic
from passport.secondments.outbox import send_outbox


@periodic("send-outbox", every_minutes=1)
def send_queued_emails(session: Session) -> str | None:
    """Send the email outbox. Any number of workers may run this at once: each email is claimed by one
    sender before it is sent (see ``passport.secondments.outbox``)."""
    report = send_outbox(session, current_app.config["PASSPORT_SMTP_URL"])
    if report.sent or report.failed or report.printed:
        return str(report)
    return None
