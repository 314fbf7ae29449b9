"""Published NHS sickness figures: importing NHS England's monthly files, and the benchmark series.

An import reads every file completely before writing anything: one bad cell anywhere and nothing is
written. Rows are keyed on (month, organisation), so importing the same file again changes nothing.
Benchmarks are ratios of summed published days: an organisation's own, its region's, its organisation
type's and England's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.db import utcnow
from passport.errors import InvalidInput
from passport.metrics.models import PublishedSickness
from passport.metrics.published import PublishedSicknessRow, rate_percent, read_published_sickness
from passport.metrics.queries import month_index, month_of
from passport.workforce.tables import FileRejected

MAX_ERRORS_SHOWN = 10
_COPIED = (
    "org_name",
    "org_type",
    "region_code",
    "region_name",
    "ics_code",
    "ics_name",
    "fte_days_lost",
    "fte_days_available",
)


_DAYS_SCALE = Decimal("0.000001")  # the columns' scale: the publisher's float noise beyond it is dropped


def _stored_values(row: PublishedSicknessRow) -> dict[str, object]:
    """The row's values as the table holds them, so that an unchanged row compares equal."""
    values: dict[str, object] = {name: getattr(row, name) for name in _COPIED}
    for name in ("fte_days_lost", "fte_days_available"):
        values[name] = row._asdict()[name].quantize(_DAYS_SCALE)
    return values


@dataclass
class PublishedImportSummary:
    files: list[str] = field(default_factory=list)
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    months: list[str] = field(default_factory=list)


def read_published_files(
    files: Iterable[tuple[str, IO[bytes]]],
) -> dict[tuple[date, str], PublishedSicknessRow]:
    """Every row of every file, or InvalidInput naming each problem (file, row, column)."""
    rows: dict[tuple[date, str], PublishedSicknessRow] = {}
    problems: list[str] = []
    for filename, stream in files:
        try:
            result = read_published_sickness(stream, filename=filename)
        except FileRejected as error:
            problems.append(str(error))
            continue
        problems.extend(result.file_errors)
        problems.extend(
            f"{filename} row {error.row_number}, column {error.column}: {error.message}"
            for error in result.row_errors
        )
        if result.ok and not result.rows:
            problems.append(f"{filename} holds no rows of figures")
        for row in result.rows:
            rows[(row.month, row.org_code)] = row
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        message = (
            "Nothing was imported. " + "; ".join(shown) + (f"; and {more} more problems" if more else "")
        )
        raise InvalidInput(message, field="file")
    return rows


def import_published_sickness(
    session: Session, files: Sequence[tuple[str, IO[bytes]]], *, actor: object
) -> PublishedImportSummary:
    """Add or update published figures from NHS England monthly CSV (or XLSX) files."""
    rows = read_published_files(files)
    summary = PublishedImportSummary(files=[name for name, _ in files], rows=len(rows))
    existing = (
        {
            (record.month, record.org_code): record
            for record in session.scalars(
                select(PublishedSickness).where(
                    tuple_(PublishedSickness.month, PublishedSickness.org_code).in_(list(rows))
                )
            )
        }
        if rows
        else {}
    )
    for key, row in rows.items():
        record = existing.get(key)
        values = _stored_values(row)
        if record is None:
            session.add(PublishedSickness(month=row.month, org_code=row.org_code, **values))
            summary.added += 1
            continue
        changed = False
        for name, value in values.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed = True
        if changed:
            record.imported_at = utcnow()  # dashboards computed before this change are out of date
            summary.updated += 1
        else:
            summary.unchanged += 1
    summary.months = sorted({f"{month:%Y-%m}" for month, _org in rows})
    session.flush()
    record_event(
        session,
        actor=actor,
        action="metrics.published_sickness_imported",
        record_type="published_sickness",
        details={
            "files": summary.files,
            "rows": summary.rows,
            "added": summary.added,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
    )
    return summary


def published_months(session: Session) -> list[str]:
    return [
        f"{m:%Y-%m}"
        for m in session.scalars(select(PublishedSickness.month).distinct().order_by(PublishedSickness.month))
    ]


# --- Benchmark series ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchmarkMonth:
    month: int  # month index
    own: Decimal | None  # the organisations' own published rate (summed when several)
    region: Decimal | None
    org_type: Decimal | None
    england: Decimal | None


@dataclass(frozen=True)
class Benchmarks:
    org_codes: tuple[str, ...]
    region_names: tuple[str, ...]
    org_types: tuple[str, ...]
    months: dict[int, BenchmarkMonth]


def _rate(lost: object, available: object) -> Decimal | None:
    if not available:
        return None
    return rate_percent(Decimal(str(lost)), Decimal(str(available)))


def benchmark_series(
    session: Session, org_codes: Sequence[str], first_month: int, last_month: int
) -> Benchmarks:
    """Published rates per month for ``org_codes`` (summed), their regions, their organisation types and
    England, each a ratio of the summed published days; one scan of the published table."""
    first, last = month_of(first_month), month_of(last_month)
    p = PublishedSickness
    orgs = session.execute(
        select(p.region_code, p.region_name, p.org_type).where(p.org_code.in_(org_codes)).distinct()
    ).all()
    regions = sorted({row.region_code for row in orgs})
    region_names = sorted({row.region_name for row in orgs})
    org_types = sorted({row.org_type for row in orgs})

    def part(condition):  # type: ignore[no-untyped-def]
        return (
            func.sum(case((condition, p.fte_days_lost), else_=0)),
            func.sum(case((condition, p.fte_days_available), else_=0)),
        )

    own = part(p.org_code.in_(org_codes))
    region = part(p.region_code.in_(regions))
    org_type = part(p.org_type.in_(org_types))
    stmt = (
        select(p.month, *own, *region, *org_type, func.sum(p.fte_days_lost), func.sum(p.fte_days_available))
        .where(p.month >= first, p.month <= last)
        .group_by(p.month)
    )
    months = {}
    for row in session.execute(stmt):
        index = month_index(row[0])
        values = list(row[1:])
        months[index] = BenchmarkMonth(
            index,
            _rate(values[0], values[1]),
            _rate(values[2], values[3]),
            _rate(values[4], values[5]),
            _rate(values[6], values[7]),
        )
    return Benchmarks(tuple(org_codes), tuple(region_names), tuple(org_types), months)
