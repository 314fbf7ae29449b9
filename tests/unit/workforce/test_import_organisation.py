"""The assignments file's organisation columns (directorate, ward or department, cost centre): optional,
trimmed, refused when too long (naming row and column), changed by an update and kept when a later file
leaves them out."""

from __future__ import annotations

from sqlalchemy import select

from passport.workforce.importing import ASSIGNMENTS
from passport.workforce.models import Assignment
from tests.support.esr_csv import assignment, csv_bytes
from tests.unit.workforce.test_importing import problems, run

PLACED = {"Directorate": "  Adult mental health ", "Ward": "Barefoot   Lodge", "Cost Centre": "RPG123"}


def post(session, number: str = "20000001-1") -> Assignment:  # type: ignore[no-untyped-def]
    found = session.scalar(select(Assignment).where(Assignment.assignment_number == number))
    session.refresh(found)
    return found


def test_without_the_columns_a_post_has_no_organisation(session, demo_trusts):
    _, report = run(session, ASSIGNMENTS, csv_bytes([assignment()]))
    assert report.added == 1
    amy = post(session)
    assert (amy.directorate, amy.ward, amy.cost_centre) == (None, None, None)


def test_the_columns_are_read_trimmed_and_ward_may_be_named_ward_or_department(session, demo_trusts):
    _, report = run(session, ASSIGNMENTS, csv_bytes([assignment(**PLACED)]))
    assert report.added == 1 and not report.row_errors
    amy = post(session)
    assert (amy.directorate, amy.ward, amy.cost_centre) == ("Adult mental health", "Barefoot Lodge", "RPG123")
    department = {"Directorate": "Adult mental health", "Ward or Department": "Oxleas House"}
    _, report = run(
        session, ASSIGNMENTS, csv_bytes([assignment("20000002-1", "bea@rpg.example", **department)])
    )
    assert report.added == 1 and post(session, "20000002-1").ward == "Oxleas House"


def test_an_update_changes_them_and_a_file_without_them_keeps_them(session, demo_trusts):
    run(session, ASSIGNMENTS, csv_bytes([assignment(**PLACED)]))
    moved = {"Directorate": "Children and young people", "Ward": "Woodlands", "Cost Centre": ""}
    _, report = run(session, ASSIGNMENTS, csv_bytes([assignment(**moved)]))
    assert (report.updated, report.unchanged) == (1, 0)
    amy = post(session)
    assert (amy.directorate, amy.ward, amy.cost_centre) == ("Children and young people", "Woodlands", None)
    _, report = run(session, ASSIGNMENTS, csv_bytes([assignment()]))  # no organisation columns at all
    assert (report.updated, report.unchanged) == (0, 1)
    assert post(session).ward == "Woodlands"


def test_a_value_too_long_is_refused_naming_row_and_column(session, demo_trusts):
    rows = [
        assignment(**PLACED),
        assignment("20000002-1", "bea@rpg.example", **{**PLACED, "Directorate": "D" * 101}),
        assignment("20000003-1", "cat@rpg.example", **{**PLACED, "Cost Centre": "C" * 21}),
    ]
    _, report = run(session, ASSIGNMENTS, csv_bytes(rows))
    assert problems(report) == [(3, "Directorate"), (4, "Cost Centre")]
    assert "longer than 100 characters" in report.row_errors[0].message
    assert session.scalar(select(Assignment.id)) is None  # nothing half-written
