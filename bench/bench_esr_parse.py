"""Parse speed of ESR-style extracts: 60,000 assignments and 1,000,000 absences as CSV.

Run: .venv/bin/python bench/bench_esr_parse.py
The import target is 50,000 rows/second end to end, so parsing alone must be several times faster.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from passport.reference.workforce import SICKNESS_REASONS, STAFF_GROUPS  # noqa: E402
from passport.workforce.esr_files import iter_absence_chunks, iter_assignment_chunks  # noqa: E402

ASSIGNMENTS = 60_000
ABSENCES = 1_000_000
ORGS = ("RPG", "RV5", "RQY")
BANDS = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "")
FTES = ("1", "0.8", "0.6", "0.5", "1.0", "0.4", "0.75")
MAX_BYTES = 500 * 1024 * 1024  # a million absences is ~57 MB of CSV, over the 50 MB upload default
CATEGORIES = ("Sickness", "Sickness", "Annual Leave", "Study Leave", "Special Leave")


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def write_assignments(path: Path, rng: random.Random) -> None:
    first_day = date(2015, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Assignment Number",
                "Employee Email",
                "First Name",
                "Last Name",
                "Org Code",
                "Staff Group",
                "Job Role",
                "AfC Band",
                "Contracted FTE",
                "Assignment Start Date",
                "Assignment End Date",
                "Leaving Reason",
            ]
        )
        for n in range(ASSIGNMENTS):
            start = first_day + timedelta(days=rng.randrange(3650))
            leaves = rng.random() < 0.15
            writer.writerow(
                [
                    f"{10_000_000 + n}",
                    f"person{n}@nhs.net",
                    "Sam",
                    f"Surname{n}",
                    rng.choice(ORGS),
                    rng.choice(STAFF_GROUPS).label,
                    "Staff Nurse",
                    rng.choice(BANDS),
                    rng.choice(FTES),
                    uk(start),
                    uk(start + timedelta(days=rng.randrange(30, 900))) if leaves else "",
                    "Voluntary Resignation - Relocation" if leaves else "",
                ]
            )


def write_absences(path: Path, rng: random.Random) -> None:
    first_day = date(2022, 1, 1)
    reasons = [f"{r.code} {r.label}" for r in SICKNESS_REASONS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Assignment Number",
                "Absence Start Date",
                "Absence End Date",
                "Absence Category",
                "Attendance Reason",
            ]
        )
        for _ in range(ABSENCES):
            start = first_day + timedelta(days=rng.randrange(1460))
            category = rng.choice(CATEGORIES)
            writer.writerow(
                [
                    f"{10_000_000 + rng.randrange(ASSIGNMENTS)}",
                    uk(start),
                    uk(start + timedelta(days=rng.randrange(0, 20))),
                    category,
                    rng.choice(reasons) if category == "Sickness" else "",
                ]
            )


def time_parse(label: str, path: Path, iterate) -> None:  # type: ignore[no-untyped-def]
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = errors = 0
    with path.open("rb") as stream:
        for chunk in iterate(stream, filename=path.name, max_bytes=MAX_BYTES):
            rows += len(chunk.rows)
            errors += len(chunk.row_errors) + len(chunk.file_errors)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    total = rows + errors
    print(
        f"{label:12} {total:>9,} rows in {seconds:6.2f} s = {total / seconds:>10,.0f} rows/s "
        f"({seconds / total * 1e6:.2f} µs/row wall, {cpu / total * 1e6:.2f} µs/row CPU, {errors} errors, "
        f"{path.stat().st_size / 1e6:.0f} MB)"
    )


def main() -> None:
    rng = random.Random(20261122)
    with tempfile.TemporaryDirectory() as folder:
        assignments, absences = Path(folder) / "assignments.csv", Path(folder) / "absences.csv"
        print("writing test files ...")
        write_assignments(assignments, rng)
        write_absences(absences, rng)
        time_parse("assignments", assignments, iter_assignment_chunks)
        time_parse("absences", absences, iter_absence_chunks)


if __name__ == "__main__":
    main()
