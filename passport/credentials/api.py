"""Credentials in the JSON API: issue, list, change status, bulk CSV (a job), and the public verifier."""

from __future__ import annotations

import os
from typing import Any

import orjson
from flask import Response, current_app, request
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from passport.auth.policy import Action, allows, ensure, filter_by_scope, requires
from passport.background.api import accepted
from passport.background.schemas import JobDumpSchema
from passport.credentials import bulk, operations
from passport.credentials.directory import (
    MAX_VERIFY_BYTES,
    DocumentTooLarge,
    load_verifiable,
    verify_document,
)
from passport.credentials.models import IssuedCredential
from passport.credentials.schemas import (
    BulkFileSchema,
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
    @blueprint.response(202, JobDumpSchema)
    def post(self, files: dict):  # type: ignore[no-untyped-def]
        """Start issuing mandatory-training credentials from a CSV of completions (HR).

        Answers 202 at once with the job and its ``Location``; follow it until ``status`` is succeeded or
        failed. Every row is checked first; if any is wrong, nothing is issued, the job fails, and its
        ``result.rejected`` lists each line's problem. The same file again gives the same job."""
        user = _user()
        ensure(user, Action.ISSUE_CREDENTIALS, user.trust_id)
        filename, content = read_upload(files["file"])
        job, _ = bulk.start_training_upload(
            get_session(), trust=user.trust, actor=user, filename=filename, content=content
        )
        return accepted(job)


def read_upload(upload: Any) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, reading no more than one byte past the bulk upload limit."""
    if upload is None or not hasattr(upload, "read"):
        raise InvalidInput("Choose a CSV file to upload.", field="file")
    content = upload.read(bulk.MAX_CSV_BYTES + 1)
    if not isinstance(content, bytes):
        raise InvalidInput("Upload a CSV file.", field="file")
    return (getattr(upload, "filename", None) or ""), content


def verify_rate_limit() -> str:
    return current_app.config.get("PASSPORT_VERIFY_RATE_LIMIT") or os.environ.get(
        "PASSPORT_VERIFY_RATE_LIMIT", "120 per minute"
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
    max_json_bytes = MAX_VERIFY_BYTES  # the app's check of every JSON body allows this much here
    reads_only = True  # a POST that writes nothing: on SQLite it does not queue for the write lock

    @blueprint.arguments(VerifyQuerySchema, location="query")
    @blueprint.doc(
        requestBody={
            "required": True,
            "description": "A W3C VC 2.0 credential or presentation (JSON, at most 2 MB and 100 credentials)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        security=[],
    )
    @blueprint.response(200, VerificationReportSchema)
    def post(self, query: dict):  # type: ignore[no-untyped-def]
        """Verify a credential or presentation: a report of every check (anyone, no sign-in)"""
        document = load_verifiable(read_body_capped())
        report = verify_document(get_session(), document, proof_only=query["proof_only"]).to_dict()
        # The report is already the documented shape (a test holds VerificationReportSchema's dump equal to
        # it): written straight to JSON by orjson (as the proofs' canonical JSON is), without a second walk
        # through marshmallow for every check.
        return Response(orjson.dumps(report), mimetype="application/json")
