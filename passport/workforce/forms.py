"""Web forms of workforce records. Dates are UK dates typed into the NHS.UK date input (day, month
and year boxes), with the NHS.UK error messages ("First day must be a real date")."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from passport.forms import UkDateField
from passport.reference.workforce import (
    ABSENCE_CATEGORIES,
    AFC_BANDS,
    LEAVING_REASONS,
    SICKNESS_REASONS,
    STAFF_GROUPS,
)


def _sickness_choices() -> list[tuple[str, str]]:
    return [("", "Choose a reason (sickness only)")] + [
        (r.code, f"{r.code} {r.label}") for r in SICKNESS_REASONS
    ]


class AbsenceForm(FlaskForm):
    first_day = UkDateField("First day", description="For example, 15 3 2025")
    last_day = UkDateField(
        "Last day",
        required=False,
        description="Leave empty while the absence goes on. For example, 20 3 2025",
    )
    category = SelectField(
        "Kind of absence",
        choices=[(c.code, c.label) for c in ABSENCE_CATEGORIES],
        validators=[DataRequired("Choose the kind of absence")],
    )
    # A form sent without the box reads as no reason chosen (its first option), not as an unknown one.
    reason_code = SelectField("Sickness reason", choices=_sickness_choices(), default="")
    related_reason = StringField(
        "Related reason (optional)",
        validators=[Optional(), Length(max=100, message="Related reason must be 100 characters or fewer")],
    )

    def validate_reason_code(self, field: SelectField) -> None:
        if self.category.data == "SICKNESS" and not field.data:
            raise ValidationError("Choose the sickness reason")
        if self.category.data != "SICKNESS" and field.data:
            raise ValidationError("Only a sickness absence has a sickness reason")


class EndAbsenceForm(FlaskForm):
    last_day = UkDateField("Last day", description="The last day of the absence. For example, 20 3 2025")


class LeaverForm(FlaskForm):
    end_date = UkDateField("Leaving date", description="The last day in post. For example, 31 3 2025")
    leaving_reason = SelectField(
        "Leaving reason",
        choices=[("", "Choose a leaving reason")] + [(r.code, r.label) for r in LEAVING_REASONS],
        validators=[DataRequired("Choose the leaving reason")],
    )


class ImportForm(FlaskForm):
    kind = RadioField(
        "What the file holds",
        choices=[("assignments", "Assignments"), ("absences", "Absences")],
        validators=[DataRequired("Choose what the file holds")],
    )
    file = FileField(
        "Extract file",
        description="A CSV (UTF-8) or Excel (.xlsx) file exported from ESR.",
        validators=[FileRequired("Choose the file to import")],
    )
    partial = BooleanField("Import the good rows even if some rows are rejected")


class StaffFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form sent by GET changes nothing

    staff_group = SelectField(
        "Staff group",
        choices=[("", "Any staff group")] + [(g.code, g.label) for g in STAFF_GROUPS],
        default="",
    )
    afc_band = SelectField(
        "Agenda for Change band", choices=[("", "Any band")] + [(b, b) for b in AFC_BANDS], default=""
    )
    in_post_on = UkDateField("In post on", required=False, description="For example, 1 4 2025")
    name = StringField("Name or email", validators=[Optional(), Length(max=100)])
