"""JSON shapes of the metrics API: the query (load) and one schema per metric's rows (dump)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from passport.metrics.operations import WINDOWS

_MONTH = validate.Regexp(r"^\d{4}-\d{2}$", error="Write the month as YYYY-MM, such as 2024-04.")


class MetricQuerySchema(Schema):
    trust = fields.String(
        validate=validate.Length(min=1, max=10),
        metadata={"description": "ODS code of one trust (trust level)"},
    )
    partnership = fields.Boolean(
        load_default=False, metadata={"description": "The partnership's figures (partnership level)"}
    )
    from_month = fields.String(
        data_key="from", required=True, validate=_MONTH, metadata={"description": "First month, YYYY-MM"}
    )
    to_month = fields.String(
        data_key="to", required=True, validate=_MONTH, metadata={"description": "Last month, YYYY-MM"}
    )
    by = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Breakdown keys, comma separated: month, trust, staff_group, band"},
    )
    window = fields.String(
        validate=validate.OneOf(WINDOWS),
        metadata={"description": "With by=month: each month (month) or the 12 months to it (rolling12)"},
    )
    directorate = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Only this directorate of the trust (as its ESR records name it)"},
    )
    ward = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Only this ward or department of the trust (of the directorate, if given)"},
    )
    cost_centre = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Only this cost centre of the trust (of the directorate, ward if given)"},
    )
    staff_group = fields.List(
        fields.String(validate=validate.Length(max=8)),
        load_default=list,
        metadata={"description": "Staff group codes"},
    )
    band = fields.List(
        fields.String(validate=validate.Length(max=3)),
        load_default=list,
        metadata={"description": "AfC bands"},
    )


class _RowBase(Schema):
    period = fields.String(
        required=True, metadata={"description": "YYYY-MM, or YYYY-MM/YYYY-MM for a longer period"}
    )
    trust = fields.String(metadata={"description": "ODS code: the trust asked for, or the breakdown's trust"})
    partnership = fields.String(metadata={"description": "The partnership's code (partnership level)"})
    month = fields.String(metadata={"description": "With by=month: the month (the last of a rolling window)"})
    staff_group = fields.String(allow_none=True)
    band = fields.String(allow_none=True)


class SicknessRowSchema(_RowBase):
    fte_days_lost = fields.Float(
        required=True, allow_none=True, metadata={"description": "Null when suppressed"}
    )
    fte_days_available = fields.Float(required=True, allow_none=True)
    rate_percent = fields.Float(
        required=True, allow_none=True, metadata={"description": "Null when suppressed"}
    )


class LeaversRowSchema(_RowBase):
    leavers = fields.Integer(required=True)
    average_headcount = fields.Float(required=True, allow_none=True)
    rate_percent = fields.Float(required=True, allow_none=True)
    leavers_fte = fields.Float(required=True, allow_none=True)
    average_fte = fields.Float(required=True, allow_none=True)
    fte_rate_percent = fields.Float(required=True, allow_none=True)


class StabilityRowSchema(_RowBase):
    start_headcount = fields.Integer(required=True)
    still_in_post = fields.Integer(required=True)
    stability_percent = fields.Float(required=True, allow_none=True)


class PublishedUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class _JsonNumber(fields.Decimal):
    """A JSON number (never a string or true/false), read as the digits written: 4.55 is Decimal("4.55"),
    not the binary float's 4.54999... (marshmallow reads a float through its shortest repr)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_TARGET = (
    "The sickness absence rate (%) the trust board aims to stay under, from 0 to 100 with at most 2 decimal "
    "places (4.5); null for no target. The dashboard draws it on the sickness charts."
)


class SicknessTargetSchema(Schema):
    """PUT /api/v1/trusts/<ods_code>/sickness-target: the range and places are checked by the operation,
    which names the field (422)."""

    class Meta:
        unknown = RAISE

    sickness_target_percent = _JsonNumber(
        required=True,
        allow_none=True,
        error_messages={"invalid": "Give the target as a number, such as 4.5, or null for no target."},
        metadata={"description": _TARGET, "minimum": 0, "maximum": 100, "example": 4.5},
    )


class SicknessTargetDumpSchema(Schema):
    trust = fields.String(required=True, attribute="ods_code", metadata={"description": "ODS code"})
    sickness_target_percent = fields.Float(required=True, allow_none=True, metadata={"description": _TARGET})
