"""An ESR extract that still lists an anonymised leaver leaves the anonymised record alone: no new staff
record with her name, no second copy of her post or absences, the same figures (issue 17)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from passport.record_keeping.operations import apply_retention
from passport.record_keeping.schedule import RetentionSchedule
from passport.trusts.models import StaffMember
from passport.workforce.models import Absence, Assignment, assignment_number_digest
from tests.support.esr_csv import absence, assignment, csv_bytes
from tests.unit.workforce.test_importing import run

LEAVER = {
    "First Name": "Amy",
    "Assignment Start Date": "01/04/2001",
    "Assignment End Date": "30/06/2010",
    "Leaving Reason": "Retirement Age",
    "Date of Birth": "01/01/1940",
}


def _files() -> tuple[bytes, bytes]:
    posts = csv_bytes([assignment("20000001-1", "amy.one@rpg.example", **LEAVER)])
    spells = csv_bytes([absence("20000001-1", start="01/05/2009", end="03/05/2009")])
    return posts, spells


def _held(session):  # type: ignore[no-untyped-def]
    return (
        session.execute(select(StaffMember.given_name, StaffMember.email, StaffMember.date_of_birth)).all(),
        session.execute(
            select(Assignment.assignment_number, Assignment.start_date, Assignment.end_date)
        ).all(),
        session.scalar(select(func.count()).select_from(Absence)),
    )


def test_a_later_extract_leaves_an_anonymised_leaver_alone(session, demo_trusts):
    posts, spells = _files()
    run(session, "assignments", posts)
    run(session, "absences", spells)
    report = apply_retention(session, RetentionSchedule(), date(2026, 12, 5))
    assert report.gone["staff_records"] == 1
    session.flush()
    number_digest = session.scalar(select(Assignment.anonymised_number_digest))
    assert number_digest == assignment_number_digest("20000001-1")
    anonymised = _held(session)
    assert anonymised[0] == [("Former", anonymised[0][0][1], None)] and anonymised[2] == 1

    _, posts_report = run(session, "assignments", posts)
    _, spells_report = run(session, "absences", spells)
    assert (posts_report.added, posts_report.updated, posts_report.unchanged, posts_report.rejected) == (
        0,
        0,
        1,
        0,
    )
    assert (spells_report.added, spells_report.unchanged, spells_report.rejected) == (0, 1, 0)
    assert posts_report.staff_added == 0
    session.expire_all()
    assert _held(session) == anonymised


def test_a_post_never_held_is_still_unknown_to_an_absences_file(session, demo_trusts):
    _, report = run(session, "absences", csv_bytes([absence("99999999-1")]))
    assert [(e.row_number, e.column) for e in report.row_errors] == [(2, "Assignment Number")]
