"""Reading the records and writing the roll-ups in bulk, faster than row by row through the drivers.

bench/bench_dashboard.py measures both: reading 700,000 sickness absences as tuples took 1.1 s on SQLite,
and replacing 136,000 roll-up rows 1.1 s on PostgreSQL, in a full recount of about 4 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Integer, cast, delete, func, select
from sqlalchemy.orm import Session

from passport.db import driver_rows, insert_driver_rows, insert_driver_values, update_driver_rows
from passport.metrics.cell_columns import CellColumns, held_columns, postgresql_packed, same_cells
from passport.metrics.models import RetentionRollup, SicknessRollup
from passport.metrics.queries import day_number
from passport.metrics.rollup_counts import OPEN
from passport.metrics.sickness_counts import SicknessAbsences
from passport.workforce.models import Absence
from passport.workforce.operations import SICKNESS

_BATCH = 5_000  # ids per DELETE ... IN (...)

# One absence as SQLite writes it below: the post's id in 12 digits, the first and last day as stored
# (ISO dates), the reason padded to 3 characters.
_ABSENCE_RECORD = np.dtype([("post", "S12"), ("first", "S10"), ("last", "S10"), ("reason", "S3")])
_STILL_OPEN = "9999-12-31"


def sqlite_sickness_absences(session: Session) -> SicknessAbsences | None:
    """SQLite: every sickness absence as one text of fixed-width records that SQLite writes and numpy cuts
    into columns, a third of the time of fetching them as 700,000 Python tuples (bench_dashboard: 0.4 s
    against 1.1 s). None, for the plain read, when a value does not fit its width."""
    ab = Absence
    record = func.printf(
        "%012d%s%s%-3s",
        ab.assignment_id,
        ab.first_day,
        func.coalesce(ab.last_day, _STILL_OPEN),
        func.coalesce(ab.reason_code, ""),
    )
    count, text_ = session.execute(
        select(func.count(), func.group_concat(record, "")).where(ab.category == SICKNESS)
    ).one()
    try:
        data = (text_ or "").encode("ascii")
    except UnicodeEncodeError:
        return None  # a reason code in other characters
    if len(data) != count * _ABSENCE_RECORD.itemsize:
        return None  # a longer id, a date stored with a time, a reason over 3 characters
    rows = np.frombuffer(data, dtype=_ABSENCE_RECORD)
    # The post's 12 digits as numbers, weighed by their places: a third of the time of numpy's parse of
    # each text (astype), 20 ms against 52 ms for 700,000.
    digits = np.frombuffer(rows["post"].tobytes(), dtype=np.uint8).reshape(-1, 12).astype(np.int64) - ord("0")
    post = digits @ (10 ** np.arange(11, -1, -1, dtype=np.int64))
    first = rows["first"].astype("datetime64[D]").astype(np.int64)
    last = rows["last"].astype("datetime64[D]").astype(np.int64)
    last[rows["last"] == _STILL_OPEN.encode()] = OPEN
    return _absences(post, first, last, rows["reason"])


# One absence as PostgreSQL's send functions write it below: the post's id (8 bytes), the first and last
# day as day numbers (4 each; big-endian), the reason padded to 3 bytes.
_PG_ABSENCE_RECORD = np.dtype([("post", ">i8"), ("first", ">i4"), ("last", ">i4"), ("reason", "S3")])


def postgresql_sickness_absences(session: Session) -> SicknessAbsences | None:
    """PostgreSQL: every sickness absence as a few byte strings of fixed-width records that the server
    joins and numpy cuts into columns, in about half the time of fetching 700,000 rows as tuples and making
    columns of them; and while the server works, the retention count has Python to itself
    (passport.metrics.rollups). None, for the plain read, when a record is not of the width expected (a
    reason over 3 bytes) or a reason is not ASCII."""
    ab = Absence
    reason = func.coalesce(ab.reason_code, "")
    record = (
        func.int8send(cast(ab.assignment_id, BigInteger))
        .op("||")(func.int4send(cast(day_number(ab.first_day), Integer)))
        .op("||")(func.int4send(cast(func.coalesce(day_number(ab.last_day), OPEN), Integer)))
        # Padded, never cut: a longer reason makes a longer record, and the plain read. Sent as stored
        # (textsend): converting to UTF-8 (convert_to) cost the server 0.18 s for 700,000; a reason not in
        # ASCII, whatever the database's encoding, is left to the plain read (``_absences``).
        .op("||")(func.textsend(func.rpad(reason, func.greatest(3, func.char_length(reason)))))
    )
    count, data = postgresql_packed(session, ab.id, record, ab.category == SICKNESS)
    if len(data) != count * _PG_ABSENCE_RECORD.itemsize:
        return None
    rows = np.frombuffer(data, dtype=_PG_ABSENCE_RECORD)
    return _absences(rows["post"], rows["first"], rows["last"], rows["reason"])


def _absences(
    post: np.ndarray, first: np.ndarray, last: np.ndarray, reason: np.ndarray
) -> SicknessAbsences | None:
    """SicknessAbsences from columns read in bulk: reasons as fixed-width bytes, blank for none (None, for
    the plain read, when one is not ASCII: the bytes may be in another encoding than UTF-8). The few
    distinct reasons are found among integers made of their 3 bytes (half the time of a unique of the
    bytes themselves) by hashing, not sorting, and each absence's is then found among those few by binary
    search (16 ms for 700,000, against 42 ms for a sorting unique that numbers them as it goes)."""
    as_bytes = np.frombuffer(np.ascontiguousarray(reason).tobytes(), dtype=np.uint8).reshape(-1, 3)
    as_integers = as_bytes.astype(np.int32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.int32)
    distinct = np.sort(np.unique(as_integers, sorted=False))
    if np.any(distinct & 0x808080):
        return None
    codes = np.searchsorted(distinct, as_integers)
    names = [bytes([code >> 16, (code >> 8) & 255, code & 255]) for code in distinct.tolist()]
    reason_names = [name.decode().strip() or None for name in names]
    integers = [column.astype(np.int64) for column in (post, first, last, codes.reshape(-1))]
    return SicknessAbsences(*integers, reason_names)


def write_cells(
    session: Session,
    model: type[SicknessRollup] | type[RetentionRollup],
    keys: Sequence[str],
    figures: Sequence[str],
    counted: CellColumns,
) -> None:
    """Make the kept rows those counted. Into an empty roll-up, or when most cells changed, one bulk
    INSERT (after a DELETE); else only the cells that differ are written. A full recount usually finds
    the cells the changes kept current (passport.metrics.upkeep): telling so from columns of integers
    (``same_cells``) and writing none costs a fraction of replacing them all, on PostgreSQL above all,
    where every row inserted is checked against the unique index's entries of the rows just deleted."""
    names = (*keys, *figures)
    held_now = held_columns(session, model, names, counted)
    if same_cells(held_now, counted, keys):
        return
    if not len(held_now[keys[0]]):
        insert_driver_values(session, model.__table__, list(counted.values), counted.tuples())
        return
    rows = counted.rows
    # Some cells differ (rarely, in a full recount): which, row by row.
    held = driver_rows(session, select(*[getattr(model, name) for name in names], model.id))
    cell_of, held_cell_of = itemgetter(*names), itemgetter(slice(0, len(names)))
    counted_cells = set(map(cell_of, rows))
    held_cells = set(map(held_cell_of, held))
    width = len(keys)
    stale = {row[:width]: row[-1] for row in held if row[:-1] not in counted_cells}
    inserts, updates = [], []
    for row in rows:
        cell = cell_of(row)
        if cell in held_cells:
            continue
        row_id = stale.pop(cell[:width], None)
        if row_id is None:
            inserts.append(row)
        else:
            updates.append({"id": row_id, **{name: row[name] for name in figures}})
    removed = list(stale.values())
    if len(inserts) + len(updates) + len(removed) > len(rows) // 4:
        session.execute(delete(model))
        insert_driver_values(session, model.__table__, list(counted.values), counted.tuples())
        return
    write_cell_changes(session, model, inserts, updates, removed)


def write_cell_changes(
    session: Session,
    model: type[SicknessRollup] | type[RetentionRollup],
    inserts: Sequence[dict[str, Any]],
    updates: Sequence[dict[str, Any]],
    removed: Sequence[int],
) -> None:
    """Remove the cells of ids ``removed``, update ``updates`` (by id) and insert ``inserts``, through the
    driver: a full recount or a month's import may move most cells."""
    for start in range(0, len(removed), _BATCH):
        session.execute(delete(model).where(model.id.in_(removed[start : start + _BATCH])))
    update_driver_rows(session, model.__table__, updates)
    insert_driver_rows(session, model.__table__, inserts)
