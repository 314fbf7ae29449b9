"""Web forms of the metrics pages: the dashboard's filters (a GET form) and the published-figures upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired, MultipleFileField
from wtforms import SelectField, StringField
from wtforms.validators import Optional, Regexp

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
