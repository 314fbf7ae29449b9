"""Published NHS sickness absence rates (NHS England monthly organisation CSV) as benchmark rows.

Format of the files in shared/data/nhs-sickness-absence/: one row per organisation per month; DATE is the
last day of the month as DD/MM/YYYY ("30/04/2024"); day counts carry binary-float noise from the
publisher's pipeline ("45625.478970000004"), read exactly as Decimal; names with commas are quoted. The
published rate is FTE_DAYS_LOST / FTE_DAYS_AVAILABLE x 100 rounded half-up to 2 places; every row of
April 2024 to March 2025 recomputes to exactly the published figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, NamedTuple, TypeVar

from passport.reference.workforce import parse_date
from passport.workforce.tables import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_BYTES,
    Column,
    FileSpec,
    Finish,
    ParseResult,
    RowError,
    iter_parsed_chunks,
)

# Design contract: a cell whose FTE days available is this or less is suppressed, never shown.
SUPPRESSION_MAX_DAYS_AVAILABLE = Decimal(330)
_HUNDRED = Decimal(100)
_TWO_PLACES = Decimal("0.01")

KeyT = TypeVar("KeyT", bound=Hashable)


class PublishedSicknessRow(NamedTuple):
    row_number: int
    month: date  # first day of the month the figures cover
    region_code: str
    region_name: str
    ics_code: str
    ics_name: str
    org_code: str
    org_name: str
    org_type: str
    fte_days_lost: Decimal
    fte_days_available: Decimal
    published_rate_percent: Decimal | None

    @property
    def recomputed_rate_percent(self) -> Decimal:
        return rate_percent(self.fte_days_lost, self.fte_days_available)


def rate_percent(days_lost: Decimal, days_available: Decimal) -> Decimal:
    """Lost / available x 100, rounded half-up to 2 places as NHS England publishes it."""
    return (days_lost * _HUNDRED / days_available).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _text(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("a value is required")
    return text


def _upper_code(value: str) -> str:
    return _text(value).upper()


def _month(value: str) -> date:
    return parse_date(value).replace(day=1)


def _decimal(value: str) -> Decimal:
    text = _text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text} is not a number")
    return number


def _days_lost(value: str) -> Decimal:
    days = _decimal(value)
    if days < 0:
        raise ValueError(f"{days} days lost cannot be negative")
    return days


def _days_available(value: str) -> Decimal:
    days = _decimal(value)
    if days <= 0:
        raise ValueError(f"{days} days available must be more than 0")
    return days


def _optional_rate(value: str) -> Decimal | None:
    if not value.strip():
        return None
    return _decimal(value)


PUBLISHED_COLUMNS: tuple[Column, ...] = (
    Column("DATE", _month),
    Column("NHSE_REGION_CODE", _upper_code),
    Column("NHSE_REGION_NAME", _text),
    Column("ICS_CODE", _upper_code),
    Column("ICS_NAME", _text),
    Column("ORG_CODE", _upper_code),
    Column("ORG_NAME", _text),
    Column("ORG_TYPE", _text),
    Column("FTE_DAYS_LOST", _days_lost),
    Column("FTE_DAYS_AVAILABLE", _days_available),
    Column("SICKNESS_ABSENCE_RATE_PERCENT", _optional_rate),
)


def _published_finisher() -> Finish[PublishedSicknessRow]:
    first_row_of: dict[tuple[object, object], int] = {}  # (month, org) -> row: one figure per org per month

    def finish(
        row_number: int, values: list[object], errors: list[RowError] | None
    ) -> PublishedSicknessRow | list[RowError]:
        problems = errors or []
        month, org_code = values[0], values[5]
        if month is not None and org_code is not None:
            earlier = first_row_of.setdefault((month, org_code), row_number)
            if earlier != row_number:
                message = f"{org_code} already has figures for this month on row {earlier}"
                problems.append(RowError(row_number, "ORG_CODE", message))
        if problems:
            return problems
        return PublishedSicknessRow._make([row_number, *values])

    return finish


PUBLISHED_SICKNESS = FileSpec(PUBLISHED_COLUMNS, _published_finisher)


def iter_published_sickness_chunks(
    stream: IO[bytes],
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[ParseResult[PublishedSicknessRow]]:
    return iter_parsed_chunks(
        stream, PUBLISHED_SICKNESS, filename=filename, max_bytes=max_bytes, chunk_size=chunk_size
    )


def read_published_sickness(
    stream: IO[bytes], *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult[PublishedSicknessRow]:
    """Every row of one published monthly file (CSV, or the same columns in XLSX)."""
    result: ParseResult[PublishedSicknessRow] = ParseResult()
    for chunk in iter_published_sickness_chunks(stream, filename=filename, max_bytes=max_bytes):
        result.extend(chunk)
    return result


# --- Aggregation -------------------------------------------------------------------------------------
class SicknessRateAggregate(NamedTuple):
    fte_days_lost: Decimal
    fte_days_available: Decimal
    organisations: int  # rows summed

    @property
    def rate_percent(self) -> Decimal:
        return rate_percent(self.fte_days_lost, self.fte_days_available)

    @property
    def is_suppressed(self) -> bool:
        return self.fte_days_available <= SUPPRESSION_MAX_DAYS_AVAILABLE


def aggregate_sickness_rates(
    rows: Iterable[PublishedSicknessRow], key: Callable[[PublishedSicknessRow], KeyT]
) -> dict[KeyT, SicknessRateAggregate]:
    """Ratio of sums per key: sum of days lost / sum of days available, never an average of rates."""
    lost: dict[KeyT, Decimal] = {}
    available: dict[KeyT, Decimal] = {}
    count: dict[KeyT, int] = {}
    for row in rows:
        k = key(row)
        lost[k] = lost.get(k, Decimal(0)) + row.fte_days_lost
        available[k] = available.get(k, Decimal(0)) + row.fte_days_available
        count[k] = count.get(k, 0) + 1
    return {k: SicknessRateAggregate(lost[k], available[k], count[k]) for k in lost}


# Monthly keys for the usual benchmarks; pass your own key (e.g. lambda r: r.org_type) for other cuts.
def by_region(row: PublishedSicknessRow) -> tuple[date, str]:
    return row.month, row.region_code


def by_org_type(row: PublishedSicknessRow) -> tuple[date, str]:
    return row.month, row.org_type


def by_england(row: PublishedSicknessRow) -> tuple[date, str]:
    return row.month, "England"
