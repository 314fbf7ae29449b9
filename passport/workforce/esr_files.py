"""Reading ESR-style assignment and absence extracts (CSV or XLSX) into plain, storage-neutral rows.

Nothing here touches the database: rows come out as NamedTuples with their 1-based file row number (the
header is row 1), every bad cell becomes a RowError naming row, column and value, and anything that makes
the whole file unreadable becomes a file error. The import operations decide what to do with them.

Speed matters (the import target is 50,000 rows a second end to end), so conversions of values that repeat
(dates, FTEs, codes) are memoised and each row costs one list and one NamedTuple.
"""

from __future__ import annotations

import csv
import io
import operator
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from tempfile import SpooledTemporaryFile
from typing import IO, Generic, NamedTuple, TypeVar

from passport.reference.workforce import (
    REQUIRED,
    PersonType,
    format_uk_date,
    parse_absence_category,
    parse_afc_band,
    parse_date,
    parse_fte,
    parse_leaving_reason,
    parse_person_type,
    parse_sickness_reason,
    parse_staff_group,
)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_CHUNK_SIZE = 10_000
# An .xlsx is a zip: refuse one whose contents expand beyond a fixed size before reading any of it (a zip
# bomb, ASVS 12.1.2), and stop reading one that takes too long. A zip entry never yields more than the
# size its directory declares. Large extracts come as CSV; a workbook is a small file saved from Excel.
MAX_XLSX_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_XLSX_READ_SECONDS = 120

RowT = TypeVar("RowT")


class RowError(NamedTuple):
    row_number: int
    column: str
    message: str


@dataclass(slots=True)
class ParseResult(Generic[RowT]):
    rows: list[RowT] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    rows_read: int = 0  # data rows seen, blank rows not counted

    @property
    def ok(self) -> bool:
        return not self.row_errors and not self.file_errors

    @property
    def rejected_row_numbers(self) -> set[int]:
        return {error.row_number for error in self.row_errors}

    def extend(self, other: ParseResult[RowT]) -> None:
        self.rows.extend(other.rows)
        self.row_errors.extend(other.row_errors)
        self.file_errors.extend(other.file_errors)
        self.rows_read += other.rows_read


class FileRejected(Exception):
    """The whole file cannot be read; the message is for the person who uploaded it."""


# --- Values ------------------------------------------------------------------------------------------
# NMC PIN: 2 digits, a month letter, 4 digits, a country letter (e.g. 12A3456E).
_NMC_PIN = re.compile(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]")


def cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV would hold: 12345678.0 -> "12345678", 0.8 -> "0.8", a date ->
    DD/MM/YYYY, None -> "". Converters then only ever see text."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return format_uk_date(value)
    return str(value)


# Converters take the cell text and return the value or raise ValueError naming the bad value. Those for
# values that repeat across rows are memoised (CSV cells are fresh strings, but equal ones hash alike).
def _required_text(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise ValueError(REQUIRED)
    return stripped


def _optional_text(text: str) -> str | None:
    return text.strip() or None


def _optional_date(text: str) -> date | None:
    return parse_date(text) if text and not text.isspace() else None


def _email(text: str) -> str:
    # Lower-cased so the same person matches across trusts whatever case each ESR holds.
    email = text.strip().lower()
    if not email:
        raise ValueError(REQUIRED)
    local, _, domain = email.partition("@")
    # Shape only (one @, a dotted domain, no spaces); whether the mailbox exists is not ours to know.
    if not local or "@" in domain or " " in email or "." not in domain[1:-1]:
        raise ValueError(f"{email} is not an email address")
    return email


@lru_cache(maxsize=1024)
def _org_code(text: str) -> str:
    code = _required_text(text).upper()
    if not (code.isascii() and code.isalnum()):
        raise ValueError(f"{code} is not an organisation code")
    return code


@lru_cache(maxsize=1024)
def _staff_group_code(text: str) -> str:
    return parse_staff_group(_required_text(text)).code


@lru_cache(maxsize=256)
def _optional_band(text: str) -> str | None:
    return parse_afc_band(text) if text.strip() else None


@lru_cache(maxsize=1024)
def _optional_leaving_reason(text: str) -> str | None:
    return parse_leaving_reason(text).code if text.strip() else None


@lru_cache(maxsize=64)
def _person_type(text: str) -> PersonType:
    return parse_person_type(text) if text.strip() else PersonType.EMPLOYEE


def _nmc_pin(text: str) -> str | None:
    pin = "".join(text.upper().split())
    if pin and _NMC_PIN.fullmatch(pin) is None:
        raise ValueError(f"{pin} is not an NMC PIN (expected like 12A3456E)")
    return pin or None


@lru_cache(maxsize=256)
def _absence_category(text: str) -> tuple[str, bool]:
    category = parse_absence_category(_required_text(text))
    return category.code, category.counts_as_sickness


@lru_cache(maxsize=1024)
def _sickness_reason_code(text: str) -> str:
    return parse_sickness_reason(text).code


# --- Headers -----------------------------------------------------------------------------------------
def normalise_header(value: object) -> str:
    """Lower case, '_' read as a space, outer spaces dropped, inner runs of spaces collapsed."""
    return " ".join(cell_text(value).replace("_", " ").lower().split())


class Column(NamedTuple):
    header: str  # canonical header, used in error messages
    convert: Callable[[str], object]
    required: bool = True
    default: object = None  # value for every row when an optional column is absent


Plan = list[tuple[str, int, Callable[[str], object]]]


def plan_columns(header: Sequence[object], columns: Sequence[Column], filename: str) -> Plan:
    """Where each column sits in this file; a missing required column rejects the file."""
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(header):
        positions.setdefault(normalise_header(cell), []).append(index)
    missing = [c.header for c in columns if c.required and normalise_header(c.header) not in positions]
    if missing:
        raise FileRejected(
            f"{filename} is missing the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )
    repeated = [c.header for c in columns if len(positions.get(normalise_header(c.header), ())) > 1]
    if repeated:
        raise FileRejected(f"{filename} has the column {', '.join(repeated)} more than once")
    plan: Plan = []
    for column in columns:
        found = positions.get(normalise_header(column.header))
        if found:
            plan.append((column.header, found[0], column.convert))
        else:
            default = column.default
            plan.append((column.header, 0, lambda _cell, default=default: default))
    return plan


# --- Tables (CSV or XLSX) ----------------------------------------------------------------------------
class Table(NamedTuple):
    """Header and data rows (as text) of a CSV file or a workbook's first sheet."""

    header: Sequence[object]
    rows: Iterator[Sequence[object]]
    close: Callable[[], None]  # releases the workbook or text wrapper; the caller's stream stays open


def _within_limit(stream: IO[bytes], filename: str, max_bytes: int) -> IO[bytes]:
    """The stream itself if it can be measured, else a spooled copy; either way refused when too big."""
    too_big = f"{filename} is larger than the {max_bytes / (1024 * 1024):g} MB limit"
    if getattr(stream, "seekable", lambda: False)():
        start = stream.tell()
        size = stream.seek(0, io.SEEK_END) - start
        stream.seek(start)
        if size > max_bytes:
            raise FileRejected(too_big)
        return stream
    spool: IO[bytes] = SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - the table closes it
    copied = 0
    while block := stream.read(min(1024 * 1024, max_bytes + 1 - copied)):
        copied += len(block)
        if copied > max_bytes:
            spool.close()
            raise FileRejected(too_big)
        spool.write(block)
    spool.seek(0)
    return spool


def not_utf8_message(filename: str) -> str:
    # No row number: text is decoded in blocks, so where decoding fails says little about which row is bad.
    return f"{filename} is not UTF-8 text; save it as CSV UTF-8"


def open_table(stream: IO[bytes], *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Table:
    """Open a CSV (UTF-8, BOM or not) or XLSX upload, telling them apart by content, not by name."""
    source = _within_limit(stream, filename, max_bytes)
    spooled = source is not stream  # our copy of a stream that could not seek: ours to close
    try:
        table = _open_source(source, filename, max_bytes)
    except FileRejected:
        if spooled:
            source.close()
        raise
    if not spooled:
        return table

    def close() -> None:
        table.close()
        source.close()

    return table._replace(close=close)


def _open_source(stream: IO[bytes], filename: str, max_bytes: int) -> Table:
    start = stream.tell()
    head = stream.read(8)
    stream.seek(start)
    if head.startswith(b"PK"):
        return _open_xlsx(stream, filename, max_bytes)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(f"{filename} is an old .xls workbook; save it as .xlsx or CSV UTF-8")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(f"{filename} is UTF-16 text; save it as CSV UTF-8")
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    rows = csv.reader(text)
    try:
        header = next(rows, None)
    except UnicodeDecodeError:
        problem = not_utf8_message(filename)
    except csv.Error as exc:
        problem = f"{filename} could not be read as CSV: {exc}"
    else:
        if header and any(header):
            return Table(header, rows, text.detach)
        problem = f"{filename} is empty"
    text.detach()
    raise FileRejected(problem)


def _open_xlsx(stream: IO[bytes], filename: str, max_bytes: int) -> Table:
    not_excel = f"{filename} is not an Excel workbook"
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRejected(not_excel) from None
    if not any(entry.filename == "xl/workbook.xml" for entry in entries):
        raise FileRejected(not_excel)
    expanded = sum(entry.file_size for entry in entries)
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise FileRejected(
            f"{filename} expands to {expanded / (1024 * 1024):,.0f} MB when unzipped: at most "
            f"{MAX_XLSX_EXPANDED_BYTES // (1024 * 1024)} MB is allowed (save it as CSV and import that)"
        )
    stream.seek(start)
    import openpyxl  # imported here: loading it costs ~100 ms and CSV imports never need it

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileRejected(f"{not_excel} that can be read ({exc.__class__.__name__})") from exc
    if not workbook.worksheets:
        workbook.close()
        raise FileRejected(f"{filename} has no worksheet")
    sheet_rows = workbook.worksheets[0].iter_rows(values_only=True)

    deadline = time.monotonic() + MAX_XLSX_READ_SECONDS

    def rows() -> Iterator[Sequence[object]]:
        try:
            for row in sheet_rows:
                if time.monotonic() > deadline:
                    break
                yield [cell_text(value) for value in row]  # the converters see what a CSV would hold
            else:
                return
        except Exception as exc:  # damaged sheet XML shows up only while reading
            raise FileRejected(f"{filename} has a damaged worksheet ({exc.__class__.__name__})") from exc
        raise FileRejected(
            f"{filename} took more than {MAX_XLSX_READ_SECONDS} s to read: save it as CSV and import that"
        )

    data = rows()
    try:
        header = next(data, None)
    except FileRejected:
        workbook.close()
        raise
    if not header or not any(header):
        workbook.close()
        raise FileRejected(f"{filename} is empty")
    return Table(header, data, workbook.close)


# Turns one row's converted values (None where a cell was bad) into a row, or into that row's errors.
Finish = Callable[[int, list[object], list[RowError] | None], RowT | list[RowError]]


class FileSpec(NamedTuple, Generic[RowT]):
    columns: Sequence[Column]
    new_finisher: Callable[[], Finish[RowT]]  # one per file: finishers may remember rows seen (duplicates)


# --- Row engine --------------------------------------------------------------------------------------
def iter_parsed_chunks(
    stream: IO[bytes], spec: FileSpec[RowT], *, filename: str, max_bytes: int, chunk_size: int
) -> Iterator[ParseResult[RowT]]:
    """Parse a file in chunks of chunk_size data rows.

    A file error can come in any chunk (a bad byte half-way through a CSV); the caller must treat a file
    error in any chunk as the whole file refused.
    """
    try:
        table = open_table(stream, filename=filename, max_bytes=max_bytes)
    except FileRejected as exc:
        yield ParseResult(file_errors=[str(exc)])
        return
    try:
        yield from _parse_table(table, spec, filename, chunk_size)
    finally:
        table.close()


def _parse_table(
    table: Table, spec: FileSpec[RowT], filename: str, chunk_size: int
) -> Iterator[ParseResult[RowT]]:
    try:
        plan = plan_columns(table.header, spec.columns, filename)
    except FileRejected as exc:
        yield ParseResult(file_errors=[str(exc)])
        return
    finish = spec.new_finisher()
    width = max(index for _, index, _ in plan) + 1
    padding = [""] * width
    converters = [convert for _, _, convert in plan]
    # itemgetter with one index returns a bare cell, not a tuple; the dummy index keeps it a tuple.
    pick = operator.itemgetter(*(index for _, index, _ in plan), 0)
    result: ParseResult[RowT] = ParseResult()
    row_number = 1
    try:
        for cells in table.rows:
            row_number += 1
            if not any(cells):
                continue  # blank lines and Excel's empty trailing rows
            if len(cells) < width:
                cells = [*cells, *padding[len(cells) :]]
            errors: list[RowError] | None = None
            try:  # fast path, every cell good: one C-level pick of the cells and one comprehension
                values = [convert(cell) for convert, cell in zip(converters, pick(cells), strict=False)]
            except ValueError:
                values, errors = _convert_reporting_errors(row_number, cells, plan)
            outcome = finish(row_number, values, errors)
            if type(outcome) is list:
                result.row_errors.extend(outcome)
            else:
                result.rows.append(outcome)  # type: ignore[arg-type]
            result.rows_read += 1
            if result.rows_read >= chunk_size:
                yield result
                result = ParseResult()
    except FileRejected as exc:
        result.file_errors.append(str(exc))
    except UnicodeDecodeError:
        result.file_errors.append(not_utf8_message(filename))
    except csv.Error as exc:
        result.file_errors.append(f"{filename} could not be read as CSV at row {row_number}: {exc}")
    yield result


def _convert_reporting_errors(
    row_number: int, cells: Sequence[object], plan: Plan
) -> tuple[list[object], list[RowError] | None]:
    """Slow path for a row with a bad cell: convert cell by cell so every bad cell is reported."""
    values: list[object] = []
    errors: list[RowError] = []
    for header, index, convert in plan:
        try:
            values.append(convert(cells[index]))
        except ValueError as exc:
            values.append(None)
            errors.append(RowError(row_number, header, str(exc)))
    return values, errors or None


def _collect(chunks: Iterator[ParseResult[RowT]]) -> ParseResult[RowT]:
    combined: ParseResult[RowT] = ParseResult()
    for chunk in chunks:
        combined.extend(chunk)
    return combined


# NamedTuple's own __new__ is a Python function taking every field by name; building the tuple directly
# from the already-ordered values costs about half as much, which matters at a million rows.
_new_tuple = tuple.__new__


# --- Assignments -------------------------------------------------------------------------------------
class AssignmentRow(NamedTuple):
    row_number: int
    assignment_number: str
    employee_email: str
    first_name: str
    last_name: str
    org_code: str  # upper-cased, not yet checked against the partnership's trusts
    staff_group: str  # StaffGroup.code
    job_role: str | None
    afc_band: str | None  # "1".."9", "8a".."8d"; None for staff not on Agenda for Change (doctors)
    contracted_fte: Decimal
    start_date: date
    end_date: date | None  # None: still in post
    leaving_reason: str | None  # LeavingReason.code
    person_type: PersonType
    nmc_pin: str | None


ASSIGNMENT_COLUMNS: tuple[Column, ...] = (
    Column("Assignment Number", _required_text),
    Column("Employee Email", _email),
    Column("First Name", _required_text),
    Column("Last Name", _required_text),
    Column("Org Code", _org_code),
    Column("Staff Group", _staff_group_code),
    Column("Job Role", _optional_text),
    Column("AfC Band", _optional_band),
    Column("Contracted FTE", parse_fte),
    Column("Assignment Start Date", parse_date),
    Column("Assignment End Date", _optional_date),
    Column("Leaving Reason", _optional_leaving_reason),
    Column("Person Type", _person_type, required=False, default=PersonType.EMPLOYEE),
    Column("NMC PIN", _nmc_pin, required=False, default=None),
)


def _end_before_start(row_number: int, column: str, start: object, end: object) -> RowError | None:
    if isinstance(start, date) and isinstance(end, date) and end < start:
        message = f"end date {format_uk_date(end)} is before start date {format_uk_date(start)}"
        return RowError(row_number, column, message)
    return None


def _assignment_finisher() -> Finish[AssignmentRow]:
    first_row_of: dict[
        str, int
    ] = {}  # assignment number -> its row: a repeat is caught, upserts need one key

    def finish(
        row_number: int, values: list[object], errors: list[RowError] | None
    ) -> AssignmentRow | list[RowError]:
        number, start, end, reason = values[0], values[9], values[10], values[11]
        problems = errors or []
        if isinstance(number, str) and (earlier := first_row_of.setdefault(number, row_number)) != row_number:
            problems.append(
                RowError(row_number, "Assignment Number", f"{number} already appears on row {earlier}")
            )
        if bad_end := _end_before_start(row_number, "Assignment End Date", start, end):
            problems.append(bad_end)
        if (
            reason is not None
            and end is None
            and not any(e.column == "Assignment End Date" for e in problems)
        ):
            problems.append(
                RowError(row_number, "Leaving Reason", "a leaving reason needs an assignment end date")
            )
        if problems:
            return problems
        return _new_tuple(AssignmentRow, [row_number, *values])  # type: ignore[no-any-return]

    return finish


ASSIGNMENTS = FileSpec(ASSIGNMENT_COLUMNS, _assignment_finisher)


def iter_assignment_chunks(
    stream: IO[bytes],
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[ParseResult[AssignmentRow]]:
    return iter_parsed_chunks(
        stream, ASSIGNMENTS, filename=filename, max_bytes=max_bytes, chunk_size=chunk_size
    )


def read_assignments(
    stream: IO[bytes], *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult[AssignmentRow]:
    return _collect(iter_assignment_chunks(stream, filename=filename, max_bytes=max_bytes))


# --- Absences ----------------------------------------------------------------------------------------
class AbsenceRow(NamedTuple):
    row_number: int
    assignment_number: str
    start_date: date
    end_date: date | None  # None: still absent
    category: str  # AbsenceCategory.code
    counts_as_sickness: bool
    reason_code: str | None  # "S10".."S99" for sickness; None for every other category


ABSENCE_COLUMNS: tuple[Column, ...] = (
    Column("Assignment Number", _required_text),
    Column("Absence Start Date", parse_date),
    Column("Absence End Date", _optional_date),
    Column("Absence Category", _absence_category),
    Column("Attendance Reason", _optional_text),
)


def _finish_absence(
    row_number: int, values: list[object], errors: list[RowError] | None
) -> AbsenceRow | list[RowError]:
    number, start, end, category, reason_text = values
    problems = errors or []
    if bad_end := _end_before_start(row_number, "Absence End Date", start, end):
        problems.append(bad_end)
    reason_code = None
    if category is not None and category[1]:  # type: ignore[index]
        try:
            if not reason_text:
                raise ValueError("sickness absence needs a reason code from S10 to S99")
            reason_code = _sickness_reason_code(reason_text)  # type: ignore[arg-type]
        except ValueError as exc:
            problems.append(RowError(row_number, "Attendance Reason", str(exc)))
    if problems:
        return problems
    code, counts_as_sickness = category  # type: ignore[misc]
    return _new_tuple(AbsenceRow, (row_number, number, start, end, code, counts_as_sickness, reason_code))  # type: ignore[no-any-return]


ABSENCES = FileSpec(ABSENCE_COLUMNS, lambda: _finish_absence)


def iter_absence_chunks(
    stream: IO[bytes],
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[ParseResult[AbsenceRow]]:
    """Absences chunk by chunk, so a million-row extract never needs every parsed row in memory."""
    return iter_parsed_chunks(stream, ABSENCES, filename=filename, max_bytes=max_bytes, chunk_size=chunk_size)


def read_absences(
    stream: IO[bytes], *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult[AbsenceRow]:
    return _collect(iter_absence_chunks(stream, filename=filename, max_bytes=max_bytes))
