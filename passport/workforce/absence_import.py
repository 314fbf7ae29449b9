"""The absences half of an ESR import: each chunk's rows checked against the stored assignments and
absences and written set-based (``passport.workforce.importing`` runs the file through it). Also what
both halves share: recognising an anonymised post, and stamping an update's rows."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import date
from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from passport.db import utcnow
from passport.formatting import uk_date
from passport.reference.workforce import ABSENCE_CATEGORIES
from passport.workforce.bulk import BulkWriter, PreparedInsert, select_in
from passport.workforce.esr_files import AbsenceRow
from passport.workforce.import_gate import TrustGate
from passport.workforce.models import Absence, Assignment, assignment_number_digest
from passport.workforce.signals import announce_records_changing
from passport.workforce.tables import RowError

if TYPE_CHECKING:
    from passport.workforce.importing import ImportReport
    from passport.workforce.parsed_rows import ParsedRows, Span

ABSENCES = "absences"
_ASSIGNMENT_TABLE = Assignment.__table__
_ABSENCE_TABLE = Absence.__table__
_CATEGORY_INDEX = {category.code: index for index, category in enumerate(ABSENCE_CATEGORIES)}


def anonymised_numbers(session: Session, numbers: Collection[str]) -> set[str]:
    """Those of ``numbers`` that name a post the retention job anonymised (by the digest it kept)."""
    if not numbers:
        return set()
    by_digest = {assignment_number_digest(number): number for number in numbers}
    column = _ASSIGNMENT_TABLE.c.anonymised_number_digest
    return {by_digest[digest] for (digest,) in select_in(session, select(column), column, set(by_digest))}


def stamped(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an update, each with its change time: taken here, to the microsecond, like every
    other change time (the database's CURRENT_TIMESTAMP is whole seconds on SQLite, and the
    transaction's start on PostgreSQL), so that a record's latest change is always its latest."""
    now = utcnow()
    return [{**row, "_updated_at": now} for row in updates]


# --- Absences ----------------------------------------------------------------------------------------
_ABSENCE_COLUMNS = ("assignment_id", "trust_id", "first_day", "last_day", "category", "reason_code")
_UNIQUE_KEY = itemgetter(0, 2, 4)  # an insert row's assignment_id, first_day and category
_ABSENCE_UPDATE = (
    update(_ABSENCE_TABLE)
    .where(_ABSENCE_TABLE.c.id == bindparam("_id"))
    .values(
        last_day=bindparam("_last_day"),
        reason_code=bindparam("_reason_code"),
        updated_at=bindparam("_updated_at"),
    )
)
_OPEN = date.max  # an absence still going on, for overlap arithmetic
# What the check decided for a row: one code a row, kept for writing the rows without deciding again.
ADDED, UPDATED, UNCHANGED, REFUSED = range(4)
_SKIPPED = 4  # a row the apply is told to pass over (the check refused it, or a resumed import wrote it)
_UNREAD = object()  # an assignment number the check never looked up
# bytes.translate tables: a byte of outcomes -> 1 where it is the one asked for, else 0
_IS_ADDED, _IS_UPDATED = (bytes(int(code == wanted) for code in range(256)) for wanted in (ADDED, UPDATED))


@dataclass
class CheckedAbsences:
    """What an absence file's check decided for each good row (``outcomes``, in file order), and the
    stored records it decided from: each assignment number's post (None when there is none),
    the numbers of posts the retention job anonymised, and a digest of each assignment's stored
    absences. The apply writes from these while the records are still as the check read them."""

    outcomes: array[int]
    assignments: dict[str, tuple[int, int, date, date | None, int] | None]
    retired: set[str]
    stored_digest: dict[int, int]
    allowed_trust_ids: set[int]  # the trusts the importer's gate let her write at the check


@dataclass(frozen=True)
class NewRows:
    """A span's rows that the check decided to add, ready to write, with the people whose records they
    change and their trusts."""

    insert: PreparedInsert
    people: set[int]
    trust_ids: set[int]


def _outcome_codes(parsed: ParsedRows[AbsenceRow], first: int, end: int, skip: Collection[int]) -> bytearray:
    """What the check decided for the rows from ``first`` to before ``end``, those in ``skip`` marked to
    be passed over."""
    codes = bytearray(parsed.checked.outcomes[first:end].tobytes())
    if skip:
        for index, row_number in enumerate(parsed.column("row_number")[first:end]):
            if row_number in skip:
                codes[index] = _SKIPPED
    return codes


_POST_SHIFT, _DAY_SHIFT = 27, 5  # a key's bits: the post's id, its first day's number, its category


def key_of(post_id: Any, day_number: Any, category_index: Any) -> Any:
    """The key of (post, first day as a day number, category index): ints, or numpy arrays of them."""
    return (post_id << _POST_SHIFT) | (day_number << _DAY_SHIFT) | category_index


def post_of_key(key: Any) -> Any:
    """The post's id in a key (or an array of keys)."""
    return key >> _POST_SHIFT


def _absence_key(assignment_id: int, first_day: date, category: str) -> int:
    """One int per (assignment, first day, category), the stored unique key: cheap to hold a million."""
    return key_of(assignment_id, first_day.toordinal(), _CATEGORY_INDEX[category])  # type: ignore[no-any-return]


def _spell(first: date, last: date | None) -> str:
    return f"{uk_date(first)} to {uk_date(last) if last else 'open'}"


def absence_outside_assignment(
    start: date, end: date | None, first: date, last: date | None
) -> tuple[str, str] | None:
    """(column, message) when an absence falls outside its assignment's dates, else None."""
    if first < start:
        return "Absence Start Date", f"the absence starts before the assignment did ({uk_date(start)})"
    if end is not None:
        if first > end:
            return (
                "Absence Start Date",
                f"the absence starts after the assignment ended ({uk_date(end)})",
            )
        if last is None or last > end:
            return (
                "Absence End Date",
                f"the absence must end by the assignment's end date ({uk_date(end)})",
            )
    return None


class AbsenceImport:
    def __init__(self, session: Session, gate: TrustGate, report: ImportReport, writer: BulkWriter) -> None:
        self.session = session
        self.gate = gate
        self.report = report
        self.writer = writer
        # assignment number -> (id, trust id, start, end, staff member), or None when no such assignment
        self.assignments: dict[str, tuple[int, int, date, date | None, int] | None] = {}
        # key -> (stored id or 0 when from this file, last day, reason code, file row or 0 when stored)
        self.known: dict[int, tuple[int, date | None, str | None, int]] = {}
        # assignment id -> sickness spells [first, last (or _OPEN), key]
        self.sickness: dict[int, list[list[Any]]] = {}
        self.loaded: set[int] = set()
        self.retired: set[str] = set()  # numbers of posts the retention job anonymised
        # assignment id -> the sum of its stored absences' hashes: whether they are still as read
        self.stored_digest: dict[int, int] = {}
        self.outcomes: array[int] = array("b")  # what was decided for each row handled, in order
        # A thread of the caller's in which write_checked makes the next span's new rows ready.
        self.ahead: Executor | None = None
        self._next_added: tuple[tuple[int, int], Future[NewRows]] | None = None

    def checked(self) -> CheckedAbsences:
        """What this check decided, and from what, for ``write_checked``."""
        return CheckedAbsences(
            self.outcomes, self.assignments, self.retired, self.stored_digest, set(self.gate.allowed_ids)
        )

    def read_records(self, chunk_numbers: set[str]) -> tuple[set[str], set[int]]:
        """Read the posts of the assignment numbers not read before, and the stored absences of those
        posts; returns those numbers and posts."""
        numbers = chunk_numbers - self.assignments.keys()
        found = {
            number: (assignment_id, trust_id, start, end, person)
            for assignment_id, number, trust_id, start, end, person in select_in(
                self.session,
                select(
                    _ASSIGNMENT_TABLE.c.id,
                    _ASSIGNMENT_TABLE.c.assignment_number,
                    _ASSIGNMENT_TABLE.c.trust_id,
                    _ASSIGNMENT_TABLE.c.start_date,
                    _ASSIGNMENT_TABLE.c.end_date,
                    _ASSIGNMENT_TABLE.c.staff_member_id,
                ),
                _ASSIGNMENT_TABLE.c.assignment_number,
                numbers,
            )
        }
        for number in numbers:
            self.assignments[number] = found.get(number)
        self.retired |= anonymised_numbers(self.session, numbers - found.keys())
        # Posts of numbers read before were loaded with them.
        new_ids = {a[0] for a in found.values()} - self.loaded
        self.loaded |= new_ids
        digest = self.stored_digest
        for stored in select_in(
            self.session,
            select(
                _ABSENCE_TABLE.c.id,
                _ABSENCE_TABLE.c.assignment_id,
                _ABSENCE_TABLE.c.first_day,
                _ABSENCE_TABLE.c.last_day,
                _ABSENCE_TABLE.c.category,
                _ABSENCE_TABLE.c.reason_code,
            ),
            _ABSENCE_TABLE.c.assignment_id,
            new_ids,
        ):
            absence_id, assignment_id, first, last, category, reason = stored
            key = _absence_key(assignment_id, first, category)
            self.known[key] = (absence_id, last, reason, 0)
            # The row as read, hashed whole: no tuple made for it (a month's import reads 600,000).
            digest[assignment_id] = digest.get(assignment_id, 0) + hash(stored)
            if category == "SICKNESS":
                self.sickness.setdefault(assignment_id, []).append([first, last or _OPEN, key])
        return numbers, new_ids

    def handle(self, rows: list[AbsenceRow]) -> list[RowError]:
        if not rows:
            return []
        self.read_records({row.assignment_number for row in rows})
        gate, known, sickness, assignments = self.gate, self.known, self.sickness, self.assignments
        allowed, report, day, writing = gate.allowed_ids, self.report, self.writer.day, self.writer.writing
        category_index, post_shift, day_shift = _CATEGORY_INDEX, _POST_SHIFT, _DAY_SHIFT
        decided = self.outcomes.append
        errors: list[RowError] = []
        changing: set[int] = set()  # the people whose records change
        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        for row in rows:
            number = row.row_number
            assignment = assignments[row.assignment_number]
            if assignment is None and row.assignment_number in self.retired:
                report.unchanged += 1  # its post was anonymised: the absence is held, without her name
                decided(UNCHANGED)
                continue
            if assignment is None:
                message = (
                    f"{row.assignment_number} is not a known assignment: import the assignments file first"
                )
                errors.append(RowError(number, "Assignment Number", message))
                decided(REFUSED)
                continue
            assignment_id, trust_id, start, end, person = assignment
            if trust_id not in allowed:
                errors.append(RowError(number, "Assignment Number", gate.refusal(trust_id)))
                decided(REFUSED)
                continue
            first, last = row.start_date, row.end_date
            if end is not None or first < start:
                outside = absence_outside_assignment(start, end, first, last)
                if outside is not None:
                    errors.append(RowError(number, *outside))
                    decided(REFUSED)
                    continue
            key = (
                (assignment_id << post_shift)
                | (first.toordinal() << day_shift)
                | category_index[row.category]
            )  # key_of, written out: it runs once a row
            before = known.get(key)
            if before is not None and before[3]:
                message = f"the same absence (assignment, start date and category) is on row {before[3]}"
                errors.append(RowError(number, "Absence Start Date", message))
                decided(REFUSED)
                continue
            if row.counts_as_sickness:
                spells = sickness.setdefault(assignment_id, [])
                stop = last or _OPEN
                clash = mine = None
                for spell in spells:  # one plain loop: two generator expressions cost twice the calls
                    if spell[2] == key:
                        mine = spell
                    elif spell[0] <= stop and first <= spell[1]:
                        clash = spell
                        break
                if clash is not None:
                    where = f"row {known[clash[2]][3]}" if known[clash[2]][3] else "a stored absence"
                    span = _spell(clash[0], None if clash[1] is _OPEN else clash[1])
                    message = f"overlaps the sickness absence {span} ({where})"
                    errors.append(RowError(number, "Absence Start Date", message))
                    decided(REFUSED)
                    continue
                if mine is None:
                    spells.append([first, stop, key])
                else:
                    mine[1] = stop
            reason = row.reason_code
            if before is None:
                if writing:  # the check only counts
                    inserts.append((assignment_id, trust_id, day(first), day(last), row.category, reason))
                changing.add(person)
                report.added += 1
                report.changed_trusts.add(trust_id)
                known[key] = (0, last, reason, number)
                decided(ADDED)
                continue
            if before[1] == last and before[2] == reason:
                report.unchanged += 1
                decided(UNCHANGED)
            else:
                updates.append({"_id": before[0], "_last_day": last, "_reason_code": reason})
                changing.add(person)
                report.updated += 1
                report.changed_trusts.add(trust_id)
                decided(UPDATED)
            known[key] = (before[0], last, reason, number)
        if writing:
            self._write(changing, self._prepared(inserts), updates)
        return errors

    def write_checked(
        self,
        parsed: ParsedRows[AbsenceRow],
        first: int,
        end: int,
        skip: Collection[int] = (),
        following: Span | None = None,
    ) -> bool:
        """Write the kept rows from ``first`` to before ``end`` as the check decided (``parsed.checked``)
        without running the rules again, passing over the rows in ``skip``, when the stored records they
        were decided from are still as the check read them. Returns False, having written nothing, when
        some records have changed since (a form or the API wrote meanwhile), when the importer's gate has,
        or when a row the check refused is not to be skipped: the rules must decide these rows again.
        Only the records of posts this writer has not read before are compared, as the rules would read
        only those. With ``ahead`` set, the ``following`` span's new rows are made ready in its thread
        meanwhile, for the next call."""
        checked: CheckedAbsences = parsed.checked
        codes = _outcome_codes(parsed, first, end, skip)
        if REFUSED in codes or self.gate.allowed_ids != checked.allowed_trust_ids:
            return False
        added = self._added_rows_of(parsed, first, end, skip)
        numbers = parsed.column("assignment_number")[first:end]
        unread, new_ids = self.read_records(set(numbers))
        assignments, retired = self.assignments, self.retired
        if any(
            assignments[number] != checked.assignments.get(number, _UNREAD)
            or (number in retired) != (number in checked.retired)
            for number in unread
        ):
            return False
        digest = self.stored_digest
        if any(digest.get(post) != checked.stored_digest.get(post) for post in new_ids):
            return False
        # The stored records are as the check read them, so the posts the new rows were made with (the
        # check's) are the stored ones.
        new_rows = added.result() if isinstance(added, Future) else added
        updates = []
        updated_posts = []
        if UPDATED in codes:
            columns = [
                numbers,
                *(
                    parsed.column(name)[first:end]
                    for name in ("start_date", "end_date", "category", "reason_code")
                ),
            ]
            for number, first_day, last, category, reason in compress(
                zip(*columns, strict=True), codes.translate(_IS_UPDATED)
            ):
                post = assignments[number]
                stored_id = self.known[_absence_key(post[0], first_day, category)][0]  # type: ignore[index]
                updates.append({"_id": stored_id, "_last_day": last, "_reason_code": reason})
                updated_posts.append(post)
        changing = new_rows.people | set(map(itemgetter(4), updated_posts))
        self._write(changing, new_rows.insert, updates, self._start_next(parsed, following, skip))
        report = self.report
        report.added += new_rows.insert.count
        report.updated += len(updates)
        report.unchanged += codes.count(UNCHANGED)
        report.changed_trusts.update(new_rows.trust_ids, map(itemgetter(1), updated_posts))
        return True

    def _start_next(
        self, parsed: ParsedRows[AbsenceRow], following: Span | None, skip: Collection[int]
    ) -> Callable[[], object] | None:
        """What sets the ``ahead`` thread making the ``following`` span's new rows, for the writer to call
        while the server stores this chunk's (not sooner: reading the stored records and sending the rows
        want Python's lock too)."""
        ahead = self.ahead
        if following is None or ahead is None:
            return None
        span = (following.first, following.end)

        def start() -> None:
            self._next_added = (span, ahead.submit(self.added_rows, parsed, *span, skip))

        return start

    def _added_rows_of(
        self, parsed: ParsedRows[AbsenceRow], first: int, end: int, skip: Collection[int]
    ) -> NewRows | Future[NewRows]:
        """The span's new rows: made ready ahead by the thread when it was asked for them, else now."""
        made, self._next_added = self._next_added, None
        if made is not None and made[0] == (first, end):
            return made[1]
        return self.added_rows(parsed, first, end, skip)

    def added_rows(
        self, parsed: ParsedRows[AbsenceRow], first: int, end: int, skip: Collection[int]
    ) -> NewRows:
        """The rows the check decided to add from ``first`` to before ``end``, ready to write, with the
        posts it read for them. Uses neither the session nor what this writer read (it may run in the
        ``ahead`` thread): ``write_checked`` writes them only once the stored records prove the same."""
        checked: CheckedAbsences = parsed.checked
        is_added = _outcome_codes(parsed, first, end, skip).translate(_IS_ADDED)
        # Column by column: no row is made again, and each step goes over a whole column at C speed.
        added = [
            list(compress(parsed.column(name)[first:end], is_added))
            for name in ("assignment_number", "start_date", "end_date", "category", "reason_code")
        ]
        posts = list(map(checked.assignments.__getitem__, added[0]))
        day = self.writer.day
        inserts = list(
            zip(
                map(itemgetter(0), posts),
                map(itemgetter(1), posts),
                map(day, added[1]),
                map(day, added[2]),
                added[3],
                added[4],
                strict=True,
            )
        )
        return NewRows(
            self._prepared(inserts), set(map(itemgetter(4), posts)), set(map(itemgetter(1), posts))
        )

    def _prepared(self, inserts: list[tuple[Any, ...]]) -> PreparedInsert:
        # In key order, the unique index is filled front to back: fewer B-tree pages touched at random. By
        # the key alone (post, first day, category): a whole row may tie on it up to an open absence's
        # None, which does not compare with a date.
        inserts.sort(key=_UNIQUE_KEY)
        return self.writer.prepare_insert(_ABSENCE_TABLE, _ABSENCE_COLUMNS, inserts)

    def _write(
        self,
        changing: set[int],
        inserts: PreparedInsert,
        updates: list[dict[str, Any]],
        while_stored: Callable[[], object] | None = None,
    ) -> None:
        announce_records_changing(self.session, changing, ABSENCES)
        # Changes first: a stored sickness absence the file ends makes room for a later one the file
        # adds, and PostgreSQL's exclusion constraint checks each row as it is written.
        self.writer.execute(_ABSENCE_UPDATE, stamped(updates))
        self.writer.write_prepared(inserts, while_stored)
