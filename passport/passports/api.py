"""The nurse's passport in the JSON API: her credentials, a presentation of them, her shares."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from passport.auth.policy import Action, ensure, requires
from passport.credentials.operations import credentials_of
from passport.credentials.schemas import CredentialDumpSchema
from passport.db import get_session
from passport.errors import InvalidInput, NotFound
from passport.passports import operations
from passport.passports.schemas import (
    NewShareDumpSchema,
    PresentationSchema,
    ShareCreateSchema,
    ShareDumpSchema,
)
from passport.trusts.operations import get_trust

blueprint = Blueprint("passport_api", __name__, description="Your passport: credentials and shares")


def _holder():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.HOLD_PASSPORT)
    return user, operations.staff_member_of(user)


@blueprint.route("/passport/credentials")
class PassportCredentials(MethodView):
    decorators = [login_required]

    @requires(Action.HOLD_PASSPORT)
    @blueprint.response(200, CredentialDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Every credential issued about you, whatever its status"""
        _user, member = _holder()
        return credentials_of(get_session(), member)


@blueprint.route("/passport/presentation")
class PassportPresentation(MethodView):
    decorators = [login_required]

    @requires(Action.HOLD_PASSPORT)
    @blueprint.response(200, PresentationSchema)
    def get(self):  # type: ignore[no-untyped-def]
        """A Verifiable Presentation of your current credentials (not revoked, suspended or lapsed)"""
        _user, member = _holder()
        return operations.current_presentation(get_session(), member)


@blueprint.route("/passport/shares")
class PassportShares(MethodView):
    decorators = [login_required]

    @requires(Action.HOLD_PASSPORT)
    @blueprint.response(200, ShareDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Your shares, newest first, with every time each was opened"""
        _user, member = _holder()
        return operations.shares_of(get_session(), member)

    @requires(Action.HOLD_PASSPORT)
    @blueprint.arguments(ShareCreateSchema)
    @blueprint.response(201, NewShareDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Share some of your credentials through a time-limited link"""
        user, member = _holder()
        session = get_session()
        receiving = None
        if payload.get("receiving_trust"):
            try:
                receiving = get_trust(session, payload["receiving_trust"])
            except NotFound as error:
                raise InvalidInput(error.message, field="receiving_trust") from None
        share, token = operations.create_share(
            session,
            member=member,
            credential_ids=payload["credential_ids"],
            hours=payload["hours"],
            receiving_trust=receiving,
            actor=user,
        )
        # Shown this once: only the token's hash is stored (plain attributes, never persisted).
        share.url = share_url(token)  # type: ignore[attr-defined]
        share.qr_svg_url = share_url(token) + "/qr.svg"  # type: ignore[attr-defined]
        return share


@blueprint.route("/passport/shares/<int:share_id>/revoke")
class RevokeShare(MethodView):
    decorators = [login_required]

    @requires(Action.HOLD_PASSPORT)
    @blueprint.response(200, ShareDumpSchema)
    def post(self, share_id: int):  # type: ignore[no-untyped-def]
        """Withdraw a share: its link stops working at once"""
        user, member = _holder()
        return operations.revoke_share(get_session(), member, share_id, actor=user)


def share_url(token: str) -> str:
    """The public link, on the service's public address (what goes into the QR code)."""
    from passport.credentials.did import public_url

    return f"{public_url()}{url_for('passports.shared', token=token)}"
