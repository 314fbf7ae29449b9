"""Array helpers the counts share."""

from __future__ import annotations

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
