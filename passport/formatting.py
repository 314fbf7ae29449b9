"""Numbers and times written for people: never in exponent notation; dates and times one way.

Every date a person reads is written as ``uk_date`` writes it (2 December 2026); a date with a time as
``uk_date_time`` writes it (2 December 2026 at 14:05), always in UK time (GMT or BST: the time on a
clock in the trusts), so no page mixes zones; a month figure as ``uk_month`` (April 2024). Machines get
ISO 8601: ``iso`` for a ``<time datetime>`` attribute, ``isoformat()`` in JSON, CSV and the command
line. tests/unit/test_dates_for_people.py fails on any other date format in the templates or the code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
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


def uk_date(day: date | datetime | None) -> str:
    """2 December 2026: a calendar day as written; a moment is read in UK time (GMT or BST) first.
    Empty for no value."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(UK).date()
    return f"{day.day} {day:%B %Y}"


def uk_date_time(moment: datetime | None) -> str:
    """2 December 2026 at 14:05, in UK time (GMT or BST). Empty for no value."""
    if moment is None:
        return ""
    local = moment.astimezone(UK)
    return f"{uk_date(local.date())} at {local:%H:%M}"


def uk_month(month: date | str | None) -> str:
    """April 2024: a month figure, from any day in the month or the ISO month ("2024-04") that CSV
    downloads, the API and the charts use. Empty for no value."""
    if month is None or month == "":
        return ""
    if isinstance(month, str):
        month = date.fromisoformat(f"{month}-01")
    return f"{month:%B %Y}"


def iso(value: date | datetime | None) -> str:
    """ISO 8601 for machines, as a ``<time datetime="...">`` attribute wants it: 2026-12-02 for a day,
    2026-12-02T14:05:09Z for a moment (in UTC, to the second). Empty for no value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return value.isoformat()
