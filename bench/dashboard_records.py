"""The generated partnership of bench_dashboard.py: its records as pandas frames (``generate``), the same
rows in the real tables' columns (``table_frames``) loaded into a migrated database (``load``), and read
back from one as pandas would read them (``frames_from_database``).

Sizes: BENCH_STAFF (60,000) and BENCH_ABSENCES (1,000,000).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from passport.metrics.queries import month_index  # noqa: E402

STAFF = int(os.environ.get("BENCH_STAFF", 60_000))
ABSENCES = int(os.environ.get("BENCH_ABSENCES", 1_000_000))
DATA_FIRST, DATA_LAST = date(2020, 1, 1), date(2024, 12, 31)
FIRST_MONTH, LAST_MONTH = month_index(date(2023, 1, 1)), month_index(date(2024, 12, 1))
TRUSTS = [
    (1, "RPG", "Oxleas NHS Foundation Trust"),
    (2, "RV5", "South London and Maudsley"),
    (3, "RQY", "South West London and St George's"),
]
GROUPS = ["NMR", "ACS", "AC", "AHP", "MD", "EA"]
GROUP_P = [0.4, 0.2, 0.2, 0.1, 0.05, 0.05]
BANDS = ["2", "3", "4", "5", "6", "7", "8a"]
REASONS = ["S10", "S11", "S12", "S13", "S25", "S28", "S98", "S99"]
EPOCH = np.datetime64("1970-01-01")


def day_of(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def generate(seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    first, last = day_of(DATA_FIRST), day_of(DATA_LAST)
    person = np.arange(1, STAFF + 1)
    trust = rng.integers(1, 4, STAFF)
    before = rng.random(STAFF) < 0.65
    start = np.where(
        before, rng.integers(day_of(date(2008, 1, 1)), first, STAFF), rng.integers(first, last, STAFF)
    )
    end = start + rng.exponential(8 * 365, STAFF).astype(int)
    fte = rng.choice([1.0, 0.8, 0.6, 0.5, 0.4], STAFF, p=[0.6, 0.15, 0.1, 0.1, 0.05])
    group = rng.choice(GROUPS, STAFF, p=GROUP_P)
    band = rng.choice(BANDS, STAFF)
    kind = np.where(rng.random(STAFF) < 0.03, "bank", "employee")
    rows = [
        pd.DataFrame(
            {
                "staff_member_id": person,
                "trust_id": trust,
                "start": start,
                "end": end,
                "fte": fte,
                "staff_group": group,
                "afc_band": band,
                "person_type": kind,
            }
        )
    ]
    # A tenth change FTE part way (a new assignment the next day); a sixth of leavers move to a partner trust.
    split = (rng.random(STAFF) < 0.1) & (end - start > 60)
    cut = start + ((end - start) * rng.uniform(0.2, 0.8, STAFF)).astype(int)
    second = rows[0][split].copy()
    second["start"] = cut[split] + 1
    second["fte"] = rng.choice([1.0, 0.8, 0.6], int(split.sum()))
    rows[0].loc[split, "end"] = cut[split]
    rows.append(second)
    move = (rng.random(STAFF) < 1 / 6) & (end <= last) & (kind != "bank")
    moved = pd.DataFrame(
        {
            "staff_member_id": person[move],
            "trust_id": (trust[move] % 3) + 1,
            "start": end[move] + 1,
            "end": end[move] + 1 + rng.exponential(5 * 365, int(move.sum())).astype(int),
            "fte": fte[move],
            "staff_group": group[move],
            "afc_band": band[move],
            "person_type": "employee",
        }
    )
    rows.append(moved)
    # Secondments, as the secondments feature records them: her own post carries on and the host trust
    # holds a secondee assignment for 3-9 months inside it (2% of staff).
    seconded = (rng.random(STAFF) < 0.02) & (kind != "bank") & (end - start > 400)
    s_start = start + ((end - start - 300) * rng.uniform(0, 1, STAFF)).astype(int)
    rows.append(
        pd.DataFrame(
            {
                "staff_member_id": person[seconded],
                "trust_id": (trust[seconded] % 3) + 1,
                "start": s_start[seconded],
                "end": s_start[seconded] + rng.integers(90, 270, int(seconded.sum())),
                "fte": fte[seconded],
                "staff_group": group[seconded],
                "afc_band": band[seconded],
                "person_type": "secondee",
            }
        )
    )
    assignment = pd.concat(rows, ignore_index=True)
    assignment["id"] = np.arange(1, len(assignment) + 1)
    assignment.loc[assignment["end"] > last, "end"] = -1  # open
    # Absences: on assignments in post during the five years, weighted by days in post then.
    a_first = np.maximum(assignment["start"].to_numpy(), first)
    a_last = np.where(assignment["end"].to_numpy() < 0, last, np.minimum(assignment["end"].to_numpy(), last))
    weight = np.clip(a_last - a_first + 1, 0, None).astype(float)
    pick = rng.choice(len(assignment), ABSENCES, p=weight / weight.sum())
    day0 = a_first[pick] + (rng.random(ABSENCES) * (a_last[pick] - a_first[pick] + 1)).astype(int)
    length = np.where(
        rng.random(ABSENCES) < 0.7,
        rng.integers(1, 6, ABSENCES),
        np.where(rng.random(ABSENCES) < 0.85, rng.integers(6, 29, ABSENCES), rng.integers(29, 150, ABSENCES)),
    )
    day1 = np.minimum(day0 + length - 1, a_last[pick])
    category = np.where(rng.random(ABSENCES) < 0.85, "SICKNESS", "ANNUAL_LEAVE")
    absence = pd.DataFrame(
        {
            "assignment_id": assignment["id"].to_numpy()[pick],
            "trust_id": assignment["trust_id"].to_numpy()[pick],
            "first": day0,
            "last": day1,
            "category": category,
            "reason_code": np.where(category == "SICKNESS", rng.choice(REASONS, ABSENCES), None),
        }
    )
    open_ = (rng.random(ABSENCES) < 0.002) & (assignment["end"].to_numpy()[pick] < 0)
    absence.loc[open_, "last"] = -1
    absence = absence.drop_duplicates(["assignment_id", "first", "category"]).reset_index(drop=True)
    absence = _without_overlapping_sickness(absence)
    absence["id"] = np.arange(1, len(absence) + 1)
    return {"assignment": assignment, "absence": absence}


def _without_overlapping_sickness(absence: pd.DataFrame) -> pd.DataFrame:
    """One assignment's sickness spells never overlap (PostgreSQL refuses them, as the imports do): keep a
    spell only if it starts after every earlier spell of its assignment has ended (dropped ones too, so
    what is kept never overlaps, at the cost of a few more dropped)."""
    sick = absence[absence["category"] == "SICKNESS"].sort_values(["assignment_id", "first"])
    ends = sick["last"].where(sick["last"] >= 0, np.iinfo(np.int64).max)  # open: never ends
    ended_before = ends.groupby(sick["assignment_id"]).cummax().groupby(sick["assignment_id"]).shift()
    clashing = sick.index[(sick["first"] <= ended_before).to_numpy()]
    return absence.drop(index=clashing).reset_index(drop=True)


def _as_dates(days: pd.Series) -> pd.Series:
    out = pd.to_datetime(days.where(days >= 0), unit="D").dt.date
    return out.where(days >= 0, None)


def table_frames(data: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The generated records in the columns of the real tables."""
    now = "2026-01-01 00:00:00"  # text both engines read as a timestamp
    a, ab = data["assignment"], data["absence"]
    staff = pd.DataFrame({"id": np.arange(1, STAFF + 1)})
    first_trust = a.drop_duplicates("staff_member_id").set_index("staff_member_id")["trust_id"]
    staff["trust_id"] = first_trust.reindex(staff["id"]).to_numpy()
    staff["given_name"], staff["family_name"] = "Sam", "Bench"
    staff["email"] = [f"bench{i}@example.test" for i in staff["id"]]
    staff["nmc_pin"], staff["created_at"] = None, now
    assignment = pd.DataFrame(
        {
            "id": a["id"],
            "staff_member_id": a["staff_member_id"],
            "trust_id": a["trust_id"],
            "assignment_number": [f"B{i}" for i in a["id"]],
            "staff_group": a["staff_group"],
            "job_role": None,
            "afc_band": a["afc_band"],
            "contracted_fte": a["fte"],
            "person_type": a["person_type"],
            "start_date": _as_dates(a["start"]),
            "end_date": _as_dates(a["end"]),
            "leaving_reason": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    absence = pd.DataFrame(
        {
            "id": ab["id"],
            "assignment_id": ab["assignment_id"],
            "trust_id": ab["trust_id"],
            "first_day": _as_dates(ab["first"]),
            "last_day": _as_dates(ab["last"]),
            "category": ab["category"],
            "reason_code": ab["reason_code"],
            "related_reason": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    return {"staff_member": staff, "assignment": assignment, "absence": absence}


def _base_rows(session: Session) -> None:
    session.execute(
        text(
            "INSERT INTO partnership (id, code, name, created_at) "
            "VALUES (1, 'SLP', 'South London Partnership', :now)"
        ),
        {"now": datetime.now(UTC)},
    )
    for trust_id, code, name in TRUSTS:
        session.execute(
            text(
                "INSERT INTO trust (id, partnership_id, ods_code, name, created_at) "
                "VALUES (:i, 1, :c, :n, :now)"
            ),
            {"i": trust_id, "c": code, "n": name, "now": datetime.now(UTC)},
        )
    session.commit()


def load(engine, frames: dict[str, pd.DataFrame]) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    with Session(engine) as session:
        _base_rows(session)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in ("staff_member", "assignment", "absence"):
            frame = frames[table]
            columns = ", ".join(frame.columns)
            records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
            if engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for record in records:
                        copy.write_row(record)
            else:
                marks = ", ".join("?" for _ in frame.columns)
                cursor.execute("BEGIN")
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", records)
                cursor.execute("COMMIT")
        if engine.dialect.name == "postgresql":
            raw.commit()
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def frames_from_database(engine) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """The records as ``generate`` gives them to pandas, read from the database through its own driver
    (pandas.read_sql_query on the DBAPI connection): what a pandas dashboard would first have to do."""

    def days(column: pd.Series) -> pd.Series:
        stamps = pd.to_datetime(column)
        return ((stamps - pd.Timestamp("1970-01-01")).dt.days).fillna(-1).astype(np.int64)

    connection = engine.raw_connection()
    try:
        a = pd.read_sql_query(
            "SELECT id, staff_member_id, trust_id, start_date, end_date, contracted_fte, staff_group, "
            "afc_band, person_type FROM assignment",
            connection,
        )
        ab = pd.read_sql_query(
            "SELECT id, assignment_id, trust_id, first_day, last_day, category, reason_code FROM absence",
            connection,
        )
    finally:
        connection.close()
    assignment = pd.DataFrame(
        {
            "staff_member_id": a["staff_member_id"],
            "trust_id": a["trust_id"],
            "start": days(a["start_date"]),
            "end": days(a["end_date"]),
            "fte": a["contracted_fte"].astype(float),
            "staff_group": a["staff_group"],
            "afc_band": a["afc_band"],
            "person_type": a["person_type"],
            "id": a["id"],
        }
    )
    absence = pd.DataFrame(
        {
            "assignment_id": ab["assignment_id"],
            "trust_id": ab["trust_id"],
            "first": days(ab["first_day"]),
            "last": days(ab["last_day"]),
            "category": ab["category"],
            "reason_code": ab["reason_code"],
            "id": ab["id"],
        }
    )
    return {"assignment": assignment, "absence": absence}
