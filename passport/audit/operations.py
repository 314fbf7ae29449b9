"""Writing the audit log: the one helper every feature calls."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from passport.audit.models import AuditEvent

# Never written to the log, whatever a caller passes in details.
_SECRET_KEYS = {"password", "token", "secret", "private_key", "csrf_token"}


class AuditLogIsAppendOnly(RuntimeError):
    pass


def record_event(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    record_type: str | None = None,
    record_id: object | None = None,
    trust_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's commit makes it permanent with the change)."""
    ip_address = user_agent = None
    if has_request_context():
        ip_address = request.remote_addr
        user_agent = (request.user_agent.string or "")[:255] or None
    clean_details = {k: v for k, v in (details or {}).items() if k.lower() not in _SECRET_KEYS}
    event_row = AuditEvent(
        actor_user_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or (actor if isinstance(actor, str) else "anonymous"),
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        trust_id=trust_id,
        ip_address=ip_address,
        user_agent=user_agent,
        details=clean_details,
    )
    session.add(event_row)
    return event_row


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events are never changed or deleted")
