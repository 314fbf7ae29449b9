"""JSON shapes of accounts: separate load and dump schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from passport.auth.models import Role
from passport.auth.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class UserDumpSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.Method("_roles", required=True, metadata={"type": "array", "items": {"type": "string"}})
    trust = fields.Method(
        "_trust",
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "ODS code of the user's trust"},
    )
    active = fields.Boolean(required=True)

    def _roles(self, user) -> list[str]:  # type: ignore[no-untyped-def]
        return sorted(role.value for role in user.roles)

    def _trust(self, user) -> str | None:  # type: ignore[no-untyped-def]
        return user.trust.ods_code if user.trust else None


class UserCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf([r.value for r in Role])),
        required=True,
        validate=validate.Length(min=1, max=len(Role)),
    )
    trust = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=3, max=5),
        metadata={"description": "ODS code; omit or null for a partnership admin"},
    )


class UserQuerySchema(Schema):
    trust = fields.String(validate=validate.Length(min=3, max=5), metadata={"description": "ODS code"})
