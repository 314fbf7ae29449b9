"""The sickness roll-up read once per transaction into columns, and summed there.

A refresh counts seven dashboards, and each asks the roll-up (about 100,000 rows for 60,000 staff) for
its months, trusts, reasons and terms: some forty grouped sums. Reading the table once and summing in
numpy costs a tenth of asking the database each time (bench/bench_dashboard.py), and gives the same
figures: the sums are exact integer sums of the same rows.

What is read is kept in the session for its transaction only, and forgotten whenever the roll-up is
written (``forget``: the upkeep's writes call it), so a figure never comes from rows older than the
transaction's own. A full count that has just replaced the roll-up keeps the rows it wrote instead
(``keep_written``): the dashboards a refresh counts next sum them without reading them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.db import driver_rows
from passport.metrics.cell_columns import CellColumns
from passport.metrics.models import SicknessRollup
from passport.metrics.queries import Scope

_KEPT = "passport_sickness_rollup_cells"
# What a grouped sum may be grouped by, named as the SQL sums name their columns.
KEYS = ("month", "trust_id", "reason", "term")
_COLUMNS = (
    "month",
    "trust_id",
    "staff_group",
    "band",
    "reason_code",
    "term",
    "fte_days_lost_e4",
    "fte_days_available_e4",
    "episodes",
)


def _name_order(value: Any) -> tuple[bool, str]:
    """Names in order, none first."""
    return value is not None, str(value)


class Sums(NamedTuple):
    """One group's sums, read by attribute as the rows of the SQL sums are."""

    month: int | None
    trust_id: int | None
    reason: str | None
    term: str | None
    lost_e4: int
    available_e4: int
    episodes: int


@dataclass(frozen=True)
class SicknessRollupCells:
    """The roll-up's rows as columns; text columns as codes into their names."""

    month: np.ndarray
    trust: np.ndarray
    group: np.ndarray
    band: np.ndarray
    reason: np.ndarray
    term: np.ndarray
    lost: np.ndarray
    available: np.ndarray
    episodes: np.ndarray
    names: dict[str, list[Any]]  # "group", "band", "reason", "term": code -> name

    @classmethod
    def read(cls, session: Session, from_month: int) -> SicknessRollupCells:
        """The rows of ``from_month`` on."""
        r = SicknessRollup
        columns = [getattr(r, name) for name in _COLUMNS]
        return cls.from_rows(driver_rows(session, select(*columns).where(r.month >= from_month)))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> SicknessRollupCells:
        """Rows of the roll-up's ``_COLUMNS``, in that order."""
        return cls.from_columns(list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS))

    @classmethod
    def from_columns(cls, columns: Sequence[Sequence[Any]]) -> SicknessRollupCells:
        """The roll-up's ``_COLUMNS``, in that order, each as a sequence of its values."""
        names: dict[str, list[Any]] = {}
        coded = []
        for name, values in zip(("group", "band", "reason", "term"), columns[2:6], strict=True):
            distinct = sorted(set(values), key=_name_order)
            names[name] = distinct
            code = {value: i for i, value in enumerate(distinct)}
            coded.append(np.fromiter(map(code.__getitem__, values), dtype=np.int64, count=len(values)))

        def integers(values: Sequence[Any]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int64, count=len(values))

        return cls(
            integers(columns[0]),
            integers(columns[1]),
            *coded,
            integers(columns[6]),
            integers(columns[7]),
            integers(columns[8]),
            names,
        )

    @classmethod
    def from_cell_columns(cls, cells: CellColumns) -> SicknessRollupCells:
        """The roll-up's rows as counted (passport.metrics.cell_columns), their codes renumbered in the
        order ``from_columns`` gives them."""
        names: dict[str, list[Any]] = {}
        coded = []
        for name, column in zip(("group", "band", "reason", "term"), _COLUMNS[2:6], strict=True):
            counted_names = cells.names[column]
            order = sorted(range(len(counted_names)), key=lambda code: _name_order(counted_names[code]))
            names[name] = [counted_names[code] for code in order]
            renumbered = np.empty(len(order), dtype=np.int64)
            renumbered[order] = np.arange(len(order), dtype=np.int64)
            coded.append(renumbered[cells.values[column]])
        integer = cells.values
        return cls(
            integer["month"],
            integer["trust_id"],
            *coded,
            integer["fte_days_lost_e4"],
            integer["fte_days_available_e4"],
            integer["episodes"],
            names,
        )

    def sums(self, scope: Scope, first_month: int, last_month: int, keys: Sequence[str]) -> list[Sums]:
        """FTE days lost and available, and episodes, of the scope's rows in the months, grouped by
        ``keys`` (of KEYS), each group once, in no particular order."""
        chosen = (self.month >= first_month) & (self.month <= last_month)
        chosen &= np.isin(self.trust, scope.trust_ids)
        for column, name, wanted in (
            (self.group, "group", scope.staff_groups),
            (self.band, "band", scope.bands),
        ):
            if wanted:
                codes = [i for i, value in enumerate(self.names[name]) if value in wanted]
                chosen &= np.isin(column, codes)
        index = np.flatnonzero(chosen)
        columns = {"month": self.month, "trust_id": self.trust, "reason": self.reason, "term": self.term}
        if not keys:
            group = np.zeros(len(index), dtype=np.int64)
        else:
            # One integer per combination of the keys' codes (each column's codes are small and
            # non-negative: months, trust ids and name codes), so one plain unique groups them.
            combined = np.zeros(len(index), dtype=np.int64)
            for key in keys:
                values = columns[key][index]
                combined = combined * (int(columns[key].max()) + 1 if len(columns[key]) else 1) + values
            _, group = np.unique(combined, return_inverse=True)
            group = group.reshape(-1)
        size = int(group.max()) + 1 if len(group) else (0 if keys else 1)
        totals = []
        for figure in (self.lost, self.available, self.episodes):
            total = np.zeros(size, dtype=np.int64)
            np.add.at(total, group, figure[index])  # integers: exact, as the database's SUM is
            totals.append(total)
        first_of = np.zeros(size, dtype=np.int64)
        first_of[group[::-1]] = index[::-1]  # a row of each group, to read its keys from
        found = []
        for g in range(size):
            row = int(first_of[g])
            values: dict[str, Any] = dict.fromkeys(KEYS)
            for key in keys:
                code = int(columns[key][row])
                values[key] = self.names[key][code] if key in ("reason", "term") else code
            found.append(
                Sums(
                    **values,
                    lost_e4=int(totals[0][g]),
                    available_e4=int(totals[1][g]),
                    episodes=int(totals[2][g]),
                )
            )
        return found


def rollup_cells(session: Session, from_month: int) -> SicknessRollupCells:
    """The sickness roll-up from ``from_month`` on as columns, read once in this transaction (again for an
    earlier month, or after any write of the roll-up). A partnership's dashboards all ask about the same
    few years, so what is read is a few years of a handful of trusts' cells."""
    transaction = session.get_transaction()
    kept = session.info.get(_KEPT)
    if kept is None or kept[0] is not transaction or from_month < kept[1]:
        kept = (transaction, from_month, SicknessRollupCells.read(session, from_month))
        session.info[_KEPT] = kept
    return kept[2]


def keep_written(session: Session, from_month: int, cells: CellColumns) -> None:
    """The roll-up was just made exactly ``cells`` (every row, from ``from_month`` on; a full count that
    was kept): they serve this transaction's sums as a read of the table would, without reading it back.
    """
    session.info[_KEPT] = (
        session.get_transaction(),
        from_month,
        SicknessRollupCells.from_cell_columns(cells),
    )


def forget(session: Session) -> None:
    """A roll-up was written: what was read of it before is not read again."""
    session.info.pop(_KEPT, None)
