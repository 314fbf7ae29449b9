"""What each party hears: in-app notifications and an email outbox.

Emails are queued in the same transaction as the step that causes them, so a refused step queues
nothing. ``deliver_outbox`` sends what is queued: over SMTP when ``PASSPORT_SMTP_URL`` is set
(``smtp://user:password@host:587?from=passport@example.org``, ``smtps://`` for TLS from the start; port
587 uses STARTTLS), otherwise it prints each email to the log, as development wants.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from passport.auth.models import Role, UserAccount, UserRole
from passport.db import utcnow
from passport.errors import InvalidInput
from passport.secondments.models import Notification, OutboxEmail, Secondment

log = logging.getLogger("passport.outbox")
MAX_ATTEMPTS = 5


def hr_of(session: Session, trust_id: int) -> list[UserAccount]:
    """Active HR accounts of a trust: who hears about the trust's side of a secondment."""
    return list(
        session.scalars(
            select(UserAccount)
            .join(UserRole, UserRole.user_id == UserAccount.id)
            .where(UserAccount.trust_id == trust_id, UserAccount.active.is_(True), UserRole.role == Role.HR)
            .order_by(UserAccount.id)
        )
    )


def nurse_accounts(session: Session, staff_member_id: int) -> list[UserAccount]:
    return list(
        session.scalars(
            select(UserAccount).where(
                UserAccount.staff_member_id == staff_member_id, UserAccount.active.is_(True)
            )
        )
    )


def secondment_url(secondment: Secondment) -> str:
    from passport.credentials.did import public_url

    return f"{public_url()}/secondments/{secondment.id}"


def notify(
    session: Session,
    recipients: Iterable[UserAccount],
    secondment: Secondment,
    message: str,
    *,
    skip: object = None,
) -> int:
    """One notification and one queued email per recipient (never the person who acted)."""
    count = 0
    seen: set[int] = set()
    for user in recipients:
        if user.id in seen or user is skip:
            continue
        seen.add(user.id)
        session.add(Notification(user_id=user.id, secondment_id=secondment.id, message=message[:500]))
        session.add(
            OutboxEmail(
                to_address=user.email,
                subject=f"Secondment {secondment.id}: {message}"[:200],
                body=(
                    f"Hello {user.display_name},\n\n{message}\n\n"
                    f"See the secondment: {secondment_url(secondment)}\n\n-- Staff Passport\n"
                ),
            )
        )
        count += 1
    return count


def notifications_for(session: Session, user: UserAccount, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: UserAccount) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(session: Session, user: UserAccount) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


# --- Sending ------------------------------------------------------------------------------------------


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
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=30, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=30)
        if settings.starttls:
            client.starttls(context=context)
    if settings.username:
        client.login(settings.username, settings.password or "")
    return client


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    printed: int


def deliver_outbox(session: Session, smtp_url: str | None, *, limit: int = 200) -> DeliveryReport:
    """Send queued emails (oldest first); a failure is kept for the next run, up to MAX_ATTEMPTS."""
    queued = list(
        session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
    )
    if not queued:
        return DeliveryReport(0, 0, 0)
    if not smtp_url:
        for email in queued:
            # Development has no mail server: the log is where a developer reads what would be sent.
            log.warning(
                "email not sent (no PASSPORT_SMTP_URL) to %s: %s\n%s",
                email.to_address,
                email.subject,
                email.body,
            )
            email.sent_at = utcnow()
            email.attempts += 1
        return DeliveryReport(0, 0, len(queued))
    settings = parse_smtp_url(smtp_url)
    sent = failed = 0
    try:
        client = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        for email in queued:
            email.attempts += 1
            email.last_error = f"could not reach the mail server: {error}"[:500]
        return DeliveryReport(0, len(queued), 0)
    with client:
        for email in queued:
            email.attempts += 1
            try:
                client.send_message(_message(email, settings.sender))
            except smtplib.SMTPException as error:
                email.last_error = str(error)[:500]
                failed += 1
            else:
                email.sent_at = utcnow()
                email.last_error = None
                sent += 1
    return DeliveryReport(sent, failed, 0)
