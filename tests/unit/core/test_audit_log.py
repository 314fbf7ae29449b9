import pytest
from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.audit.operations import AuditLogIsAppendOnly, record_event
from tests.support.factories import UserFactory


def test_events_record_who_what_and_which_trust(session):
    user = UserFactory()
    event = record_event(
        session,
        actor=user,
        action="thing.done",
        record_type="thing",
        record_id=7,
        trust_id=user.trust_id,
        details={"colour": "blue"},
    )
    session.flush()
    stored = session.get(AuditEvent, event.id)
    assert (stored.actor_user_id, stored.actor_label, stored.action, stored.record_id, stored.trust_id) == (
        user.id,
        user.email,
        "thing.done",
        "7",
        user.trust_id,
    )
    assert stored.occurred_at.tzinfo is not None


def test_secrets_never_reach_the_log(session):
    event = record_event(
        session,
        actor="cli",
        action="x",
        details={"password": "hunter22hunter22", "Token": "sp_abc", "name": "ok"},
    )
    session.flush()
    assert event.details == {"name": "ok"}


def test_events_cannot_be_changed(session):
    event = record_event(session, actor="cli", action="original")
    session.flush()
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()


def test_events_cannot_be_deleted(session):
    event = record_event(session, actor="cli", action="original")
    session.flush()
    session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "original")) is None
