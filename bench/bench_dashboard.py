"""The full metrics dashboard on a generated partnership: 60,000 staff, 1,000,000 absences over 5 years.

Times every series of the dashboard (24 months, the three trusts and the partnership) as the service
computes it, on SQLite and on PostgreSQL; beside a straightforward pandas computation of the same
definitions over the same data, and beside DuckDB running the same SQL (the same Python code through the
duckdb_engine SQLAlchemy dialect). pandas, duckdb and duckdb_engine are needed for this script only.

Sizes can be made smaller for a quick look: BENCH_STAFF=6000 BENCH_ABSENCES=100000.
PostgreSQL comes from PASSPORT_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
a database of its own is made there and dropped afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from passport.db import make_engine  # noqa: E402
from passport.metrics.dashboard import dashboard_data  # noqa: E402
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


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def generate(seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    first, last = _days(DATA_FIRST), _days(DATA_LAST)
    person = np.arange(1, STAFF + 1)
    trust = rng.integers(1, 4, STAFF)
    before = rng.random(STAFF) < 0.65
    start = np.where(
        before, rng.integers(_days(date(2008, 1, 1)), first, STAFF), rng.integers(first, last, STAFF)
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


def full_dashboard(engine, build=dashboard_data) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Every series for the partnership (with the trusts side by side) and for each trust, as ``build``
    makes them: counted from the records (``dashboard_data``), kept as snapshots (``kept_dashboard``),
    or as people are served them (``served_dashboard``). Committed: what ``build`` kept stays."""
    from passport.trusts.models import Trust

    with Session(engine) as session:
        out = {
            "partnership": build(session, None, FIRST_MONTH, LAST_MONTH, side_by_side=True, as_of=DATA_LAST)
        }
        for trust in session.query(Trust).order_by(Trust.ods_code):
            out[trust.ods_code] = build(session, trust, FIRST_MONTH, LAST_MONTH, as_of=DATA_LAST)
        session.commit()
        return out


def kept_dashboard(session, trust, first_month, last_month, **asked):  # type: ignore[no-untyped-def]
    """Counted and kept as the refresh job keeps the usual dashboards (passport.metrics.snapshots)."""
    from passport.metrics.fingerprint import source_fingerprint
    from passport.metrics.snapshots import keep_dashboard

    return keep_dashboard(session, trust, first_month, last_month, source_fingerprint(session), **asked)


def served_dashboard(session, trust, first_month, last_month, **asked):  # type: ignore[no-untyped-def]
    """As a page view reads it: from its snapshot while the records are unchanged."""
    from passport.metrics.snapshots import dashboard

    return dashboard(session, trust, first_month, last_month, **asked).board


def snapshot_figures(engine) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(seconds to count and keep every dashboard, best seconds to serve them all from the snapshots)."""
    started = time.perf_counter()
    full_dashboard(engine, kept_dashboard)
    keeping = time.perf_counter() - started
    serving, _ = timed("served", lambda: full_dashboard(engine, served_dashboard), repeat=3)
    return keeping, serving


def rollup_figures(engine) -> tuple[float, float, dict[str, object]]:  # type: ignore[no-untyped-def]
    """(seconds to build the sickness and retention roll-ups, best seconds for the full dashboard summing
    them, its figures)."""
    from passport.metrics.fingerprint import source_fingerprint
    from passport.metrics.rollups import rebuild_rollups

    with Session(engine) as session:
        started = time.perf_counter()
        fingerprint = source_fingerprint(session)
        rebuild_rollups(session, fingerprint)
        session.commit()
        building = time.perf_counter() - started
    seconds, figures = timed("rollup", lambda: full_dashboard(engine))
    return building, seconds, figures  # type: ignore[return-value]


def full_recount(engine) -> float:  # type: ignore[no-untyped-def]
    """Seconds for what ``flask --app wsgi passport refresh-dashboards --all`` counts: both roll-ups from
    every record, then the usual dashboards (each trust's alone and beside the partners, and the
    partnership's: seven) from them, kept; in a new session, as the command has."""
    from passport.metrics.snapshots import refresh_usual_dashboards

    with Session(engine) as session:
        started = time.perf_counter()
        refresh_usual_dashboards(session, recount=True)
        session.commit()
        return time.perf_counter() - started


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


def pandas_from_database(engine) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Seconds for pandas to read the records from the database and count the dashboard (best of 2),
    and its figures."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy")  # psycopg works
        return timed("pandas from the database", lambda: pandas_dashboard(frames_from_database(engine)))


def timed(label: str, run, repeat: int = 2) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


# --- pandas: the same definitions, straightforwardly ------------------------------------------------------
def pandas_dashboard(data: dict[str, pd.DataFrame]) -> dict[str, object]:
    everyone = data["assignment"]
    # Her own posts only: bank and secondee assignments are left out of every figure; sickness recorded
    # on a secondee assignment counts on her own post covering those days (her home trust, her FTE).
    a = everyone[everyone["person_type"] == "employee"].copy()
    ab = data["absence"]
    secondee_ids = everyone.loc[everyone["person_type"] == "secondee", ["id", "staff_member_id"]].rename(
        columns={"id": "secondee_assignment_id"}
    )
    on_secondment = ab.merge(secondee_ids, left_on="assignment_id", right_on="secondee_assignment_id").merge(
        a[["id", "staff_member_id", "trust_id", "start", "end"]].rename(
            columns={"id": "home_id", "trust_id": "home_trust", "start": "h_start", "end": "h_end"}
        ),
        on="staff_member_id",
    )
    inside = (on_secondment["h_start"] <= on_secondment["first"]) & (
        (on_secondment["h_end"] < 0) | (on_secondment["h_end"] >= on_secondment["first"])
    )
    moved_sickness = on_secondment[inside].assign(
        assignment_id=lambda f: f["home_id"], trust_id=lambda f: f["home_trust"]
    )[ab.columns]
    # (Days recorded as sick at both home and host are not merged here, as the service merges them: a
    # little less work for pandas, so its time is if anything flattered.)
    ab = pd.concat(
        [ab[~ab["assignment_id"].isin(secondee_ids["secondee_assignment_id"])], moved_sickness],
        ignore_index=True,
    )
    months = pd.period_range("2022-02", "2024-12", freq="M")
    m_first = np.array([_days(p.start_time.date()) for p in months])
    m_last = np.array([_days(p.end_time.date()) for p in months])
    a_end = np.where(a["end"] < 0, 10**9, a["end"])
    # FTE days available: every assignment against every month.
    overlap = (
        np.minimum(a_end[:, None], m_last[None, :])
        - np.maximum(a["start"].to_numpy()[:, None], m_first[None, :])
        + 1
    )
    available = pd.DataFrame(
        np.clip(overlap, 0, None) * a["fte"].to_numpy()[:, None], columns=range(len(months))
    )
    available["trust_id"] = a["trust_id"].to_numpy()
    avail_by_trust = available.groupby("trust_id").sum()
    # FTE days lost: each sickness absence, clipped to its assignment, against every month.
    sick = ab[ab["category"] == "SICKNESS"].merge(
        a[["id", "start", "end", "fte"]], left_on="assignment_id", right_on="id"
    )
    s_end = np.where(sick["end"] < 0, 10**9, sick["end"])
    lo = np.maximum(sick["first"].to_numpy(), sick["start"].to_numpy())
    lost_cols = []
    for i in range(len(months)):
        hi = np.minimum(np.where(sick["last"] < 0, m_last[i], sick["last"]), s_end)
        days = np.clip(np.minimum(hi, m_last[i]) - np.maximum(lo, m_first[i]) + 1, 0, None)
        lost_cols.append(days * sick["fte"].to_numpy())
    lost = pd.DataFrame(np.array(lost_cols).T, columns=range(len(months)))
    lost["trust_id"] = sick["trust_id"].to_numpy()
    lost["reason_code"] = sick["reason_code"].to_numpy()
    lost_by_trust = lost.drop(columns="reason_code").groupby("trust_id").sum()
    rate = lost_by_trust / avail_by_trust * 100
    rolling = lost_by_trust.T.rolling(12).sum().T / avail_by_trust.T.rolling(12).sum().T * 100
    reasons = lost.groupby("reason_code")[list(range(len(months) - 12, len(months)))].sum().sum(axis=1)
    # Leavers and stability, both levels, rolling 12 months, per trust and for the partnership.
    a_sorted = a.sort_values(["staff_member_id", "start"])

    def leave_events(level: str) -> pd.DataFrame:
        ends = a_sorted[a_sorted["end"] >= 0][["staff_member_id", "trust_id", "end"]]
        nxt = a_sorted[["staff_member_id", "trust_id", "start", "end"]].rename(
            columns={"start": "n_start", "end": "n_end", "trust_id": "n_trust"}
        )
        keys = ["staff_member_id"] + (["trust_id"] if level == "trust" else [])
        pairs = ends.merge(
            nxt, left_on=keys, right_on=["staff_member_id"] + (["n_trust"] if level == "trust" else [])
        )
        carried = pairs[
            (pairs["n_start"] <= pairs["end"] + 1) & ((pairs["n_end"] < 0) | (pairs["n_end"] > pairs["end"]))
        ]
        carried_keys = set(zip(carried["staff_member_id"], carried["trust_id"], carried["end"], strict=True))
        mask = [
            k not in carried_keys
            for k in zip(ends["staff_member_id"], ends["trust_id"], ends["end"], strict=True)
        ]
        return ends[mask].drop_duplicates(
            ["staff_member_id", "end"] + (["trust_id"] if level == "trust" else [])
        )

    results = {"rate": rate, "rolling": rolling, "reasons": reasons}
    for level in ("trust", "partnership"):
        events = leave_events(level)
        series = []
        for i in range(12, len(months)):
            p_first, p_last = m_first[i - 11], m_last[i]
            in_first = a[(a["start"] <= p_first) & ((a["end"] < 0) | (a["end"] >= p_first))]
            in_last = a[(a["start"] <= p_last) & ((a["end"] < 0) | (a["end"] >= p_last))]
            leavers = events[(events["end"] >= p_first) & (events["end"] <= p_last)]
            if level == "trust":
                hc0 = in_first.groupby("trust_id")["staff_member_id"].nunique()
                hc1 = in_last.groupby("trust_id")["staff_member_id"].nunique()
                # Stable: in post at the start and at the end, whatever happened between.
                cohort = in_first[["staff_member_id", "trust_id"]].drop_duplicates()
                still = cohort.merge(
                    in_last[["staff_member_id", "trust_id"]].drop_duplicates(),
                    on=["staff_member_id", "trust_id"],
                )
                stay = still.groupby("trust_id").size() / hc0 * 100
                series.append((leavers.groupby("trust_id").size() / ((hc0 + hc1) / 2) * 100, stay))
            else:
                hc0, hc1 = in_first["staff_member_id"].nunique(), in_last["staff_member_id"].nunique()
                still = set(in_first["staff_member_id"]) & set(in_last["staff_member_id"])
                series.append((len(leavers) / ((hc0 + hc1) / 2) * 100, len(still) / hc0 * 100))
        results[level] = series
    return results


def main() -> None:
    print(
        f"Generated partnership: {STAFF:,} staff, {ABSENCES:,} absences over 2020-2024; dashboard for the "
        "24 months 2023-01 to 2024-12: sickness monthly and rolling 12 months with benchmarks, leaver rate "
        "and stability (rolling 12), reasons, newly qualified nurse retention, for the partnership (with the "
        "trusts side by side) and for each of the three trusts. Best of 2 runs.\n"
    )
    started = time.perf_counter()
    data = generate()
    frames = table_frames(data)
    print(
        f"- data: {len(frames['assignment']):,} assignments, {len(frames['absence']):,} absences "
        f"(generated in {time.perf_counter() - started:.1f} s)\n"
    )
    print(
        "| engine | full dashboard counted from the records (s) | building the roll-ups (s) | "
        "full dashboard from the roll-ups (s) | counted and kept as snapshots (s) | "
        "served from the snapshots (s) | full recount, refresh-dashboards --all (s) | loading (s) |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    figures: dict[str, dict[str, object]] = {}
    read_first: list[tuple[str, tuple[float, object]]] = []  # pandas reading each database first
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        t0 = time.perf_counter()
        load(engine, frames)
        loading = time.perf_counter() - t0
        seconds, figures["sqlite"] = timed("sqlite", lambda: full_dashboard(engine))
        building, summing, figures["sqlite, roll-up"] = rollup_figures(engine)
        keeping, serving = snapshot_figures(engine)
        recount = min(full_recount(engine) for _ in range(2))
        print(
            f"| SQLite (ours) | {seconds:.3f} | {building:.3f} | {summing:.3f} | {keeping:.3f} "
            f"| {serving:.3f} | {recount:.3f} | {loading:.1f} |"
        )
        read_first.append(("SQLite", pandas_from_database(engine)))
        engine.dispose()
    server = os.environ.get(
        "PASSPORT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"passport_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: say so and carry on with the rest
        print(f"| PostgreSQL (ours) | not run: {str(error).splitlines()[0]} | | | | | | |")
        admin = None
    if admin is not None:
        try:
            engine = make_engine(make_url(server).set(database=name).render_as_string(hide_password=False))
            t0 = time.perf_counter()
            load(engine, frames)
            loading = time.perf_counter() - t0
            seconds, figures["postgresql"] = timed("postgresql", lambda: full_dashboard(engine))
            building, summing, figures["postgresql, roll-up"] = rollup_figures(engine)
            keeping, serving = snapshot_figures(engine)
            recount = min(full_recount(engine) for _ in range(2))
            print(
                f"| PostgreSQL (ours) | {seconds:.3f} | {building:.3f} | {summing:.3f} | {keeping:.3f} "
                f"| {serving:.3f} | {recount:.3f} | {loading:.1f} |"
            )
            read_first.append(("PostgreSQL", pandas_from_database(engine)))
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    seconds, in_memory = timed("pandas", lambda: pandas_dashboard(data))  # its best of 2, as ours
    print(f"| pandas (straightforward, in memory) | {seconds:.3f} | | | | | | |")
    for engine_name, (seconds, read_figures) in read_first:
        print(f"| pandas, reading the records from {engine_name} first | {seconds:.3f} | | | | | | |")
        if repr(read_figures) != repr(in_memory):
            print(f"\n**pandas gave other figures from {engine_name}'s records than in memory.**\n")
    duck = duckdb_engine_for(frames)
    seconds, figures["duckdb"] = timed("duckdb", lambda: full_dashboard(duck))
    print(f"| DuckDB (the same SQL, duckdb_engine) | {seconds:.3f} | | | | | | |")
    check_agree(figures)


def duckdb_engine_for(frames: dict[str, pd.DataFrame]):  # type: ignore[no-untyped-def]
    engine = create_engine(
        "duckdb:///:memory:", poolclass=__import__("sqlalchemy.pool", fromlist=["StaticPool"]).StaticPool
    )
    import passport.models  # noqa: F401  (every table in the metadata)
    from passport.db import Base

    tables = [
        Base.metadata.tables[t]
        # rollup_state stays empty: DuckDB counts from the records, running the same SQL as the others.
        for t in (
            "partnership",
            "trust",
            "staff_member",
            "assignment",
            "absence",
            "published_sickness",
            "rollup_state",
        )
    ]
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        for table in tables:
            columns = ", ".join(f"{c.name} {c.type.compile(dialect=engine.dialect)}" for c in table.columns)
            ddl = f"CREATE TABLE {table.name} ({columns})"
            # Naive timestamps: aware ones would need pytz in DuckDB's driver; UTCDateTime adds the zone back.
            raw.execute(ddl.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMP").replace("DATETIME", "TIMESTAMP"))
        # Columns named, so a column added to a table later (left empty here) does not shift the rest.
        raw.execute(
            "INSERT INTO partnership (id, code, name, created_at) "
            "VALUES (1, 'SLP', 'South London Partnership', now())"
        )
        for trust_id, code, trust_name in TRUSTS:
            raw.execute(
                "INSERT INTO trust (id, partnership_id, ods_code, name, created_at) "
                "VALUES (?, 1, ?, ?, now())",
                [trust_id, code, trust_name],
            )
        for name in ("staff_member", "assignment", "absence"):
            frame = frames[name]
            columns = ", ".join(frame.columns)
            raw.register("frame_view", frame)
            raw.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM frame_view")
            raw.unregister("frame_view")
    return engine


def check_agree(figures: dict[str, dict[str, object]]) -> None:
    """The engines must give the same figures, or the timings mean nothing."""
    reference = figures.get("sqlite")
    for name, result in figures.items():
        for key, dashboard in result.items():  # type: ignore[union-attr]
            for chart, data in dashboard.charts.items():  # type: ignore[attr-defined]
                if data.rows != reference[key].charts[chart].rows:  # type: ignore[index]
                    print(f"\n**{name} disagrees with SQLite on {key} {chart}**")
                    return
    print(f"\nAll engines gave identical figures ({', '.join(figures)}).")


if __name__ == "__main__":
    main()
