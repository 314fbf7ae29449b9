"""Reading ESR-style assignment and absence extracts (CSV or XLSX) into plain, storage-neutral rows.

The formats (columns, converters, row rules) are here; reading the file and reporting bad cells is the
table engine's (``passport.workforce.tables``). Nothing here touches the database: rows come out as
NamedTuples with their 1-based file row number (the header is row 1). The import operations decide what
to do with them.

Speed matters (the import target is 50,000 rows a second end to end), so conversions of values that repeat
(dates, FTEs, codes) are memoised and each row costs one list and one NamedTuple.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import IO, NamedTuple

from passport.formatting import uk_date
from passport.reference.workforce import (
    REQUIRED,
    PersonType,
    parse_absence_category,
    parse_afc_band,
    parse_date,
    parse_fte,
    parse_leaving_reason,
    parse_person_type,
    parse_sickness_reason,
    parse_staff_group,
)
from passport.workforce.tables import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_BYTES,
    Column,
    FileSpec,
    Finish,
    ParseResult,
    RowError,
    collect_chunks,
    iter_parsed_chunks,
)

# --- Values ------------------------------------------------------------------------------------------
# NMC PIN: 2 digits, a month letter, 4 digits, a country letter (e.g. 12A3456E).
_NMC_PIN = re.compile(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]")


# Converters take the cell text and return the value or raise ValueError naming the bad value. Those for
# values that repeat across rows are memoised (CSV cells are fresh strings, but equal ones hash alike).
def _required_text(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise ValueError(REQUIRED)
    return stripped


def _optional_text(text: str) -> str | None:
    return text.strip() or None


def _text_up_to(length: int) -> Callable[[str], str | None]:
    """Optional free text, trimmed, refused when longer than the column that stores it."""

    def convert(text: str) -> str | None:
        stripped = " ".join(text.split())
        if len(stripped) > length:
            raise ValueError(f"{stripped[:40]}... is longer than {length} characters")
        return stripped or None

    return convert


class _Kept:
    """The value of an optional organisation column the file does not have: an update keeps what is
    stored (an extract without the columns must not wipe them), a new post has none."""

    def __repr__(self) -> str:
        return "KEPT"


KEPT = _Kept()


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
    date_of_birth: date | None  # kept on a staff record that has none (the retention schedule needs it)
    # Where the post sits in the trust; KEPT when the file has no such column.
    directorate: str | None | _Kept
    ward: str | None | _Kept  # ward or department
    cost_centre: str | None | _Kept


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
    Column("Date of Birth", _optional_date, required=False, default=None),
    Column("Directorate", _text_up_to(100), required=False, default=KEPT),
    Column(
        "Ward or Department", _text_up_to(100), required=False, default=KEPT, aliases=("Ward", "Department")
    ),
    Column("Cost Centre", _text_up_to(20), required=False, default=KEPT),
)


def _end_before_start(row_number: int, column: str, start: object, end: object) -> RowError | None:
    if isinstance(start, date) and isinstance(end, date) and end < start:
        message = f"end date {uk_date(end)} is before start date {uk_date(start)}"
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
        born = values[14]
        if isinstance(born, date) and isinstance(start, date) and born >= start:
            message = (
                f"date of birth {uk_date(born)} is not before the assignment start date {uk_date(start)}"
            )
            problems.append(RowError(row_number, "Date of Birth", message))
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
    return collect_chunks(iter_assignment_chunks(stream, filename=filename, max_bytes=max_bytes))


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
    """Absences chunk by chunk, so a million-row extract is never a million parsed rows in memory (an
    import keeps what it read more compactly: ``passport.workforce.parsed_rows``)."""
    return iter_parsed_chunks(stream, ABSENCES, filename=filename, max_bytes=max_bytes, chunk_size=chunk_size)


def read_absences(
    stream: IO[bytes], *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult[AbsenceRow]:
    return collect_chunks(iter_absence_chunks(stream, filename=filename, max_bytes=max_bytes))
