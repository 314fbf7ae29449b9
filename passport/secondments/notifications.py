"""What each party hears: in-app notifications and an email outbox.

Emails are queued in the same transaction as the step that causes them, so a refused step queues
nothing. The outbox job sends what is queued (``passport.secondments.outbox``): over SMTP when
``PASSPORT_SMTP_URL`` is set, otherwise it prints each email to the log, as development wants.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from passport.auth.models import Role, UserAccount, UserRole
from passport.db import utcnow
from passport.secondments.models import Notification, OutboxEmail, Secondment


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
