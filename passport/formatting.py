"""Numbers written for people: pages and messages never show a number in exponent notation."""

from __future__ import annotations

from decimal import Decimal


def plain_number(value: Decimal | float | int | None) -> str:
    """100, 0.8, 37.5, 1,250: no exponent (Decimal's normalize() alone gives 1E+2 for 100), no trailing
    zeros, thousands separated by commas. Empty for no value."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{number.normalize():,f}"
