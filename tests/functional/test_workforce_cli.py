"""`flask passport import-esr`: counts, every rejected row, exit statuses."""

from __future__ import annotations

import zipfile

from sqlalchemy import func, select

from passport.workforce.models import Absence, Assignment
from tests.support.esr_csv import absence, assignment, csv_bytes


def _run(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["passport", "import-esr", *args])


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_import_then_reimport(app, session, demo_trusts, tmp_path):
    staff = tmp_path / "assignments.csv"
    staff.write_bytes(
        csv_bytes([assignment(), assignment("20000002-1", "b@rv5.example", **{"Org Code": "RV5"})])
    )
    first = _run(app, "assignments", str(staff))
    assert first.exit_code == 0, first.output
    assert "2 rows read, 2 added, 0 updated, 0 unchanged, 0 rejected (imported)" in first.output
    again = _run(app, "assignments", str(staff))
    assert "0 added, 0 updated, 2 unchanged, 0 rejected" in again.output
    absences = tmp_path / "absences.csv"
    absences.write_bytes(csv_bytes([absence(), absence("20000009-9")]))
    refused = _run(app, "absences", str(absences))
    assert refused.exit_code == 1
    assert "Row 3, Assignment Number: 20000009-9 is not a known assignment" in refused.output
    assert "run again with --partial to make the other 1 changes" in refused.output
    assert _count(session, Absence) == 0
    partial = _run(app, "absences", str(absences), "--partial")
    assert partial.exit_code == 0 and "1 added" in partial.output and _count(session, Absence) == 1


def test_as_trust_limits_the_rows(app, session, demo_trusts, tmp_path):
    staff = tmp_path / "assignments.csv"
    staff.write_bytes(
        csv_bytes([assignment(), assignment("20000002-1", "b@rv5.example", **{"Org Code": "RV5"})])
    )
    result = _run(app, "assignments", str(staff), "--as-trust", "RPG", "--partial")
    assert result.exit_code == 0 and "Row 3, Org Code: RV5 is not your trust" in result.output
    assert _count(session, Assignment) == 1


def test_unreadable_files_exit_2(app, session, demo_trusts, tmp_path):
    fake = tmp_path / "staff.xlsx"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    result = _run(app, "assignments", str(fake))
    assert result.exit_code == 2 and "staff.xlsx is not an Excel workbook" in result.output
    missing = tmp_path / "short.csv"
    missing.write_text("Assignment Number,Org Code\n1,RPG\n")
    result = _run(app, "assignments", str(missing))
    assert result.exit_code == 2 and "is missing the columns Employee Email" in result.output
    big = tmp_path / "big.csv"
    big.write_bytes(csv_bytes([assignment()]) + b"x" * (2 * 1024 * 1024))
    result = _run(app, "assignments", str(big), "--max-mb", "1")
    assert result.exit_code == 2 and "larger than the 1 MB limit" in result.output
    assert _run(app, "assignments", str(missing), "--as-trust", "XXX").exit_code == 2
