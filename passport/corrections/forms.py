"""The forms of a correction: what a person says the record should say (a text, a date or a reason for
sickness, by the kind of value), and HR's decision."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from passport.corrections.operations import MAX_DECISION_REASON, MAX_EXPLANATION, MAX_VALUE
from passport.forms import UkDateField
from passport.reference.workforce import SICKNESS_REASONS

EXPLANATION_HINT = "For example, where the right value can be checked. HR of your trust read this."


class _Explained(FlaskForm):
    explanation = TextAreaField(
        "Anything HR should know (optional)",
        description=EXPLANATION_HINT,
        validators=[
            Optional(),
            Length(max=MAX_EXPLANATION, message=f"Keep this to {MAX_EXPLANATION} characters or fewer"),
        ],
    )


class CorrectTextForm(_Explained):
    value = StringField(
        "What it should say",
        validators=[
            DataRequired("Enter what it should say"),
            Length(max=MAX_VALUE, message=f"Keep this to {MAX_VALUE} characters or fewer"),
        ],
    )


class CorrectDateForm(_Explained):
    value = UkDateField("Correct date", description="For example, 27 3 2025")


class CorrectReasonForm(_Explained):
    value = SelectField(
        "The correct reason",
        choices=[("", "Choose the reason"), *((r.code, f"{r.code} {r.label}") for r in SICKNESS_REASONS)],
        validators=[DataRequired("Choose the correct reason")],
    )


FORM_FOR_KIND: dict[str, type[_Explained]] = {
    "text": CorrectTextForm,
    "pin": CorrectTextForm,
    "date": CorrectDateForm,
    "reason": CorrectReasonForm,
}


class DecideForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=[("accept", "Accept and make the change"), ("decline", "Decline")],
        validators=[DataRequired("Choose whether to accept or decline the correction")],
    )
    reason = TextAreaField(
        "Reason (needed to decline)",
        description="The person reads this.",
        validators=[
            Optional(),
            Length(
                max=MAX_DECISION_REASON,
                message=f"Keep the reason to {MAX_DECISION_REASON} characters or fewer",
            ),
        ],
    )
