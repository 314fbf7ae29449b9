"""Sending the email outbox: claim a few unsent emails, send them, mark each sent.

``send_outbox`` is the one way emails leave: the ``send-outbox`` periodic job (every minute, on any
worker) and the ``send-outbox`` command both call it, and any number of them may run at once.

How two senders never send the same email: a sender first *claims* a small batch in a short transaction
of its own, committed before anything is sent: on PostgreSQL the batch is chosen with ``SELECT ... FOR
UPDATE SKIP LOCKED`` (a row another sender is claiming is skipped, not waited for), on SQLite under the
``email-outbox`` lock row (SQLite has one writer at a time). A claimed row carries ``claimed_by`` and
``claimed_at``; no other sender takes it while the claim is younger than ``CLAIM_TIMEOUT``. Before each
email the sender renews its claim (and stops if the claim is no longer its own), and right after the
mail server accepts it marks it sent and commits.

Delivery guarantee, honestly: **at least once**. A sender that dies after the mail server accepted an
email but before its mark was committed leaves a claim that is taken again after ``CLAIM_TIMEOUT``, and
that email goes a second time. Two live senders never both send one email (a sender that stalls for
longer than ``CLAIM_TIMEOUT`` between renewing its claim and sending counts as dead). An email that
fails ``MAX_ATTEMPTS`` times (each claim is an attempt, so a crash counts too) is left with its error.

``PASSPORT_SMTP_URL``: ``smtp://user:password@host:587?from=passport@example.org`` (``smtps://`` for TLS
from the start; port 587 uses STARTTLS). Without it (development) each email is printed to the log.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import exc as sa_exc
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from passport.db import utcnow
from passport.errors import InvalidInput
from passport.secondments.models import OutboxEmail

log = logging.getLogger("passport.outbox")
MAX_ATTEMPTS = 5
# Claimed together in one short transaction; small, so a slow mail server never holds many emails.
BATCH_SIZE = 10
# A claim this old belongs to a sender that died: longer than a batch can take while every SMTP call
# is limited to SMTP_TIMEOUT_SECONDS (and each email renews the claim first).
CLAIM_TIMEOUT = timedelta(minutes=15)
SMTP_TIMEOUT_SECONDS = 30
LOCK_NAME = "email-outbox"
# SQLite answers "database is locked" when another writer committed in between; a claim is retried.
CLAIM_TRIES = 5


def new_holder() -> str:
    """A name for this sender, unique across machines and processes (and runs of one process)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


# --- Claims: plain functions on a Session; the caller commits -----------------------------------------


def claim_batch(
    session: Session,
    holder: str,
    *,
    now: datetime | None = None,
    limit: int = BATCH_SIZE,
    skip: Collection[int] = (),
) -> list[int]:
    """Claim up to ``limit`` unsent emails (oldest first, but for the ids in ``skip``) for ``holder``,
    counting an attempt on each; answers their ids. Commit at once, before sending: the claim only
    protects once other senders can see it."""
    now = now or utcnow()
    claimable = (
        select(OutboxEmail.id)
        .where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.attempts < MAX_ATTEMPTS,
            or_(OutboxEmail.claimed_at.is_(None), OutboxEmail.claimed_at < now - CLAIM_TIMEOUT),
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    if skip:
        claimable = claimable.where(OutboxEmail.id.not_in(list(skip)))
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(claimable.with_for_update(skip_locked=True)))
    else:
        from passport.background.operations import exclusive

        with exclusive(session, LOCK_NAME, holder):
            ids = list(session.scalars(claimable))
    if ids:
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids))
            .values(claimed_at=now, claimed_by=holder, attempts=OutboxEmail.attempts + 1)
        )
    return ids


def renew_claim(session: Session, email_id: int, holder: str, *, now: datetime | None = None) -> bool:
    """Renew ``holder``'s claim on an unsent email; False when it is sent or held by another sender."""
    renewed = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.claimed_by == holder, OutboxEmail.sent_at.is_(None))
        .values(claimed_at=now or utcnow())
    ).rowcount
    return renewed == 1


def mark_sent(session: Session, email_id: int, holder: str) -> None:
    session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.claimed_by == holder)
        .values(sent_at=utcnow(), last_error=None, claimed_at=None, claimed_by=None)
    )


def release_failed(session: Session, email_ids: list[int], holder: str, error: str) -> None:
    """Give failed emails back (with the reason) for the next run to try again."""
    session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(email_ids), OutboxEmail.claimed_by == holder)
        .values(last_error=error[:500], claimed_at=None, claimed_by=None)
    )


# --- SMTP ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool  # TLS from the start (smtps)
    starttls: bool
    sender: str


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput("PASSPORT_SMTP_URL must look like smtp://user:password@host:587?from=a@b.org")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    tls = parts.scheme == "smtps"
    port = parts.port or (465 if tls else 587)
    starttls = query.get("starttls", "1" if port == 587 else "0") in ("1", "true", "yes")
    sender = query.get("from") or f"no-reply@{parts.hostname}"
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
        starttls=starttls and not tls,
        sender=sender,
    )


def _message(email: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message.set_content(email.body)
    return message


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
        if settings.starttls:
            client.starttls(context=context)
    if settings.username:
        client.login(settings.username, settings.password or "")
    return client


# --- The sender: commits as it goes, like a job ---------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    printed: int = 0

    def __str__(self) -> str:
        return f"Emails: {self.sent} sent, {self.printed} printed to the log, {self.failed} failed."


def send_outbox(
    session: Session,
    smtp_url: str | None,
    *,
    holder: str | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> DeliveryReport:
    """Claim and send queued emails, batch by batch, up to ``limit`` in this run (the rest wait for the
    next). Commits ``session`` as it goes (the claim, then each email's mark), so call it with nothing
    else pending in the session. ``now`` stands in for the clock when claims are compared (tests)."""
    holder = holder or new_holder()
    settings = parse_smtp_url(smtp_url) if smtp_url else None
    report = DeliveryReport()
    tried: list[int] = []  # a failed email waits for the next run, not the next batch of this one
    while len(tried) < limit:
        ids = _claim_committed(session, holder, now, min(BATCH_SIZE, limit - len(tried)), tried)
        if not ids:
            break
        tried.extend(ids)
        if settings is None:
            _print_batch(session, ids, holder, report)
        elif not _send_batch(session, ids, holder, settings, report, now):
            break  # the mail server is out of reach: the next run tries again
    return report


def _claim_committed(
    session: Session, holder: str, now: datetime | None, batch: int, skip: list[int]
) -> list[int]:
    for attempt in range(1, CLAIM_TRIES + 1):
        try:
            ids = claim_batch(session, holder, now=now, limit=batch, skip=skip)
            session.commit()
            return ids
        except sa_exc.OperationalError:
            session.rollback()
            if attempt == CLAIM_TRIES:
                raise
            time.sleep(0.05 * attempt)
    return []


def _emails(session: Session, ids: list[int]) -> list[OutboxEmail]:
    return list(
        session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.id.in_(ids))
            .order_by(OutboxEmail.id)
            .execution_options(populate_existing=True)
        )
    )


def _print_batch(session: Session, ids: list[int], holder: str, report: DeliveryReport) -> None:
    for email in _emails(session, ids):
        # Development has no mail server: the log is where a developer reads what would be sent.
        log.warning(
            "email not sent (no PASSPORT_SMTP_URL) to %s: %s\n%s", email.to_address, email.subject, email.body
        )
        mark_sent(session, email.id, holder)
        report.printed += 1
    session.commit()


def _send_batch(
    session: Session,
    ids: list[int],
    holder: str,
    settings: SmtpSettings,
    report: DeliveryReport,
    now: datetime | None,
) -> bool:
    """Send one claimed batch; False when the mail server could not be reached."""
    emails = _emails(session, ids)
    session.commit()  # end the read: no transaction stays open while the mail server is slow
    try:
        client = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        release_failed(session, ids, holder, f"could not reach the mail server: {error}")
        session.commit()
        report.failed += len(ids)
        return False
    with client:
        for email in emails:
            if not renew_claim(session, email.id, holder, now=now):
                session.commit()
                continue  # taken over after a stall: the other sender sends it
            session.commit()
            try:
                client.send_message(_message(email, settings.sender))
            except (OSError, smtplib.SMTPException) as error:
                release_failed(session, [email.id], holder, str(error))
                report.failed += 1
            else:
                mark_sent(session, email.id, holder)
                report.sent += 1
            session.commit()
    return True
