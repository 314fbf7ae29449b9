"""Web forms of the metrics pages: the dashboard's filters (a GET form), the published-figures upload and
a trust's sickness absence target."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired, MultipleFileField
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import Optional, Regexp

from passport.formatting import plain_number
from passport.reference.workforce import AFC_BANDS, STAFF_GROUPS

_MONTH = Regexp(r"^\d{4}-\d{2}$", message="Enter the month as YYYY-MM, such as 2024-04")


class DashboardFilterForm(FlaskForm):
    """Read from the query string; it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    scope = SelectField("Figures for", choices=[], validators=[Optional()])
    from_month = StringField("From (YYYY-MM)", validators=[Optional(), _MONTH])
    to_month = StringField("To (YYYY-MM)", validators=[Optional(), _MONTH])
    staff_group = SelectField(
        "Staff group",
        choices=[("", "All staff groups")] + [(g.code, g.label) for g in STAFF_GROUPS],
        validators=[Optional()],
    )
    band = SelectField(
        "Band", choices=[("", "All bands")] + [(b, f"Band {b}") for b in AFC_BANDS], validators=[Optional()]
    )
    # Drill-down below the trust (passport.metrics.organisation): the choices are the chosen trust's, set
    # by the view; a name not found there is refused by the view with the reason, not as "not a choice".
    directorate = SelectField("Directorate", choices=[], validators=[Optional()], validate_choice=False)
    ward = SelectField("Ward or department", choices=[], validators=[Optional()], validate_choice=False)
    cost_centre = SelectField("Cost centre", choices=[], validators=[Optional()], validate_choice=False)
    # Making Data Count's recalculation: after a change in how things are done, the month-by-month
    # charts' mean and limits are worked out again from the month it took effect.
    limits_from = StringField(
        "Recalculate the month-by-month limits from (YYYY-MM, optional)",
        validators=[Optional(), _MONTH],
        description="The month a change took effect, inside the period shown.",
    )


class PublishedUploadForm(FlaskForm):
    # Several months at once: a year of NHS England's files is twelve of them. Imported together, so one
    # bad file refuses them all.
    file = MultipleFileField(
        "NHS England monthly sickness absence files (CSV or XLSX)",
        validators=[
            FileRequired("Choose at least one file to upload"),
            FileAllowed(["csv", "xlsx"], "Each file must be a CSV or XLSX file"),
        ],
    )


class PercentField(DecimalField):
    """A percentage typed in a text box: "4.5" or "4.5%"; a stored 4.50 is shown as 4.5 (plain_number).
    The range and decimal places are the operation's to check (passport.metrics.operations)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip().removesuffix("%").strip()
        self.data = None
        if not text:
            return
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError("Enter the target as a number, for example 4.5")
        self.data = number

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return plain_number(self.data)


class SicknessTargetForm(FlaskForm):
    sickness_target_percent = PercentField(
        "Sickness absence target (%)",
        validators=[Optional()],
        description=(
            "The rate your trust board aims to stay under, for example 4.5. Leave empty for no target."
        ),
    )
