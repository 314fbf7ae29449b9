"""What web forms of every feature share."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

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


DATE_PARTS = ("day", "month", "year")
_DIGITS = re.compile(r"^[0-9]{1,4}$")


def date_parts_from(formdata: Any, name: str) -> dict[str, str]:
    """The NHS.UK date input's three boxes, ``<name>-day``, ``-month`` and ``-year``, as typed."""
    return {part: (formdata.get(f"{name}-{part}") or "").strip() for part in DATE_PARTS}


def parse_date_parts(parts: dict[str, str], label: str, *, required: bool) -> tuple[date | None, str | None]:
    """A date from its three boxes, or the NHS.UK error message for what is wrong with them."""
    missing = [part for part in DATE_PARTS if not parts[part]]
    if len(missing) == len(DATE_PARTS):
        return None, f"Enter the {label.lower()}" if required else None
    if missing:
        return None, f"{label} must include a {' and '.join(missing)}"
    if not all(_DIGITS.match(parts[part]) for part in DATE_PARTS) or len(parts["year"]) != 4:
        return None, f"{label} must be a real date"
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), None
    except ValueError:
        return None, f"{label} must be a real date"


class UkDateField(Field):
    """Three boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year`` read as one date."""

    def __init__(self, label: str | None = None, *, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.required = required
        self.parts: dict[str, str] = dict.fromkeys(DATE_PARTS, "")
        self.parse_error: str | None = None

    def process(self, formdata, data=None, extra_filters=None):  # type: ignore[no-untyped-def,override]
        self.process_errors = []
        self.parse_error = None
        self.data = None
        if formdata is not None:  # a submitted form: absent boxes count as empty ones
            self.parts = date_parts_from(formdata, self.name)
            self.data, self.parse_error = self._parse()
        elif isinstance(data, date):
            self.data = data
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}

    def _parse(self) -> tuple[date | None, str | None]:
        return parse_date_parts(self.parts, self.label.text, required=self.required)

    def pre_validate(self, form: Any) -> None:
        if self.parse_error:
            raise ValidationError(self.parse_error)
        if self.required and self.data is None:  # also a form sent with no fields at all
            raise ValidationError(f"Enter the {self.label.text.lower()}")

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""
