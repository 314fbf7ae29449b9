"""The form HR fill in to hold a person's records."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from passport.record_keeping.holds import MAX_REASON


class PlaceHoldForm(FlaskForm):
    reason = TextAreaField(
        "Why are the records held?",
        description="For example, the case they are needed for. The person sees it in a copy of their data.",
        validators=[
            DataRequired("Enter why the records are held"),
            Length(max=MAX_REASON, message=f"The reason must be {MAX_REASON} characters or fewer"),
        ],
    )
