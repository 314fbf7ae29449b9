"""The retention roll-up counted with numpy from one read of the posts (the sickness roll-up's count is
passport.metrics.sickness_counts).

Counted in one pass over the posts instead of one SQL statement per breakdown
(passport.metrics.retention counts the same figures from the records for any question; this counts every
month and breakdown the roll-up keeps at once, and the tests hold the two equal).

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
from typing import Any

import numpy as np

from passport.metrics.arrays import SortedDays, codes_of, columns_of, exact_sums
from passport.metrics.queries import Period, month_last_day, month_of, to_day_number

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
    """People's own posts as arrays (one element a post): days are numbers since 1970-01-01 (``day_number``),
    an open end is OPEN; staff group and band as codes into ``group_names`` and ``band_names``."""

    person: np.ndarray
    trust: np.ndarray
    group_code: np.ndarray
    band_code: np.ndarray
    group_names: list[Any]
    band_names: list[Any]
    start: np.ndarray
    end: np.ndarray
    fte_e4: np.ndarray

    @classmethod
    def from_rows(cls, rows: Sequence[Any]) -> Posts:
        """``rows`` of (person, trust, staff_group, band, start day, end day or None, fte_e4)."""
        person, trust, group, band, start, end, fte = columns_of(rows, 7)
        group_code, group_names = codes_of(group)
        band_code, band_names = codes_of(band)
        return cls(
            person=np.array(person, dtype=np.int64),
            trust=np.array(trust, dtype=np.int64),
            group_code=group_code,
            band_code=band_code,
            group_names=group_names,
            band_names=band_names,
            start=np.array(start, dtype=np.int64),
            end=np.array([OPEN if day is None else day for day in end], dtype=np.int64),
            fte_e4=np.array([int(value) for value in fte], dtype=np.int64),
        )


def merged_spells(group: np.ndarray, start: np.ndarray, end: np.ndarray, gap: int) -> tuple[np.ndarray, ...]:
    """Merge the intervals of each group that overlap (gap 0) or also touch (gap 1): answers, for every
    merged spell, its group, start and end, and for every interval the index of its spell."""
    order = _by_group_and_start(group, start)
    g, s, e = group[order], start[order], end[order]
    # The running maximum of the ends within each group (shifting each group above the one before it
    # lets one cumulative maximum serve every group): an interval starts a new spell when it begins after
    # the spell so far has ended (with ``gap``), or begins a new group.
    shift = g * _GROUP_STRIDE
    running = np.maximum.accumulate(e + shift) - shift
    same_group = np.r_[False, g[1:] == g[:-1]]
    new_spell = ~same_group | (s > np.r_[0, running[:-1]] + gap)
    spell_of_sorted = np.cumsum(new_spell) - 1
    # A spell's end is the running maximum at its last interval: the group's spells before it ended
    # before it began.
    spell_end = running[np.r_[new_spell[1:], True]] if len(g) else running
    spell_of = np.empty(len(g), dtype=np.int64)
    spell_of[order] = spell_of_sorted
    return g[new_spell], s[new_spell], spell_end, spell_of


def _by_group_and_start(group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The order of intervals by group (small codes, as ``merged_spells`` takes), then start: one sort of
    a combined key, a fraction of the cost of a lexsort of the two."""
    if not len(group):
        return np.arange(0, dtype=np.int64)
    low = int(start.min())
    return np.argsort(group * (int(start.max()) - low + 1) + (start - low))


def _covering(
    days: SortedDays,
    start: np.ndarray,
    end: np.ndarray,
    row: np.ndarray,
    rows: int,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """A (rows x days) array: per row, the number (or the summed weight) of intervals covering each day
    of ``days`` (sorted)."""
    first = days.search(start, side="left")
    after = days.search(end, side="right")
    width = len(days) + 1
    w = np.ones(len(start), dtype=np.int64) if weight is None else weight
    diff = exact_sums(np.concatenate([row * width + first, row * width + after]), rows * width, np.r_[w, -w])
    return np.cumsum(diff.reshape(rows, width), axis=1)[:, :-1]


def month_days(covered: Period) -> tuple[SortedDays, SortedDays]:
    """The first and the last day of each month covered, as day numbers."""
    months = range(covered.first_month, covered.last_month + 1)
    return (
        SortedDays(np.array([to_day_number(month_of(m)) for m in months], dtype=np.int64)),
        SortedDays(np.array([to_day_number(month_last_day(m)) for m in months], dtype=np.int64)),
    )


def count_retention_rows(posts: Posts, trust_ids: Sequence[int], covered: Period) -> list[dict[str, Any]]:
    """Every row of the retention roll-up for ``covered`` (the same rows as counting each breakdown with
    passport.metrics.retention): each trust by itself, the partnership, and the partnership trust by trust,
    each in total, by staff group, by band and by both."""
    months = list(range(covered.first_month, covered.last_month + 1))
    firsts, lasts = month_days(covered)
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
    firsts: SortedDays,
    lasts: SortedDays,
    rows: dict[tuple[Any, ...], dict[str, Any]],
) -> None:
    person, start, end, fte = posts.person[index], posts.start[index], posts.end[index], posts.fte_e4[index]
    people, person_code = np.unique(person, return_inverse=True)
    # The level: every post here keeps her in post at it (a trust's, or any partner trust's). A post
    # ending where her spell at the level ends is a leave.
    level_person, level_start, level_end, level_spell = merged_spells(person_code, start, end, gap=1)
    leaves = (end != OPEN) & (end == level_end[level_spell])
    n_months = len(months)
    # Each post's trust, staff group and band as small integers, so that a grouping's cells are found
    # by one np.unique over a combined code instead of a tuple per post.
    trust_code, trust_names = codes_of(posts.trust[index].tolist())
    group_code, group_names = posts.group_code[index], posts.group_names
    band_code, band_names = posts.band_code[index], posts.band_names
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
        spell_pair, spell_start, spell_end, _ = merged_spells(pair, start, end, gap=0)
        spell_cell = spell_pair // len(people)
        spell_person = spell_pair % len(people)
        heads_first = _covering(firsts, spell_start, spell_end, spell_cell, n_cells)
        heads_last = _covering(lasts, spell_start, spell_end, spell_cell, n_cells)
        fte_first = _covering(firsts, start, end, cell, n_cells, fte)
        fte_last = _covering(lasts, start, end, cell, n_cells, fte)
        # Leavers: the (person, day, cell) of posts ending with nothing at the level the next day.
        leave_index = np.flatnonzero(leaves & (end >= firsts[0]) & (end <= lasts[-1]))
        leave_month = lasts.search(end[leave_index], side="left")
        size = n_cells * n_months
        leavers_fte = exact_sums(cell[leave_index] * n_months + leave_month, size, fte[leave_index])
        leavers_fte = leavers_fte.reshape(n_cells, n_months)
        # One leave per person, day and cell (posts of hers ending together are one leave): each event
        # as one integer (cell, person, day within the months covered) so that one flat np.unique finds them.
        period_days = int(lasts[-1] - firsts[0]) + 1
        event = (cell[leave_index] * len(people) + person_code[leave_index]) * period_days + (
            end[leave_index] - firsts[0]
        )
        event = np.unique(event)
        event_cell = event // (len(people) * period_days)
        event_month = lasts.search(event % period_days + firsts[0], side="left")
        leavers = exact_sums(event_cell * n_months + event_month, size).reshape(n_cells, n_months)
        # Stability: for each window's first month k (ending with month k + 11), the people in the cell on
        # its first day who are in post at the level on its last day. A cell spell of hers covers the first
        # days of a run of months; she is still in post where the window's end falls in one of her spells
        # at the level. Each (cell spell, level spell) of hers gives a run of window ends, added to a
        # running sum as a start and a stop: a few entries a person, not one for every month.
        window = WINDOW_MONTHS - 1
        k_from = firsts.search(spell_start, side="left")
        k_to = np.minimum(firsts.search(spell_end, side="right"), n_months - window)
        # Her spells at the level, found by person code (level_person is sorted, and the codes are
        # 0 to people - 1): a count and a first index a person, where a binary search of every cell
        # spell among the level spells took a third of the count.
        spells_of_person = np.bincount(level_person, minlength=len(people))
        level_count = spells_of_person[spell_person]
        level_first = (np.cumsum(spells_of_person) - spells_of_person)[spell_person]
        pair_spell = np.repeat(np.arange(len(spell_start)), level_count)
        pair_level = level_first[pair_spell] + (
            np.arange(int(level_count.sum())) - np.repeat(np.cumsum(level_count) - level_count, level_count)
        )
        ends_from = np.maximum(
            k_from[pair_spell] + window, lasts.search(level_start[pair_level], side="left")
        )
        ends_to = np.minimum(k_to[pair_spell] + window, lasts.search(level_end[pair_level], side="right"))
        run = np.flatnonzero(ends_from < ends_to)
        run_cell = spell_cell[pair_spell[run]]
        stride = n_months + 1
        running = exact_sums(
            np.concatenate([run_cell * stride + ends_from[run], run_cell * stride + ends_to[run]]),
            n_cells * stride,
            np.concatenate([np.ones(len(run)), -np.ones(len(run))]),
        )
        still = np.cumsum(running.reshape(n_cells, stride), axis=1)[:, :-1]
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
