"""JSON shapes of job descriptions and fit checks: load schemas check shape, operations check rules."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from competencies.jobs.fit_check import DEFAULT_EXPIRING_DAYS
from competencies.jobs.models import JobStatus, RequirementKind
from competencies.jobs.operations import ASSESSED_BY, LOCAL_FIELDS, PERSON_SPEC_CATEGORIES

_SHORT = validate.Length(min=1, max=200)


class _Strict(Schema):
    class Meta:
        unknown = "raise"  # a misspelt field is named, never silently dropped


class DutyAreaSchema(_Strict):
    area = fields.String(required=True, validate=_SHORT)
    duties = fields.List(
        fields.String(validate=validate.Length(min=1, max=1000)),
        required=True,
        validate=validate.Length(1, 100),
    )


class CriterionSchema(_Strict):
    category = fields.String(required=True, validate=validate.OneOf(PERSON_SPEC_CATEGORIES))
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    essential = fields.Boolean(load_default=True)
    assessed_by = fields.List(
        fields.String(validate=validate.OneOf(ASSESSED_BY)), required=True, validate=validate.Length(1, 3)
    )


class RequirementLoadSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RequirementKind]))
    essential = fields.Boolean(load_default=True)
    credential_type = fields.String(validate=validate.Length(max=40))
    conditions = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        metadata={
            "description": "dbs-check: min_level, workforce; professional-registration: register_parts"
        },
    )
    cstf_subject = fields.String(validate=validate.Length(max=32))
    min_level = fields.Integer(strict=True, validate=validate.Range(1, 9))
    item = fields.String(
        validate=validate.Length(min=1, max=1000), metadata={"description": "CASE item identifier or URI"}
    )
    min_proficiency = fields.String(validate=validate.Length(max=64))


class JobContentSchema(_Strict):
    title = fields.String(required=True, validate=_SHORT)
    afc_band = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Agenda for Change band: 1 to 9, with 8a to 8d"},
    )
    staff_group = fields.String(required=True, validate=validate.Length(min=1, max=8))
    hours = fields.Decimal(required=True, places=2, as_string=True, metadata={"description": "Hours a week"})
    reports_to = fields.String(required=True, validate=_SHORT)
    accountable_to = fields.String(
        required=True, validate=_SHORT, metadata={"description": "Professionally accountable to"}
    )
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    duties = fields.List(fields.Nested(DutyAreaSchema), required=True, validate=validate.Length(1, 100))
    person_spec = fields.List(
        fields.Nested(CriterionSchema), load_default=list, validate=validate.Length(max=100)
    )
    local_fields = fields.List(fields.String(validate=validate.OneOf(list(LOCAL_FIELDS))), load_default=list)
    requirements = fields.List(
        fields.Nested(RequirementLoadSchema), load_default=list, validate=validate.Length(max=100)
    )


class ApprovalSchema(_Strict):
    content_hash = fields.String(
        required=True,
        validate=validate.Length(equal=64),
        metadata={"description": "The content_hash of the version as the approver read it"},
    )


class LocalValuesSchema(_Strict):
    values = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.String(validate=validate.Length(max=200)),
        required=True,
    )


class FitQuerySchema(_Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    expiring_days = fields.Integer(load_default=DEFAULT_EXPIRING_DAYS, validate=validate.Range(0, 365))


class ReadyQuerySchema(_Strict):
    verdict = fields.String(validate=validate.OneOf(["ready", "ready_with_expiring", "not_ready"]))
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Part of a name or email"})
    expiring_days = fields.Integer(load_default=DEFAULT_EXPIRING_DAYS, validate=validate.Range(0, 365))


# --- Dump ---------------------------------------------------------------------------------------------


class JobSummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    band = fields.String(required=True, attribute="afc_band")
    staff_group = fields.String(required=True)
    version = fields.Integer(required=True, attribute="number")
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in JobStatus]))
    joint = fields.Boolean(required=True, attribute="is_joint")
    adopted_by = fields.Method(
        "_adopted_by", required=True, metadata={"type": "array", "items": {"type": "string"}}
    )

    def _adopted_by(self, version) -> list[str]:  # type: ignore[no-untyped-def]
        return [trust.ods_code for trust in version.adopted_by]


class RequirementDumpSchema(Schema):
    kind = fields.String(required=True)
    essential = fields.Boolean(required=True)
    label = fields.String(required=True)
    credential_type = fields.String()
    conditions = fields.Dict()
    cstf_subject = fields.String()
    min_level = fields.Integer()
    item_identifier = fields.String()
    item_uri = fields.String()
    framework_version_identifier = fields.String()
    min_proficiency = fields.String()


class AdoptionDumpSchema(Schema):
    trust = fields.String(required=True)
    approved_at = fields.String(required=True)
    local_values = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class JobVersionDumpSchema(Schema):
    """The JSON export of a version: its content, its hash and who adopted it."""

    id = fields.Integer(required=True)
    job_description = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    joint = fields.Boolean(required=True)
    content_hash = fields.String(required=True)
    title = fields.String(required=True)
    afc_band = fields.String(required=True)
    staff_group = fields.String(required=True)
    hours = fields.String(required=True)
    reports_to = fields.String(required=True)
    accountable_to = fields.String(required=True)
    purpose = fields.String(required=True)
    duties = fields.List(fields.Nested(DutyAreaSchema), required=True)
    person_spec = fields.List(fields.Nested(CriterionSchema), required=True)
    local_fields = fields.List(fields.String(), required=True)
    requirements = fields.List(fields.Nested(RequirementDumpSchema), required=True)
    adoptions = fields.List(fields.Nested(AdoptionDumpSchema), required=True)


class RequirementResultSchema(Schema):
    requirement = fields.String(required=True)
    label = fields.String(required=True)
    essential = fields.Boolean(required=True)
    outcome = fields.String(
        required=True, validate=validate.OneOf(["met", "expiring", "missing", "below_level"])
    )
    sentence = fields.String(required=True)
    credential_id = fields.String(allow_none=True)
    credential_title = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    via = fields.String(allow_none=True)


class FitResultSchema(Schema):
    job = fields.Integer(required=True, metadata={"description": "The job description version id"})
    title = fields.String(required=True)
    staff_member = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    verdict = fields.String(
        required=True, validate=validate.OneOf(["ready", "ready_with_expiring", "not_ready"])
    )
    missing = fields.List(fields.String(), required=True)
    expiring = fields.List(fields.String(), required=True)
    requirements = fields.List(fields.Nested(RequirementResultSchema), required=True)


class ReadyRowSchema(Schema):
    staff_member = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    verdict = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)
    expiring = fields.List(fields.String(), required=True)
