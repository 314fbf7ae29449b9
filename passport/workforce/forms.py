"""Web forms of workforce records. Dates are UK dates typed into the NHS.UK date input (day, month
and year boxes), with the NHS.UK error messages ("First day must be a real date")."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Field, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from passport.reference.workforce import (
    ABSENCE_CATEGORIES,
    AFC_BANDS,
    LEAVING_REASONS,
    SICKNESS_REASONS,
    STAFF_GROUPS,
)

DATE_PARTS = ("day", "month", "year")
_DIGITS = re.compile(r"^[0-9]{1,4}$")


class UkDateField(Field):
    """Three boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year`` read as one date."""

    def __init__(self, label: str | None = None, *, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.required = required
        self.parts: dict[str, str] = dict.fromkeys(DATE_PARTS, "")
        self.parse_error: str | None = None

    def process(self, formdata, data=None, extra_filters=None):  # type: ignore[no-untyped-def,override]
        self.process_errors = []
        self.parse_error = None
        self.data = None
        if formdata is not None:  # a submitted form: absent boxes count as empty ones
            self.parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in DATE_PARTS}
            self.data, self.parse_error = self._parse()
        elif isinstance(data, date):
            self.data = data
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}

    def _parse(self) -> tuple[date | None, str | None]:
        label = self.label.text
        missing = [part for part in DATE_PARTS if not self.parts[part]]
        if len(missing) == len(DATE_PARTS):
            return None, f"Enter the {label.lower()}" if self.required else None
        if missing:
            return None, f"{label} must include a {' and '.join(missing)}"
        if not all(_DIGITS.match(self.parts[part]) for part in DATE_PARTS) or len(self.parts["year"]) != 4:
            return None, f"{label} must be a real date"
        try:
            return date(int(self.parts["year"]), int(self.parts["month"]), int(self.parts["day"])), None
        except ValueError:
            return None, f"{label} must be a real date"

    def pre_validate(self, form: Any) -> None:
        if self.parse_error:
            raise ValidationError(self.parse_error)
        if self.required and self.data is None:  # also a form sent with no fields at all
            raise ValidationError(f"Enter the {self.label.text.lower()}")

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""


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
    reason_code = SelectField("Sickness reason", choices=_sickness_choices())
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
    progress_key = HiddenField(validators=[Optional(), Length(max=64)])


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
