"""Numbers and times written for people: never in exponent notation; times in UK time, one way."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def plain_number(value: Decimal | float | int | None) -> str:
    """100, 0.8, 37.5, 1,250: no exponent (Decimal's normalize() alone gives 1E+2 for 100), no trailing
    zeros, thousands separated by commas. Empty for no value."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{number.normalize():,f}"


def uk_date(day: date | datetime) -> str:
    """2 December 2026: a calendar day as written; a moment is read in UK time (GMT or BST) first."""
    if isinstance(day, datetime):
        day = day.astimezone(UK).date()
    return f"{day.day} {day:%B %Y}"


def uk_date_time(moment: datetime) -> str:
    """2 December 2026 at 14:05, in UK time (GMT or BST)."""
    return moment.astimezone(UK).strftime("%-d %B %Y at %H:%M")
