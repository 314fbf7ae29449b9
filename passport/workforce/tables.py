"""Reading a CSV file or a workbook's first sheet into typed rows, chunk by chunk: the engine that the
ESR extracts (``esr_files``) and NHS England's published sickness figures (``passport.metrics.published``)
are both read with.

A file format is a ``FileSpec``: its columns (header, converter, required or not) and a finisher that
turns one row's converted values into a row or that row's errors. Every bad cell becomes a ``RowError``
naming row, column and value; anything that makes the whole file unreadable becomes a file error.
Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import operator
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, islice
from tempfile import SpooledTemporaryFile
from typing import IO, Generic, NamedTuple, TypeVar

from passport.reference.workforce import esr_date_text

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
        return esr_date_text(value)
    return str(value)


# --- Headers -----------------------------------------------------------------------------------------
def normalise_header(value: object) -> str:
    """Lower case, '_' read as a space, outer spaces dropped, inner runs of spaces collapsed."""
    return " ".join(cell_text(value).replace("_", " ").lower().split())


class Column(NamedTuple):
    header: str  # canonical header, used in error messages
    convert: Callable[[str], object]
    required: bool = True
    default: object = None  # value for every row when an optional column is absent
    aliases: tuple[str, ...] = ()  # other headers that mean this column (one of them per file)


Plan = list[tuple[str, int, Callable[[str], object]]]


def plan_columns(header: Sequence[object], columns: Sequence[Column], filename: str) -> Plan:
    """Where each column sits in this file; a missing required column rejects the file."""
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(header):
        positions.setdefault(normalise_header(cell), []).append(index)

    def found_at(column: Column) -> list[int]:
        names = (column.header, *column.aliases)
        return [index for name in names for index in positions.get(normalise_header(name), ())]

    missing = [c.header for c in columns if c.required and not found_at(c)]
    if missing:
        raise FileRejected(
            f"{filename} is missing the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )
    repeated = [c.header for c in columns if len(found_at(c)) > 1]
    if repeated:
        raise FileRejected(f"{filename} has the column {', '.join(repeated)} more than once")
    plan: Plan = []
    for column in columns:
        found = found_at(column)
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


# What a file starts with when it is not CSV: a workbook (a zip), an old .xls, UTF-16 text.
_XLSX_START, _XLS_START, _UTF16_STARTS = b"PK", b"\xd0\xcf\x11\xe0", (b"\xff\xfe", b"\xfe\xff")


def _open_source(stream: IO[bytes], filename: str, max_bytes: int) -> Table:
    start = stream.tell()
    head = stream.read(8)
    stream.seek(start)
    if head.startswith(_XLSX_START):
        return _open_xlsx(stream, filename, max_bytes)
    if head.startswith(_XLS_START):
        raise FileRejected(f"{filename} is an old .xls workbook; save it as .xlsx or CSV UTF-8")
    if head.startswith(_UTF16_STARTS):
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


# --- Column engine: a CSV converted column by column -------------------------------------------------------
_NOT_CSV_STARTS = (_XLSX_START, _XLS_START, *_UTF16_STARTS)
_BLOCK_ROWS = 100_000  # rows taken at a time: a million rows' cells at once would hold 300 MB


class _Converted(dict[str, object]):
    """A column's cells converted so far: a cell's value is looked up, and converted only the first time
    its text is met (in C, but for those first times)."""

    def __init__(self, convert: Callable[[str], object]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, cell: str) -> object:
        value = self[cell] = self.convert(cell)
        return value


def csv_columns(
    content: bytes, columns: Sequence[Column], *, filename: str, max_bytes: int
) -> list[list[object]] | None:
    """A CSV file's planned columns, each converted whole (in ``columns``' order, one value a data row),
    or None when some row is not plain or some cell is bad: then the row engine reads the file and
    reports what is wrong. Plain is every row as wide as the header and none blank; the same CSV parser
    reads it as the row engine does. Each column's distinct cells are converted once (converters are
    plain functions of the text), so a million absences cost a few thousand conversions and a lookup a
    cell, and no row is made: 2.6-3.0 s for a million absences against 3.6-4.4 s for the row engine with
    the rows kept (bench/bench_import.py's file)."""
    if len(content) > max_bytes or content.startswith(_NOT_CSV_STARTS):
        return None
    try:
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        header = next(rows, None)
        if not header:
            return None
        plan = plan_columns(header, columns, filename)
        width = len(header)
        blank = [""] * width
        made = [_Converted(convert) for _header, _index, convert in plan]
        converted: list[list[object]] = [[] for _ in plan]
        while block := list(islice(rows, _BLOCK_ROWS)):
            if set(map(len, block)) != {width}:
                return None  # a ragged row
            cells = list(chain.from_iterable(block))
            if cells.count("") >= width and block.count(blank):
                return None  # a blank row: the row engine passes over it
            for (_header, index, _convert), values, out in zip(plan, made, converted, strict=True):
                out.extend(map(values.__getitem__, cells[index::width]))
    except (UnicodeDecodeError, csv.Error, FileRejected, ValueError):
        return None
    return converted if converted[0] else None


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


def collect_chunks(chunks: Iterator[ParseResult[RowT]]) -> ParseResult[RowT]:
    combined: ParseResult[RowT] = ParseResult()
    for chunk in chunks:
        combined.extend(chunk)
    return combined
