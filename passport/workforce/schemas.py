"""JSON shapes of workforce records: separate load and dump schemas.

Absences are dumped without their sickness reason unless the caller is HR of the absence's trust: the
API handler builds the reduced shape, and the reason fields are documented as optional.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy.orm import object_session

from passport.reference.workforce import (
    ABSENCE_CATEGORIES,
    AFC_BANDS,
    LEAVING_REASON_BY_CODE,
    LEAVING_REASONS,
    SICKNESS_REASON_BY_CODE,
    STAFF_GROUP_BY_CODE,
    STAFF_GROUPS,
)
from passport.trusts.models import Trust

_ODS = validate.Regexp(r"^[A-Za-z][A-Za-z0-9]{2}([A-Za-z0-9]{2})?$", error="Not an ODS code (such as RPG).")


# --- Dump --------------------------------------------------------------------------------------------
class AssignmentDumpSchema(Schema):
    id = fields.Integer(required=True)
    assignment_number = fields.String(required=True)
    staff_member_id = fields.Integer(required=True)
    trust = fields.Function(lambda a: a.trust.ods_code, required=True, metadata={"type": "string"})
    staff_group = fields.String(required=True)
    staff_group_label = fields.Function(
        lambda a: STAFF_GROUP_BY_CODE[a.staff_group].label if a.staff_group in STAFF_GROUP_BY_CODE else None,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )
    job_role = fields.String(allow_none=True, required=True)
    afc_band = fields.String(allow_none=True, required=True)
    # Where the post sits in the trust (the ESR extract's organisation columns): the dashboard's drill-down.
    directorate = fields.String(allow_none=True, required=True)
    ward = fields.String(allow_none=True, required=True, metadata={"description": "Ward or department"})
    cost_centre = fields.String(allow_none=True, required=True)
    contracted_fte = fields.Decimal(as_string=True, required=True, places=4)
    person_type = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, required=True)
    leaving_reason = fields.String(allow_none=True, required=True)
    leaving_reason_label = fields.Function(
        lambda a: (
            LEAVING_REASON_BY_CODE[a.leaving_reason].label
            if a.leaving_reason in LEAVING_REASON_BY_CODE
            else None
        ),
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )


class AbsenceDumpSchema(Schema):
    id = fields.Integer(required=True)
    assignment_id = fields.Integer(required=True)
    assignment_number = fields.String(required=True)
    trust = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(allow_none=True, required=True)
    category = fields.String(required=True)
    reason_code = fields.String(
        allow_none=True,
        metadata={"description": "S10-S99; present only for HR of the absence's trust"},
    )
    reason_label = fields.String(
        allow_none=True, metadata={"description": "Only for HR of the absence's trust"}
    )
    related_reason = fields.String(
        allow_none=True, metadata={"description": "Only for HR of the absence's trust"}
    )


def absence_json(absence: Any, show_reason: bool) -> dict[str, Any]:
    """An absence as the API gives it; the reason only to those who may see it."""
    body = {
        "id": absence.id,
        "assignment_id": absence.assignment_id,
        "assignment_number": absence.assignment.assignment_number,
        "trust": absence.assignment.trust.ods_code,
        "first_day": absence.first_day,
        "last_day": absence.last_day,
        "category": absence.category,
    }
    if show_reason:
        reason = SICKNESS_REASON_BY_CODE.get(absence.reason_code or "")
        body.update(
            reason_code=absence.reason_code,
            reason_label=reason.label if reason else None,
            related_reason=absence.related_reason,
        )
    return body


class StaffSummaryDumpSchema(Schema):
    id = fields.Integer(required=True)
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    email = fields.String(required=True)
    trust = fields.String(required=True, metadata={"description": "ODS code of the trust owning the record"})
    assignments = fields.List(fields.Nested(AssignmentDumpSchema), required=True)


class StaffPageDumpSchema(Schema):
    items = fields.List(fields.Nested(StaffSummaryDumpSchema), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class BradfordDumpSchema(Schema):
    spells = fields.Integer(required=True)
    days = fields.Integer(required=True)
    score = fields.Integer(required=True)
    window_start = fields.Date(required=True)
    window_end = fields.Date(required=True)


class PersonDumpSchema(StaffSummaryDumpSchema):
    absences = fields.List(fields.Nested(AbsenceDumpSchema), required=True)
    bradford = fields.Nested(
        BradfordDumpSchema,
        allow_none=True,
        required=True,
        metadata={"description": "S² × D over a rolling 52 weeks; HR of the person's trust only, else null"},
    )


class RejectedRowDumpSchema(Schema):
    row = fields.Integer(required=True, metadata={"description": "Row number in the file (the header is 1)"})
    column = fields.String(required=True)
    message = fields.String(required=True)


class ImportRunDumpSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "assignments or absences"})
    status = fields.String(
        required=True,
        metadata={"description": "applying (its rows are being written), imported, rejected or failed"},
    )
    filename = fields.String(required=True)
    sha256 = fields.String(required=True)
    trust = fields.String(allow_none=True, required=True, metadata={"description": "ODS code, if one trust"})
    rows_read = fields.Integer(required=True)
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.Integer(required=True, metadata={"description": "Rows rejected"})
    partial = fields.Boolean(required=True)
    file_errors = fields.List(fields.String(), required=True)
    rejected_rows = fields.List(fields.Nested(RejectedRowDumpSchema), required=True)
    rejected_rows_truncated = fields.Boolean(
        required=True, metadata={"description": "True when only the first rejected rows are kept"}
    )
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)


def import_run_json(run: Any) -> dict[str, Any]:
    report = run.report or {}
    trust = object_session(run).get(Trust, run.trust_id) if run.trust_id is not None else None  # type: ignore[union-attr]
    return {
        **{name: getattr(run, name) for name in ("id", "kind", "status", "filename", "sha256", "rows_read")},
        **{name: getattr(run, name) for name in ("added", "updated", "unchanged", "rejected")},
        "trust": trust.ods_code if trust else None,
        "partial": bool(report.get("partial")),
        "file_errors": list(report.get("file_errors", [])),
        "rejected_rows": list(report.get("rejected_rows", [])),
        "rejected_rows_truncated": bool(report.get("rejected_rows_truncated")),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


# --- Load --------------------------------------------------------------------------------------------
class StaffQuerySchema(Schema):
    staff_group = fields.String(
        validate=validate.OneOf([g.code for g in STAFF_GROUPS]), metadata={"description": "Staff group code"}
    )
    afc_band = fields.String(validate=validate.OneOf(AFC_BANDS))
    in_post_on = fields.Date(metadata={"description": "Only people with an assignment covering this day"})
    name = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Part of a name or email"}
    )
    trust = fields.String(validate=_ODS, metadata={"description": "ODS code (partnership admins)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class AbsenceCreateSchema(Schema):
    assignment_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    first_day = fields.Date(required=True)
    last_day = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "Empty while it goes on"}
    )
    category = fields.String(required=True, validate=validate.OneOf([c.code for c in ABSENCE_CATEGORIES]))
    reason_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(SICKNESS_REASON_BY_CODE)),
        metadata={"description": "S10-S99; required for SICKNESS, refused otherwise"},
    )
    related_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class AbsenceEndSchema(Schema):
    last_day = fields.Date(required=True)


class LeaverSchema(Schema):
    end_date = fields.Date(required=True)
    leaving_reason = fields.String(required=True, validate=validate.OneOf([r.code for r in LEAVING_REASONS]))


class ImportUploadSchema(Schema):
    """A multipart upload: the file, and whether to keep the good rows when some are rejected."""

    class Meta:
        unknown = EXCLUDE

    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "CSV (UTF-8) or XLSX"},
    )
    partial = fields.Boolean(
        load_default=False,
        metadata={"description": "Import the good rows even when some are rejected (default: nothing)"},
    )
    trust = fields.String(
        load_default=None,
        validate=_ODS,
        metadata={"description": "Only rows of this trust (ODS code); HR always import for their own trust"},
    )
