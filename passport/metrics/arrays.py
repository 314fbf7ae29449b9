"""Array helpers the counts share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``wanted``, its position among ``ids`` (distinct; 0 where it is not there) and whether
    it is there. Database ids are mostly dense: a table indexed by id finds them in a tenth of the time of
    a binary search (700,000 absences among 60,000 posts: 0.01 s against 0.09 s)."""
    if not len(ids) or not len(wanted):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    low, high = int(min(ids.min(), wanted.min())), int(max(ids.max(), wanted.max()))
    if low >= 0 and high < 4 * (len(ids) + len(wanted)):
        position_of = np.full(high + 1, -1, dtype=np.int64)
        position_of[ids] = np.arange(len(ids), dtype=np.int64)
        where = position_of[wanted]
        found = where >= 0
        return np.where(found, where, 0), found
    order = np.argsort(ids)
    where = order[np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)]
    return where, ids[where] == wanted


def codes_of(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Integer codes for hashable values, and the values in code order."""
    found: dict[Any, int] = {value: code for code, value in enumerate(dict.fromkeys(values))}
    return np.fromiter(map(found.__getitem__, values), dtype=np.int64, count=len(values)), list(found)


def exact_sums(index: np.ndarray, size: int, weight: np.ndarray | None = None) -> np.ndarray:
    """Per slot 0..size-1, the number of times ``index`` names it, or the sum of its ``weight``s: exact
    integers (bincount sums in float64, exact while every sum stays below 2**53; the largest here, a
    month's FTE days of all NHS England in ten-thousandths, is about 1.5e6 * 31 * 1e4 = 5e11)."""
    return np.rint(np.bincount(index, weights=weight, minlength=size)).astype(np.int64)


def columns_of(rows: Sequence[Any], width: int) -> list[list[Any]]:
    """``rows`` turned into ``width`` columns (a list comprehension per column: several times faster than
    ``zip(*rows)`` over a million rows)."""
    return [[row[i] for row in rows] for i in range(width)]


class SortedDays:
    """``np.searchsorted`` of day numbers among a few sorted days (the months' first or last days), by a
    table of the answer for every day from the first of them to the last: one look-up a day instead of a
    binary search, half the time over 70,000 posts (the retention count in passport.metrics.rollup_counts
    makes some 300 of them). Below the first day every answer is 0 and above the last every answer is
    their number, so a day is clipped into the table first (an open end, OPEN, with it)."""

    def __init__(self, days: np.ndarray) -> None:
        self.days = days
        self.low = int(days[0]) - 1 if len(days) else 0
        every_day = np.arange(self.low, int(days[-1]) + 2 if len(days) else 1, dtype=np.int64)
        self.tables = {side: np.searchsorted(days, every_day, side=side) for side in ("left", "right")}

    def __len__(self) -> int:
        return len(self.days)

    def __getitem__(self, index: Any) -> Any:
        return self.days[index]

    def search(self, values: np.ndarray, side: str = "left") -> np.ndarray:
        table = self.tables[side]
        return table[np.clip(values - self.low, 0, len(table) - 1)]
