"""Secondments in the JSON API: lists, proposals, every step of the three-party workflow, the to-do
list, notifications, and what HR of the host trust sees of a seconded nurse."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows, requires
from passport.db import get_session
from passport.errors import AccessDenied
from passport.secondments import notifications, operations, queries
from passport.secondments.models import Secondment
from passport.secondments.schemas import (
    ListQuerySchema,
    MarkedReadSchema,
    NotificationDumpSchema,
    SecondeeDumpSchema,
    SecondmentCreateSchema,
    SecondmentDumpSchema,
    SecondmentSummarySchema,
    StepSchema,
    TodoDumpSchema,
)
from passport.secondments.state import Step, waiting_on

blueprint = Blueprint(
    "secondments_api", __name__, description="Secondments between partner trusts: the three-party workflow"
)


def _user() -> UserAccount:
    return current_user._get_current_object()


def today() -> date:
    return date.today()


def _requires_any(*actions: Action):  # type: ignore[no-untyped-def]
    """Refuse, before the body is read, anyone the policy lets take none of ``actions`` anywhere."""

    def decorate(view):  # type: ignore[no-untyped-def]
        @functools.wraps(view)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            user = current_user._get_current_object() if current_user.is_authenticated else None
            if not any(allows(user, action) for action in actions):
                raise AccessDenied("You have no part in secondments.")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def step_json(row: Any) -> dict[str, Any]:
    return {
        "step": row.step,
        "label": Step(row.step).label,
        "party": row.party,
        "actor": row.actor_label,
        "at": row.at,
        "note": row.note,
        "status_after": row.status_after,
        "details": row.details or {},
    }


def secondment_json(secondment: Secondment, day: date) -> dict[str, Any]:
    from competencies.jobs.models import JobVersion

    version = get_session().get(JobVersion, secondment.job_version_id)
    snapshot = operations.snapshot_of(secondment)
    member = secondment.staff_member
    return {
        "id": secondment.id,
        "status": queries.shown_status(secondment, day).value,
        "recorded_status": secondment.status,
        "staff_member": {"id": member.id, "name": member.full_name, "email": member.email},
        "home_trust": secondment.home_trust.ods_code,
        "host_trust": secondment.host_trust.ods_code,
        "job": None
        if version is None
        else {"id": version.id, "title": version.title, "number": version.number},
        "start_date": secondment.start_date,
        "end_date": secondment.end_date,
        "ended_on": secondment.ended_on,
        "fte": secondment.fte,
        "hours_per_week": secondment.hours_per_week,
        "recharge_percent": secondment.recharge_percent,
        "reason": secondment.reason,
        "home_approved": secondment.home_approved,
        "nurse_consented": secondment.nurse_consented,
        "pending_end_date": secondment.pending_end_date,
        "extension_requested_by": secondment.extension_requested_by,
        "waiting_on": sorted(p.value for p in waiting_on(snapshot, day)),
        "fit_check": secondment.fit_check,
        "fit_override_reason": secondment.fit_override_reason,
        "host_assignment_number": secondment.assignment_number if secondment.host_assignment_id else None,
        "steps": [step_json(row) for row in secondment.steps],
    }


@blueprint.route("/secondments")
class Secondments(MethodView):
    decorators = [login_required]

    @blueprint.arguments(ListQuerySchema, location="query")
    @blueprint.response(200, SecondmentSummarySchema(many=True))
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """Secondments you may see: HR their trust's (incoming, outgoing), admins all, a nurse her own"""
        day = today()
        filters = queries.ListFilters(
            direction=query["direction"],
            status=query["status"],
            on_or_after=query["on_or_after"],
            on_or_before=query["on_or_before"],
        )
        rows = queries.list_secondments(
            get_session(), _user(), filters, today=day, limit=query["limit"], offset=query["offset"]
        )
        return [secondment_json(row, day) for row in rows]

    @requires(Action.PROPOSE_SECONDMENT)
    @blueprint.arguments(SecondmentCreateSchema)
    @blueprint.response(201, SecondmentDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Propose seconding a nurse of another trust into your trust (HR of the host trust)"""
        session, user = get_session(), _user()
        secondment = operations.propose(
            session,
            user,
            operations.Proposal(
                staff_member=operations.staff_by_email(session, payload["staff_email"]),
                job_version_id=payload["job_version_id"],
                start_date=payload["start_date"],
                end_date=payload["end_date"],
                fte=payload["fte"],
                hours_per_week=payload["hours_per_week"],
                recharge_percent=payload["recharge_percent"],
                reason=payload["reason"],
            ),
            today=today(),
        )
        return secondment_json(secondment, today())


@blueprint.route("/secondments/<int:secondment_id>")
class SecondmentById(MethodView):
    decorators = [login_required]

    @blueprint.response(200, SecondmentDumpSchema)
    def get(self, secondment_id: int):  # type: ignore[no-untyped-def]
        """One secondment with its timeline and the fit check recorded at approval"""
        return secondment_json(operations.get_secondment(get_session(), _user(), secondment_id), today())


@blueprint.route("/secondments/<int:secondment_id>/steps")
class SecondmentSteps(MethodView):
    decorators = [login_required]

    @_requires_any(Action.DECIDE_SECONDMENT, Action.CONSENT_TO_SECONDMENT)
    @blueprint.arguments(StepSchema)
    @blueprint.response(200, SecondmentDumpSchema)
    def post(self, payload: dict, secondment_id: int):  # type: ignore[no-untyped-def]
        """Take a step: approve or decline (home HR), consent or refuse (the nurse), extend, end early,
        complete or cancel (HR of either trust). A refused step answers 409 (or 403) and changes nothing."""
        session, user = get_session(), _user()
        secondment = operations.get_secondment(session, user, secondment_id)
        operations.take_step(
            session,
            user,
            secondment,
            Step(payload["step"]),
            operations.StepInput(
                note=payload["note"],
                new_end_date=payload["new_end_date"],
                ended_on=payload["ended_on"],
                override_reason=payload["override_reason"],
            ),
            today=today(),
        )
        return secondment_json(secondment, today())


@blueprint.route("/secondments/<int:secondment_id>/secondee")
class Secondee(MethodView):
    decorators = [login_required]

    @requires(Action.DECIDE_SECONDMENT)
    @blueprint.response(200, SecondeeDumpSchema)
    def get(self, secondment_id: int):  # type: ignore[no-untyped-def]
        """Her passport and assignment details, for HR of the host trust while the secondment is on"""
        session, user = get_session(), _user()
        secondment = operations.get_secondment(session, user, secondment_id)
        view = queries.secondee_view(session, user, secondment, today())
        member = secondment.staff_member
        return {
            "secondment_id": secondment.id,
            "staff_member": {"id": member.id, "name": member.full_name, "email": member.email},
            "credentials": [entry.credential for group in view.groups for entry in group.entries],
            "host_assignment": view.host_assignment,
            "home_assignment": view.home_assignment,
        }


@blueprint.route("/secondments/todo")
class Todo(MethodView):
    decorators = [login_required]

    @blueprint.response(200, TodoDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Secondments waiting on you, as host HR, home HR or the nurse"""
        return [
            {
                "secondment_id": item.secondment.id,
                "party": item.party.value,
                "what": item.what,
                "staff_name": item.secondment.staff_member.full_name,
                "home_trust": item.secondment.home_trust.ods_code,
                "host_trust": item.secondment.host_trust.ods_code,
            }
            for item in queries.todo_for(get_session(), _user(), today())
        ]


@blueprint.route("/notifications")
class Notifications(MethodView):
    decorators = [login_required]

    @blueprint.response(200, NotificationDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Your in-app notifications, newest first"""
        return notifications.notifications_for(get_session(), _user())


@blueprint.route("/notifications/read")
class NotificationsRead(MethodView):
    decorators = [login_required]

    @blueprint.response(200, MarkedReadSchema)
    def post(self):  # type: ignore[no-untyped-def]
        """Mark all your notifications as read"""
        return {"marked_read": notifications.mark_all_read(get_session(), _user())}
