"""Trusts in the JSON API."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from passport.auth.policy import Action, requires
from passport.db import get_session
from passport.trusts import operations
from passport.trusts.schemas import TrustCreateSchema, TrustDumpSchema

blueprint = Blueprint("trusts_api", __name__, description="The partnership's member trusts")


@blueprint.route("/trusts")
class Trusts(MethodView):
    decorators = [login_required]

    @blueprint.response(200, TrustDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """The partnership's member trusts (any signed-in user)"""
        return operations.list_trusts(get_session())

    @requires(Action.MANAGE_TRUSTS)
    @blueprint.arguments(TrustCreateSchema)
    @blueprint.response(201, TrustDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Add a trust to the partnership (partnership admins)"""
        user = current_user._get_current_object()
        session = get_session()
        return operations.create_trust(session, payload["ods_code"], payload["name"], actor=user)


@blueprint.route("/trusts/<string:ods_code>")
class TrustByCode(MethodView):
    decorators = [login_required]

    @blueprint.response(200, TrustDumpSchema)
    def get(self, ods_code: str):  # type: ignore[no-untyped-def]
        """One trust by its ODS code"""
        return operations.get_trust(get_session(), ods_code)
