"""The issuing form, drawn from each credential type's subject schema so the two never disagree.

The page lists one input per schema field (select for a closed list, yes/no radios for a flag, a text
box for the rest; dates are typed as UK dates and passed on as ISO dates). What the person typed goes
through the same marshmallow load as the API, and its errors are shown beside the fields they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from passport.credentials.types import NMC_REGISTER_PARTS, CredentialType, ImmunisationSchema
from passport.forms import date_parts_from, parse_date_parts
from passport.reference.workforce import STAFF_GROUP_BY_CODE

_LABELS = {
    "identity_document": "Identity document checked",
    "checked_on": "Date checked",
    "permission": "Permission to work",
    "check_method": "How it was checked",
    "expires_on": "Expiry date",
    "level": "Level",
    "workforce": "Workforce",
    "certificate_date": "Certificate date",
    "update_service": "Subscribed to the DBS Update Service",
    "recheck_due": "Recheck due",
    "regulator": "Regulator",
    "pin": "NMC PIN",
    "register_part": "Part of the register",
    "job_title": "Job title",
    "afc_band": "Agenda for Change band",
    "staff_group": "Staff group",
    "start_date": "Start date",
    "end_date": "End date",
    "subject_code": "CSTF subject",
    "completed_on": "Completed on",
    "fitness_outcome": "Fitness outcome",
    "exposure_prone_procedures": "Exposure-prone procedures",
    "assessed_on": "Assessed on",
    "review_due": "Review due",
    "framework_title": "Framework",
    "framework_uri": "Framework address (URL)",
    "item_identifier": "Competency identifier (CASE UUID)",
    "item_uri": "Competency address (URL)",
    "statement": "Competency statement",
    "human_coding_scheme": "Competency code",
    "proficiency": "Proficiency",
    "assessor_name": "Assessor",
}
_CHOICE_LABELS: dict[str, dict[str, str]] = {
    "register_part": dict(NMC_REGISTER_PARTS),
    "staff_group": {code: group.label for code, group in STAFF_GROUP_BY_CODE.items()},
}
DATE_HINT = "For example, 31 1 2026"
IMMUNISATION_PREFIX = "immunisation_"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    label: str
    widget: str  # text, date, select, yesno
    required: bool
    hint: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)


def _choices(name: str, schema_field: fields.Field) -> list[tuple[str, str]] | None:
    for validator in schema_field.validators:
        if isinstance(validator, validate.OneOf):
            labels = _CHOICE_LABELS.get(name, {})
            return [
                (str(v), labels.get(str(v), str(v).replace("_", " ").capitalize())) for v in validator.choices
            ]
    return None


def field_specs(kind: CredentialType) -> list[FieldSpec]:
    specs = []
    for name, schema_field in kind.schema().fields.items():
        if isinstance(schema_field, fields.List):
            continue  # immunisations: drawn as one select per disease (immunisation_specs)
        label = _LABELS.get(name, name.replace("_", " ").capitalize())
        hint = (schema_field.metadata or {}).get("description")
        required = schema_field.required
        if name == "subject_code":
            from passport.reference.cstf import CSTF_SUBJECTS

            choices = [(s.code, s.title) for s in CSTF_SUBJECTS]
            specs.append(FieldSpec(name, label, "select", required, hint, choices))
        elif isinstance(schema_field, fields.Date):
            specs.append(FieldSpec(name, label, "date", required, hint or DATE_HINT))
        elif isinstance(schema_field, fields.Boolean):
            specs.append(FieldSpec(name, label, "yesno", required, hint, [("true", "Yes"), ("false", "No")]))
        elif (choices := _choices(name, schema_field)) is not None:
            if not required:
                choices = [("", "Not stated"), *choices]
            specs.append(FieldSpec(name, label, "select", required, hint, choices))
        else:
            specs.append(FieldSpec(name, label, "text", required, hint))
    return specs


def immunisation_specs(kind: CredentialType) -> list[FieldSpec]:
    if "immunisations" not in kind.schema().fields:
        return []
    schema = ImmunisationSchema()
    diseases = _choices("disease", schema.fields["disease"]) or []
    statuses = _choices("status", schema.fields["status"]) or []
    return [
        FieldSpec(f"{IMMUNISATION_PREFIX}{value}", f"Immunisation: {label}", "select", False, None, statuses)
        for value, label in diseases
    ]


def subject_from_form(kind: CredentialType, form: MultiDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The subject dict to load, and errors found before loading (dates that are not dates)."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in field_specs(kind):
        if spec.widget == "date":  # the NHS.UK date input: day, month and year boxes
            day, message = parse_date_parts(date_parts_from(form, spec.name), spec.label, required=False)
            if message:
                errors[spec.name] = [message]
            elif day is not None:
                data[spec.name] = day.isoformat()
            continue  # left empty: the schema says whether that is allowed
        raw = (form.get(spec.name) or "").strip()
        if not raw:
            continue  # absent: the schema says whether that is allowed
        if spec.widget == "yesno":
            data[spec.name] = raw == "true"
        elif spec.name == "level":
            data[spec.name] = int(raw) if raw.isdigit() else raw
        else:
            data[spec.name] = raw
    immunisations = []
    for spec in immunisation_specs(kind):
        status = (form.get(spec.name) or "").strip()
        if status and status != "not_recorded":
            immunisations.append({"disease": spec.name.removeprefix(IMMUNISATION_PREFIX), "status": status})
    if immunisation_specs(kind):
        data["immunisations"] = immunisations
    return data, errors
