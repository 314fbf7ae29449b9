"""An absence file decided column by column is decided exactly as row by row: the same counts, the same
decisions, the same rows kept; and any file with a row that might break a rule goes row by row."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from passport.auth.models import Role
from passport.workforce import absence_columns, importing
from passport.workforce.importing import ABSENCES, check_file, rows_to_keep
from passport.workforce.models import assignment_number_digest
from tests.support.esr_csv import absence, csv_bytes
from tests.support.factories import UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

MAX = 10 * 1024 * 1024
NUMBERS = ("30000001-1", "30000002-1", "30000003-1", "30000004-1", "30000099-1", "39999999-1")
REASONS = (
    "S10 Anxiety/stress/depression/other psychiatric illnesses",
    "S12",
    "S13 Cold, Cough, Flu - Influenza",
)
DAY_ONE = date(2024, 1, 1)


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Posts at two trusts (one ended, one started late), stored absences to clash with or change, and
    a post the retention job anonymised (30000099-1); 39999999-1 is no post at all."""
    rpg, rv5 = demo_trusts[0], demo_trusts[1]
    open_post = AssignmentFactory(
        assignment_number=NUMBERS[0], staff_member__trust=rpg, start_date=date(2020, 1, 1)
    )
    AssignmentFactory(
        assignment_number=NUMBERS[1],
        staff_member__trust=rpg,
        start_date=date(2020, 1, 1),
        end_date=date(2024, 6, 30),
    )
    other_trust = AssignmentFactory(
        assignment_number=NUMBERS[2], staff_member__trust=rv5, start_date=date(2021, 1, 1)
    )
    AssignmentFactory(assignment_number=NUMBERS[3], staff_member__trust=rpg, start_date=date(2024, 3, 1))
    AssignmentFactory(
        assignment_number="ANONYMISED-1",
        staff_member__trust=rpg,
        start_date=date(2019, 1, 1),
        anonymised_number_digest=assignment_number_digest(NUMBERS[4]),
    )
    AbsenceFactory(assignment=open_post, first_day=date(2024, 5, 1), last_day=date(2024, 5, 5))
    AbsenceFactory(
        assignment=open_post, first_day=date(2024, 1, 10), last_day=date(2024, 1, 12), reason_code="S10"
    )
    AbsenceFactory(
        assignment=open_post, first_day=date(2024, 7, 1), last_day=date(2024, 7, 3), category="ANNUAL_LEAVE",
        reason_code=None,
    )  # fmt: skip
    AbsenceFactory(assignment=other_trust, first_day=date(2024, 8, 1), last_day=None)
    return UserFactory(role=Role.HR, trust=rpg)


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def sick(number: str, first: str, last: str, reason: str = "S12") -> dict[str, str]:
    return absence(number, first, last, **{"Attendance Reason": reason})


# A row that may break a rule in a file whose other rows are good (each may be at any place in it).
TWISTS = (
    sick(NUMBERS[1], "20/06/2024", "02/07/2024"),  # ends after its post did
    sick(NUMBERS[1], "20/06/2024", ""),  # still absent from a post that ended
    sick(NUMBERS[3], "28/02/2024", "02/03/2024"),  # starts before its post did
    sick(NUMBERS[2], "01/05/2024", "02/05/2024"),  # another trust's post (refused to HR of RPG)
    sick(NUMBERS[5], "01/05/2024", "02/05/2024"),  # no such post
    sick(NUMBERS[0], "04/05/2024", "06/05/2024"),  # overlaps a stored sickness absence (1-5 May)
    sick(NUMBERS[0], "12/01/2024", "12/01/2024", "S10"),  # overlaps another (10-12 January) on its last day
    sick(NUMBERS[0], "28/04/2024", "01/05/2024"),  # ends on the first day of a stored one
    sick(NUMBERS[0], "10/06/2024", "08/06/2024"),  # ends before it starts
    sick(NUMBERS[0], "10/06/2024", "12/06/2024", "X1 nonsense"),  # no such reason
    sick(NUMBERS[0], "01/05/2024", "05/05/2024", "S10"),  # the stored one with another reason
    sick(NUMBERS[0], "01/05/2024", "03/05/2024"),  # the stored one shorter...
    sick(NUMBERS[0], "04/05/2024", "04/05/2024"),  # ... and in the days it frees (in either order)
    sick(NUMBERS[3], "20/06/2024", "21/06/2024"),  # good: overlaps nothing of its own post
)
GOOD_ROWS = (
    sick(NUMBERS[0], "10/03/2024", "12/03/2024"),
    sick(NUMBERS[3], "20/06/2024", "", "S10"),
    absence(
        NUMBERS[0],
        "11/03/2024",
        "11/03/2024",
        **{"Absence Category": "Annual Leave", "Attendance Reason": ""},
    ),
    sick(NUMBERS[4], "01/05/2020", "02/05/2020"),
)


@st.composite
def absence_rows(draw: Any) -> list[dict[str, str]]:
    """Rows over a few posts and months: good rows (each in days of its own, at a post the importer may
    write to, inside its dates), with or without a few rows that may break a rule; or any rows at all."""
    kind = draw(st.sampled_from(["good", "twisted", "any"]))
    rows = []
    for slot in range(draw(st.integers(1, 10))):
        if kind == "any":
            first = DAY_ONE + timedelta(days=draw(st.integers(0, 300)))
            length = draw(st.sampled_from([0, 1, 4, 9, None, -2]))  # -2: ends before it starts
            numbers, reasons = NUMBERS, (*REASONS, "", "X1 nonsense")
        else:  # from 8 March to the end of April, and June: clear of the stored absences
            first = date(2024, 3, 8) + timedelta(days=9 * slot + draw(st.integers(0, 3)) + 40 * (slot > 5))
            length = draw(st.sampled_from([0, 1, 4, None]))
            numbers, reasons = (NUMBERS[0], NUMBERS[3], NUMBERS[4]), REASONS
        end = "" if length is None else uk(first + timedelta(days=length))
        row = absence(draw(st.sampled_from(numbers)), uk(first), end)
        if draw(st.booleans()):
            row["Attendance Reason"] = draw(st.sampled_from(reasons))
        else:
            row["Absence Category"] = draw(st.sampled_from(["Annual Leave", "Study Leave"]))
            row["Attendance Reason"] = ""
        rows.append(row)
    if kind == "twisted":
        rows += draw(st.lists(st.sampled_from(TWISTS), min_size=1, max_size=2, unique_by=str))
        if draw(st.booleans()):  # a row twice
            rows.append(dict(draw(st.sampled_from(rows))))
    elif draw(st.booleans()):  # a stored absence again, as it is or longer
        rows.append(sick(NUMBERS[0], "01/05/2024", draw(st.sampled_from(["05/05/2024", "07/05/2024"]))))
    return draw(st.permutations(rows))


def decided(session, content: bytes, actor: Any, only: int | None) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """Everything a check decides and keeps for the write, row by row unless ``by_columns``."""
    keep = rows_to_keep(ABSENCES)
    *_, report = check_file(
        session, ABSENCES, content, filename="a.csv", actor=actor, only_trust_id=only, partial=True,
        max_bytes=MAX, keep=keep,
    )  # fmt: skip
    checked = keep.checked
    return (
        (report.rows_read, report.added, report.updated, report.unchanged, report.changed_trusts),
        report.row_errors,
        list(keep.read_rows),
        [list(column) for column in keep.columns],
        list(checked.outcomes),
        checked.assignments,
        checked.retired,
        checked.stored_digest,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=absence_rows(), as_hr=st.booleans(), line_end=st.sampled_from(["\n", "\r\n"]))
def test_decided_by_columns_as_row_by_row(session, world, monkeypatch, rows, as_hr, line_end):  # type: ignore[no-untyped-def]
    content = csv_bytes(rows).replace(b"\r\n", line_end.encode())
    actor, only = (world, world.trust_id) if as_hr else ("cli", None)
    taken = []
    good = importing.check_good_absences
    with monkeypatch.context() as patched:  # undone after each example
        patched.setattr(
            importing, "check_good_absences", lambda *args, **kw: taken.append(good(*args, **kw)) or taken[-1]
        )
        either = decided(session, content, actor, only)
        event("decided by columns" if taken[0] else "decided row by row")
        patched.setattr(absence_columns, "csv_columns", lambda *args, **kw: None)
        by_rows = decided(session, content, actor, only)
    assert taken == [taken[0], False]
    assert either == by_rows
    if taken[0]:  # decided by columns: then every row was good
        assert not by_rows[1]


@pytest.mark.parametrize(
    "twist", TWISTS, ids=lambda row: f"{row['Assignment Number']} {row['Absence Start Date']}"
)
def test_a_row_that_may_break_a_rule_is_decided_as_row_by_row(session, world, monkeypatch, twist):  # type: ignore[no-untyped-def]
    """Good rows and one that may break a rule, before or after them, imported by an HR officer of RPG or
    the command line: decided alike by columns (or not) and row by row."""
    for actor, only in ((world, world.trust_id), ("cli", None)):
        for rows in ([twist, *GOOD_ROWS], [*GOOD_ROWS, twist]):
            with monkeypatch.context() as patched:
                either = decided(session, csv_bytes(rows), actor, only)
                patched.setattr(absence_columns, "csv_columns", lambda *args, **kw: None)
                assert either == decided(session, csv_bytes(rows), actor, only)


def test_a_file_of_good_rows_is_decided_by_columns(session, world, monkeypatch):  # type: ignore[no-untyped-def]
    rows = [
        absence(
            NUMBERS[0], "01/05/2024", "09/05/2024", **{"Attendance Reason": "S12"}
        ),  # a stored one longer
        absence(NUMBERS[0], "10/01/2024", "12/01/2024", **{"Attendance Reason": "S10"}),  # a stored one as is
        absence(NUMBERS[3], "01/05/2024", "", **{"Attendance Reason": REASONS[2]}),  # quoted: a comma
        absence(NUMBERS[4], "01/05/2020", "02/05/2020"),  # an anonymised post's
        absence(NUMBERS[2], "01/06/2024", "02/06/2024", **{"Absence Category": "Annual Leave"}),
    ]
    taken = []
    good = importing.check_good_absences
    monkeypatch.setattr(
        importing, "check_good_absences", lambda *args, **kw: taken.append(good(*args, **kw)) or taken[-1]
    )
    by_columns = decided(session, csv_bytes(rows), "cli", None)
    assert taken == [True]
    monkeypatch.setattr(absence_columns, "csv_columns", lambda *args, **kw: None)
    assert decided(session, csv_bytes(rows), "cli", None) == by_columns
    counts, errors, *_kept, outcomes, _posts, retired, _digest = by_columns
    assert counts[:4] == (5, 2, 1, 2) and not errors and retired == {NUMBERS[4]}


def test_a_stored_absence_shortened_and_the_days_it_frees_taken(session, world, monkeypatch):  # type: ignore[no-untyped-def]
    """Row by row, the file's order decides: a later row may take the days an earlier one freed, not the
    other way round. By columns both orders go row by row."""
    shorter, freed = (
        sick(NUMBERS[0], "01/05/2024", "03/05/2024"),
        sick(NUMBERS[0], "04/05/2024", "05/05/2024"),
    )
    outcomes = []
    for rows in ([shorter, freed], [freed, shorter]):
        with monkeypatch.context() as patched:
            either = decided(session, csv_bytes(rows), "cli", None)
            patched.setattr(absence_columns, "csv_columns", lambda *args, **kw: None)
            assert either == decided(session, csv_bytes(rows), "cli", None)
            outcomes.append(either[0][1:4])
    assert outcomes == [(1, 1, 0), (0, 1, 0)]  # (added, updated, unchanged): the second refused
