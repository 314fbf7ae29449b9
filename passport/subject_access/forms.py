"""The form HR fill in when a person asks for their data by letter, email or in person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from passport.forms import UkDateField
from passport.subject_access.requests import HOW_RECEIVED, MAX_NOTES

NOTES_TOO_LONG = f"Notes must be {MAX_NOTES} characters or fewer"


class RecordRequestForm(FlaskForm):
    staff_email = StringField(  # a name or an email address (passport/trusts/people.py)
        "Who is asking",
        description="Type part of their name to search your trust's staff, or their email address.",
        validators=[DataRequired("Enter the person's name or email address"), Length(max=254)],
    )
    received_on = UkDateField("Date received", description="The month's deadline runs from this day.")
    how_received = SelectField(
        "How it arrived",
        choices=[("", "Choose how it arrived"), *HOW_RECEIVED.items()],
        validators=[DataRequired("Choose how the request arrived")],
    )
    notes = TextAreaField(
        "Notes (optional)",
        description="For example, what they asked for or how they want the copy sent.",
        validators=[Optional(), Length(max=MAX_NOTES, message=NOTES_TOO_LONG)],
    )


class RequestActionForm(FlaskForm):
    """The buttons on a request's page (make the copy, mark it answered): the CSRF token only."""
