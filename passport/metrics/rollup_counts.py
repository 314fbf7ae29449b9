"""The roll-ups counted with numpy from one read of the records.

Retention: counted in one pass over the posts instead of one SQL statement per breakdown
(passport.metrics.retention counts the same figures from the records for any question; this counts every
month and breakdown the roll-up keeps at once, and the tests hold the two equal). Sickness: posts and
sickness absences as stored, matched, clipped, split into months and summed per cell
(``count_sickness_rows``), which SQL did with a running sum per cell over every month.

The definitions are those of passport.metrics.retention (docs/metrics.md):
- a person's own posts count (never bank, never a secondee assignment); she is in post on a day when one
  of them covers it;
- headcounts count people (two posts of hers in one cell covering the day are one head), FTE counts posts;
- she leaves a level (her trust, or the partnership) on the last day of a post when none of her posts at
  that level covers the next day; posts of hers ending that day in one cell are one leave;
- stability of the 12 months ending with a month: of the people in post in a cell on the first day, those
  in post at the level on the last day, whatever happened between.

Every figure is a sum over people, so the rows for a set of people are the sums of each person's rows:
the same function serves a full recount (everyone) and, given only some people, their contribution.

Why numpy and not SQL: the SQL form (leaver_cells, stability_cells) needs a statement per breakdown and
grouping (20 for three trusts), each compiling hundreds of clauses and each reading every post again;
here the posts are read once and every breakdown is a few array operations over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from passport.metrics.queries import Period, month_last_day, month_of

ALL = "*"  # staff_group / band of a row that covers all of them
WINDOW_MONTHS = 12
GROUPINGS: tuple[tuple[str, ...], ...] = ((), ("staff_group",), ("band",), ("staff_group", "band"))
OPEN = 10_000_000  # the end day of a post still open (day ordinals of real dates are below 800,000)
_GROUP_STRIDE = 2 * OPEN
FIGURES = (
    "leavers",
    "leavers_fte_e4",
    "start_headcount",
    "start_fte_e4",
    "end_headcount",
    "end_fte_e4",
    "stability_start_headcount",
    "stability_still_in_post",
)


@dataclass(frozen=True)
class Posts:
    """People's own posts as arrays (one element a post): day numbers are ordinals, an open end is OPEN."""

    person: np.ndarray
    trust: np.ndarray
    staff_group: list[Any]
    band: list[Any]
    start: np.ndarray
    end: np.ndarray
    fte_e4: np.ndarray

    @classmethod
    def from_rows(cls, rows: Sequence[Any]) -> Posts:
        """``rows`` of (person, trust, staff_group, band, start date, end date or None, fte_e4)."""
        return cls(
            person=np.array([r[0] for r in rows], dtype=np.int64),
            trust=np.array([r[1] for r in rows], dtype=np.int64),
            staff_group=[r[2] for r in rows],
            band=[r[3] for r in rows],
            start=np.array([r[4].toordinal() for r in rows], dtype=np.int64),
            end=np.array([r[5].toordinal() if r[5] is not None else OPEN for r in rows], dtype=np.int64),
            fte_e4=np.array([int(r[6]) for r in rows], dtype=np.int64),
        )


def _codes(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Integer codes for hashable values, and the values in code order."""
    found: dict[Any, int] = {}
    codes = np.fromiter((found.setdefault(v, len(found)) for v in values), dtype=np.int64, count=len(values))
    return codes, list(found)


def _merged(group: np.ndarray, start: np.ndarray, end: np.ndarray, gap: int) -> tuple[np.ndarray, ...]:
    """Merge the intervals of each group that overlap (gap 0) or also touch (gap 1): answers, for every
    merged spell, its group, start and end, and for every interval the index of its spell."""
    order = np.lexsort((start, group))
    g, s, e = group[order], start[order], end[order]
    # The running maximum of the ends within each group (shifting each group above the one before it
    # lets one cumulative maximum serve every group): an interval starts a new spell when it begins after
    # the spell so far has ended (with ``gap``), or begins a new group.
    shift = g * _GROUP_STRIDE
    running = np.maximum.accumulate(e + shift) - shift
    same_group = np.r_[False, g[1:] == g[:-1]]
    new_spell = ~same_group | (s > np.r_[0, running[:-1]] + gap)
    spell_of_sorted = np.cumsum(new_spell) - 1
    spell_end = np.full(int(new_spell.sum()), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(spell_end, spell_of_sorted, e)
    spell_of = np.empty(len(g), dtype=np.int64)
    spell_of[order] = spell_of_sorted
    return g[new_spell], s[new_spell], spell_end, spell_of


def _covering(
    days: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    row: np.ndarray,
    rows: int,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """A (rows x days) array: per row, the number (or the summed weight) of intervals covering each day
    of ``days`` (sorted)."""
    first = np.searchsorted(days, start, side="left")
    after = np.searchsorted(days, end, side="right")
    diff = np.zeros((rows, len(days) + 1), dtype=np.int64)
    w = np.ones(len(start), dtype=np.int64) if weight is None else weight
    np.add.at(diff, (row, first), w)
    np.add.at(diff, (row, after), -w)
    return np.cumsum(diff, axis=1)[:, :-1]


def count_retention_rows(posts: Posts, trust_ids: Sequence[int], covered: Period) -> list[dict[str, Any]]:
    """Every row of the retention roll-up for ``covered`` (the same rows as counting each breakdown with
    passport.metrics.retention): each trust by itself, the partnership, and the partnership trust by trust,
    each in total, by staff group, by band and by both."""
    months = list(range(covered.first_month, covered.last_month + 1))
    firsts = np.array([month_of(m).toordinal() for m in months], dtype=np.int64)
    lasts = np.array([month_last_day(m).toordinal() for m in months], dtype=np.int64)
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    partnership = np.isin(posts.trust, np.array(list(trust_ids), dtype=np.int64))
    breakdowns: list[tuple[str, int | None, np.ndarray, bool]] = [
        ("trust", trust_id, posts.trust == trust_id, False) for trust_id in trust_ids
    ]
    breakdowns += [("partnership", None, partnership, False), ("partnership", None, partnership, True)]
    for level, level_trust, inside, by_trust in breakdowns:
        index = np.flatnonzero(inside)
        if not len(index):
            continue
        _count_breakdown(posts, index, level, level_trust, by_trust, months, firsts, lasts, rows)
    return list(rows.values())


def _count_breakdown(
    posts: Posts,
    index: np.ndarray,
    level: str,
    level_trust: int | None,
    by_trust: bool,
    months: list[int],
    firsts: np.ndarray,
    lasts: np.ndarray,
    rows: dict[tuple[Any, ...], dict[str, Any]],
) -> None:
    person, start, end, fte = posts.person[index], posts.start[index], posts.end[index], posts.fte_e4[index]
    people, person_code = np.unique(person, return_inverse=True)
    # The level: every post here keeps her in post at it (a trust's, or any partner trust's). A post
    # ending where her spell at the level ends is a leave; in post at the level on each month's last day.
    level_person, level_start, level_end, level_spell = _merged(person_code, start, end, gap=1)
    leaves = (end != OPEN) & (end == level_end[level_spell])
    in_post_at_end = _covering(lasts, level_start, level_end, level_person, len(people)) > 0
    n_months = len(months)
    # Each post's trust, staff group and band as small integers, so that a grouping's cells are found
    # by one np.unique over a combined code instead of a tuple per post.
    trust_code, trust_names = _codes(posts.trust[index].tolist())
    group_code, group_names = _codes([posts.staff_group[i] for i in index])
    band_code, band_names = _codes([posts.band[i] for i in index])
    n_groups, n_bands = len(group_names), len(band_names)
    for grouping in GROUPINGS:
        by_group, by_band = "staff_group" in grouping, "band" in grouping
        combined = (
            np.zeros(len(index), dtype=np.int64)
            + (trust_code if by_trust else 0) * (n_groups * n_bands)
            + (group_code if by_group else 0) * n_bands
            + (band_code if by_band else 0)
        )
        unique_codes, cell = np.unique(combined, return_inverse=True)
        cell = cell.reshape(-1)
        n_cells = len(unique_codes)
        # Each cell's trust (when trust by trust), staff group and band, or ALL.
        cell_trust = [
            int(trust_names[code // (n_groups * n_bands)]) if by_trust else level_trust
            for code in unique_codes.tolist()
        ]
        cell_group = [
            group_names[(code // n_bands) % n_groups] if by_group else ALL for code in unique_codes.tolist()
        ]
        cell_band = [band_names[code % n_bands] if by_band else ALL for code in unique_codes.tolist()]
        # People in post per cell: a person's posts in one cell merged into spells (overlaps only: a
        # point in time is covered or not), so a spell is one head.
        pair = cell * len(people) + person_code
        spell_pair, spell_start, spell_end, _ = _merged(pair, start, end, gap=0)
        spell_cell = spell_pair // len(people)
        spell_person = spell_pair % len(people)
        heads_first = _covering(firsts, spell_start, spell_end, spell_cell, n_cells)
        heads_last = _covering(lasts, spell_start, spell_end, spell_cell, n_cells)
        fte_first = _covering(firsts, start, end, cell, n_cells, fte)
        fte_last = _covering(lasts, start, end, cell, n_cells, fte)
        # Leavers: the (person, day, cell) of posts ending with nothing at the level the next day.
        leave_index = np.flatnonzero(leaves & (end >= firsts[0]) & (end <= lasts[-1]))
        leave_month = np.searchsorted(lasts, end[leave_index], side="left")
        leavers = np.zeros((n_cells, n_months), dtype=np.int64)
        leavers_fte = np.zeros((n_cells, n_months), dtype=np.int64)
        np.add.at(leavers_fte, (cell[leave_index], leave_month), fte[leave_index])
        events = np.unique(
            np.stack([cell[leave_index], person_code[leave_index], end[leave_index], leave_month]), axis=1
        )
        np.add.at(leavers, (events[0], events[3]), 1)
        # Stability: for each window's first month k (ending with month k + 11), the people in the cell on
        # its first day who are in post at the level on its last day. Each cell spell covers the first
        # days of a run of months; each of those months is looked at once.
        still = np.zeros((n_cells, n_months), dtype=np.int64)
        k_from = np.searchsorted(firsts, spell_start, side="left")
        k_to = np.minimum(np.searchsorted(firsts, spell_end, side="right"), n_months - (WINDOW_MONTHS - 1))
        runs = np.maximum(k_to - k_from, 0)
        if runs.sum():
            spell_index = np.repeat(np.arange(len(spell_start)), runs)
            offsets = np.arange(int(runs.sum())) - np.repeat(np.cumsum(runs) - runs, runs)
            k = k_from[spell_index] + offsets
            end_month = k + WINDOW_MONTHS - 1
            stays = in_post_at_end[spell_person[spell_index], end_month]
            np.add.at(still, (spell_cell[spell_index][stays], end_month[stays]), 1)
        # The rows: every cell and month with someone in post, a leaver or a stability window.
        stability_start = np.zeros_like(heads_first)
        stability_still = np.zeros_like(still)
        if n_months >= WINDOW_MONTHS:
            stability_start[:, WINDOW_MONTHS - 1 :] = heads_first[:, : n_months - WINDOW_MONTHS + 1]
            stability_still[:, WINDOW_MONTHS - 1 :] = still[:, WINDOW_MONTHS - 1 :]
        kept = (leavers != 0) | (heads_first != 0) | (heads_last != 0) | (stability_start != 0)
        fte_first = np.where(heads_first != 0, fte_first, 0)
        fte_last = np.where(heads_last != 0, fte_last, 0)
        c_index, m_index = np.nonzero(kept)
        columns = [
            figure[c_index, m_index].tolist()
            for figure in (
                leavers,
                leavers_fte,
                heads_first,
                fte_first,
                heads_last,
                fte_last,
                stability_start,
                stability_still,
            )
        ]
        for c, m, *values in zip(c_index.tolist(), m_index.tolist(), *columns, strict=True):
            trust_id, staff_group, band, month = cell_trust[c], cell_group[c], cell_band[c], months[m]
            rows[(level, trust_id, staff_group, band, month)] = {
                "level": level,
                "trust_id": trust_id,
                "staff_group": staff_group,
                "band": band,
                "month": month,
                **dict(zip(FIGURES, values, strict=True)),
            }


@dataclass(frozen=True)
class SicknessRecords:
    """What the sickness roll-up is counted from, as arrays (day numbers since 1970-01-01; an open end is
    OPEN): her own posts (id, cell, first and last day, FTE), the sickness absences (the post's id, first
    and last day, reason), and the spans of sickness recorded on secondee assignments, already moved onto
    her own posts (passport.metrics.sickness: first, last, trust, staff group, band, reason, lost_e4,
    available_e4; few)."""

    posts: Sequence[Any]
    absences: Sequence[Any]
    moved: Sequence[Any]


def count_sickness_rows(records: SicknessRecords, covered: Period) -> list[dict[str, Any]]:
    """The sickness roll-up's rows: every post's days in post and every sickness absence's days lost on
    a post of her own, each clipped to the months covered (an absence also to its post), split into the
    months it meets and summed per month, trust, staff group, band and reason (none for days in post)."""
    epoch = date(1970, 1, 1).toordinal()
    month_numbers = list(range(covered.first_month, covered.last_month + 1))
    firsts = np.array([month_of(m).toordinal() - epoch for m in month_numbers], dtype=np.int64)
    lasts = np.array([month_last_day(m).toordinal() - epoch for m in month_numbers], dtype=np.int64)
    period_first, period_last = int(firsts[0]), int(lasts[-1])
    cells: dict[tuple[Any, ...], int] = {}

    def cell_code(trust: Any, staff_group: Any, band: Any, reason: Any) -> int:
        return cells.setdefault((trust, staff_group, band, reason), len(cells))

    posts, absences = records.posts, records.absences
    post_id = np.fromiter((p[0] for p in posts), dtype=np.int64, count=len(posts))
    post_start = np.fromiter((p[4] for p in posts), dtype=np.int64, count=len(posts))
    post_end = np.fromiter((OPEN if p[5] is None else p[5] for p in posts), dtype=np.int64, count=len(posts))
    post_fte = np.fromiter((int(p[6]) for p in posts), dtype=np.int64, count=len(posts))
    post_cell = [(p[1], p[2], p[3]) for p in posts]
    in_post_cell = np.fromiter((cell_code(*c, None) for c in post_cell), dtype=np.int64, count=len(posts))
    # Days in post.
    a_first = np.maximum(post_start, period_first)
    a_last = np.minimum(post_end, period_last)
    in_post = a_first <= a_last
    # Days lost, each absence on its post; absences on posts not here (bank, a secondee's) are left out.
    order = np.argsort(post_id)
    absence_post = np.fromiter((a[0] for a in absences), dtype=np.int64, count=len(absences))
    found = np.minimum(np.searchsorted(post_id[order], absence_post), max(len(order) - 1, 0))
    post = order[found] if len(order) else np.zeros(len(absences), dtype=np.int64)
    on_own_post = (post_id[post] == absence_post) if len(order) else np.zeros(len(absences), dtype=bool)
    absence_first = np.fromiter((a[1] for a in absences), dtype=np.int64, count=len(absences))
    absence_last = np.fromiter(
        (OPEN if a[2] is None else a[2] for a in absences), dtype=np.int64, count=len(absences)
    )
    l_first = np.maximum(
        np.maximum(absence_first, post_start[post] if len(order) else absence_first), period_first
    )
    l_last = np.minimum(np.minimum(absence_last, post_end[post] if len(order) else absence_last), period_last)
    lost = on_own_post & (l_first <= l_last)
    lost_index = np.flatnonzero(lost)
    lost_cell = np.fromiter(
        (cell_code(*post_cell[post[i]], absences[i][3]) for i in lost_index),
        dtype=np.int64,
        count=len(lost_index),
    )
    moved = records.moved
    moved_cell = np.fromiter((cell_code(*m[2:6]) for m in moved), dtype=np.int64, count=len(moved))
    first = np.concatenate(
        [a_first[in_post], l_first[lost_index], np.array([m[0] for m in moved], dtype=np.int64)]
    )
    last = np.concatenate(
        [a_last[in_post], l_last[lost_index], np.array([m[1] for m in moved], dtype=np.int64)]
    )
    cell = np.concatenate([in_post_cell[in_post], lost_cell, moved_cell])
    lost_e4 = np.concatenate(
        [
            np.zeros(int(in_post.sum()), dtype=np.int64),
            post_fte[post[lost_index]],
            np.array([int(m[6]) for m in moved], dtype=np.int64),
        ]
    )
    available_e4 = np.concatenate(
        [
            post_fte[in_post],
            np.zeros(len(lost_index), dtype=np.int64),
            np.array([int(m[7]) for m in moved], dtype=np.int64),
        ]
    )
    # Each span meets the months from the one holding its first day to the one holding its last.
    n_months = len(month_numbers)
    month_from = np.searchsorted(lasts, first, side="left")
    month_to = np.searchsorted(lasts, last, side="left")
    runs = month_to - month_from + 1
    span_index = np.repeat(np.arange(len(first)), runs)
    k = month_from[span_index] + (np.arange(int(runs.sum())) - np.repeat(np.cumsum(runs) - runs, runs))
    days = np.minimum(last[span_index], lasts[k]) - np.maximum(first[span_index], firsts[k]) + 1
    keys, where = np.unique(cell[span_index] * n_months + k, return_inverse=True)
    lost_sum = np.zeros(len(keys), dtype=np.int64)
    available_sum = np.zeros(len(keys), dtype=np.int64)
    np.add.at(lost_sum, where, lost_e4[span_index] * days)
    np.add.at(available_sum, where, available_e4[span_index] * days)
    names = list(cells)
    rows = []
    for key, lost_days, available_days in zip(
        keys.tolist(), lost_sum.tolist(), available_sum.tolist(), strict=True
    ):
        if not (lost_days or available_days):
            continue
        trust, staff_group, band, reason = names[key // n_months]
        rows.append(
            {
                "month": month_numbers[key % n_months],
                "trust_id": trust,
                "staff_group": staff_group,
                "band": band,
                "reason_code": reason,
                "fte_days_lost_e4": lost_days,
                "fte_days_available_e4": available_days,
            }
        )
    return rows
