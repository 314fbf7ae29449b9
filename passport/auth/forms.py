"""Web forms of the accounts feature (Flask-WTF: CSRF token on every form)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from marshmallow import ValidationError as SchemaValidationError
from marshmallow import validate
from wtforms import EmailField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from passport.auth.models import Role
from passport.auth.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class EmailAddress:
    """The API's email check (marshmallow's), so the page and the API agree; WTForms' own ``Email``
    needs the email_validator package, which the service does not install."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.check = validate.Email()

    def __call__(self, form: Any, field: Any) -> None:
        try:
            self.check(field.data or "")
        except SchemaValidationError as error:
            raise ValidationError(self.message) from error


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address is too long"),
        ],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=MAX_PASSWORD_LENGTH)]
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        description="So you can tell your tokens apart, for example 'ESR sync'.",
        validators=[
            DataRequired("Enter a name for the token"),
            Length(max=100, message="Token name must be 100 characters or fewer"),
        ],
    )
    days = RadioField(
        "Expires after",
        description="Make a new token before this one expires; a program using it then stops.",
        choices=[("30", "30 days"), ("90", "90 days"), ("180", "180 days"), ("365", "1 year")],
        default="90",
        validators=[InputRequired("Choose when the token expires")],
    )


class CreateUserForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address"),
            EmailAddress("Enter an email address like name@trust.nhs.uk"),
        ],
    )
    display_name = StringField(
        "Full name", validators=[DataRequired("Enter the person's name"), Length(max=200)]
    )
    trust = SelectField("Trust", validators=[Optional()], choices=[])
    roles = SelectMultipleField(
        "Roles",
        choices=[(role.value, role.label) for role in Role],
        validators=[DataRequired("Choose at least one role")],
    )
    password = PasswordField(
        "Initial password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Tell the person to change it.",
        validators=[
            DataRequired("Enter a password"),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Password must be at least {MIN_PASSWORD_LENGTH} characters",
            ),
        ],
    )
