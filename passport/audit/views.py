"""The audit log page: admins see the partnership, HR their own trust."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.auth.policy import Action, ensure, filter_by_scope
from passport.db import get_session

blueprint = Blueprint("audit", __name__)
PAGE_SIZE = 50


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
        stmt = stmt.where(AuditEvent.action.startswith(action_filter))
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
    )
