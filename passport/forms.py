"""What web forms of every feature share."""

from __future__ import annotations

from flask_wtf import FlaskForm

from passport.errors import DomainError


def attach_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Show a rule broken in an operation beside the field it names, as the NHS.UK error pattern asks;
    a rule that names no field of the form goes to the top of the error summary."""
    for field_name, messages in (error.errors or {"": [error.message]}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.append(error.message)
