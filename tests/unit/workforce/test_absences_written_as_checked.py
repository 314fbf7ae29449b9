"""An absence import decides each row once: its check's decisions are written as they stand, unless the
records they were decided from changed before the write, when the rules decide those rows again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.db import utcnow
from passport.workforce.absence_import import AbsenceImport
from passport.workforce.import_runs import APPLYING_STAGE, import_steps
from passport.workforce.importing import ABSENCES, apply_file, check_file, rows_to_keep
from passport.workforce.models import Absence
from tests.support.esr_csv import absence, csv_bytes
from tests.support.factories import UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

MAX = 10 * 1024 * 1024


@pytest.fixture
def posts(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Three posts from 2020, the first with a stored sickness absence the file ends."""
    made = [
        AssignmentFactory(
            assignment_number=f"5000000{n}-1", staff_member__trust=demo_trusts[0], start_date=date(2020, 1, 1)
        )
        for n in (1, 2, 3)
    ]
    AbsenceFactory(assignment=made[0], first_day=date(2024, 5, 1), last_day=None)
    return made


def the_rows() -> list[dict[str, str]]:
    return [
        absence("50000001-1", "01/05/2024", "10/05/2024"),  # ends the stored one: an update
        absence("50000001-1", "01/06/2024", "03/06/2024"),
        absence("50000002-1", "01/06/2024", "03/06/2024"),
        absence("50000002-1", "02/06/2024", "04/06/2024"),  # overlaps the row before: refused
        absence("50000003-1", "01/07/2024", "05/07/2024"),
    ]


def the_file() -> bytes:
    return csv_bytes(the_rows())


@contextmanager
def rules_while_writing() -> Iterator[list[int]]:
    """The row numbers the rules decide while an import writes (none when it writes as checked)."""
    decided: list[int] = []
    handle = AbsenceImport.handle

    def counting(self, rows):  # type: ignore[no-untyped-def]
        decided.extend(row.row_number for row in rows if self.writer.writing)
        return handle(self, rows)

    AbsenceImport.handle = counting  # type: ignore[method-assign]
    try:
        yield decided
    finally:
        AbsenceImport.handle = handle  # type: ignore[method-assign]


def import_changing_meanwhile(session, change=None, actor="cli", content=None, only=None, after=0):  # type: ignore[no-untyped-def]
    """Import the file (partial, a row a chunk), making ``change`` once it is checked and ``after`` rows
    are written (none by default); (the run, rows the rules decided while writing)."""
    run = None
    with rules_while_writing() as decided:
        for step in import_steps(
            session,
            kind=ABSENCES,
            content=content or the_file(),
            filename="absences.csv",
            actor=actor,
            only_trust_id=only,
            trust_id=only,
            partial=True,
            max_bytes=MAX,
            check_chunk_size=2,
            apply_chunk_size=1,
        ):
            if step.stage == APPLYING_STAGE and step.done == after and change is not None:
                change()
                session.flush()
                change = None
            run = step.run
    return run, decided


@contextmanager
def spans_made() -> Iterator[list[tuple[int, str]]]:
    """(first kept row, thread) of each span whose new rows the import made ready."""
    made: list[tuple[int, str]] = []
    added_rows = AbsenceImport.added_rows

    def noting(self, parsed, first, end, skip):  # type: ignore[no-untyped-def]
        made.append((first, threading.current_thread().name))
        return added_rows(self, parsed, first, end, skip)

    AbsenceImport.added_rows = noting  # type: ignore[method-assign]
    try:
        yield made
    finally:
        AbsenceImport.added_rows = added_rows  # type: ignore[method-assign]


def stored(session) -> set[tuple[str, date, date | None]]:  # type: ignore[no-untyped-def]
    return {
        (a.assignment.assignment_number, a.first_day, a.last_day)
        for a in session.scalars(select(Absence)).all()
    }


def refused(run) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {error["row"]: error["message"] for error in run.report["rejected_rows"]}


def test_an_import_writes_what_its_check_decided_without_deciding_again(session, posts):
    with spans_made() as made:
        run, decided_while_writing = import_changing_meanwhile(session)
    assert decided_while_writing == []
    if session.get_bind().dialect.name == "postgresql":  # each after the first made ready ahead
        assert made == [(0, "MainThread"), *((first, "import-ahead_0") for first in (1, 2, 3, 4))]
    assert (run.added, run.updated, run.unchanged, run.rejected) == (3, 1, 0, 1)
    assert list(refused(run)) == [5]
    session.expire_all()
    assert stored(session) == {
        ("50000001-1", date(2024, 5, 1), date(2024, 5, 10)),
        ("50000001-1", date(2024, 6, 1), date(2024, 6, 3)),
        ("50000002-1", date(2024, 6, 1), date(2024, 6, 3)),
        ("50000003-1", date(2024, 7, 1), date(2024, 7, 5)),
    }


def test_a_sickness_absence_recorded_meanwhile_is_seen_by_the_write(session, posts):
    def recorded_by_hand() -> None:  # overlaps row 6, the last post's only row
        AbsenceFactory(assignment=posts[2], first_day=date(2024, 7, 4), last_day=date(2024, 7, 8))

    run, decided_while_writing = import_changing_meanwhile(session, recorded_by_hand)
    # Rows 2 to 4 are written as checked; row 6's post changed, so the rules decide from there on.
    assert decided_while_writing == [6]
    assert (run.added, run.updated, run.rejected) == (2, 1, 2)
    assert "overlaps the sickness absence 4 July 2024 to 8 July 2024 (a stored absence)" in refused(run)[6]
    session.expire_all()
    assert ("50000003-1", date(2024, 7, 1), date(2024, 7, 5)) not in stored(session)


def test_a_post_ended_meanwhile_is_seen_by_the_write(session, posts):
    def ended_by_hand() -> None:
        posts[1].end_date = date(2024, 5, 31)

    run, decided_while_writing = import_changing_meanwhile(session, ended_by_hand)
    assert decided_while_writing == [4, 6]
    assert "the absence starts after the assignment ended (31 May 2024)" in refused(run)[4]
    assert (run.added, run.updated, run.rejected) == (2, 1, 2)


def test_a_post_ended_after_the_next_rows_were_made_ready_is_seen_by_the_write(session, posts):
    """On PostgreSQL the next chunk's new rows are made ready in another thread while the server stores
    this chunk's: a change between then and their write still sends them to the rules."""

    def ended_by_hand() -> None:  # once row 3 is written, and row 4 (a new row of post 2) made ready
        posts[1].end_date = date(2024, 5, 31)

    with spans_made() as made:
        run, decided_while_writing = import_changing_meanwhile(session, ended_by_hand, after=2)
    if session.get_bind().dialect.name == "postgresql":
        assert (2, "import-ahead_0") in made  # row 4 is the third kept row
    assert decided_while_writing == [4, 6]
    assert "the absence starts after the assignment ended (31 May 2024)" in refused(run)[4]
    assert (run.added, run.updated, run.rejected) == (2, 1, 2)
    session.expire_all()
    assert ("50000002-1", date(2024, 6, 1), date(2024, 6, 3)) not in stored(session)


def test_new_rows_made_ready_ahead_are_stamped_when_written(session, posts):
    """Rows are stamped as they are written, not as they were made ready: a change time is never earlier
    than one written before it."""
    noted = {}

    def note_the_time() -> None:  # rows 4 and 6 are made ready before this and written after it
        noted["at"] = utcnow()

    with spans_made() as made:
        import_changing_meanwhile(session, note_the_time, after=2)
    if session.get_bind().dialect.name == "postgresql":
        assert {(2, "import-ahead_0"), (4, "import-ahead_0")} <= set(made)
    session.expire_all()
    later = session.scalars(select(Absence).where(Absence.first_day >= date(2024, 6, 1))).all()
    stamps = {(a.assignment.assignment_number, a.first_day): a.created_at for a in later}
    if session.get_bind().dialect.name == "sqlite":  # SQLite's CURRENT_TIMESTAMP is whole seconds
        noted["at"] = noted["at"].replace(microsecond=0)
    assert stamps[("50000001-1", date(2024, 6, 1))] <= noted["at"]
    assert stamps[("50000002-1", date(2024, 6, 1))] >= noted["at"]
    assert stamps[("50000003-1", date(2024, 7, 1))] >= noted["at"]


def test_a_stored_absence_removed_meanwhile_is_added_again_rather_than_changed(session, posts):
    def removed_by_hand() -> None:
        session.delete(session.scalars(select(Absence)).one())

    run, decided_while_writing = import_changing_meanwhile(session, removed_by_hand)
    assert decided_while_writing == [2, 3, 4, 6]
    assert (run.added, run.updated, run.rejected) == (4, 0, 1)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Absence)) == 4
    assert ("50000001-1", date(2024, 5, 1), date(2024, 5, 10)) in stored(session)


def test_an_importer_moved_to_another_trust_meanwhile_writes_none_of_her_old_trusts_rows(
    session, posts, demo_trusts
):
    hr = UserFactory(role=Role.HR, trust=demo_trusts[0])

    def moved() -> None:
        hr.trust = demo_trusts[1]

    run, decided_while_writing = import_changing_meanwhile(session, moved, actor=hr)
    assert decided_while_writing == [2, 3, 4, 6]
    assert (run.added, run.updated) == (0, 0)
    assert "is not your trust" in refused(run)[2]


def test_a_regional_file_imported_for_one_trust_is_written_as_checked(session, posts, demo_trusts):
    """Rows of another trust are refused by the check; the rest are still written as it decided."""
    AssignmentFactory(assignment_number="50000009-1", staff_member__trust=demo_trusts[1])
    content = csv_bytes([absence("50000009-1", "01/06/2024", "02/06/2024"), *the_rows()])
    hr = UserFactory(role=Role.HR, trust=demo_trusts[0])
    run, decided_while_writing = import_changing_meanwhile(session, None, hr, content, demo_trusts[0].id)
    assert decided_while_writing == []
    assert (run.added, run.updated, run.rejected) == (3, 1, 2)
    assert "is not your trust" in refused(run)[2]


def test_the_rows_the_apply_is_told_to_skip_are_passed_over(session, posts):
    content = the_file()
    parsed = rows_to_keep(ABSENCES)
    *_, report = check_file(
        session, ABSENCES, content, filename="a.csv", actor="cli", only_trust_id=None, partial=True,
        max_bytes=MAX, keep=parsed,
    )  # fmt: skip
    skip = report.rejected_row_numbers | {3}  # and row 3 (written by an earlier attempt, say)
    with rules_while_writing() as decided:
        applied = list(
            apply_file(
                session,
                ABSENCES,
                content,
                filename="a.csv",
                actor="cli",
                only_trust_id=None,
                max_bytes=MAX,
                skip_rows=skip,
                parsed=parsed,
            )  # fmt: skip
        )
    assert decided == []
    assert sum(chunk.added for chunk in applied) == 2 and sum(chunk.updated for chunk in applied) == 1
    session.expire_all()
    assert ("50000001-1", date(2024, 6, 1), date(2024, 6, 3)) not in stored(session)
