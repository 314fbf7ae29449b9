"""Accounts in the JSON API: the signed-in user and, for partnership admins, every account."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from passport.auth import operations
from passport.auth.models import Role, UserAccount
from passport.auth.policy import Action, ensure, filter_by_scope, requires
from passport.auth.schemas import UserCreateSchema, UserDumpSchema, UserQuerySchema
from passport.db import get_session
from passport.trusts.operations import get_trust

blueprint = Blueprint("users_api", __name__, description="Accounts: yourself and, for admins, everyone")


@blueprint.route("/me")
class Me(MethodView):
    decorators = [login_required]

    @blueprint.response(200, UserDumpSchema)
    def get(self):  # type: ignore[no-untyped-def]
        """The signed-in user"""
        return current_user._get_current_object()


@blueprint.route("/users")
class Users(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_USERS)
    @blueprint.arguments(UserQuerySchema, location="query")
    @blueprint.response(200, UserDumpSchema(many=True))
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """User accounts (partnership admins)"""
        user = current_user._get_current_object()
        session = get_session()
        stmt = filter_by_scope(user, Action.VIEW_USERS, select(UserAccount), UserAccount.trust_id)
        if query.get("trust"):
            stmt = stmt.where(UserAccount.trust_id == get_trust(session, query["trust"]).id)
        return list(session.scalars(stmt.order_by(UserAccount.id)))

    @requires(Action.MANAGE_USERS)
    @blueprint.arguments(UserCreateSchema)
    @blueprint.response(201, UserDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Create a user account (partnership admins)"""
        user = current_user._get_current_object()
        session = get_session()
        trust = get_trust(session, payload["trust"]) if payload.get("trust") else None
        created = operations.create_user(
            session,
            email=payload["email"],
            display_name=payload["display_name"],
            password=payload["password"],
            roles={Role(r) for r in payload["roles"]},
            trust_id=trust.id if trust else None,
            actor=user,
        )
        return created


@blueprint.route("/users/<int:user_id>")
class UserById(MethodView):
    decorators = [login_required]

    @blueprint.response(200, UserDumpSchema)
    def get(self, user_id: int):  # type: ignore[no-untyped-def]
        """One user account (partnership admins)"""
        from passport.errors import NotFound

        user = current_user._get_current_object()
        ensure(user, Action.VIEW_USERS)
        account = get_session().get(UserAccount, user_id)
        if account is None:
            raise NotFound(f"There is no user account {user_id}.")
        return account
