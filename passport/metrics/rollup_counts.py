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

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from passport.metrics.arrays import positions
from passport.metrics.cell_columns import CellColumns
from passport.metrics.queries import Period, month_last_day, month_of, to_day_number
from passport.metrics.sickness import LONG_TERM_DAYS

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
        person, trust, group, band, start, end, fte = _columns(rows, 7)
        group_code, group_names = _codes(group)
        band_code, band_names = _codes(band)
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


def _codes(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Integer codes for hashable values, and the values in code order."""
    found: dict[Any, int] = {value: code for code, value in enumerate(dict.fromkeys(values))}
    return np.fromiter(map(found.__getitem__, values), dtype=np.int64, count=len(values)), list(found)


def _sums(index: np.ndarray, size: int, weight: np.ndarray | None = None) -> np.ndarray:
    """Per slot 0..size-1, the number of times ``index`` names it, or the sum of its ``weight``s: exact
    integers (bincount sums in float64, exact while every sum stays below 2**53; the largest here, a
    month's FTE days of all NHS England in ten-thousandths, is about 1.5e6 * 31 * 1e4 = 5e11)."""
    return np.rint(np.bincount(index, weights=weight, minlength=size)).astype(np.int64)


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
    width = len(days) + 1
    w = np.ones(len(start), dtype=np.int64) if weight is None else weight
    diff = _sums(np.concatenate([row * width + first, row * width + after]), rows * width, np.r_[w, -w])
    return np.cumsum(diff.reshape(rows, width), axis=1)[:, :-1]


def count_retention_rows(posts: Posts, trust_ids: Sequence[int], covered: Period) -> list[dict[str, Any]]:
    """Every row of the retention roll-up for ``covered`` (the same rows as counting each breakdown with
    passport.metrics.retention): each trust by itself, the partnership, and the partnership trust by trust,
    each in total, by staff group, by band and by both."""
    months = list(range(covered.first_month, covered.last_month + 1))
    firsts = np.array([to_day_number(month_of(m)) for m in months], dtype=np.int64)
    lasts = np.array([to_day_number(month_last_day(m)) for m in months], dtype=np.int64)
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
    # ending where her spell at the level ends is a leave.
    level_person, level_start, level_end, level_spell = merged_spells(person_code, start, end, gap=1)
    leaves = (end != OPEN) & (end == level_end[level_spell])
    n_months = len(months)
    # Each post's trust, staff group and band as small integers, so that a grouping's cells are found
    # by one np.unique over a combined code instead of a tuple per post.
    trust_code, trust_names = _codes(posts.trust[index].tolist())
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
        leave_month = np.searchsorted(lasts, end[leave_index], side="left")
        size = n_cells * n_months
        leavers_fte = _sums(cell[leave_index] * n_months + leave_month, size, fte[leave_index])
        leavers_fte = leavers_fte.reshape(n_cells, n_months)
        # One leave per person, day and cell (posts of hers ending together are one leave): each event
        # as one integer (cell, person, day within the months covered) so that one flat np.unique finds them.
        period_days = int(lasts[-1] - firsts[0]) + 1
        event = (cell[leave_index] * len(people) + person_code[leave_index]) * period_days + (
            end[leave_index] - firsts[0]
        )
        event = np.unique(event)
        event_cell = event // (len(people) * period_days)
        event_month = np.searchsorted(lasts, event % period_days + firsts[0], side="left")
        leavers = _sums(event_cell * n_months + event_month, size).reshape(n_cells, n_months)
        # Stability: for each window's first month k (ending with month k + 11), the people in the cell on
        # its first day who are in post at the level on its last day. A cell spell of hers covers the first
        # days of a run of months; she is still in post where the window's end falls in one of her spells
        # at the level. Each (cell spell, level spell) of hers gives a run of window ends, added to a
        # running sum as a start and a stop: a few entries a person, not one for every month.
        window = WINDOW_MONTHS - 1
        k_from = np.searchsorted(firsts, spell_start, side="left")
        k_to = np.minimum(np.searchsorted(firsts, spell_end, side="right"), n_months - window)
        level_first = np.searchsorted(level_person, spell_person, side="left")
        level_count = np.searchsorted(level_person, spell_person, side="right") - level_first
        pair_spell = np.repeat(np.arange(len(spell_start)), level_count)
        pair_level = level_first[pair_spell] + (
            np.arange(int(level_count.sum())) - np.repeat(np.cumsum(level_count) - level_count, level_count)
        )
        ends_from = np.maximum(
            k_from[pair_spell] + window, np.searchsorted(lasts, level_start[pair_level], side="left")
        )
        ends_to = np.minimum(
            k_to[pair_spell] + window, np.searchsorted(lasts, level_end[pair_level], side="right")
        )
        run = np.flatnonzero(ends_from < ends_to)
        run_cell = spell_cell[pair_spell[run]]
        stride = n_months + 1
        running = _sums(
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


@dataclass(frozen=True)
class SicknessAbsences:
    """Sickness absences as columns, as the database gives them (days are numbers since 1970-01-01): the
    post's id, first and last day (OPEN while it goes on), and the reason as a code into
    ``reason_names``. Columns rather than rows: a refresh keeps them to count the roll-up and then the
    dashboards' reasons from one read (a million rows are about 25 MB as arrays, ten times that as
    tuples)."""

    post: np.ndarray
    first: np.ndarray
    last: np.ndarray
    reason: np.ndarray
    reason_names: list[Any]

    @classmethod
    def from_rows(cls, rows: Sequence[Any]) -> SicknessAbsences:
        """From rows of (post id, first day, last day or OPEN, reason)."""
        post, first, last, reason = _columns(rows, 4)
        codes, names = _codes(reason)
        as_array = functools.partial(np.array, dtype=np.int64)
        return cls(as_array(post), as_array(first), as_array(last), codes, names)

    def overlapping(self, first_day: int, last_day: int) -> np.ndarray:
        """Which absences meet the days first_day to last_day (a mask)."""
        return (self.first <= last_day) & (self.last >= first_day)


# The sickness roll-up's terms (passport.metrics.models.SicknessRollup): None for days in post; "open" for
# the days, in the month it began, of an episode still open and no more than 28 days old at that month's
# end (short-term if the period counted ends with that month, long-term if it runs on past it).
SHORT, LONG, OPEN_TERM = "short", "long", "open"
TERM_NAMES: tuple[str | None, ...] = (None, SHORT, LONG, OPEN_TERM)


@dataclass(frozen=True)
class SicknessRecords:
    """What the sickness roll-up is counted from, as the database gives them (days are numbers since
    1970-01-01, an open end is OPEN): her own posts (id, trust, staff group, band, first and last day,
    FTE in ten-thousandths), the sickness absences, and the spans of sickness recorded on secondee
    assignments, already moved onto her own posts (passport.metrics.sickness: first, last, trust, staff
    group, band, reason, lost_e4, available_e4, the absence's own first and last day (None while open),
    the span's sign; few)."""

    posts: Sequence[Any]
    absences: SicknessAbsences
    moved: Sequence[Any]
    # ``posts`` as columns, when the caller has made them (``PostColumns.of``).
    post_columns: PostColumns | None = None


@dataclass(frozen=True)
class PostColumns:
    """Her own posts (SicknessRecords.posts) as columns: ids, first and last days (OPEN while open),
    FTE in ten-thousandths, and each post's (trust, staff group, band) as a code into ``cell_names``."""

    post_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    fte: np.ndarray
    cell: np.ndarray
    cell_names: list[tuple[Any, ...]]

    @classmethod
    def of(cls, posts: Sequence[Any]) -> PostColumns:
        post_id, trust, group, band, start, end, fte = _columns(posts, 7)
        cell, cell_names = _codes(list(zip(trust, group, band, strict=True)))
        as_array = functools.partial(np.array, dtype=np.int64)
        return cls(
            as_array(post_id), as_array(start), _days(end), as_array([int(v) for v in fte]), cell, cell_names
        )


def _columns(rows: Sequence[Any], width: int) -> list[list[Any]]:
    """``rows`` turned into ``width`` columns (a list comprehension per column: several times faster than
    ``zip(*rows)`` over a million rows)."""
    return [[row[i] for row in rows] for i in range(width)]


def _days(values: Sequence[Any]) -> np.ndarray:
    return np.array([OPEN if day is None else day for day in values], dtype=np.int64)


def _terms(
    first: np.ndarray,
    last: np.ndarray,
    episode_first: np.ndarray,
    episode_last: np.ndarray,
    started: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Spans of days lost (``first`` to ``last``, clipped) of episodes (``episode_first`` to
    ``episode_last``, OPEN while open), each starting its episode or not (``started``: 0 or the span's
    sign), with their term codes (indexes into TERM_NAMES): (span index, first, last, term, started).
    A closed episode's term is its length's. An open one's days in the month it began are "open" while it
    is 28 days old or less at that month's end (so a span there is cut in two at it), long otherwise."""
    closed = episode_last != OPEN
    first_month_end = (
        (episode_first.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    ).astype(np.int64)
    young = ~closed & (first_month_end - episode_first + 1 <= LONG_TERM_DAYS)
    long_code, short_code, open_code = (
        TERM_NAMES.index(LONG),
        TERM_NAMES.index(SHORT),
        TERM_NAMES.index(OPEN_TERM),
    )
    term = np.where(closed & (episode_last - episode_first + 1 <= LONG_TERM_DAYS), short_code, long_code)
    whole = np.flatnonzero(~young)
    cut = np.flatnonzero(young)
    head_last = np.minimum(last[cut], first_month_end[cut])
    tail_first = np.maximum(first[cut], first_month_end[cut] + 1)
    head = cut[first[cut] <= head_last]
    tail = cut[tail_first <= last[cut]]
    return (
        np.concatenate([whole, head, tail]),
        np.concatenate([first[whole], first[head], tail_first[tail_first <= last[cut]]]),
        np.concatenate([last[whole], head_last[first[cut] <= head_last], last[tail]]),
        np.concatenate([term[whole], np.full(len(head), open_code), np.full(len(tail), long_code)]),
        np.concatenate([started[whole], started[head], np.zeros(len(tail), dtype=np.int64)]),
    )


def count_sickness_cells(records: SicknessRecords, covered: Period) -> CellColumns:
    """The sickness roll-up's rows, as columns: every post's days in post and every sickness absence's days
    lost on a post of her own, each clipped to the months covered (an absence also to its post), split into
    the months it meets and summed per month, trust, staff group, band, reason (none for days in post) and
    term (``_terms``); with the episodes starting in each month (a span that begins on its episode's first day
    starts it)."""
    month_numbers = list(range(covered.first_month, covered.last_month + 1))
    period_first = to_day_number(month_of(covered.first_month))
    period_last = to_day_number(month_last_day(covered.last_month))
    posts = records.post_columns or PostColumns.of(records.posts)
    absences = records.absences
    (
        moved_first,
        moved_last,
        moved_trust,
        moved_group,
        moved_band,
        moved_reason,
        moved_lost,
        moved_available,
        moved_episode_first,
        moved_episode_last,
        moved_sign,
    ) = _columns(records.moved, 11)
    # A cell is (trust, staff group, band) and a reason (code 0: none, days in post), as one integer: the
    # posts' cells, then any only the moved spans name.
    cell_names = list(posts.cell_names)
    known_cells = {name: code for code, name in enumerate(cell_names)}
    for name in zip(moved_trust, moved_group, moved_band, strict=True):
        if name not in known_cells:
            known_cells[name] = len(cell_names)
            cell_names.append(name)
    moved_cell_code = np.array(
        [known_cells[name] for name in zip(moved_trust, moved_group, moved_band, strict=True)], dtype=np.int64
    )
    # Reasons numbered as the absences number them, then any only the moved spans name.
    reason_names = list(absences.reason_names)
    known = {name: code for code, name in enumerate(reason_names)}
    for name in moved_reason:
        if name not in known:
            known[name] = len(reason_names)
            reason_names.append(name)
    moved_reason_code = np.array([known[name] for name in moved_reason], dtype=np.int64)
    reason_code = np.concatenate([absences.reason, moved_reason_code]) + 1
    reasons = len(reason_names) + 1
    n_posts, n_absences = len(posts.post_id), len(absences.post)
    post_cell = posts.cell * reasons
    moved_cell = moved_cell_code * reasons + reason_code[n_absences:]
    post_ids, starts, ends, fte = posts.post_id, posts.start, posts.end, posts.fte
    # Days in post.
    a_first = np.maximum(starts, period_first)
    a_last = np.minimum(ends, period_last)
    in_post = np.flatnonzero(a_first <= a_last)
    # Days lost, each absence on its post; absences on posts not here (bank, a secondee's) are left out.
    post, on_own_post = positions(post_ids, absences.post)
    l_first = np.maximum(absences.first, period_first)
    l_last = np.minimum(absences.last, period_last)
    if n_posts:
        l_first, l_last = np.maximum(l_first, starts[post]), np.minimum(l_last, ends[post])
    lost = np.flatnonzero(on_own_post & (l_first <= l_last))
    # Days lost (on her posts, then moved from secondee assignments) with their terms: a span of an open
    # episode may be cut in two (``_terms``), so each piece names the span it came from.
    as_array = functools.partial(np.array, dtype=np.int64)
    moved_episode_first = as_array(moved_episode_first)
    moved_first_days = as_array(moved_first)
    moved_started = (moved_first_days == moved_episode_first) * as_array(moved_sign)
    source, lost_first, lost_last, lost_term, started = _terms(
        np.concatenate([l_first[lost], moved_first_days]),
        np.concatenate([l_last[lost], as_array(moved_last)]),
        np.concatenate([absences.first[lost], moved_episode_first]),
        np.concatenate([absences.last[lost], _days(moved_episode_last)]),
        np.concatenate([(l_first[lost] == absences.first[lost]).astype(np.int64), moved_started]),
    )
    lost_cell = np.concatenate([post_cell[post[lost]] + reason_code[:n_absences][lost], moved_cell])
    lost_weight = np.concatenate([fte[post[lost]], as_array([int(v) for v in moved_lost])])
    terms = len(TERM_NAMES)
    first = np.concatenate([a_first[in_post], lost_first])
    last = np.concatenate([a_last[in_post], lost_last])
    cell = np.concatenate([post_cell[in_post] * terms, lost_cell[source] * terms + lost_term])
    zeros = np.zeros(len(in_post), dtype=np.int64)
    lost_e4 = np.concatenate([zeros, lost_weight[source]])
    available_e4 = np.concatenate([fte[in_post], np.zeros(len(source), dtype=np.int64)])
    # Sum per used cell and month: the cells used, numbered densely through a table of every possible
    # code (no sort of the million spans).
    used = np.zeros(len(cell_names) * reasons * terms, dtype=bool)
    used[cell] = True
    used_codes = np.flatnonzero(used)
    dense = (np.cumsum(used) - 1)[cell]
    lost_sum, available_sum = _month_sums(
        dense, len(used_codes), first, last, (lost_e4, available_e4), covered
    )
    # Episodes: each counted once, in the month of the span that starts it (one inside the months).
    starts = np.flatnonzero(started)
    n_months = len(month_numbers)
    start_month = _months_of_days(covered, lost_first[starts])
    episodes = _sums(
        dense[len(in_post) + starts] * n_months + start_month, len(used_codes) * n_months, started[starts]
    ).reshape(len(used_codes), n_months)
    used_index, month = np.nonzero(lost_sum | available_sum | episodes)
    codes = used_codes[used_index]
    cell = codes // (reasons * terms)
    cell_trust = np.array([trust for trust, _group, _band in cell_names], dtype=np.int64)
    group_code, group_names = _codes([group for _trust, group, _band in cell_names])
    band_code, band_names = _codes([band for _trust, _group, band in cell_names])
    # Reason 0 is none (days in post); an absence with no reason is none as well: one code for both.
    reason_code_of, reason_values = _codes([None, *reason_names])
    return CellColumns(
        {
            "month": np.asarray(month_numbers, dtype=np.int64)[month],
            "trust_id": cell_trust[cell],
            "staff_group": group_code[cell],
            "band": band_code[cell],
            "reason_code": reason_code_of[codes // terms % reasons],
            "term": codes % terms,
            "fte_days_lost_e4": lost_sum[used_index, month],
            "fte_days_available_e4": available_sum[used_index, month],
            "episodes": episodes[used_index, month],
        },
        {
            "staff_group": group_names,
            "band": band_names,
            "reason_code": reason_values,
            "term": list(TERM_NAMES),
        },
    )


def count_sickness_rows(records: SicknessRecords, covered: Period) -> list[dict[str, Any]]:
    """``count_sickness_cells`` as rows."""
    return count_sickness_cells(records, covered).rows


def _months_of_days(covered: Period, days: np.ndarray) -> np.ndarray:
    """Each day's month, numbered from 0 for the first month covered; the days lie within the months
    covered. One look-up in a table of the days covered: a binary search among the months' last days
    cost five times as much (a million spans: 20 ms)."""
    months = range(covered.first_month, covered.last_month + 1)
    firsts = np.array([to_day_number(month_of(m)) for m in months], dtype=np.int64)
    lasts = np.array([to_day_number(month_last_day(m)) for m in months], dtype=np.int64)
    month_of_day = np.repeat(np.arange(len(months), dtype=np.int64), lasts - firsts + 1)
    return month_of_day[np.clip(days - firsts[0], 0, len(month_of_day) - 1)]


def _month_sums(
    row: np.ndarray,
    rows: int,
    first: np.ndarray,
    last: np.ndarray,
    weights: Sequence[np.ndarray],
    covered: Period,
) -> list[np.ndarray]:
    """For each weight, a (rows x months covered) array: per row and month, the sum over the spans of
    that row (days ``first`` to ``last``, within the months covered) of weight x the span's days in the
    month. A span adds its first and last months' days directly and, for the whole months between, a
    start and a stop in a running sum: at most four entries a span however many months it lasts (a post
    open for six years is not split into 72 pieces)."""
    months = range(covered.first_month, covered.last_month + 1)
    firsts = np.array([to_day_number(month_of(m)) for m in months], dtype=np.int64)
    lasts = np.array([to_day_number(month_last_day(m)) for m in months], dtype=np.int64)
    n_months, stride = len(months), len(months) + 1
    month_from = _months_of_days(covered, first)
    month_to = _months_of_days(covered, last)
    days_in_first = np.minimum(last, lasts[month_from]) - first + 1
    later = np.flatnonzero(month_to > month_from)
    days_in_last = last[later] - firsts[month_to[later]] + 1
    between = later[month_to[later] - month_from[later] >= 2]
    direct_slot = np.concatenate([row * n_months + month_from, row[later] * n_months + month_to[later]])
    running_slot = np.concatenate(
        [row[between] * stride + month_from[between] + 1, row[between] * stride + month_to[between]]
    )
    sums = []
    for weight in weights:
        direct = _sums(
            direct_slot,
            rows * n_months,
            np.concatenate([weight * days_in_first, weight[later] * days_in_last]),
        )
        running = _sums(running_slot, rows * stride, np.concatenate([weight[between], -weight[between]]))
        whole_months = np.cumsum(running.reshape(rows, stride), axis=1)[:, :-1] * (lasts - firsts + 1)
        sums.append(direct.reshape(rows, n_months) + whole_months)
    return sums
