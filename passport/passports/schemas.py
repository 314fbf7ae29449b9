"""JSON shapes of the passport API: shares and their openings."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from passport.passports.operations import DEFAULT_SHARE_HOURS, MAX_SHARE_HOURS


class ShareCreateSchema(Schema):
    class Meta:
        unknown = "raise"

    credential_ids = fields.List(
        fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=100)
    )
    hours = fields.Integer(
        strict=True,
        load_default=DEFAULT_SHARE_HOURS,
        validate=validate.Range(min=1, max=MAX_SHARE_HOURS),
        metadata={"description": f"How long the link works (default {DEFAULT_SHARE_HOURS}, at most 720)"},
    )
    receiving_trust = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=3, max=5),
        metadata={"description": "ODS code of the trust it is shown to; its HR can record it verified"},
    )


class OpeningDumpSchema(Schema):
    kind = fields.Function(lambda o: o.kind.value, required=True, metadata={"type": "string"})
    occurred_at = fields.AwareDateTime(required=True)
    who = fields.String(required=True)
    verified_result = fields.Boolean(allow_none=True)


class ShareDumpSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    receiving_trust = fields.Function(
        lambda s: s.receiving_trust.ods_code if s.receiving_trust else None,
        metadata={"type": "string", "nullable": True},
    )
    credential_ids = fields.Function(
        lambda s: [c.id for c in s.credentials],
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )
    openings = fields.List(fields.Nested(OpeningDumpSchema), required=True)


class NewShareDumpSchema(ShareDumpSchema):
    url = fields.String(required=True, metadata={"description": "The link; shown this once, never stored"})
    qr_svg_url = fields.String(required=True)


class PresentationSchema(Schema):
    """A W3C VC 2.0 Verifiable Presentation (unsigned: holder binding is the share link)."""

    context = fields.List(fields.String(), required=True, attribute="@context", data_key="@context")
    id = fields.String(required=True)
    type = fields.List(fields.String(), required=True)
    verifiableCredential = fields.List(fields.Dict(), required=True)  # noqa: N815 (the W3C term)
