"""The sharing form (Flask-WTF: CSRF token on every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Optional

from passport.passports.operations import DEFAULT_SHARE_HOURS

HOUR_CHOICES = [
    ("1", "1 hour"),
    ("24", "1 day"),
    (str(DEFAULT_SHARE_HOURS), "3 days"),
    ("168", "7 days"),
    ("336", "14 days"),
    ("720", "30 days (the longest)"),
]


class ShareForm(FlaskForm):
    credential_ids = SelectMultipleField(
        "Credentials to share",
        coerce=int,
        choices=[],
        validators=[DataRequired("Choose at least one credential to share")],
    )
    hours = SelectField("How long the link works", choices=HOUR_CHOICES, default=str(DEFAULT_SHARE_HOURS))
    receiving_trust = SelectField(
        "Which trust are you showing it to? (optional)",
        description="Its HR team can then record that they verified your passport.",
        choices=[],
        validators=[Optional()],
    )
