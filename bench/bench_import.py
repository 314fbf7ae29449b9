"""Import speed of ESR-style extracts against a bare insert of the same rows, on SQLite and PostgreSQL.

Generates a partnership of 60,000 assignments and 1,000,000 absences (non-overlapping, all valid) as
CSV, then for each database:
- imports the assignments file and then the absences file with the service's own import (parse, check,
  match staff by email, write in committed chunks), as its background job does, and prints rows a
  second and how long each chunk's transaction held the database;
- imports both files again (every row unchanged) and prints that too;
- in a fresh database with the same schema, inserts the same rows (staff, assignments, absences, already
  converted to what the driver takes) with a bare DBAPI ``executemany`` through the same driver
  (sqlite3 / psycopg) and the service's connection settings (``make_engine``: on SQLite its WAL and
  64 MiB page cache) in one transaction: the floor any import could reach.
The goal (issue 6): at least 50,000 rows a second, and no more than twice the bare insert.

Then the first import end to end and the bare insert are taken in turn, ``--rounds`` more times (2 by
default), each into a fresh database: the machine's speed drifts between minutes, and the ratio is told
round by round.

Run: .venv/bin/python bench/bench_import.py [--assignments N] [--absences N] [--databases sqlite,postgresql]
[--rounds N]
PostgreSQL is 127.0.0.1:5432 user postgres (PASSPORT_BENCH_POSTGRES_URL overrides); the bench creates
and drops databases of its own there.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy import event as sqlalchemy_event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

# The extracts as the tests write them.
from tests.support.esr_csv import ABSENCE_HEADER, ASSIGNMENT_HEADER  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ORGS = ("RPG", "RV5", "RQY")
BANDS = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "")
FTES = ("1", "0.8", "0.6", "0.5", "1.0", "0.4", "0.75")
CATEGORIES = ("Sickness", "Sickness", "Annual Leave", "Study Leave", "Special Leave")
MAX_BYTES = 1024 * 1024 * 1024
POSTGRES_URL = os.environ.get(
    "PASSPORT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def write_files(folder: Path, assignments: int, absences: int, rng: random.Random) -> tuple[Path, Path]:
    from passport.reference.workforce import SICKNESS_REASONS, STAFF_GROUPS

    a_path, b_path = folder / "assignments.csv", folder / "absences.csv"
    spans: list[tuple[date, date | None]] = []
    with a_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ASSIGNMENT_HEADER)
        for n in range(assignments):
            start = date(2012, 1, 1) + timedelta(days=rng.randrange(2900))  # before 2020
            end = date(2025, 1, 1) + timedelta(days=rng.randrange(365)) if rng.random() < 0.15 else None
            spans.append((start, end))
            writer.writerow(
                [
                    f"{10_000_000 + n}-1",
                    f"person{n}@nhs.example",
                    "Sam",
                    f"Surname{n}",
                    ORGS[n % len(ORGS)],
                    rng.choice(STAFF_GROUPS).label,
                    "Staff Nurse",
                    rng.choice(BANDS),
                    rng.choice(FTES),
                    uk(start),
                    uk(end) if end else "",
                    "Voluntary Resignation - Relocation" if end else "",
                ]
            )
    reasons = [f"{r.code} {r.label}" for r in SICKNESS_REASONS]
    # Each assignment's absences follow one another with gaps (2020-2024), so none overlap; the rows are
    # then shuffled, as an extract sorted by anything but assignment would be.
    cursor = [date(2020, 1, 1) + timedelta(days=rng.randrange(30)) for _ in range(assignments)]
    rows = []
    for i in range(absences):
        a = i % assignments
        first = cursor[a]
        last = first + timedelta(days=rng.randrange(0, 10))
        cursor[a] = last + timedelta(days=rng.randrange(20, 80))
        category = rng.choice(CATEGORIES)
        rows.append(
            [
                f"{10_000_000 + a}-1",
                uk(first),
                uk(last),
                category,
                rng.choice(reasons) if category == "Sickness" else "",
            ]
        )
    rng.shuffle(rows)
    with b_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ABSENCE_HEADER)
        writer.writerows(rows)
    return a_path, b_path


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, migrated database with the three trusts; dropped afterwards."""
    from alembic import command
    from alembic.config import Config

    if kind == "sqlite":
        url = f"sqlite:///{folder}/bench-{uuid.uuid4().hex[:8]}.sqlite3"
        drop = None
    else:
        name = f"passport_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    from passport.db import make_engine

    engine = make_engine(url)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
        connection.execute(
            text("INSERT INTO partnership (id, code, name, created_at) VALUES (1, 'SLP', 'SLP', :t)"),
            {"t": datetime.now()},
        )
        for number, code in enumerate(ORGS, start=1):
            connection.execute(
                text(
                    "INSERT INTO trust (id, partnership_id, ods_code, name, created_at) "
                    "VALUES (:i, 1, :c, :c, :t)"
                ),
                {"i": number, "c": code, "t": datetime.now()},
            )
    engine.dispose()
    try:
        yield url
    finally:
        if drop:
            drop()


CHUNK_TIMES: dict[str, list[float]] = {}  # "<database> <kind>" -> seconds of each chunk's transaction
# "<database> <kind>" -> seconds of the transaction after the last chunk that settles the roll-ups' upkeep
SETTLE_TIMES: dict[str, list[float]] = {}
# SQLite, a month's changes: "<kind>" -> seconds from each transaction's first write to its commit, the
# time it held the one write lock (a form waits at most that long)
LOCK_HOLDS: dict[str, list[float]] = {}


def our_import(url: str, path: Path, kind: str, label: str = "first import") -> tuple[float, object]:
    """The import as its background job does it: checked whole, then written in chunks, each step
    committed. Records how long each written chunk's transaction took (SQLite's one writer is held for
    at most that long: reading a chunk's stored keys, writing its rows, committing)."""
    from sqlalchemy.orm import configure_mappers

    from passport.app import create_app
    from passport.db import get_session
    from passport.workforce.import_runs import APPLYING_STAGE, import_steps

    app = create_app({"PASSPORT_DATABASE_URL": url, "TESTING": True})
    configure_mappers()  # once per process, at start-up: not part of any one import
    name = f"{url.split(':')[0]} {kind}, {label}"
    times: list[float] = CHUNK_TIMES.setdefault(name, [])
    first_write: list[float | None] = [None]
    holds = (
        LOCK_HOLDS.setdefault(kind, []) if url.startswith("sqlite") and label == "a month's changes" else None
    )
    if holds is not None:
        # Every statement SQLite runs, bulk writes through the driver's own cursor too: only here, as the
        # callback costs a little on each of a first import's million rows.
        def note_first_write(statement: str) -> None:
            if first_write[0] is None and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
                first_write[0] = time.perf_counter()

        sqlalchemy_event.listen(
            app.extensions["passport_engine"],
            "connect",
            lambda connection, _record: connection.set_trace_callback(note_first_write),
        )
    with app.app_context():
        session = get_session()
        content = path.read_bytes()
        started = time.perf_counter()
        run = None
        mark = started
        written = 0
        for step in import_steps(
            session,
            kind=kind,
            content=content,
            filename=path.name,
            actor="bench",
            only_trust_id=None,
            trust_id=None,
            partial=False,
            max_bytes=MAX_BYTES,
        ):
            session.commit()
            now = time.perf_counter()
            if step.stage == APPLYING_STAGE and step.done:
                # A step that wrote no further rows settles what was carried across the chunks.
                (times if step.done > written else SETTLE_TIMES.setdefault(name, [])).append(now - mark)
                written = step.done
            if holds is not None and first_write[0] is not None:
                holds.append(now - first_write[0])
            first_write[0] = None
            mark, run = now, step.run
        seconds = time.perf_counter() - started
        session.close()
    app.extensions["passport_engine"].dispose()
    return seconds, run


def write_month_of_changes(
    folder: Path, a_path: Path, assignments: int, absences: int, rng: random.Random
) -> tuple[Path, Path]:
    """A month's changes (issue 13): ``assignments`` stored assignments changed (a new FTE or band, or
    ended with a leaving reason) and ``absences`` new sickness and other absences in February 2025, each
    on a different open assignment (the generated absences end long before), as CSV."""
    from passport.reference.workforce import SICKNESS_REASONS

    with a_path.open(newline="", encoding="utf-8") as handle:
        stored = list(csv.reader(handle))[1:]
    changed = rng.sample(stored, assignments)
    for row in changed:
        if row[10] == "" and rng.random() < 0.3:  # a leaver this month
            row[10], row[11] = uk(date(2025, 2, 1) + timedelta(days=rng.randrange(28))), "Retirement Age"
        else:
            row[8] = rng.choice([f for f in FTES if f != row[8]])
            row[7] = rng.choice([b for b in BANDS if b != row[7]])
    ca_path = folder / "month-assignments.csv"
    with ca_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ASSIGNMENT_HEADER)
        writer.writerows(changed)
    changed_numbers = {row[0] for row in changed}
    open_ones = [row[0] for row in stored if row[10] == "" and row[0] not in changed_numbers]
    reasons = [f"{r.code} {r.label}" for r in SICKNESS_REASONS]
    cb_path = folder / "month-absences.csv"
    with cb_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ABSENCE_HEADER)
        for number in rng.sample(open_ones, absences):
            first = date(2025, 2, 1) + timedelta(days=rng.randrange(20))
            category = rng.choice(CATEGORIES)
            reason = rng.choice(reasons) if category == "Sickness" else ""
            writer.writerow(
                [number, uk(first), uk(first + timedelta(days=rng.randrange(8))), category, reason]
            )
    return ca_path, cb_path


def refresh(url: str, *, recount: bool) -> float:
    """The metrics refresh job's work (roll-ups, when not current or ``recount``, and the usual
    dashboards), committed; seconds."""
    from passport.app import create_app
    from passport.db import get_session
    from passport.metrics.refresh import refresh_figures

    app = create_app({"PASSPORT_DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        refresh_figures(session, "bench", force=True, recount=recount)
        session.commit()
        seconds = time.perf_counter() - started
        session.close()
    app.extensions["passport_engine"].dispose()
    return seconds


def rollups_match_a_full_count(url: str) -> bool:
    """Whether the kept roll-ups are current and equal to counting every record again."""
    from passport.app import create_app
    from passport.db import get_session
    from passport.metrics.fingerprint import source_fingerprint
    from passport.metrics.models import RollupState
    from passport.metrics.queries import Period
    from passport.metrics.rollups import rollups_kept_current
    from passport.metrics.upkeep import ROLLUPS

    app = create_app({"PASSPORT_DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        session = get_session()
        same = rollups_kept_current(session, source_fingerprint(session))
        for name, rollup in ROLLUPS.items():
            state = session.get(RollupState, name)
            covered = Period(state.first_month, state.last_month)
            columns = (*rollup.keys, *rollup.figures)
            kept = {tuple(getattr(row, c) for c in columns) for row in session.query(rollup.model).all()}
            counted = {tuple(row[c] for c in columns) for row in rollup.count(session, covered, None)}
            same = same and kept == counted
        session.close()
    app.extensions["passport_engine"].dispose()
    return same


def chunk_times() -> str:
    lines = ["| import | chunks | median chunk transaction | slowest |", "| --- | ---: | ---: | ---: |"]
    for name, times in CHUNK_TIMES.items():
        if times:
            ordered = sorted(times)
            median, slowest = ordered[len(ordered) // 2], ordered[-1]
            lines.append(f"| {name} | {len(times):,} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms |")
    return "\n".join(lines)


def stored_rows(url: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """The rows our import stored, as plain values: what the bare insert writes again."""
    from passport.db import make_engine

    engine = make_engine(url)
    tables = {
        "staff_member": ["id", "trust_id", "given_name", "family_name", "email", "nmc_pin", "created_at"],
        "assignment": [
            "id",
            "staff_member_id",
            "trust_id",
            "assignment_number",
            "staff_group",
            "job_role",
            "afc_band",
            "contracted_fte",
            "person_type",
            "start_date",
            "end_date",
            "leaving_reason",
            "created_at",
            "updated_at",
        ],
        "absence": [
            "id",
            "assignment_id",
            "trust_id",
            "first_day",
            "last_day",
            "category",
            "reason_code",
            "related_reason",
            "created_at",
            "updated_at",
        ],
    }
    out = {}
    with engine.connect() as conn:
        for table, columns in tables.items():
            # Raw driver values (strings on SQLite, dates on PostgreSQL): exactly what the driver takes back.
            cursor = conn.connection.driver_connection.cursor()
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608 - fixed names
            out[table] = (columns, [tuple(row) for row in cursor.fetchall()])
    engine.dispose()
    return out


def bare_insert(url: str, rows: dict[str, tuple[list[str], list[tuple]]], *, copy: bool = False) -> float:
    """The stored rows inserted again through the raw driver in one transaction: executemany, or on
    PostgreSQL with ``copy`` psycopg's COPY ``write_row`` (the other floor, which our import also uses)."""
    from passport.db import make_engine

    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        cursor = raw.cursor()
        started = time.perf_counter()
        if sqlite:
            cursor.execute("BEGIN")
        for table, (columns, values) in rows.items():
            names = ", ".join(columns)
            if copy:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as stream:
                    for row in values:
                        stream.write_row(row)
            else:
                marks = ", ".join(["?" if sqlite else "%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
        if sqlite:
            cursor.execute("COMMIT")
        else:
            raw.commit()
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>10,.0f} rows/s ({seconds:6.2f} s)"


def end_to_end_in_turn(
    kind: str, folder: Path, a_path: Path, b_path: Path, rows: dict, bare_copy: bool, rounds: int
) -> list[tuple[float, float]]:
    """(our first import end to end, the bare insert) taken in turn ``rounds`` times, each into a fresh
    database, the bare insert first: the machine's speed drifts by up to 30% from minute to minute, so the
    ratio is told round by round rather than from two figures taken minutes apart."""
    taken = []
    for _ in range(rounds):
        with database(kind, folder) as url:
            bare_seconds = bare_insert(url, rows, copy=bare_copy)
        with database(kind, folder) as url:
            a_seconds, _ = our_import(url, a_path, "assignments", IN_TURN)
            b_seconds, _ = our_import(url, b_path, "absences", IN_TURN)
            taken.append((a_seconds + b_seconds + refresh(url, recount=True), bare_seconds))
    for times in (CHUNK_TIMES, SETTLE_TIMES):  # these imports' chunks are not the ones reported
        for name in [name for name in times if name.endswith(IN_TURN)]:
            del times[name]
    return taken


IN_TURN = "taken in turn"


def run(
    kind: str, folder: Path, a_path: Path, b_path: Path, counts: tuple[int, int], rounds: int = 2
) -> None:
    total = sum(counts)
    load_before = os.getloadavg()[0]
    with database(kind, folder) as url:
        a_seconds, a_report = our_import(url, a_path, "assignments")
        b_seconds, b_report = our_import(url, b_path, "absences")
        assert a_report.status == b_report.status == "imported", (a_report.report, b_report.report)
        assert a_report.added == counts[0] and b_report.added == counts[1], (a_report.added, b_report.added)
        ra_seconds, ra_report = our_import(url, a_path, "assignments", "re-import")
        rb_seconds, rb_report = our_import(url, b_path, "absences", "re-import")
        assert ra_report.unchanged == counts[0] and rb_report.unchanged == counts[1]
        rows = stored_rows(url)
        # The figures: a full count after the first import, then a month's changes kept by the import
        # itself, and the dashboards counted from the kept roll-ups after it.
        full_count = refresh(url, recount=True)
        month = (min(5_000, counts[0] // 12), min(40_000, counts[1] // 25))
        ca_path, cb_path = write_month_of_changes(folder, a_path, *month, random.Random(13))
        ca_seconds, ca_report = our_import(url, ca_path, "assignments", "a month's changes")
        cb_seconds, cb_report = our_import(url, cb_path, "absences", "a month's changes")
        assert ca_report.updated == month[0] and cb_report.added == month[1], (
            ca_report.report,
            cb_report.report,
        )
        dashboards = refresh(url, recount=False)
        kept_right = rollups_match_a_full_count(url)
    bare = {}
    for method in ("executemany", "COPY") if kind == "postgresql" else ("executemany",):
        with database(kind, folder) as url:
            bare[method] = bare_insert(url, rows, copy=method == "COPY")
    ours = a_seconds + b_seconds
    fastest = min(bare, key=bare.__getitem__)
    in_turn = [(ours + full_count, bare[fastest])]
    in_turn += end_to_end_in_turn(kind, folder, a_path, b_path, rows, fastest == "COPY", rounds)
    staff = f"{a_report.report['staff_added']:,} staff records"
    lines = [
        f"### {kind}",
        "",
        "| step | rows | rate |",
        "| --- | ---: | ---: |",
        f"| our import: assignments (and {staff}) | {counts[0]:,} | {rate(counts[0], a_seconds)} |",
        f"| our import: absences | {counts[1]:,} | {rate(counts[1], b_seconds)} |",
        f"| **our import, both files** | {total:,} | **{rate(total, ours)}** |",
        f"| re-import, both files, all unchanged | {total:,} | {rate(total, ra_seconds + rb_seconds)} |",
    ]
    lines += [
        f"| bare DBAPI {method} of the same rows (all three tables) | {total:,} | {rate(total, s)} |"
        for method, s in bare.items()
    ]
    lines.append("")
    ratios = ", ".join(f"{ours / s:.2f}x a bare {method}" for method, s in bare.items())
    met = "met" if total / ours >= 50_000 else "NOT met"
    lines.append(f"Our import takes {ratios} (goal: at most 2x); the 50,000 rows/s goal is {met}.")
    lines.append(f"Load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}.")
    lines += [
        "",
        "The figures (issue 13): the first import's full count, then a month's changes whose import keeps",
        "the roll-ups current chunk by chunk (the refresh after it counts only the dashboards):",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        f"| full count of the roll-ups and the usual dashboards after the first import | {full_count:.1f} |",
        f"| **first import end to end** (both files, then the full count) | **{ours + full_count:.1f}** |",
        f"| a month's changes: {month[0]:,} changed assignments imported, roll-ups kept | {ca_seconds:.1f} |",
        f"| a month's changes: {month[1]:,} new absences imported, roll-ups kept | {cb_seconds:.1f} |",
        f"| **dashboards current after the month's import commits** (counted from the kept roll-ups) "
        f"| **{dashboards:.1f}** |",
        "",
        f"First import end to end: {(ours + full_count) / min(bare.values()):.2f}x the fastest bare insert "
        "(goal: at most 1.5x). Roll-ups kept by the month's import equal a full count of every record: "
        f"{'yes' if kept_right else 'NO'}.",
        "",
        f"The first import end to end against the bare {fastest}, in {len(in_turn)} rounds (the one above, "
        f"then {len(in_turn) - 1} taken in turn, each into a fresh database): "
        + ", ".join(f"{ours_s:.1f} s / {bare_s:.1f} s ({ours_s / bare_s:.2f}x)" for ours_s, bare_s in in_turn)
        + f"; median {statistics.median(o / b for o, b in in_turn):.2f}x.",
    ]
    lines += [
        "",
        "Each written chunk is committed on its own (the import job's checkpoint); its time runs from the",
        "end of one commit to the end of the next (reading and checking the chunk's rows, writing them,",
        "committing, and on SQLite any checkpoint of the WAL that the commit sets off, which runs after the",
        "write lock is released):",
        "",
    ]
    lines.append(chunk_times())
    CHUNK_TIMES.clear()
    if SETTLE_TIMES:
        settled = ", ".join(f"{name} {max(times) * 1000:.0f} ms" for name, times in SETTLE_TIMES.items())
        lines += ["", f"After the last chunk, the transaction settling the roll-ups' upkeep: {settled}."]
        SETTLE_TIMES.clear()
    if LOCK_HOLDS and kind == "sqlite":
        held = ", ".join(f"{name} {max(times) * 1000:.0f} ms" for name, times in LOCK_HOLDS.items() if times)
        lines += [
            "",
            "SQLite's write lock, a month's changes: the longest any of the import's transactions held it "
            f"(from its first write to its commit; a form posted meanwhile waits at most that long): {held}.",
        ]
        LOCK_HOLDS.clear()
    print("\n".join(lines) + "\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=60_000)
    parser.add_argument("--absences", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--rounds", type=int, default=2, help="further rounds of the first import and the bare insert in turn"
    )
    args = parser.parse_args()
    counts = (args.assignments, args.absences)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        a_path, b_path = write_files(folder, *counts, random.Random(20261123))
        print(
            f"Generated {counts[0]:,} assignments ({a_path.stat().st_size / 1e6:.0f} MB) and {counts[1]:,} "
            f"absences ({b_path.stat().st_size / 1e6:.0f} MB) as CSV "
            f"in {time.perf_counter() - started:.0f} s; "
            f"Python {sys.version.split()[0]}.\n"
        )
        for kind in args.databases.split(","):
            run(kind.strip(), folder, a_path, b_path, counts, args.rounds)


if __name__ == "__main__":
    main()
