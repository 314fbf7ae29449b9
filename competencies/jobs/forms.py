"""Web forms of job descriptions. Lists (duties, criteria, requirements) are typed one per line, in a
short syntax shown beside each box; the lines become the same structure the API takes."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from competencies.jobs.models import JobVersion
from competencies.jobs.operations import ASSESSED_BY, LOCAL_FIELDS, PERSON_SPEC_CATEGORIES
from passport.errors import DomainError
from passport.reference.workforce import AFC_BANDS, STAFF_GROUPS

DUTIES_HINT = (
    "One duty a line, starting with its area and a colon: 'Clinical care: Assesses patients' needs'."
)
SPEC_HINT = (
    "One criterion a line: category | essential or desirable | how assessed | wording. Categories: "
    + ", ".join(PERSON_SPEC_CATEGORIES)
    + "; assessed by "
    + ", ".join(ASSESSED_BY)
    + " (several with commas)."
)
REQUIREMENTS_HINT = (
    "One a line, optionally starting with 'desirable'. 'credential dbs-check min_level=enhanced'; "
    "'credential professional-registration register_parts=nursing'; 'training CSTF-FIRE 1'; "
    "'competency <CASE item identifier or URI> competent'."
)


class JobForm(FlaskForm):
    title = StringField("Job title", validators=[DataRequired("Enter the job title"), Length(max=200)])
    afc_band = SelectField("Agenda for Change band", choices=[(b, f"Band {b}") for b in AFC_BANDS])
    staff_group = SelectField("Staff group", choices=[(g.code, g.label) for g in STAFF_GROUPS])
    hours = StringField("Hours a week", validators=[DataRequired("Enter the hours a week")])
    reports_to = StringField("Reports to", validators=[DataRequired("Enter who the post reports to")])
    accountable_to = StringField(
        "Professionally accountable to", validators=[DataRequired("Enter who the post is accountable to")]
    )
    purpose = TextAreaField("Job purpose", validators=[DataRequired("Enter the job purpose")])
    duties = TextAreaField("Duties", description=DUTIES_HINT, validators=[DataRequired("Enter the duties")])
    person_spec = TextAreaField("Person specification", description=SPEC_HINT, validators=[Optional()])
    local_fields = SelectMultipleField(
        "Fields each trust fills in", choices=list(LOCAL_FIELDS.items()), validators=[Optional()]
    )
    requirements = TextAreaField("Requirements the fit check tests", description=REQUIREMENTS_HINT)


class ApproveForm(FlaskForm):
    content_hash = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that posts (put to approval, new version): only the CSRF token."""


class FitCheckForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    email = StringField(  # a name or an email address (passport/trusts/people.py); ?email= links still work
        "Nurse",
        description="Type part of their name to search your trust's staff, or their email address.",
        validators=[DataRequired("Enter the nurse's name or email address"), Length(max=254)],
    )


class LineError(DomainError):
    status = 422


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_duties(text: str | None) -> list[dict[str, Any]]:
    areas: dict[str, list[str]] = {}
    for number, line in enumerate(_lines(text), start=1):
        area, colon, duty = line.partition(":")
        if not colon or not area.strip() or not duty.strip():
            raise LineError(f"Line {number}: write the area, a colon, then the duty.", field="duties")
        areas.setdefault(area.strip(), []).append(duty.strip())
    return [{"area": area, "duties": duties} for area, duties in areas.items()]


def parse_person_spec(text: str | None) -> list[dict[str, Any]]:
    criteria = []
    for number, line in enumerate(_lines(text), start=1):
        parts = [part.strip() for part in line.split("|", 3)]
        if len(parts) != 4 or parts[1].lower() not in {"essential", "desirable"}:
            raise LineError(
                f"Line {number}: write category | essential or desirable | how assessed | wording.",
                field="person_spec",
            )
        criteria.append(
            {
                "category": parts[0].lower(),
                "essential": parts[1].lower() == "essential",
                "assessed_by": [a.strip().lower() for a in parts[2].split(",") if a.strip()],
                "criterion": parts[3],
            }
        )
    return criteria


def parse_requirements(text: str | None) -> list[dict[str, Any]]:
    requirements = []
    for number, line in enumerate(_lines(text), start=1):
        words = line.split()
        essential = True
        if words[0].lower() == "desirable":
            essential, words = False, words[1:]
        if len(words) < 2:
            raise LineError(f"Line {number}: write the kind and what it names.", field="requirements")
        kind, name, rest = words[0].lower(), words[1], words[2:]
        spec: dict[str, Any] = {"kind": kind, "essential": essential}
        if kind == "credential":
            conditions: dict[str, Any] = {}
            for word in rest:
                key, equals, value = word.partition("=")
                if not equals:
                    raise LineError(f"Line {number}: write conditions as name=value.", field="requirements")
                conditions[key] = value.split(",") if key in {"register_parts", "fitness_outcomes"} else value
            if conditions.get("register_parts") == ["nursing"]:
                conditions["register_parts"] = "nursing"
            spec.update(credential_type=name, conditions=conditions)
        elif kind == "training":
            spec.update(
                cstf_subject=name.upper(), min_level=int(rest[0]) if rest and rest[0].isdigit() else 1
            )
        else:
            spec.update(item=name, min_proficiency=rest[0] if rest else "competent")
        requirements.append(spec)
    return requirements


def content_from_form(form: JobForm) -> dict[str, Any]:
    return {
        "title": form.title.data,
        "afc_band": form.afc_band.data,
        "staff_group": form.staff_group.data,
        "hours": form.hours.data,
        "reports_to": form.reports_to.data,
        "accountable_to": form.accountable_to.data,
        "purpose": form.purpose.data,
        "duties": parse_duties(form.duties.data),
        "person_spec": parse_person_spec(form.person_spec.data),
        "local_fields": form.local_fields.data or [],
        "requirements": parse_requirements(form.requirements.data),
    }


def _requirement_line(requirement: Any) -> str:
    prefix = "" if requirement.essential else "desirable "
    if requirement.kind == "credential":
        conditions = " ".join(
            f"{key}={','.join(value) if isinstance(value, list) else value}"
            for key, value in (requirement.conditions or {}).items()
        )
        return f"{prefix}credential {requirement.credential_type} {conditions}".strip()
    if requirement.kind == "training":
        return f"{prefix}training {requirement.cstf_subject} {requirement.min_level}"
    return f"{prefix}competency {requirement.item_identifier} {requirement.min_proficiency}"


def fill_form(form: JobForm, version: JobVersion) -> None:
    form.title.data = version.title
    form.afc_band.data = version.afc_band
    form.staff_group.data = version.staff_group
    form.hours.data = str(version.hours)
    form.reports_to.data = version.reports_to
    form.accountable_to.data = version.accountable_to
    form.purpose.data = version.purpose
    form.duties.data = "\n".join(f"{g['area']}: {d}" for g in version.duties for d in g["duties"])
    form.person_spec.data = "\n".join(
        f"{c['category']} | {'essential' if c['essential'] else 'desirable'} | "
        f"{', '.join(c['assessed_by'])} | {c['criterion']}"
        for c in version.person_spec
    )
    form.local_fields.data = list(version.local_fields)
    form.requirements.data = "\n".join(_requirement_line(r) for r in version.requirements)


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Put a rule's message beside the box it came from: 'requirements.2.item' belongs to the
    requirements box, line 3."""
    for key, messages in (error.errors or {"": [error.message]}).items():
        name, _, rest = key.partition(".")
        field = getattr(form, name, None) if name else None
        if field is None or not hasattr(field, "errors"):
            form.form_errors.append(error.message)
            continue
        index = rest.split(".", 1)[0]
        line = f"Line {int(index) + 1}: " if index.isdigit() else ""
        field.errors = [*field.errors, *(f"{line}{message}" for message in messages)]
