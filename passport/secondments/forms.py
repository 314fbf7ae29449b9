"""Web forms of secondments. Dates use the workforce pages' UK date field (day, month, year boxes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from passport.forms import UkDateField


class ProposeForm(FlaskForm):
    staff_email = StringField(  # a name or an email address (passport/trusts/people.py)
        "Nurse",
        description="Type part of their name to search the partner trusts' staff, or their email address.",
        validators=[DataRequired("Enter the nurse's name or email address"), Length(max=254)],
    )
    job_version_id = SelectField("Job description", description="One your trust has adopted.", choices=[])
    start_date = UkDateField("Start date", description="For example, 1 3 2027")
    end_date = UkDateField("End date", description="For example, 31 8 2027")
    fte = StringField(
        "FTE (optional)",
        description="Whole-time equivalent, for example 0.8. Give this or the hours a week.",
        validators=[Optional(), Length(max=10)],
    )
    hours_per_week = StringField(
        "Hours a week (optional)",
        description="For example, 30. Give this or the FTE.",
        validators=[Optional(), Length(max=10)],
    )
    recharge_percent = StringField(
        "Recharge (% of the nurse's pay the host trust reimburses)",
        description="From 0 to 100.",
        validators=[DataRequired("Enter the recharge percentage"), Length(max=10)],
    )
    reason = TextAreaField(
        "Reason for the secondment",
        validators=[DataRequired("Enter the reason for the secondment"), Length(max=2000)],
    )


class StepForm(FlaskForm):
    step = HiddenField(validators=[DataRequired("Choose what to do")])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])
    override_reason = TextAreaField(
        "Reason to override the fit check (only if essential requirements are missing)",
        validators=[Optional(), Length(max=2000)],
    )
    new_end_date = UkDateField("New end date", required=False, description="For example, 31 8 2027")


class FinalStepForm(FlaskForm):
    """The confirmation page of a step that ends a secondment for good (``state.FINAL_STEPS``): a note for
    the timeline, and the last day when it ends early (required then: the view says so)."""

    note = TextAreaField(
        "Note (optional)",
        description="Shown on the secondment's timeline to HR of both trusts and the nurse.",
        validators=[Optional(), Length(max=2000)],
    )
    ended_on = UkDateField("Last day at the host trust", required=False, description="For example, 31 5 2027")


class ListFilterForm(FlaskForm):
    """The dates of the secondments list's filters (its direction and status are read by the view)."""

    class Meta:
        csrf = False  # a search form sent by GET changes nothing

    on_or_after = UkDateField(
        "Running on or after",
        required=False,
        description="Still going on this day or later. For example, 1 4 2027",
    )
    on_or_before = UkDateField(
        "Starting on or before",
        required=False,
        description="Starting on this day or sooner. For example, 30 6 2027",
    )
