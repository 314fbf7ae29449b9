"""Importing ESR-style assignment and absence extracts: set-based, all or nothing unless partial.

The file is read in chunks (``esr_files``); for each chunk the keys already stored are loaded in one
query per table, every row is checked in memory, and what is new or changed is written with one
executemany per table. No ORM object is made per row: a million absences stay a million tuples.

Rules:
- staff are matched by email (created when new); an assignment is matched by its number;
- a row's org code must be a partnership trust the importer may import for (HR: her own trust);
- an absence must name an assignment already stored, fall inside it, and a sickness absence must not
  overlap another sickness absence of the same assignment (stored, or earlier in the file);
- counts say what was added, updated, unchanged and rejected; re-importing a file changes nothing;
- any rejected row (or a file that cannot be read) means nothing is written, unless ``partial``, when
  the good rows are written and the bad ones reported. So the whole file is checked first, writing
  nothing (``check_file``); only then are its good rows written, chunk by chunk (``apply_file``), each
  chunk short enough to be committed on its own without holding SQLite's one writer for long.

Nothing here commits: the import job (``passport.workforce.tasks``) is the edge that does, through
``import_runs.import_steps``.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, pairwise
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from passport.trusts.models import StaffMember
from passport.workforce.absence_columns import check_good_absences
from passport.workforce.absence_import import (
    ABSENCES,
    AbsenceImport,
    anonymised_numbers,
    stamped,
)
from passport.workforce.bulk import BulkWriter, select_in
from passport.workforce.esr_files import (
    KEPT,
    AbsenceRow,
    AssignmentRow,
    iter_absence_chunks,
    iter_assignment_chunks,
)
from passport.workforce.import_gate import Actor, TrustGate
from passport.workforce.models import Assignment
from passport.workforce.parsed_rows import ParsedRows, ReadChunk, Span, read_chunk
from passport.workforce.signals import announce_records_changing
from passport.workforce.tables import DEFAULT_CHUNK_SIZE, FileRejected, ParseResult, RowError

ASSIGNMENTS = "assignments"
KINDS = (ASSIGNMENTS, ABSENCES)
# The stored report keeps this many rejected rows; the run's counts keep them all.
MAX_STORED_ROW_ERRORS = 5_000
# Rows written per committed chunk, so SQLite's one writer is never held for long (docs/import-formats.md
# gives the measured times). Absences come in larger chunks: the rows are narrow, and they come in no
# order of the absence indexes, so every chunk rewrites index pages all over and each commit writes them
# to the WAL again; fewer chunks rewrite them fewer times. A million absences' first import took 10.5-11.6 s
# at 100,000 a chunk against 14.8-15.7 s at 20,000, each chunk holding SQLite's writer about 1.1 s, well
# inside a form's 5 s busy timeout (PostgreSQL: 18.8-20.5 s against 20.7 s at 60,000; a chunk holds only
# its own rows there, so a form changing one of them waits for it, about 2 s). Larger chunks gained
# nothing more (200,000 on SQLite, 250,000 on PostgreSQL) and hold the writer longer.
APPLY_CHUNK_ROWS = {ASSIGNMENTS: 5_000, ABSENCES: 100_000}

Progress = Callable[[int], None]

_ASSIGNMENT_TABLE = Assignment.__table__
_STAFF_TABLE = StaffMember.__table__


@dataclass
class ImportReport:
    """What an import did, or would have done; ``written`` says whether anything was kept."""

    kind: str
    filename: str
    partial: bool
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    staff_added: int = 0
    changed_trusts: set[int] = field(default_factory=set)  # trusts with a record added or updated
    row_errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def rejected_row_numbers(self) -> set[int]:
        return {error.row_number for error in self.row_errors}

    @property
    def rejected(self) -> int:
        return len(self.rejected_row_numbers)

    @property
    def written(self) -> bool:
        return not self.file_errors and (self.partial or not self.row_errors)

    @property
    def status(self) -> str:
        return "imported" if self.written else "rejected"

    def as_json(self) -> dict[str, Any]:
        stored = self.row_errors[:MAX_STORED_ROW_ERRORS]
        return {
            "partial": self.partial,
            "written": self.written,
            "staff_added": self.staff_added,
            "file_errors": list(self.file_errors),
            "rejected_rows": [
                {"row": e.row_number, "column": e.column, "message": e.message} for e in stored
            ],
            "rejected_rows_truncated": len(self.row_errors) > len(stored),
        }


# --- Shared machinery --------------------------------------------------------------------------------
def _passes(
    session: Session, kind: str, report: ImportReport, gate: TrustGate, writer: BulkWriter
) -> _AssignmentImport | AbsenceImport:
    if kind == ASSIGNMENTS:
        return _AssignmentImport(session, gate, report, writer)
    if kind == ABSENCES:
        return AbsenceImport(session, gate, report, writer)
    raise ValueError(f"unknown import kind {kind}")


def _chunks(
    kind: str, content: bytes, filename: str, max_bytes: int, chunk_size: int
) -> Iterator[ParseResult[Any]]:
    read = iter_assignment_chunks if kind == ASSIGNMENTS else iter_absence_chunks
    return read(io.BytesIO(content), filename=filename, max_bytes=max_bytes, chunk_size=chunk_size)


def rows_to_keep(kind: str) -> ParsedRows[Any]:
    """Somewhere for ``check_file`` to keep a file's rows of ``kind``, for ``apply_file``."""
    return ParsedRows(AssignmentRow if kind == ASSIGNMENTS else AbsenceRow)


def _read_chunks(
    kind: str, content: bytes, filename: str, max_bytes: int, size: int
) -> Iterator[ReadChunk[Any]]:
    for parsed in _chunks(kind, content, filename, max_bytes, size):
        if parsed.file_errors:  # the file passed the check; it cannot change, but be safe
            raise FileRejected("; ".join(parsed.file_errors))
        chunk = read_chunk(parsed)
        if chunk is not None:
            yield chunk


class _NoCyclicCollection:
    """A million-row import keeps a million small tuples alive; the cyclic garbage collector would walk
    them all again and again as they are made (it slowed the import several times over). The import
    makes no reference cycles of its own, so collection waits until it is done."""

    def __enter__(self) -> None:
        self.collecting = gc.isenabled()
        gc.disable()

    def __exit__(self, *_exc: object) -> None:
        if self.collecting:
            gc.enable()


# --- Assignments -------------------------------------------------------------------------------------
_ORGANISATION_FIELDS = ("directorate", "ward", "cost_centre")  # last, so _organisation fills them in place
_ASSIGNMENT_FIELDS = (
    "staff_group",
    "job_role",
    "afc_band",
    "contracted_fte",
    "person_type",
    "start_date",
    "end_date",
    "leaving_reason",
    *_ORGANISATION_FIELDS,
)
_ASSIGNMENT_COLUMNS = ("staff_member_id", "trust_id", "assignment_number", *_ASSIGNMENT_FIELDS)
_ASSIGNMENT_UPDATE = (
    update(_ASSIGNMENT_TABLE)
    .where(_ASSIGNMENT_TABLE.c.id == bindparam("_id"))
    .values(
        **{name: bindparam(f"_{name}") for name in _ASSIGNMENT_FIELDS},
        updated_at=bindparam("_updated_at"),
    )
)
_STAFF_COLUMNS = ("trust_id", "given_name", "family_name", "email", "nmc_pin", "date_of_birth")
# A date of birth fills a staff record that has none; ESR's value never overwrites one already held.
_FILL_DATE_OF_BIRTH = (
    update(_STAFF_TABLE)
    .where(_STAFF_TABLE.c.id == bindparam("_id"), _STAFF_TABLE.c.date_of_birth.is_(None))
    .values(date_of_birth=bindparam("_date_of_birth"))
)


def _organisation(row: AssignmentRow, stored_values: tuple[Any, ...] | None) -> tuple[str | None, ...]:
    """Directorate, ward and cost centre as the row gives them; a column the file lacks keeps the stored
    value (none for a new post)."""
    given = (row.directorate, row.ward, row.cost_centre)
    stored = stored_values[-len(_ORGANISATION_FIELDS) :] if stored_values else (None,) * len(given)
    return tuple(old if new is KEPT else new for new, old in zip(given, stored, strict=True))  # type: ignore[misc]


class _AssignmentImport:
    def __init__(self, session: Session, gate: TrustGate, report: ImportReport, writer: BulkWriter) -> None:
        self.session = session
        self.gate = gate
        self.report = report
        self.writer = writer
        self.staff_ids: dict[str, int | None] = {}  # email -> id (None: made by this import, not written)
        self.pins_taken: set[str] = set()
        self.without_birth_date: set[int] = set()  # known staff records with no date of birth yet
        self.retired: set[str] = set()  # numbers of this chunk's posts the retention job anonymised

    def _load(self, rows: list[AssignmentRow]) -> dict[str, tuple[Any, ...]]:
        session = self.session
        existing = {
            number: (assignment_id, trust_id, email, tuple(values))
            for assignment_id, number, trust_id, email, *values in select_in(
                session,
                select(
                    _ASSIGNMENT_TABLE.c.id,
                    _ASSIGNMENT_TABLE.c.assignment_number,
                    _ASSIGNMENT_TABLE.c.trust_id,
                    _STAFF_TABLE.c.email,
                    *(_ASSIGNMENT_TABLE.c[name] for name in _ASSIGNMENT_FIELDS),
                ).join(_STAFF_TABLE, _STAFF_TABLE.c.id == _ASSIGNMENT_TABLE.c.staff_member_id),
                _ASSIGNMENT_TABLE.c.assignment_number,
                {row.assignment_number for row in rows},
            )
        }
        self.retired = anonymised_numbers(session, {row.assignment_number for row in rows} - existing.keys())
        self._find_staff({row.employee_email for row in rows} - self.staff_ids.keys())
        pins = {row.nmc_pin for row in rows if row.nmc_pin and row.employee_email not in self.staff_ids}
        self.pins_taken.update(
            pin for (pin,) in select_in(session, select(_STAFF_TABLE.c.nmc_pin), _STAFF_TABLE.c.nmc_pin, pins)
        )
        return existing

    def _find_staff(self, emails: set[str]) -> None:
        columns = select(_STAFF_TABLE.c.id, _STAFF_TABLE.c.email, _STAFF_TABLE.c.date_of_birth)
        for staff_id, email, born in select_in(self.session, columns, _STAFF_TABLE.c.email, emails):
            self.staff_ids[email] = staff_id
            if born is None:
                self.without_birth_date.add(staff_id)

    def handle(self, rows: list[AssignmentRow]) -> list[RowError]:
        if not rows:
            return []
        existing = self._load(rows)
        gate, report, day, fte = self.gate, self.report, self.writer.day, self.writer.fte
        errors: list[RowError] = []
        new_staff: dict[str, tuple[Any, ...]] = {}
        inserts: list[tuple[str, tuple[Any, ...]]] = []  # (email, row without its staff id)
        updates: list[dict[str, Any]] = []
        changing: set[int | None] = set()  # the people whose records change (known ones)
        births: dict[int, date] = {}  # known staff records given their date of birth
        for row in rows:
            trust_id, refusal = gate.check(row.row_number, "Org Code", row.org_code)
            if refusal is not None:
                errors.append(refusal)
                continue
            if row.assignment_number in self.retired:  # anonymised: the file changes nothing of it
                report.unchanged += 1
                continue
            known = self.staff_ids.get(row.employee_email)
            if row.date_of_birth is not None and known in self.without_birth_date:
                births.setdefault(known, row.date_of_birth)
            values = (
                row.staff_group,
                row.job_role,
                row.afc_band,
                row.contracted_fte,
                row.person_type.value,
                row.start_date,
                row.end_date,
                row.leaving_reason,
            )
            stored = existing.get(row.assignment_number)
            values += _organisation(row, stored[3] if stored is not None else None)
            if stored is not None:
                assignment_id, stored_trust, stored_email, stored_values = stored
                if stored_trust != trust_id:
                    message = f"{row.assignment_number} is recorded at {gate.code_of[stored_trust]}"
                    errors.append(RowError(row.row_number, "Org Code", message))
                elif stored_email != row.employee_email:
                    message = f"{row.assignment_number} belongs to another person ({stored_email})"
                    errors.append(RowError(row.row_number, "Employee Email", message))
                elif stored_values == values:
                    report.unchanged += 1
                else:
                    changed = dict(zip((f"_{n}" for n in _ASSIGNMENT_FIELDS), values, strict=True))
                    updates.append({"_id": assignment_id, **changed})
                    changing.add(self.staff_ids.get(stored_email))
                    report.updated += 1
                    report.changed_trusts.add(trust_id)
                continue
            email = row.employee_email
            if email not in self.staff_ids and email not in new_staff:
                pin = row.nmc_pin
                if pin is not None and pin in self.pins_taken:
                    message = f"{pin} belongs to another staff record"
                    errors.append(RowError(row.row_number, "NMC PIN", message))
                    continue
                if pin is not None:
                    self.pins_taken.add(pin)
                new_staff[email] = (
                    trust_id, row.first_name[:100], row.last_name[:100], email, pin, day(row.date_of_birth)
                )  # fmt: skip
            inserts.append(
                (
                    email,
                    (
                        trust_id,
                        row.assignment_number,
                        row.staff_group,
                        row.job_role,
                        row.afc_band,
                        fte(row.contracted_fte),
                        row.person_type.value,
                        day(row.start_date),
                        day(row.end_date),
                        row.leaving_reason,
                        *values[-len(_ORGANISATION_FIELDS) :],
                    ),
                )
            )
            report.added += 1
            report.changed_trusts.add(trust_id)
        report.staff_added += len(new_staff)
        if self.writer.writing:
            changing.update(self.staff_ids.get(email) for email, _row in inserts)
            # Before anything is written (a new staff record too): their figures as they stand.
            announce_records_changing(self.session, changing, ASSIGNMENTS)
            self.writer.insert(_STAFF_TABLE, _STAFF_COLUMNS, list(new_staff.values()))
            self._find_staff(set(new_staff))
            made = [self.staff_ids[email] for email in new_staff]
            announce_records_changing(self.session, made, ASSIGNMENTS)
            self.writer.insert(
                _ASSIGNMENT_TABLE,
                _ASSIGNMENT_COLUMNS,
                [(self.staff_ids[email], *row) for email, row in inserts],
            )
            self.writer.execute(_ASSIGNMENT_UPDATE, stamped(updates))
            fills = [{"_id": staff_id, "_date_of_birth": born} for staff_id, born in births.items()]
            self.writer.execute(_FILL_DATE_OF_BIRTH, fills)
            self.without_birth_date.difference_update(births)
        else:
            self.staff_ids.update(dict.fromkeys(new_staff))
        return errors


def people_in_file(
    session: Session,
    kind: str,
    content: bytes,
    *,
    filename: str,
    max_bytes: int,
    parsed: ParsedRows[Any] | None = None,
) -> set[int]:
    """The stored staff members whose records the file's rows may change (by email and by assignment
    number; people the file adds have none yet). From the rows the check kept (``parsed``), else read
    from the file once more."""
    numbers: set[str] = set()
    emails: set[str] = set()
    if parsed is not None:
        numbers.update(parsed.column("assignment_number"))
        if kind == ASSIGNMENTS:
            emails.update(parsed.column("employee_email"))
    else:
        for chunk in _chunks(kind, content, filename, max_bytes, APPLY_CHUNK_ROWS[kind]):
            for row in chunk.rows:
                numbers.add(row.assignment_number)
                if kind == ASSIGNMENTS:
                    emails.add(row.employee_email)
    people = {
        person
        for (person,) in select_in(
            session,
            select(_ASSIGNMENT_TABLE.c.staff_member_id),
            _ASSIGNMENT_TABLE.c.assignment_number,
            numbers,
        )
    }
    people.update(
        person for (person,) in select_in(session, select(_STAFF_TABLE.c.id), _STAFF_TABLE.c.email, emails)
    )
    return people


# --- Checking and applying a file ------------------------------------------------------------------
def check_file(
    session: Session,
    kind: str,
    content: bytes,
    *,
    filename: str,
    actor: Actor,
    only_trust_id: int | None,
    partial: bool,
    max_bytes: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    keep: ParsedRows[Any] | None = None,
) -> Iterator[ImportReport]:
    """Run every rule over the whole file, writing nothing; yield the report as it grows after each
    chunk read (the last one yielded is complete: its counts say what an import would do), or once for an
    absence file decided by columns (``absence_columns``). Raises ``FileRejected`` when the file cannot
    be read, whichever chunk finds it out. The rows read are kept in ``keep`` when given, for
    ``apply_file``."""
    gate = TrustGate(session, actor, only_trust_id)

    def fresh_rules() -> tuple[ImportReport, _AssignmentImport | AbsenceImport]:
        report = ImportReport(kind=kind, filename=filename, partial=partial)
        return report, _passes(session, kind, report, gate, BulkWriter(session, writing=False))

    report, rules = fresh_rules()
    with _NoCyclicCollection():
        # Absences in which every row is good are decided column by column; any other file row by row.
        if isinstance(rules, AbsenceImport):
            if check_good_absences(rules, content, filename=filename, max_bytes=max_bytes, keep=keep):
                if keep is not None:
                    keep.checked = rules.checked()
                yield report
                return
            report, rules = fresh_rules()
        for chunk in _chunks(kind, content, filename, max_bytes, chunk_size):
            report.rows_read += chunk.rows_read
            if chunk.file_errors:
                raise FileRejected("; ".join(chunk.file_errors))
            report.row_errors.extend(chunk.row_errors)
            report.row_errors.extend(rules.handle(chunk.rows))
            if keep is not None:
                keep.keep(chunk)
            yield report
    if keep is not None and isinstance(rules, AbsenceImport):
        keep.checked = rules.checked()  # the apply writes the absences as decided here
    report.row_errors.sort(key=lambda error: error.row_number)
    yield report


@dataclass
class AppliedChunk:
    """What writing one chunk did (in the caller's transaction, not yet committed)."""

    through_row: int  # the chunk's last file row: every row up to it is now written or skipped
    rows_read: int
    added: int
    updated: int
    unchanged: int
    staff_added: int
    trust_ids: set[int]  # trusts with a record added or updated
    # Rows refused while writing though the check passed them: records changed by hand in between.
    row_errors: list[RowError]


def apply_file(
    session: Session,
    kind: str,
    content: bytes,
    *,
    filename: str,
    actor: Actor,
    only_trust_id: int | None,
    max_bytes: int,
    skip_rows: Collection[int] = (),
    after_row: int = 0,
    chunk_size: int | None = None,
    parsed: ParsedRows[Any] | None = None,
) -> Iterator[AppliedChunk]:
    """Write the checked file's good rows chunk by chunk, yielding after each chunk so that the caller
    can commit it. Rows up to ``after_row`` (written by an earlier attempt) and the ``skip_rows`` the
    check rejected are passed over; the rules see the earlier chunks as stored records, so a resumed
    import counts and writes exactly as one that was never stopped. ``chunk_size`` rows a chunk: by
    default the kind's ``APPLY_CHUNK_ROWS``. The rows come from ``parsed`` when the check kept them,
    else from reading the file again."""
    gate = TrustGate(session, actor, only_trust_id)
    report = ImportReport(kind=kind, filename=filename, partial=True)
    writer = BulkWriter(session, writing=True)  # one, so its count of rows written since ANALYZE carries on
    handle = _passes(session, kind, report, gate, writer).handle
    skip = set(skip_rows)
    # Absences the check decided are written as it decided, while their records stay as it read them;
    # from the first chunk whose records changed meanwhile, the rules decide again (as a resumed import's do).
    as_checked = None
    ahead = None
    if parsed is not None and parsed.checked is not None and after_row == 0:
        as_checked = AbsenceImport(session, gate, report, writer)
        if writer.dialect == "postgresql":
            # The next chunk's rows are made ready while the server stores this one's: the client's work
            # and the server's then overlap, on two cores (docs/import-formats.md). Not on SQLite, whose
            # writes run in this process and take Python's lock back row by row.
            ahead = as_checked.ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-ahead")
    size = chunk_size or APPLY_CHUNK_ROWS[kind]
    chunks = (
        parsed.spans(size) if parsed is not None else _read_chunks(kind, content, filename, max_bytes, size)
    )
    # Each chunk with the one after it, for the thread to make ready; read no sooner than before otherwise.
    paired = pairwise(chain(chunks, [None])) if ahead is not None else ((chunk, None) for chunk in chunks)
    try:
        yield from _applied_chunks(paired, parsed, as_checked, handle, report, after_row, skip)
    finally:
        if ahead is not None:
            ahead.shutdown(cancel_futures=True)


def _applied_chunks(
    paired: Iterator[tuple[Any, Any]],
    parsed: ParsedRows[Any] | None,
    as_checked: AbsenceImport | None,
    handle: Callable[[list[Any]], list[RowError]],
    report: ImportReport,
    after_row: int,
    skip: set[int],
) -> Iterator[AppliedChunk]:
    with _NoCyclicCollection():
        for chunk, following in paired:
            if chunk.through_row <= after_row:
                continue
            before = (report.added, report.updated, report.unchanged, report.staff_added)
            errors: list[RowError] = []
            # ``following`` is the next span only when a thread makes rows ready ahead (written as checked).
            written = as_checked is not None and as_checked.write_checked(
                parsed, chunk.first, chunk.end, skip, following
            )
            if not written:
                as_checked = None
                rows = parsed.rows(chunk.first, chunk.end) if isinstance(chunk, Span) else chunk.rows
                errors = handle(
                    [row for row in rows if row.row_number > after_row and row.row_number not in skip]
                )
            yield AppliedChunk(
                through_row=chunk.through_row,
                rows_read=chunk.rows_read,
                added=report.added - before[0],
                updated=report.updated - before[1],
                unchanged=report.unchanged - before[2],
                staff_added=report.staff_added - before[3],
                trust_ids=set(report.changed_trusts),
                row_errors=errors,
            )
            report.changed_trusts.clear()
