"""JSON shapes of the credentials API: load schemas for what callers send, dump schemas for answers.

The subject of each credential type has its own load schema in ``types.py``.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from passport.credentials.models import CredentialState
from passport.credentials.types import CREDENTIAL_TYPES


class _Strict(Schema):
    class Meta:
        unknown = "raise"


class CredentialIssueSchema(_Strict):
    staff_email = fields.Email(
        required=True, validate=validate.Length(max=254), metadata={"description": "The staff member's email"}
    )
    credential_type = fields.String(required=True, validate=validate.OneOf(list(CREDENTIAL_TYPES)))
    subject = fields.Dict(
        required=True,
        keys=fields.String(),
        metadata={"description": "The type's subject fields (see docs/credentials.md)"},
    )
    valid_from = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "Default: now"}
    )
    valid_until = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "Default: from the subject (expiry, review or renewal date), else none"},
    )


class StatusChangeSchema(_Strict):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CredentialQuerySchema(Schema):
    staff_email = fields.Email(validate=validate.Length(max=254))


class CredentialDumpSchema(Schema):
    id = fields.Integer(required=True)
    credential_id = fields.String(required=True, attribute="credential_uri")
    credential_type = fields.String(required=True)
    title = fields.String(required=True)
    issuer = fields.Function(lambda c: c.trust.ods_code, required=True, metadata={"type": "string"})
    staff_email = fields.Function(lambda c: c.staff_member.email, required=True, metadata={"type": "string"})
    state = fields.Enum(CredentialState, by_value=True, required=True)
    valid_from = fields.AwareDateTime(required=True)
    valid_until = fields.AwareDateTime(allow_none=True)
    issued_at = fields.AwareDateTime(required=True)
    status_reason = fields.String(allow_none=True)
    document = fields.Dict(required=True, metadata={"description": "The signed credential"})


class BulkFileSchema(Schema):
    file = fields.Raw(
        required=True, metadata={"type": "string", "format": "binary", "description": "CSV, UTF-8"}
    )


class VerifyQuerySchema(Schema):
    proof_only = fields.Boolean(
        load_default=False,
        metadata={"description": "Check signatures only (issuers outside the partnership)"},
    )


class CheckSchema(Schema):
    check = fields.String(required=True)
    passed = fields.Boolean(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)


class CredentialReportSchema(Schema):
    credential_id = fields.String(allow_none=True, required=True)
    issuer = fields.String(allow_none=True, required=True)
    verified = fields.Boolean(required=True)
    checks = fields.List(fields.Nested(CheckSchema), required=True)


class VerificationReportSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["presentation", "credential", "unknown"]))
    verified = fields.Boolean(required=True)
    problems = fields.List(fields.String(), required=True)
    credentials = fields.List(fields.Nested(CredentialReportSchema), required=True)
