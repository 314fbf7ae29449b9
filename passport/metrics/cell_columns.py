"""A roll-up's rows as counted, held column by column.

A full recount counts some 136,000 cells for 60,000 staff and almost always finds them as the roll-ups
already hold them, since the writes keep them current (passport.metrics.upkeep). As columns, the cells
counted are told equal to those kept with a few array operations, and the dashboards counted next sum
them as they are. A dict a row (and a tuple of each dict to compare) cost a third of a second of a 2.5 s
recount (bench/bench_dashboard.py). Rows are made only when cells are written.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, LargeBinary, case, cast, func, literal, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from passport.db import driver_rows

# A kept value that is none of the counted values of its column: the cells differ.
_UNKNOWN = -1


@dataclass(frozen=True)
class CellColumns:
    """Rows as columns, each an int64 array of equal length: a number, or for a coded column the index
    of its value in ``names[column]`` (values of any hashable kind, None among them)."""

    values: dict[str, np.ndarray]
    names: dict[str, list[Any]]

    @classmethod
    def from_rows(
        cls, rows: Sequence[dict[str, Any]], columns: Sequence[str], coded: Collection[str]
    ) -> CellColumns:
        """From rows of ``columns``; those ``coded`` are numbered by their distinct values, the others
        are integers."""
        values: dict[str, np.ndarray] = {}
        names: dict[str, list[Any]] = {}
        for column in columns:
            column_values = [row[column] for row in rows]
            if column in coded:
                found = {value: code for code, value in enumerate(dict.fromkeys(column_values))}
                names[column] = list(found)
                values[column] = np.fromiter(
                    map(found.__getitem__, column_values), dtype=np.int64, count=len(column_values)
                )
            else:
                values[column] = np.array(column_values, dtype=np.int64).reshape(-1)
        return cls(values, names)

    def __len__(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0

    def column(self, name: str) -> list[Any]:
        """A column's values as Python values."""
        codes = self.values[name].tolist()
        if name not in self.names:
            return codes
        names = self.names[name]
        return [names[code] for code in codes]

    def tuples(self) -> list[tuple[Any, ...]]:
        """Each row as a tuple of its columns' values, in the order of ``values``: what a bulk insert takes,
        made in a third of the time of ``rows`` (a full recount's 180,000 sickness cells: 0.09 s against
        0.28 s), and inserted a fifth quicker than dicts whose values are picked out again (SQLite)."""
        return list(zip(*map(self.column, self.values), strict=True))

    @functools.cached_property
    def rows(self) -> list[dict[str, Any]]:
        """Each row as a dict of its columns' values (made once, when asked)."""
        columns = list(self.values)
        return [dict(zip(columns, row, strict=True)) for row in zip(*map(self.column, columns), strict=True)]


def held_columns(
    session: Session, model: Any, columns: Sequence[str], like: CellColumns
) -> dict[str, np.ndarray]:
    """Every row the table of ``model`` holds, as ``columns``: numbers as they are (_UNKNOWN for none),
    coded columns numbered as ``like`` numbers them (_UNKNOWN for a value it does not have). The database
    numbers them, so only integers are read, packed (``_packed_integers``)."""
    selected = []
    for name in columns:
        column = getattr(model, name)
        if name in like.names:
            whens = [
                (column.is_(None) if value is None else column == value, code)
                for code, value in enumerate(like.names[name])
            ]
            selected.append(case(*whens, else_=_UNKNOWN) if whens else literal(_UNKNOWN))
        else:
            selected.append(func.coalesce(column, _UNKNOWN))
    table = _packed_integers(session, model, selected)
    return dict(zip(columns, table.T, strict=True))


# Ids per range of PostgreSQL's packed read: a few MB a range, never one value near its 1 GB limit.
_ROWS_A_PART = 131_072


def _packed_integers(session: Session, model: Any, selected: Sequence[Any]) -> np.ndarray:
    """The integers ``selected`` from every row of ``model``'s table as a (rows x columns) array. The
    database packs them into one value, 8 bytes an integer, which numpy reads as it is: in half the time
    of fetching a tuple a row (bench/bench_dashboard.py: 108,000 sickness cells, 0.08 s against 0.15 s on
    SQLite). SQLite writes each integer as 16 hexadecimal digits (printf's %x writes a negative one as
    its 64-bit two's complement); PostgreSQL sends each as int8send's 8 bytes."""
    width = len(selected)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        packed = session.execute(
            select(func.group_concat(func.printf("%016x" * width, *selected), ""))
        ).scalar()
        data = bytes.fromhex(packed or "")
    elif dialect == "postgresql":
        record = functools.reduce(
            lambda joined, value: joined.op("||")(value),
            [func.int8send(cast(value, BigInteger)) for value in selected],
        )
        data = postgresql_packed(session, model.id, record)[1]
    else:  # another engine (DuckDB in the benchmark): a tuple a row
        rows = driver_rows(session, select(*selected))
        return np.fromiter(
            itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width
        ).reshape(-1, width)
    return np.frombuffer(data, dtype=">i8").astype(np.int64).reshape(-1, width)


def postgresql_packed(
    session: Session, row_id: Any, record: ColumnElement[bytes], *where: ColumnElement[bool]
) -> tuple[int, bytes]:
    """PostgreSQL: how many rows of ``row_id``'s table match ``where``, and their ``record``s joined into
    one byte string, in any order. Rows of more than one range of ids are joined range by range (parts of
    a few MB, never one value near the server's 1 GB limit), each range found by the primary key's index:
    grouping the rows by range instead sorted them all first, on disk past work_mem (700,000 sickness
    absences: 0.53 s against 0.40 s). The rows of a single range are joined in one plain scan."""
    first, last = session.execute(select(func.min(row_id), func.max(row_id))).one()
    if first is None:
        return 0, b""
    joined = select(
        func.count().label("rows"),
        func.string_agg(record, literal(b"", LargeBinary), type_=LargeBinary).label("records"),
    ).select_from(row_id.table)
    if last - first < _ROWS_A_PART:
        parts = session.execute(joined.where(*where)).all()
    else:
        # The ranges from the ids as this statement sees them, not as the one above did: every row it
        # sees falls in one of them, whatever was written in between.
        low, high = (
            cast(select(edge(row_id)).scalar_subquery(), BigInteger) for edge in (func.min, func.max)
        )
        part = func.generate_series(0, (high - low) / _ROWS_A_PART).table_valued("n").render_derived()
        part_start = low + cast(part.c.n, BigInteger) * _ROWS_A_PART
        in_part = joined.where(row_id >= part_start, row_id < part_start + _ROWS_A_PART, *where).lateral()
        parts = session.execute(
            select(in_part.c.rows, in_part.c.records).join_from(part, in_part, true())
        ).all()
    rows, records = 0, []
    for in_part_rows, part_records in parts:
        if in_part_rows:
            rows += in_part_rows
            records.append(part_records)
    return rows, b"".join(records)


def same_cells(held: dict[str, np.ndarray], counted: CellColumns, keys: Sequence[str]) -> bool:
    """Whether the rows ``held`` (``held_columns``) are those ``counted``: the same number, and the same
    values column by column once both are in the order of their keys (unique in each: the roll-up's
    unique index, and a count makes each cell once)."""
    if len(held[keys[0]]) != len(counted):
        return False
    if not len(counted):
        return True
    held_order = np.lexsort([held[key] for key in reversed(keys)])
    counted_order = np.lexsort([counted.values[key] for key in reversed(keys)])
    return all(
        np.array_equal(held[name][held_order], values[counted_order])
        for name, values in counted.values.items()
    )
