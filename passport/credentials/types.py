"""The kinds of credential a trust issues: what each subject holds, how it is checked, how it is written.

Each type has a marshmallow load schema for its subject (snake_case input, as the form, the API and the
CSV send it) and a writer turning the loaded values into the JSON-LD ``credentialSubject`` part
(camelCase terms from our context, ``/contexts/staff-passport/v1``). ``docs/credentials.md`` shows every
shape. Health information is limited to outcomes: there is no free-text field on occupational health.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from passport.reference.cstf import CSTF_SUBJECTS_BY_CODE, refresher_months
from passport.reference.workforce import AFC_BANDS, STAFF_GROUP_BY_CODE

UK = ZoneInfo("Europe/London")

GROUPS = {
    "identity_checks": "Identity and checks",
    "registration": "Professional registration",
    "training": "Mandatory training",
    "competencies": "Competencies",
    "employment": "Employment history",
}


def end_of_uk_day(day: date) -> datetime:
    """The last second of a UK calendar day, in UTC: a credential 'expires on' a date through that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UK).astimezone(UTC)


def start_of_uk_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UK).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class _Strict(Schema):
    class Meta:
        # Unknown fields are refused, so a typo is named rather than silently dropped.
        unknown = "raise"


# --- Subject schemas --------------------------------------------------------------------------------


class StaffIdentitySubject(_Strict):
    identity_document = fields.String(
        required=True,
        validate=validate.OneOf(
            ["passport", "driving_licence", "biometric_residence_permit", "national_identity_card"]
        ),
        metadata={"description": "Which photo identity document was checked"},
    )
    checked_on = fields.Date(required=True)


class RightToWorkSubject(_Strict):
    permission = fields.String(required=True, validate=validate.OneOf(["unrestricted", "time_limited"]))
    check_method = fields.String(
        required=True,
        validate=validate.OneOf(["online_share_code", "digital_identity_idsp", "manual_document"]),
    )
    checked_on = fields.Date(required=True)
    expires_on = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _time_limit(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("permission") == "time_limited" and not data.get("expires_on"):
            raise ValidationError("A time-limited right to work needs the date it ends.", "expires_on")
        if data.get("permission") == "unrestricted" and data.get("expires_on"):
            raise ValidationError("An unrestricted right to work has no end date.", "expires_on")


class DbsCheckSubject(_Strict):
    level = fields.String(
        required=True,
        validate=validate.OneOf(["basic", "standard", "enhanced", "enhanced_with_barred_lists"]),
    )
    workforce = fields.String(required=True, validate=validate.OneOf(["adult", "child", "adult_and_child"]))
    certificate_date = fields.Date(required=True)
    update_service = fields.Boolean(
        required=True, metadata={"description": "Whether the holder subscribes to the DBS Update Service"}
    )
    recheck_due = fields.Date(load_default=None, allow_none=True)


NMC_REGISTER_PARTS = {
    "RNA": "Registered nurse (adult)",
    "RNMH": "Registered nurse (mental health)",
    "RNLD": "Registered nurse (learning disabilities)",
    "RNC": "Registered nurse (children)",
    "RM": "Registered midwife",
    "NA": "Nursing associate",
    "SCPHN": "Specialist community public health nurse",
}


class ProfessionalRegistrationSubject(_Strict):
    regulator = fields.String(load_default="NMC", validate=validate.OneOf(["NMC"]))
    pin = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{2}[A-Z]\d{4}[A-Z]$", error="Not an NMC PIN (such as 12A3456E)."),
    )
    register_part = fields.String(required=True, validate=validate.OneOf(list(NMC_REGISTER_PARTS)))
    expires_on = fields.Date(required=True, metadata={"description": "Renewal date of the registration"})


class EmploymentSubject(_Strict):
    job_title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    afc_band = fields.String(required=True, validate=validate.OneOf(list(AFC_BANDS)))
    staff_group = fields.String(required=True, validate=validate.OneOf(list(STAFF_GROUP_BY_CODE)))
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("end_date") and data.get("start_date") and data["end_date"] < data["start_date"]:
            raise ValidationError("The end date is before the start date.", "end_date")


class MandatoryTrainingSubject(_Strict):
    subject_code = fields.String(required=True, validate=validate.OneOf(list(CSTF_SUBJECTS_BY_CODE)))
    level = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3))
    completed_on = fields.Date(required=True)
    expires_on = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "Defaults to the completion date plus the CSTF refresher period"},
    )

    @validates_schema
    def _level_and_dates(self, data: dict[str, Any], **_: Any) -> None:
        subject = CSTF_SUBJECTS_BY_CODE.get(data.get("subject_code", ""))
        if subject and data.get("level") and data["level"] > len(subject.levels):
            raise ValidationError(f"{subject.title} has no level {data['level']}.", "level")
        if data.get("expires_on") and data.get("completed_on") and data["expires_on"] <= data["completed_on"]:
            raise ValidationError("The expiry date must be after the completion date.", "expires_on")


class ImmunisationSchema(_Strict):
    disease = fields.String(
        required=True,
        validate=validate.OneOf(["hepatitis_b", "mmr", "varicella", "tuberculosis", "influenza", "covid_19"]),
    )
    status = fields.String(
        required=True, validate=validate.OneOf(["immune", "vaccinated", "not_immune", "not_recorded"])
    )


class OccupationalHealthSubject(_Strict):
    fitness_outcome = fields.String(
        required=True,
        validate=validate.OneOf(["fit", "fit_with_adjustments", "not_fit_at_present"]),
        metadata={"description": "The outcome only; never a diagnosis"},
    )
    exposure_prone_procedures = fields.String(
        load_default="not_assessed", validate=validate.OneOf(["cleared", "not_cleared", "not_assessed"])
    )
    immunisations = fields.List(
        fields.Nested(ImmunisationSchema), load_default=list, validate=validate.Length(max=10)
    )
    assessed_on = fields.Date(required=True)
    review_due = fields.Date(load_default=None, allow_none=True)


class CompetencySubject(_Strict):
    framework_title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    framework_uri = fields.Url(required=True, require_tld=False, schemes={"http", "https"})
    item_identifier = fields.UUID(required=True, metadata={"description": "The CASE CFItem identifier"})
    item_uri = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"})
    statement = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    human_coding_scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    proficiency = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    assessed_on = fields.Date(required=True)
    assessor_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    review_due = fields.Date(load_default=None, allow_none=True)


# --- Writers: loaded subject values -> JSON-LD credentialSubject part, title, default validUntil -----


@dataclass(frozen=True, slots=True)
class Written:
    claim: dict[str, Any]
    title: str
    lapses_on: date | None  # the default validUntil day, from the subject itself


def _identity(data: dict[str, Any]) -> Written:
    claim = {"documentType": data["identity_document"], "checkedOn": _iso(data["checked_on"])}
    return Written({"identityCheck": claim}, "Identity checked", None)


def _right_to_work(data: dict[str, Any]) -> Written:
    claim = _drop_none(
        {
            "permission": data["permission"],
            "checkMethod": data["check_method"],
            "checkedOn": _iso(data["checked_on"]),
            "expiresOn": _iso(data.get("expires_on")),
        }
    )
    title = "Right to work" + (" (time-limited)" if data["permission"] == "time_limited" else "")
    return Written({"rightToWork": claim}, title, data.get("expires_on"))


def _dbs(data: dict[str, Any]) -> Written:
    claim = _drop_none(
        {
            "level": data["level"],
            "workforce": data["workforce"],
            "certificateDate": _iso(data["certificate_date"]),
            "updateService": data["update_service"],
            "recheckDue": _iso(data.get("recheck_due")),
        }
    )
    title = f"DBS check: {data['level'].replace('_', ' ')}"
    return Written({"dbsCheck": claim}, title, data.get("recheck_due"))


def _registration(data: dict[str, Any]) -> Written:
    claim = {
        "regulator": data["regulator"],
        "pin": data["pin"],
        "registerPart": data["register_part"],
        "registerPartName": NMC_REGISTER_PARTS[data["register_part"]],
        "expiresOn": _iso(data["expires_on"]),
    }
    title = f"{data['regulator']} registration: {NMC_REGISTER_PARTS[data['register_part']]}"
    return Written({"professionalRegistration": claim}, title, data["expires_on"])


def _employment(data: dict[str, Any]) -> Written:
    claim = _drop_none(
        {
            "jobTitle": data["job_title"],
            "afcBand": data["afc_band"],
            "staffGroup": data["staff_group"],
            "staffGroupName": STAFF_GROUP_BY_CODE[data["staff_group"]].label,
            "startDate": _iso(data["start_date"]),
            "endDate": _iso(data.get("end_date")),
        }
    )
    return Written({"employment": claim}, f"Employment: {data['job_title']}, band {data['afc_band']}", None)


def training_expiry(data: dict[str, Any]) -> date:
    return data.get("expires_on") or add_months(
        data["completed_on"], refresher_months(data["subject_code"], data["level"])
    )


def _training(data: dict[str, Any]) -> Written:
    subject = CSTF_SUBJECTS_BY_CODE[data["subject_code"]]
    expires = training_expiry(data)
    claim = {
        "cstfSubject": subject.code,
        "subjectTitle": subject.title,
        "level": data["level"],
        "completedOn": _iso(data["completed_on"]),
        "expiresOn": _iso(expires),
    }
    return Written({"mandatoryTraining": claim}, f"{subject.title}, level {data['level']}", expires)


def _occupational_health(data: dict[str, Any]) -> Written:
    claim = _drop_none(
        {
            "fitnessOutcome": data["fitness_outcome"],
            "exposureProneProcedures": data["exposure_prone_procedures"],
            "immunisations": [
                {"disease": item["disease"], "status": item["status"]}
                for item in data.get("immunisations", [])
            ],
            "assessedOn": _iso(data["assessed_on"]),
            "reviewDue": _iso(data.get("review_due")),
        }
    )
    title = f"Occupational health clearance: {data['fitness_outcome'].replace('_', ' ')}"
    return Written({"occupationalHealthClearance": claim}, title, data.get("review_due"))


def _competency(data: dict[str, Any]) -> Written:
    claim = _drop_none(
        {
            "framework": data["framework_title"],
            "frameworkUri": data["framework_uri"],
            "itemIdentifier": str(data["item_identifier"]),
            "itemUri": data.get("item_uri"),
            "statement": data["statement"],
            "humanCodingScheme": data.get("human_coding_scheme"),
            "proficiency": data.get("proficiency"),
            "assessedOn": _iso(data["assessed_on"]),
            "assessor": data["assessor_name"],
            "reviewDue": _iso(data.get("review_due")),
        }
    )
    label = data.get("human_coding_scheme") or data["statement"][:80]
    return Written({"competency": claim}, f"Competency: {label}", data.get("review_due"))


@dataclass(frozen=True, slots=True)
class CredentialType:
    code: str
    vc_type: str
    label: str
    group: str
    schema: type[Schema]
    write: Callable[[dict[str, Any]], Written]

    def load(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validate a subject (marshmallow ValidationError when it is wrong)."""
        return _schema_instance(self.schema).load(data)


@functools.cache
def _schema_instance(schema: type[Schema]) -> Schema:
    # Building a schema deep-copies its fields; one instance per type serves every load.
    return schema()


CREDENTIAL_TYPES: dict[str, CredentialType] = {
    t.code: t
    for t in (
        CredentialType(
            "staff-identity",
            "StaffIdentityCredential",
            "Staff identity",
            "identity_checks",
            StaffIdentitySubject,
            _identity,
        ),
        CredentialType(
            "right-to-work",
            "RightToWorkCredential",
            "Right to work",
            "identity_checks",
            RightToWorkSubject,
            _right_to_work,
        ),
        CredentialType(
            "dbs-check", "DbsCheckCredential", "DBS check", "identity_checks", DbsCheckSubject, _dbs
        ),
        CredentialType(
            "occupational-health",
            "OccupationalHealthClearanceCredential",
            "Occupational health clearance",
            "identity_checks",
            OccupationalHealthSubject,
            _occupational_health,
        ),
        CredentialType(
            "professional-registration",
            "ProfessionalRegistrationCredential",
            "Professional registration",
            "registration",
            ProfessionalRegistrationSubject,
            _registration,
        ),
        CredentialType(
            "mandatory-training",
            "MandatoryTrainingCredential",
            "Mandatory training",
            "training",
            MandatoryTrainingSubject,
            _training,
        ),
        CredentialType(
            "competency", "CompetencyCredential", "Competency", "competencies", CompetencySubject, _competency
        ),
        CredentialType(
            "employment", "EmploymentCredential", "Employment", "employment", EmploymentSubject, _employment
        ),
    )
}
TYPE_BY_VC_TYPE = {t.vc_type: t for t in CREDENTIAL_TYPES.values()}


def credential_type_of(document: dict[str, Any]) -> CredentialType | None:
    """Our type of a credential document, from its ``type`` list (None for anything else)."""
    types = document.get("type") if isinstance(document, dict) else None
    for name in types if isinstance(types, list) else [types]:
        if isinstance(name, str) and name in TYPE_BY_VC_TYPE:
            return TYPE_BY_VC_TYPE[name]
    return None
