"""Counted roll-up cells held as columns (passport.metrics.cell_columns): rows in and out unchanged, and
the cells kept told equal to those counted exactly when they are the same rows, in any order."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from passport.metrics.cell_columns import CellColumns, same_cells
from passport.metrics.rollup_cells import SicknessRollupCells
from passport.metrics.rollups import CELL_COLUMNS, SICKNESS_ROLLUP

KEYS = ("month", "trust_id", "band")
COLUMNS = (*KEYS, "lost")
CODED = ("trust_id", "band")

cell = st.fixed_dictionaries(
    {
        "month": st.integers(24_000, 24_060),
        "trust_id": st.sampled_from([1, 2, None]),  # a partnership cell has no trust
        "band": st.sampled_from(["5", "6", "8a", None]),
        "lost": st.integers(-(2**40), 2**40),
    }
)
# Each cell once, as a count makes them.
cells = st.lists(cell, max_size=12, unique_by=lambda row: tuple(row[key] for key in KEYS))


def _held(rows: list[dict[str, Any]], like: CellColumns) -> dict[str, np.ndarray]:
    """Rows as held_columns reads them: coded as ``like`` codes them, -1 for a value it lacks."""
    held = {}
    for name in COLUMNS:
        values = [row[name] for row in rows]
        if name in like.names:
            values = [like.names[name].index(v) if v in like.names[name] else -1 for v in values]
        held[name] = np.array(values, dtype=np.int64).reshape(-1)
    return held


@given(cells)
def test_rows_come_out_as_they_went_in(rows):  # type: ignore[no-untyped-def]
    columns = CellColumns.from_rows(rows, COLUMNS, CODED)
    assert len(columns) == len(rows)
    assert [[(k, type(v), v) for k, v in row.items()] for row in columns.rows] == [
        [(k, type(row[k]), row[k]) for k in COLUMNS] for row in rows
    ]
    # As tuples for a bulk insert: the same values, in the order of the columns' names.
    assert list(columns.values) == list(COLUMNS)
    assert [[(type(v), v) for v in row] for row in columns.tuples()] == [
        [(type(row[k]), row[k]) for k in COLUMNS] for row in rows
    ]


@given(cells, st.randoms(use_true_random=False))
def test_the_same_rows_in_any_order_are_the_same_cells(rows, random):  # type: ignore[no-untyped-def]
    counted = CellColumns.from_rows(rows, COLUMNS, CODED)
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert same_cells(_held(shuffled, counted), counted, KEYS)


@given(cells, st.data())
def test_one_row_changed_added_or_missing_is_not_the_same(rows, data):  # type: ignore[no-untyped-def]
    counted = CellColumns.from_rows(rows, COLUMNS, CODED)
    held_rows = [dict(row) for row in rows]
    change = data.draw(st.sampled_from(["figure", "key", "added", "missing"] if rows else ["added"]))
    if change == "added":
        extra = data.draw(cell.filter(lambda new: all(new != row for row in rows)))
        held_rows.append(extra)
    elif change == "missing":
        held_rows.pop(data.draw(st.integers(0, len(rows) - 1)))
    else:
        index = data.draw(st.integers(0, len(rows) - 1))
        name = "lost" if change == "figure" else data.draw(st.sampled_from(KEYS))
        old = held_rows[index][name]
        held_rows[index][name] = data.draw(
            {
                "lost": st.integers(-(2**40), 2**40),
                "month": st.integers(24_000, 24_060),
                "trust_id": st.sampled_from([1, 2, 3, None]),
                "band": st.sampled_from(["5", "6", "7", "8a", None]),
            }[name].filter(lambda new: new != old)
        )
    assert not same_cells(_held(held_rows, counted), counted, KEYS)


SICKNESS_COLUMNS = (*CELL_COLUMNS[SICKNESS_ROLLUP][0], *CELL_COLUMNS[SICKNESS_ROLLUP][1])
sickness_cell = st.fixed_dictionaries(
    {
        "month": st.integers(24_000, 24_060),
        "trust_id": st.sampled_from([1, 2]),
        "staff_group": st.sampled_from(["NMR", "AHP", "ADD"]),
        "band": st.sampled_from(["5", "6", "8a", None]),
        "reason_code": st.sampled_from(["S12", "S10", "S99", None]),
        "term": st.sampled_from(["short", "long", "open", None]),
        "fte_days_lost_e4": st.integers(0, 2**40),
        "fte_days_available_e4": st.integers(0, 2**40),
        "episodes": st.integers(0, 50),
    }
)


@given(st.lists(sickness_cell, max_size=12))
def test_counted_sickness_cells_serve_the_sums_as_rows_read_back_would(rows):  # type: ignore[no-untyped-def]
    """The cells a full count keeps serve the dashboards' sums (keep_written) numbered as a read of the
    table numbers them: names in order, none first."""
    counted = CellColumns.from_rows(rows, SICKNESS_COLUMNS, ("staff_group", "band", "reason_code", "term"))
    from_columns = SicknessRollupCells.from_cell_columns(counted)
    read_back = SicknessRollupCells.from_rows([tuple(row[name] for name in SICKNESS_COLUMNS) for row in rows])
    assert from_columns.names == read_back.names
    for field in ("month", "trust", "group", "band", "reason", "term", "lost", "available", "episodes"):
        assert getattr(from_columns, field).tolist() == getattr(read_back, field).tolist(), field
