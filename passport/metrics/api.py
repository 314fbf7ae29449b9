"""The metrics in the JSON API: /api/v1/metrics/sickness|leavers|stability, the same rows as the CLI, and
a trust's sickness absence target (/api/v1/trusts/<ods_code>/sickness-target)."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from passport.auth.policy import Action, ensure, requires
from passport.db import get_session
from passport.metrics import operations
from passport.metrics.schemas import (
    LeaversRowSchema,
    MetricQuerySchema,
    SicknessRowSchema,
    SicknessTargetDumpSchema,
    SicknessTargetSchema,
    StabilityRowSchema,
)
from passport.trusts.operations import get_trust

blueprint = Blueprint(
    "metrics_api",
    __name__,
    description="Retention and sickness figures (aggregates only; small sickness cells suppressed)",
)


def metric_answer(metric: str, query: dict) -> list[dict]:
    """Check access for the trust or partnership asked about, then count. Shared by the three routes."""
    user = current_user._get_current_object()
    session = get_session()
    parsed = operations.build_query(
        session,
        metric=metric,
        trust=query.get("trust"),
        partnership=query.get("partnership", False),
        from_month=query["from_month"],
        to_month=query["to_month"],
        by=query.get("by"),
        window=query.get("window"),
        staff_groups=query.get("staff_group"),
        bands=query.get("band"),
        directorate=query.get("directorate"),
        ward=query.get("ward"),
        cost_centre=query.get("cost_centre"),
    )
    if parsed.trust is None:
        ensure(user, Action.VIEW_PARTNERSHIP_METRICS)
    else:
        ensure(user, Action.VIEW_METRICS, parsed.trust.id)
    operations.refuse_period_past_records(session, parsed.trust, parsed.first_month, "from")
    return operations.metric_rows(session, parsed)


@blueprint.route("/metrics/sickness")
class Sickness(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_METRICS)
    @blueprint.arguments(MetricQuerySchema, location="query")
    @blueprint.response(200, SicknessRowSchema(many=True))
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """Sickness absence rate: FTE days lost / FTE days available (directors, HR, admins)"""
        return metric_answer("sickness", query)


@blueprint.route("/metrics/leavers")
class Leavers(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_METRICS)
    @blueprint.arguments(MetricQuerySchema, location="query")
    @blueprint.response(200, LeaversRowSchema(many=True))
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """Leaver rate by headcount and FTE (NHS Data Dictionary) (directors, HR, admins)"""
        return metric_answer("leavers", query)


@blueprint.route("/metrics/stability")
class Stability(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_METRICS)
    @blueprint.arguments(MetricQuerySchema, location="query")
    @blueprint.response(200, StabilityRowSchema(many=True))
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """Stability index: staff in post at the start still in post at the end (directors, HR, admins)"""
        return metric_answer("stability", query)


@blueprint.route("/trusts/<string:ods_code>/sickness-target")
class SicknessTarget(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_METRICS)
    @blueprint.response(200, SicknessTargetDumpSchema)
    def get(self, ods_code: str):  # type: ignore[no-untyped-def]
        """A trust's sickness absence target (its director and HR, admins)"""
        trust = get_trust(get_session(), ods_code)
        ensure(current_user._get_current_object(), Action.VIEW_METRICS, trust.id)
        return trust

    @requires(Action.SET_SICKNESS_TARGET)
    @blueprint.arguments(SicknessTargetSchema)
    @blueprint.response(200, SicknessTargetDumpSchema)
    def put(self, payload: dict, ods_code: str):  # type: ignore[no-untyped-def]
        """Set or clear a trust's sickness absence target (its nursing director, admins); audited"""
        user = current_user._get_current_object()
        session = get_session()
        trust = get_trust(session, ods_code)
        ensure(user, Action.SET_SICKNESS_TARGET, trust.id)
        return operations.set_sickness_target(session, trust, payload["sickness_target_percent"], actor=user)
