"""JSON shapes of trusts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TrustDumpSchema(Schema):
    ods_code = fields.String(required=True)
    name = fields.String(required=True)
    partnership = fields.Function(
        lambda trust: trust.partnership.name, required=True, metadata={"type": "string"}
    )


class TrustCreateSchema(Schema):
    ods_code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z][A-Za-z0-9]{2}([A-Za-z0-9]{2})?$", error="Not an ODS code (such as RPG)."
        ),
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
