"""Credentials in the JSON API: issue, list, change status, bulk training CSV, and the public verifier."""

from __future__ import annotations

import os
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from passport.auth.policy import Action, allows, ensure, filter_by_scope, requires
from passport.credentials import operations
from passport.credentials.directory import (
    MAX_VERIFY_BYTES,
    DocumentTooLarge,
    load_verifiable,
    verify_document,
)
from passport.credentials.models import IssuedCredential
from passport.credentials.schemas import (
    BulkFileSchema,
    BulkResultSchema,
    CredentialDumpSchema,
    CredentialIssueSchema,
    CredentialQuerySchema,
    StatusChangeSchema,
    VerificationReportSchema,
    VerifyQuerySchema,
)
from passport.db import get_session
from passport.errors import AccessDenied, InvalidInput, NotFound
from passport.extensions import limiter

blueprint = Blueprint(
    "credentials_api", __name__, description="Verifiable credentials: issue, revoke, verify"
)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _subject_by_email(session, email: str):  # type: ignore[no-untyped-def]
    try:
        return operations.find_staff_by_email(session, email)
    except NotFound as error:
        raise InvalidInput(error.message, field="staff_email") from None


def visible_credential(session, user, credential_id: int) -> IssuedCredential:  # type: ignore[no-untyped-def]
    """A credential its holder or HR of its issuing trust may see; 404 for anyone else (ids leak nothing)."""
    credential = session.get(IssuedCredential, credential_id)
    holder = credential is not None and user.staff_member_id == credential.staff_member_id
    if credential is None or not (
        allows(user, Action.VIEW_ISSUED_CREDENTIALS, credential.trust_id)
        or (holder and allows(user, Action.HOLD_PASSPORT))
    ):
        raise NotFound(f"There is no credential {credential_id} that you can see.")
    return credential


@blueprint.route("/credentials")
class Credentials(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_ISSUED_CREDENTIALS)
    @blueprint.arguments(CredentialQuerySchema, location="query")
    @blueprint.response(200, CredentialDumpSchema(many=True))
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """Credentials your trust issued, newest first (HR)"""
        user = _user()
        session = get_session()
        stmt = filter_by_scope(
            user, Action.VIEW_ISSUED_CREDENTIALS, select(IssuedCredential), IssuedCredential.trust_id
        )
        if query.get("staff_email"):
            member = _subject_by_email(session, query["staff_email"])
            stmt = stmt.where(IssuedCredential.staff_member_id == member.id)
        return list(session.scalars(stmt.order_by(IssuedCredential.id.desc()).limit(500)))

    @requires(Action.ISSUE_CREDENTIALS)
    @blueprint.arguments(CredentialIssueSchema)
    @blueprint.response(201, CredentialDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Issue a credential signed by your trust (HR)"""
        user = _user()
        ensure(user, Action.ISSUE_CREDENTIALS, user.trust_id)
        session = get_session()
        credential = operations.issue_credential(
            session,
            issuer_trust=user.trust,
            subject=_subject_by_email(session, payload["staff_email"]),
            credential_type=payload["credential_type"],
            subject_data=payload["subject"],
            valid_from=payload.get("valid_from"),
            valid_until=payload.get("valid_until"),
            actor=user,
        )
        session.commit()
        return credential


@blueprint.route("/credentials/<int:credential_id>")
class CredentialById(MethodView):
    decorators = [login_required]

    @blueprint.response(200, CredentialDumpSchema)
    def get(self, credential_id: int):  # type: ignore[no-untyped-def]
        """One credential (its holder, or HR of the issuing trust)"""
        return visible_credential(get_session(), _user(), credential_id)


def _change(credential_id: int, action: str, payload: dict[str, Any]) -> IssuedCredential:
    user = _user()
    session = get_session()
    credential = operations.get_credential(session, credential_id)
    if not allows(user, Action.CHANGE_CREDENTIAL_STATUS, credential.trust_id):
        raise AccessDenied("Only HR of the trust that issued a credential can change its status.")
    operations.change_status(session, credential, action, actor=user, reason=payload.get("reason"))
    session.commit()
    return credential


@blueprint.route("/credentials/<int:credential_id>/revoke")
class RevokeCredential(MethodView):
    decorators = [login_required]

    @requires(Action.CHANGE_CREDENTIAL_STATUS)
    @blueprint.arguments(StatusChangeSchema)
    @blueprint.response(200, CredentialDumpSchema)
    def post(self, payload: dict, credential_id: int):  # type: ignore[no-untyped-def]
        """Revoke a credential for good (HR of the issuing trust)"""
        return _change(credential_id, "revoke", payload)


@blueprint.route("/credentials/<int:credential_id>/suspend")
class SuspendCredential(MethodView):
    decorators = [login_required]

    @requires(Action.CHANGE_CREDENTIAL_STATUS)
    @blueprint.arguments(StatusChangeSchema)
    @blueprint.response(200, CredentialDumpSchema)
    def post(self, payload: dict, credential_id: int):  # type: ignore[no-untyped-def]
        """Suspend a credential until it is reinstated (HR of the issuing trust)"""
        return _change(credential_id, "suspend", payload)


@blueprint.route("/credentials/<int:credential_id>/reinstate")
class ReinstateCredential(MethodView):
    decorators = [login_required]

    @requires(Action.CHANGE_CREDENTIAL_STATUS)
    @blueprint.arguments(StatusChangeSchema)
    @blueprint.response(200, CredentialDumpSchema)
    def post(self, payload: dict, credential_id: int):  # type: ignore[no-untyped-def]
        """Reinstate a suspended credential (HR of the issuing trust)"""
        return _change(credential_id, "reinstate", payload)


@blueprint.route("/credentials/bulk-training")
class BulkTraining(MethodView):
    decorators = [login_required]

    @requires(Action.ISSUE_CREDENTIALS)
    @blueprint.arguments(BulkFileSchema, location="files")
    @blueprint.response(200, BulkResultSchema)
    @blueprint.alt_response(422, schema=BulkResultSchema, description="Rows with problems; nothing issued")
    def post(self, files: dict):  # type: ignore[no-untyped-def]
        """Issue mandatory-training credentials from a CSV of completions, all or nothing (HR)"""
        user = _user()
        ensure(user, Action.ISSUE_CREDENTIALS, user.trust_id)
        session = get_session()
        result = operations.issue_training_csv(
            session, issuer_trust=user.trust, text=read_csv_upload(files["file"]), actor=user
        )
        if not result.ok:
            session.rollback()
            return BulkResultSchema().dump(result), 422
        session.commit()
        return result


def read_csv_upload(upload: Any) -> str:
    """The text of an uploaded CSV (UTF-8, with or without a byte-order mark)."""
    raw = upload.read() if hasattr(upload, "read") else upload
    if not isinstance(raw, bytes | str):
        raise InvalidInput("Upload a CSV file.", field="file")
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text; save it as 'CSV UTF-8'.", field="file") from None


def verify_rate_limit() -> str:
    return current_app.config.get("PASSPORT_VERIFY_RATE_LIMIT") or os.environ.get(
        "PASSPORT_VERIFY_RATE_LIMIT", "600 per minute"
    )


def read_body_capped() -> bytes:
    """The request body, refusing more than MAX_VERIFY_BYTES before reading it all when we can."""
    if request.content_length is not None and request.content_length > MAX_VERIFY_BYTES:
        raise DocumentTooLarge()
    # Cached: the app's NUL-character check may have read the body already. MAX_CONTENT_LENGTH bounds
    # a body sent without a length.
    data = request.get_data(cache=True)
    if len(data) > MAX_VERIFY_BYTES:
        raise DocumentTooLarge()
    return data


@blueprint.route("/verify")
class Verify(MethodView):
    decorators = [limiter.limit(verify_rate_limit, methods=["POST"])]

    @blueprint.arguments(VerifyQuerySchema, location="query")
    @blueprint.doc(
        requestBody={
            "required": True,
            "description": "A W3C VC 2.0 credential or presentation (JSON, at most 10 MB)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        security=[],
    )
    @blueprint.response(200, VerificationReportSchema)
    def post(self, query: dict):  # type: ignore[no-untyped-def]
        """Verify a credential or presentation: a report of every check (anyone, no sign-in)"""
        document = load_verifiable(read_body_capped())
        return verify_document(get_session(), document, proof_only=query["proof_only"]).to_dict()
