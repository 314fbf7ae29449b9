"""Web forms of the frameworks feature (Flask-WTF: CSRF token on every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from competencies.frameworks.models import SignOffMethod, SignOffOutcome
from competencies.frameworks.operations import CROSSWALK_TYPES, MAX_REFRESHER_MONTHS
from passport.forms import UkDateField


class ImportCaseForm(FlaskForm):
    package = FileField(
        "CASE package file",
        description="A CASE 1.1 CFPackage JSON file, as OpenSALT and other CASE tools export.",
        validators=[FileRequired("Choose a CASE package file")],
    )
    owner = SelectField("Owner", choices=[], validators=[Optional()])
    publish = BooleanField("Publish at once (otherwise it is imported as a draft)")


class NewVersionForm(FlaskForm):
    version_label = StringField(
        "New version label",
        description="For example 2 or 2026.1.",
        validators=[DataRequired("Enter a label for the new version"), Length(max=50)],
    )


class ItemForm(FlaskForm):
    human_coding_scheme = StringField("Code", validators=[Optional(), Length(max=100)])
    full_statement = TextAreaField(
        "Full statement", validators=[DataRequired("Enter the full statement"), Length(max=10_000)]
    )
    item_type = StringField("Item type", description="For example Domain, Competency or Indicator.",
                            validators=[Optional(), Length(max=100)])  # fmt: skip
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])


class NewItemForm(ItemForm):
    parent = SelectField("Add under", choices=[], validators=[Optional()])


class CrosswalkForm(FlaskForm):
    shared_item = StringField(
        "Shared item",
        description="The CASE identifier of the partnership's shared item (shown on its page).",
        validators=[DataRequired("Enter the identifier of the shared item"), Length(max=255)],
    )
    shared_version = SelectField("Shared framework version", choices=[], validators=[DataRequired()])
    association_type = SelectField(
        "Kind of match",
        choices=[
            (value, {"exactMatchOf": "Exact match", "isRelatedTo": "Related"}[value])
            for value in CROSSWALK_TYPES
        ],
    )


class RefresherForm(FlaskForm):
    subject_code = StringField(validators=[DataRequired()])
    level = IntegerField(validators=[InputRequired()])
    months = IntegerField(
        "Months",
        validators=[
            InputRequired("Enter a number of months"),
            NumberRange(
                1, MAX_REFRESHER_MONTHS, f"Enter a number of months from 1 to {MAX_REFRESHER_MONTHS}"
            ),
        ],
    )


class SignOffForm(FlaskForm):
    nurse = StringField(
        "Nurse's NMC PIN or email address",
        validators=[DataRequired("Enter the nurse's NMC PIN or email address"), Length(max=254)],
    )
    item = SelectField("Competency", choices=[], validators=[DataRequired("Choose the competency")])
    proficiency_level = SelectField("Proficiency level", choices=[], validators=[DataRequired()])
    method = SelectField(
        "Method",
        choices=[(m.value, m.value.capitalize()) for m in SignOffMethod],
        validators=[DataRequired()],
    )
    outcome = SelectField(
        "Outcome", choices=[(o.value, o.label) for o in SignOffOutcome], validators=[DataRequired()]
    )
    evidence = TextAreaField(
        "Evidence", description="A note or a link to the evidence.", validators=[Optional(), Length(max=2000)]
    )
    assessed_on = UkDateField("Date of assessment", description="For example, 23 11 2026")
    review_on = UkDateField(
        "Review date", description="The credential is valid until this date. For example, 23 11 2027"
    )


class WithdrawForm(FlaskForm):
    reason = StringField(
        "Reason (optional)",
        description="Kept with the withdrawn sign-off and given as the reason the credential is revoked.",
        validators=[Optional(), Length(max=500, message="The reason must be 500 characters or fewer")],
    )
