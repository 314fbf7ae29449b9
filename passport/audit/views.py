"""The audit log page: admins see the partnership, HR their own trust."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, func, or_, select

from passport.audit import links, words
from passport.audit.models import AuditEvent
from passport.auth.policy import Action, ensure, filter_by_scope
from passport.db import get_session

blueprint = Blueprint("audit", __name__)
PAGE_SIZE = 50


def action_condition(value: str) -> ColumnElement[bool]:
    """Which events the filter keeps: one action, every action of a topic, or (typed into the address by
    support staff) every action whose code starts with the text."""
    if value in words.ACTION_WORDS:
        return AuditEvent.action == value
    topic = words.topic_of_filter(value)
    if topic is not None:
        return or_(*(AuditEvent.action.startswith(prefix, autoescape=True) for prefix in topic.prefixes))
    return AuditEvent.action.startswith(value, autoescape=True)


@blueprint.get("/audit")
@login_required
def audit_log():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.VIEW_AUDIT_LOG)
    page = request.args.get("page", 1, type=int) or 1
    page = max(page, 1)
    action_filter = (request.args.get("action") or "").strip()[:64]
    stmt = filter_by_scope(user, Action.VIEW_AUDIT_LOG, select(AuditEvent), AuditEvent.trust_id)
    if action_filter:
        stmt = stmt.where(action_condition(action_filter))
    session = get_session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    events = list(
        session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    )
    return render_template(
        "audit/log.html",
        events=events,
        page=page,
        total=total,
        page_size=PAGE_SIZE,
        action_filter=action_filter,
        filter_words=words.filter_words(action_filter) if action_filter else "",
        typed_filter=bool(action_filter) and not words.is_offered_filter(action_filter),
        topics=words.TOPICS,
        topic_filter_prefix=words.TOPIC_FILTER_PREFIX,
        action_words=words.action_words,
        record_words=words.record_words,
        record_links=links.record_links(session, user, events),
        actor_words=words.actor_words,
    )
