"""An import parses its file once: the rows its check kept are written in the same chunks, with the same
checkpoints, as reading the file again would give; only a resumed import reads the file again."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from passport.workforce import absence_columns, importing
from passport.workforce.esr_files import iter_absence_chunks, iter_assignment_chunks
from passport.workforce.importing import ABSENCES, ASSIGNMENTS, people_in_file, rows_to_keep
from passport.workforce.models import Absence
from passport.workforce.parsed_rows import read_chunk
from tests.support.esr_csv import absence, assignment, csv_bytes
from tests.unit.workforce.test_importing import run

MAX = 10 * 1024 * 1024


def absences_with_bad_cells_and_blank_lines() -> bytes:
    rows = [absence(start=f"{day:02d}/05/2024", end=f"{day:02d}/05/2024") for day in range(1, 12)]
    rows[2]["Absence Start Date"] = "31/02/2024"  # a bad cell: read, not given
    rows[5]["Absence Category"] = "Gardening"
    rows[6]["Attendance Reason"] = "S55"
    text = csv_bytes(rows).decode()
    lines = text.splitlines(keepends=True)
    lines.insert(5, "\r\n")  # a blank line: not a row read
    lines.insert(9, ",,,,\r\n")
    return "".join(lines).encode()


def file_chunks(read, content: bytes, size: int) -> list:  # type: ignore[no-untyped-def]
    chunks = (read_chunk(parsed) for parsed in read(io.BytesIO(content), filename="x.csv", chunk_size=size))
    return [chunk for chunk in chunks if chunk is not None]


def kept(kind: str, read, content: bytes, check_size: int):  # type: ignore[no-untyped-def]
    parsed = rows_to_keep(kind)
    for chunk in read(io.BytesIO(content), filename="x.csv", chunk_size=check_size):
        parsed.keep(chunk)
    return parsed


@pytest.mark.parametrize("check_size", [1, 3, 10_000])
@pytest.mark.parametrize("size", [1, 2, 4, 5, 100])
def test_kept_rows_come_again_in_the_chunks_the_file_gives(check_size, size):
    content = absences_with_bad_cells_and_blank_lines()
    expected = file_chunks(iter_absence_chunks, content, size)
    assert len(expected) == -(-11 // size)  # 11 rows read, 3 of them bad, blank lines not counted
    assert list(kept(ABSENCES, iter_absence_chunks, content, check_size).chunks(size)) == expected


def test_kept_assignment_rows_are_the_rows_parsed():
    content = csv_bytes([assignment(f"2000000{n}-1", f"p{n}@rpg.example") for n in range(1, 8)])
    expected = file_chunks(iter_assignment_chunks, content, 3)
    assert list(kept(ASSIGNMENTS, iter_assignment_chunks, content, 2).chunks(3)) == expected
    assert [row.assignment_number for chunk in expected for row in chunk.rows][-1] == "20000007-1"


def test_people_in_the_kept_rows_are_those_in_the_file(session, demo_trusts):
    from tests.support.workforce_factories import AssignmentFactory

    known = AssignmentFactory(assignment_number="20000001-1", staff_member__email="p1@rpg.example")
    by_email = AssignmentFactory(assignment_number="20000009-1", staff_member__email="p2@rpg.example")
    content = csv_bytes([assignment(f"2000000{n}-1", f"p{n}@rpg.example") for n in range(1, 4)])
    parsed = kept(ASSIGNMENTS, iter_assignment_chunks, content, 2)
    from_file = people_in_file(session, ASSIGNMENTS, content, filename="x.csv", max_bytes=MAX)
    from_rows = people_in_file(session, ASSIGNMENTS, b"", filename="x.csv", max_bytes=MAX, parsed=parsed)
    assert from_rows == from_file == {known.staff_member_id, by_email.staff_member_id}


def test_a_fresh_import_parses_its_file_once(session, demo_trusts, monkeypatch):
    from tests.support.workforce_factories import AssignmentFactory

    AssignmentFactory(assignment_number="20000001-1", staff_member__trust=demo_trusts[0])
    reads = []
    by_rows, by_columns = importing._chunks, absence_columns.csv_columns
    monkeypatch.setattr(importing, "_chunks", lambda *args: reads.append("rows") or by_rows(*args))
    monkeypatch.setattr(
        absence_columns, "csv_columns", lambda *args, **kw: reads.append("columns") or by_columns(*args, **kw)
    )
    rows = [absence(start=f"{day:02d}/05/2024", end=f"{day:02d}/05/2024") for day in range(1, 10)]
    run(session, ABSENCES, csv_bytes(rows), chunk_size=2)
    assert reads == ["columns"]  # every row good: read as columns, once
    assert len(session.scalars(select(Absence)).all()) == 9
    reads.clear()
    rows = [absence(start=f"{day:02d}/06/2024", end=f"{day:02d}/06/2024") for day in range(1, 10)]
    rows[4]["Absence End Date"] = "31/05/2024"  # before its start: the rows are read again, one by one
    run(session, ABSENCES, csv_bytes(rows), chunk_size=2, partial=True)
    assert reads == ["columns", "rows"]
    assert len(session.scalars(select(Absence)).all()) == 17
