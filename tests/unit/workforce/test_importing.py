"""The ESR-style import against the real database: counts, re-imports, every kind of bad input, and
nothing half-written."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.trusts.models import StaffMember
from passport.workforce.import_runs import import_steps
from passport.workforce.importing import ABSENCES, ASSIGNMENTS
from passport.workforce.models import Absence, Assignment, ImportRun
from passport.workforce.tables import FileRejected
from tests.support.esr_csv import absence, assignment, csv_bytes, xlsx_bytes
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

MAX = 10 * 1024 * 1024


def run(session, kind, data: bytes, *, actor="cli", only=None, partial=False, filename="extract.csv", **kw):  # type: ignore[no-untyped-def]
    """Import ``data`` in the test's transaction (the job would commit at each step): (run, check report)."""
    chunk_size = kw.pop("chunk_size", None)
    if chunk_size:
        kw.update(check_chunk_size=chunk_size, apply_chunk_size=chunk_size)
    record = report = None
    for step in import_steps(
        session,
        kind=kind,
        content=data,
        filename=filename,
        actor=actor,
        only_trust_id=only,
        trust_id=only,
        partial=partial,
        max_bytes=kw.pop("max_bytes", MAX),
        **kw,
    ):
        record, report = step.run, step.report or report
    return record, report


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def problems(report) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(e.row_number, e.column) for e in report.row_errors]


@pytest.fixture
def trusts(demo_trusts):  # type: ignore[no-untyped-def]
    return demo_trusts


def two_assignments() -> bytes:
    return csv_bytes(
        [
            assignment("20000001-1", "amy.one@rpg.example"),
            assignment(
                "20000002-1",
                "bea.two@rpg.example",
                **{
                    "First Name": "Bea",
                    "Contracted FTE": "0.8",
                    "AfC Band": "6",
                    "Assignment Start Date": "2022-06-01",
                    "Assignment End Date": "31/03/2025",
                    "Leaving Reason": "Voluntary Resignation - Work Life Balance",
                },
            ),
        ]
    )


def test_assignments_are_added_with_their_staff_and_a_reimport_changes_nothing(session, trusts):
    record, report = run(session, ASSIGNMENTS, two_assignments())
    assert (report.added, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    assert report.staff_added == 2 and record.status == "imported"
    bea = session.scalar(select(Assignment).where(Assignment.assignment_number == "20000002-1"))
    assert bea.contracted_fte == Decimal("0.8") and bea.afc_band == "6" and bea.staff_group == "NMR"
    assert bea.end_date == date(2025, 3, 31) and bea.leaving_reason == "VR_WORK_LIFE_BALANCE"
    assert bea.trust_id == trusts[0].id and bea.staff_member.email == "bea.two@rpg.example"

    again, report = run(session, ASSIGNMENTS, two_assignments())
    assert (report.added, report.updated, report.unchanged, report.rejected) == (0, 0, 2, 0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert count(session, Assignment) == 2 and count(session, StaffMember) == 2


def test_on_postgresql_an_import_keeps_the_planners_statistics_while_it_fills_a_table(session, trusts):
    """PostgreSQL plans each chunk's reads from table statistics that autovacuum refreshes only a minute
    or more later; the import analyses a table that has grown by half, so the planner never sees a table
    it filled as empty."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite plans without table statistics")
    rows = [assignment(f"{30_000_000 + n}-1", f"person{n}@rpg.example") for n in range(60)]
    run(session, ASSIGNMENTS, csv_bytes(rows), chunk_size=10)
    estimated = {
        table: session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"), {"table": table}
        )
        for table in ("assignment", "staff_member")
    }
    # Analysed at least once the last chunk but one was written (50 rows): the estimate counts them.
    assert estimated["assignment"] >= 50 and estimated["staff_member"] >= 50, estimated


def test_a_changed_row_is_an_update(session, trusts):
    run(session, ASSIGNMENTS, two_assignments())
    changed = csv_bytes([assignment("20000001-1", **{"Contracted FTE": "0.6"})])
    _, report = run(session, ASSIGNMENTS, changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    amy = session.scalar(select(Assignment).where(Assignment.assignment_number == "20000001-1"))
    session.refresh(amy)
    assert amy.contracted_fte == Decimal("0.6")


def test_staff_are_matched_by_email(session, trusts):
    existing = StaffMemberFactory(trust=trusts[0], email="amy.one@rpg.example")
    _, report = run(session, ASSIGNMENTS, csv_bytes([assignment(email="Amy.One@RPG.example")]))
    assert report.added == 1 and report.staff_added == 0
    assert session.scalar(select(Assignment.staff_member_id)) == existing.id


def test_bad_assignment_rows_are_each_reported_and_nothing_is_written(session, trusts):
    rows = [
        assignment("20000001-1", "ok@rpg.example"),
        assignment("20000002-1", "a@rpg.example", **{"Org Code": "ZZZ"}),
        assignment("20000003-1", "b@rpg.example", **{"Contracted FTE": "0"}),
        assignment("20000004-1", "c@rpg.example", **{"Contracted FTE": "abc"}),
        assignment("20000005-1", "d@rpg.example", **{"Assignment End Date": "01/01/2020"}),
        assignment("20000006-1", "e@rpg.example", **{"Assignment Start Date": "31/02/2025"}),
        assignment(
            "20000007-1", "f@rpg.example", **{"Assignment End Date": "01/01/2025", "Leaving Reason": "Bored"}
        ),
    ]
    record, report = run(session, ASSIGNMENTS, csv_bytes(rows))
    assert problems(report) == [
        (3, "Org Code"),
        (4, "Contracted FTE"),
        (5, "Contracted FTE"),
        (6, "Assignment End Date"),
        (7, "Assignment Start Date"),
        (8, "Leaving Reason"),
    ]
    messages = {e.row_number: e.message for e in report.row_errors}
    assert "ZZZ is not a trust of the partnership" in messages[3]
    assert "abc is not a number" in messages[5]
    assert "31/02/2025 is not a real date" in messages[7]
    assert record.status == "rejected" and record.rejected == 6 and record.added == 0
    assert record.report["rejected_rows"][0] == {"row": 3, "column": "Org Code", "message": messages[3]}
    assert count(session, Assignment) == 0 and count(session, StaffMember) == 0


def test_partial_imports_the_good_rows_and_reports_the_bad(session, trusts):
    rows = [assignment("20000001-1"), assignment("20000002-1", "x@rpg.example", **{"Contracted FTE": "2"})]
    record, report = run(session, ASSIGNMENTS, csv_bytes(rows), partial=True)
    assert record.status == "imported" and (record.added, record.rejected) == (1, 1)
    assert problems(report) == [(3, "Contracted FTE")]
    assert count(session, Assignment) == 1


def test_a_bad_row_in_a_later_chunk_undoes_the_chunks_already_written(session, trusts):
    rows = [assignment(f"2000000{n}-1", f"p{n}@rpg.example") for n in range(1, 6)]
    rows.append(assignment("20000009-1", "late@rpg.example", **{"Org Code": "XXX"}))
    record, report = run(session, ASSIGNMENTS, csv_bytes(rows), chunk_size=2)
    assert report.rejected == 1 and problems(report) == [(7, "Org Code")]
    assert record.status == "rejected" and record.report["would_have"] == {"added": 5, "updated": 0}
    assert count(session, Assignment) == 0 and count(session, StaffMember) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Assignment Number,Employee Email\n1,a@b.example\n", "is missing the columns"),
        (b"", "is empty"),
    ],
)
def test_an_unreadable_file_is_refused_whole_and_nothing_is_recorded(session, trusts, data, message):
    with pytest.raises(FileRejected, match=message):
        run(session, ASSIGNMENTS, data)
    assert count(session, Assignment) == 0 and count(session, ImportRun) == 0


def test_an_xlsx_that_is_a_zip_of_something_else_is_refused(session, trusts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    with pytest.raises(FileRejected, match="^staff.xlsx is not an Excel workbook$"):
        run(session, ASSIGNMENTS, buffer.getvalue(), filename="staff.xlsx")


def test_a_bad_byte_half_way_refuses_the_file_before_anything_is_written(session, trusts):
    rows = [assignment(f"2000000{n}-1", f"p{n}@rpg.example") for n in range(1, 6)]
    data = csv_bytes(rows) + b"20000009-1,\xff\xfe@rpg.example\n"
    with pytest.raises(FileRejected, match="is not UTF-8 text"):
        run(session, ASSIGNMENTS, data, chunk_size=2)
    assert count(session, Assignment) == 0 and count(session, StaffMember) == 0


def test_a_file_over_the_limit_is_refused(session, trusts):
    with pytest.raises(FileRejected, match="larger than the"):
        run(session, ASSIGNMENTS, two_assignments(), max_bytes=100)
    assert count(session, Assignment) == 0


def test_an_xlsx_extract_imports(session, trusts):
    _, report = run(session, ASSIGNMENTS, xlsx_bytes([assignment()]), filename="staff.xlsx")
    assert report.added == 1


def test_hr_imports_only_her_own_trusts_rows(session, trusts):
    hr = UserFactory(role=Role.HR, trust=trusts[0])
    rows = [assignment("20000001-1"), assignment("20000002-1", "x@rv5.example", **{"Org Code": "RV5"})]
    record, report = run(session, ASSIGNMENTS, csv_bytes(rows), actor=hr, only=trusts[0].id)
    assert problems(report) == [(3, "Org Code")]
    assert "RV5 is not your trust: you may import only rows of RPG" in report.row_errors[0].message
    assert count(session, Assignment) == 0 and record.created_by_id == hr.id


def test_a_director_imports_nothing(session, trusts):
    director = UserFactory(role=Role.DIRECTOR, trust=trusts[0])
    _, report = run(session, ASSIGNMENTS, csv_bytes([assignment()]), actor=director)
    assert report.rejected == 1 and count(session, Assignment) == 0


def test_an_assignment_cannot_change_trust_or_person(session, trusts):
    AssignmentFactory(
        assignment_number="20000001-1", staff_member__trust=trusts[1], staff_member__email="z@rv5.example"
    )
    rows = [
        assignment("20000001-1", "z@rv5.example"),
        assignment("20000001-2", "z@rv5.example", **{"Org Code": "RV5"}),
    ]
    AssignmentFactory(assignment_number="20000001-2", staff_member__trust=trusts[1])
    _, report = run(session, ASSIGNMENTS, csv_bytes(rows))
    assert problems(report) == [(2, "Org Code"), (3, "Employee Email")]


def test_an_import_is_audited(session, trusts):
    record, _ = run(session, ASSIGNMENTS, two_assignments())
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "import.assignments"))
    assert (
        event.record_id == str(record.id)
        and event.details["added"] == 2
        and event.details["status"] == "imported"
    )


# --- Absences ----------------------------------------------------------------------------------------
@pytest.fixture
def assigned(session, trusts):  # type: ignore[no-untyped-def]
    run(session, ASSIGNMENTS, two_assignments())


def test_absences_are_added_and_a_reimport_changes_nothing(session, assigned):
    rows = [
        absence(),
        absence(start="10/06/2024", end="", **{"Attendance Reason": "s12"}),
        absence(
            "20000002-1",
            "01/05/2024",
            "10/05/2024",
            **{"Absence Category": "Annual Leave", "Attendance Reason": ""},
        ),
    ]
    record, report = run(session, ABSENCES, csv_bytes(rows))
    assert (report.added, report.rejected) == (3, 0) and record.status == "imported"
    stored = {(a.first_day, a.category, a.reason_code, a.last_day) for a in session.scalars(select(Absence))}
    assert (date(2024, 6, 10), "SICKNESS", "S12", None) in stored
    assert (date(2024, 5, 1), "ANNUAL_LEAVE", None, date(2024, 5, 10)) in stored
    _, again = run(session, ABSENCES, csv_bytes(rows))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    rows[1] = absence(start="10/06/2024", end="14/06/2024", **{"Attendance Reason": "S12"})
    _, ended = run(session, ABSENCES, csv_bytes(rows))
    assert (ended.added, ended.updated, ended.unchanged) == (0, 1, 2)
    assert count(session, Absence) == 3


def test_bad_absence_rows_are_each_reported_and_nothing_is_written(session, assigned):
    rows = [
        absence(),
        absence("99999999-9", "01/07/2024", "02/07/2024"),
        absence(start="01/08/2024", end="02/08/2024", **{"Attendance Reason": "S55"}),
        absence(start="02/05/2024", end="04/05/2024"),  # overlaps row 2
        absence(start="01/09/2024", end="01/08/2024"),
        absence(start="31/02/2025", end=""),
        absence(start="01/10/2024", end="02/10/2024", **{"Attendance Reason": ""}),
        absence(start="01/01/2020", end="02/01/2020"),  # before the assignment began
        absence("20000002-1", "01/05/2025", "02/05/2025"),  # after it ended
        absence(),  # the same absence again
    ]
    record, report = run(session, ABSENCES, csv_bytes(rows))
    assert problems(report) == [
        (3, "Assignment Number"),
        (4, "Attendance Reason"),
        (5, "Absence Start Date"),
        (6, "Absence End Date"),
        (7, "Absence Start Date"),
        (8, "Attendance Reason"),
        (9, "Absence Start Date"),
        (10, "Absence Start Date"),
        (11, "Absence Start Date"),
    ]
    messages = {e.row_number: e.message for e in report.row_errors}
    assert "99999999-9 is not a known assignment" in messages[3]
    assert "S55 is not a known sickness absence reason code" in messages[4]
    assert "overlaps the sickness absence 1 May 2024 to 3 May 2024 (row 2)" in messages[5]
    assert "sickness absence needs a reason code" in messages[8]
    assert "is on row 2" in messages[11]
    assert record.status == "rejected" and count(session, Absence) == 0


def open_sickness_from_1_may_2024(trust):  # type: ignore[no-untyped-def]
    """A stored sickness absence, still open, of assignment 30000001-1."""
    return AbsenceFactory(
        assignment=AssignmentFactory(assignment_number="30000001-1", staff_member__trust=trust),
        first_day=date(2024, 5, 1),
        last_day=None,
    )


def test_a_sickness_absence_overlapping_a_stored_one_is_rejected(session, trusts):
    stored = open_sickness_from_1_may_2024(trusts[0])
    rows = [
        absence("30000001-1", "01/07/2024", "02/07/2024"),
        absence(
            "30000001-1",
            "01/07/2024",
            "02/07/2024",
            **{"Absence Category": "Study Leave", "Attendance Reason": ""},
        ),
    ]
    _, report = run(session, ABSENCES, csv_bytes(rows), partial=True)
    assert problems(report) == [(2, "Absence Start Date")]
    assert "1 May 2024 to open (a stored absence)" in report.row_errors[0].message
    assert report.added == 1  # study leave may overlap sickness
    assert stored.last_day is None


def test_a_stored_open_sickness_ended_by_the_file_no_longer_blocks_a_later_one(session, trusts):
    stored = open_sickness_from_1_may_2024(trusts[0])
    rows = [
        absence("30000001-1", "01/05/2024", "10/05/2024"),  # ends the stored absence
        absence("30000001-1", "01/06/2024", "03/06/2024"),  # after its new end: no overlap
        absence("30000001-1", "09/05/2024", "12/05/2024"),  # still overlaps its new end
    ]
    _, report = run(session, ABSENCES, csv_bytes(rows), partial=True)
    assert problems(report) == [(4, "Absence Start Date")]
    assert "1 May 2024 to 10 May 2024 (row 2)" in report.row_errors[0].message
    assert (report.updated, report.added) == (1, 1)
    session.refresh(stored)  # written in bulk, past the ORM
    assert stored.last_day == date(2024, 5, 10)


def test_an_open_sickness_absence_and_leave_from_the_same_day_are_imported_together(session, trusts):
    # Written in one chunk, sorted by their key: the rows would tie up to the open one's missing end.
    AssignmentFactory(
        assignment_number="30000002-1", staff_member__trust=trusts[0], start_date=date(2020, 1, 1)
    )
    leave = {"Absence Category": "Annual Leave", "Attendance Reason": ""}
    rows = [
        absence("30000002-1", "01/01/2024", ""),
        absence("30000002-1", "01/01/2024", "05/01/2024", **leave),
    ]
    record, report = run(session, ABSENCES, csv_bytes(rows))
    assert (report.added, report.rejected, record.status) == (2, 0, "imported")
    assert count(session, Absence) == 2


def test_hr_imports_absences_only_for_her_trusts_assignments(session, trusts):
    AssignmentFactory(assignment_number="40000001-1", staff_member__trust=trusts[1])
    hr = UserFactory(role=Role.HR, trust=trusts[0])
    _, report = run(session, ABSENCES, csv_bytes([absence("40000001-1")]), actor=hr, only=trusts[0].id)
    assert problems(report) == [(2, "Assignment Number")]
    assert count(session, Absence) == 0


def test_runs_are_recorded(session, assigned):
    runs = list(session.scalars(select(ImportRun)))
    assert [(r.kind, r.status, r.rows_read) for r in runs] == [("assignments", "imported", 2)]
    assert len(runs[0].sha256) == 64 and runs[0].finished_at is not None


def test_a_date_of_birth_fills_a_staff_record_that_has_none_and_never_replaces_one(session, trusts):
    StaffMemberFactory(trust=trusts[0], email="bea.two@rpg.example", date_of_birth=date(1980, 1, 2))
    StaffMemberFactory(trust=trusts[0], email="cat.three@rpg.example", date_of_birth=None)
    session.flush()
    rows = [
        assignment("20000001-1", "amy.one@rpg.example", **{"Date of Birth": "14/03/1990"}),
        assignment("20000002-1", "bea.two@rpg.example", **{"Date of Birth": "1985-05-05"}),
        assignment("20000003-1", "cat.three@rpg.example", **{"Date of Birth": "1979-11-30"}),
        assignment("20000004-1", "dee.four@rpg.example", **{"Date of Birth": ""}),
    ]
    _, report = run(session, ASSIGNMENTS, csv_bytes(rows))
    assert (report.added, report.rejected) == (4, 0)
    born = dict(session.execute(select(StaffMember.email, StaffMember.date_of_birth)).all())
    assert born == {
        "amy.one@rpg.example": date(1990, 3, 14),  # a new record takes it
        "bea.two@rpg.example": date(1980, 1, 2),  # one already held stays
        "cat.three@rpg.example": date(1979, 11, 30),  # an unknown one is filled
        "dee.four@rpg.example": None,
    }


def test_a_date_of_birth_not_before_the_start_is_a_row_error(session, trusts):
    rows = [
        assignment(**{"Date of Birth": "01/04/2023"}),
        assignment("20000002-1", "b@rpg.example", **{"Date of Birth": "31/02/1990"}),
    ]
    _, report = run(session, ASSIGNMENTS, csv_bytes(rows))
    assert problems(report) == [(2, "Date of Birth"), (3, "Date of Birth")]
    assert "is not before the assignment start date 1 April 2023" in report.row_errors[0].message
    assert count(session, StaffMember) == 0
