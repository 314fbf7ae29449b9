"""JSON shapes of secondments: load schemas for what callers send, dump schemas for answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from passport.credentials.schemas import CredentialDumpSchema
from passport.secondments.queries import DIRECTIONS
from passport.secondments.state import Party, Status, Step
from passport.workforce.schemas import AssignmentDumpSchema

MAX_ID = 2**31 - 1
_ID = validate.Range(min=1, max=MAX_ID)
# Dates a person could mean; the database would refuse years far outside (and PostgreSQL years 0).
_DATE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="Give a date from 2000 to 2100.")
_NO_CONTROL = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$", error="Contains characters that cannot be stored."
)


# Decimals travel as strings ("0.8"), never binary floats.
_DECIMAL = {"type": "string", "format": "decimal", "example": "0.8"}


class _Strict(Schema):
    class Meta:
        unknown = "raise"


class SecondmentCreateSchema(_Strict):
    staff_email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={"description": "The nurse's email, as on the staff record at the home trust"},
    )
    job_version_id = fields.Integer(
        required=True, validate=_ID, metadata={"description": "A job description version your trust adopted"}
    )
    start_date = fields.Date(required=True, validate=_DATE)
    end_date = fields.Date(required=True, validate=_DATE)
    # Decimals as strings ("0.8"), never binary floats; their ranges are checked by the operation, which
    # names the field (a range here would be published as a string bound, which OpenAPI does not allow).
    fte = fields.Decimal(
        load_default=None,
        allow_none=True,
        as_string=True,
        metadata={
            **_DECIMAL,
            "description": "Whole-time equivalent, more than 0 and up to 1; give fte or hours_per_week",
        },
    )
    hours_per_week = fields.Decimal(
        load_default=None,
        allow_none=True,
        as_string=True,
        metadata={**_DECIMAL, "description": "More than 0, up to 37.5"},
    )
    recharge_percent = fields.Decimal(
        required=True,
        as_string=True,
        metadata={**_DECIMAL, "description": "Share of the nurse's pay the host trust reimburses, 0 to 100"},
    )
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), _NO_CONTROL])

    @validates_schema
    def _one_of_fte_or_hours(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("fte") is None) == (data.get("hours_per_week") is None):
            raise ValidationError("Give either fte or hours_per_week, not both.", field_name="fte")


class StepSchema(_Strict):
    step = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in Step if s not in (Step.PROPOSE, Step.ACTIVATE)]),
        metadata={
            "description": "approve, decline (home HR); consent, refuse (the nurse); request_extension, "
            "agree_extension, decline_extension, end_early, complete, cancel (HR of either trust)"
        },
    )
    note = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=2000), _NO_CONTROL]
    )
    new_end_date = fields.Date(
        load_default=None, allow_none=True, validate=_DATE, metadata={"description": "request_extension"}
    )
    ended_on = fields.Date(
        load_default=None,
        allow_none=True,
        validate=_DATE,
        metadata={"description": "end_early: the last day at the host trust"},
    )
    override_reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=2000), _NO_CONTROL],
        metadata={"description": "approve: why to go ahead although the fit check found essentials missing"},
    )


class ListQuerySchema(Schema):
    direction = fields.String(load_default="all", validate=validate.OneOf(DIRECTIONS))
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in Status]))
    on_or_after = fields.Date(
        load_default=None, validate=_DATE, metadata={"description": "still running on or after"}
    )
    on_or_before = fields.Date(
        load_default=None, validate=_DATE, metadata={"description": "starting on or before"}
    )
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


# --- Dump -----------------------------------------------------------------------------------------------


class StepDumpSchema(Schema):
    step = fields.String(required=True)
    label = fields.String(required=True)
    party = fields.String(required=True)
    actor = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    note = fields.String(allow_none=True, required=True)
    status_after = fields.String(required=True)
    details = fields.Dict(required=True)


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class JobSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    number = fields.Integer(required=True)


class SecondmentDumpSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in Status]),
        metadata={"description": "As of today"},
    )
    recorded_status = fields.String(required=True)
    staff_member = fields.Nested(PersonSchema, required=True)
    home_trust = fields.String(required=True)
    host_trust = fields.String(required=True)
    job = fields.Nested(JobSchema, allow_none=True, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    ended_on = fields.Date(allow_none=True, required=True)
    fte = fields.Decimal(as_string=True, allow_none=True, required=True, metadata=_DECIMAL)
    hours_per_week = fields.Decimal(as_string=True, allow_none=True, required=True, metadata=_DECIMAL)
    recharge_percent = fields.Decimal(as_string=True, required=True, metadata=_DECIMAL)
    reason = fields.String(required=True)
    home_approved = fields.Boolean(required=True)
    nurse_consented = fields.Boolean(required=True)
    pending_end_date = fields.Date(allow_none=True, required=True)
    extension_requested_by = fields.String(allow_none=True, required=True)
    waiting_on = fields.List(fields.String(validate=validate.OneOf([p.value for p in Party])), required=True)
    fit_check = fields.Dict(allow_none=True, required=True)
    fit_override_reason = fields.String(allow_none=True, required=True)
    host_assignment_number = fields.String(allow_none=True, required=True)
    steps = fields.List(fields.Nested(StepDumpSchema), required=True)


class SecondmentSummarySchema(SecondmentDumpSchema):
    class Meta:
        exclude = ("steps", "fit_check")


class TodoDumpSchema(Schema):
    secondment_id = fields.Integer(required=True)
    party = fields.String(required=True)
    what = fields.String(required=True)
    staff_name = fields.String(required=True)
    home_trust = fields.String(required=True)
    host_trust = fields.String(required=True)


class NotificationDumpSchema(Schema):
    id = fields.Integer(required=True)
    secondment_id = fields.Integer(allow_none=True, required=True)
    message = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True, required=True)


class MarkedReadSchema(Schema):
    marked_read = fields.Integer(required=True)


class HomeAssignmentSchema(Schema):
    assignment_number = fields.String(required=True)
    trust = fields.Function(lambda a: a.trust.ods_code, required=True, metadata={"type": "string"})
    staff_group = fields.String(required=True)
    job_role = fields.String(allow_none=True, required=True)
    afc_band = fields.String(allow_none=True, required=True)
    contracted_fte = fields.Decimal(as_string=True, required=True, places=4, metadata=_DECIMAL)


class SecondeeDumpSchema(Schema):
    secondment_id = fields.Integer(required=True)
    staff_member = fields.Nested(PersonSchema, required=True)
    credentials = fields.List(fields.Nested(CredentialDumpSchema), required=True)
    host_assignment = fields.Nested(AssignmentDumpSchema, allow_none=True, required=True)
    home_assignment = fields.Nested(
        HomeAssignmentSchema,
        allow_none=True,
        required=True,
        metadata={"description": "Role, band and FTE at the home trust; never absences"},
    )
