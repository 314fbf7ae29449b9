"""The sickness roll-up counted with numpy from one read of the records: posts and sickness absences as
stored, matched, clipped, split into months and summed per cell (``count_sickness_cells``), which SQL did
with a running sum per cell over every month. The definitions are those of passport.metrics.sickness
(docs/metrics.md); the retention roll-up's count is passport.metrics.rollup_counts.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from passport.metrics.arrays import SortedDays, codes_of, columns_of, exact_sums, positions
from passport.metrics.cell_columns import CellColumns
from passport.metrics.queries import Period
from passport.metrics.rollup_counts import OPEN, month_days
from passport.metrics.sickness import LONG_TERM_DAYS


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
        post, first, last, reason = columns_of(rows, 4)
        codes, names = codes_of(reason)
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
        post_id, trust, group, band, start, end, fte = columns_of(posts, 7)
        cell, cell_names = codes_of(list(zip(trust, group, band, strict=True)))
        as_array = functools.partial(np.array, dtype=np.int64)
        return cls(
            as_array(post_id), as_array(start), _days(end), as_array([int(v) for v in fte]), cell, cell_names
        )


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
    firsts, lasts = month_days(covered)
    period_first, period_last = int(firsts[0]), int(lasts[-1])
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
    ) = columns_of(records.moved, 11)
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
        dense, len(used_codes), first, last, (lost_e4, available_e4), firsts, lasts
    )
    # Episodes: each counted once, in the month of the span that starts it (one inside the months).
    starts = np.flatnonzero(started)
    n_months = len(month_numbers)
    start_month = _months_of_days(lasts, lost_first[starts])
    episodes = exact_sums(
        dense[len(in_post) + starts] * n_months + start_month, len(used_codes) * n_months, started[starts]
    ).reshape(len(used_codes), n_months)
    used_index, month = np.nonzero(lost_sum | available_sum | episodes)
    codes = used_codes[used_index]
    cell = codes // (reasons * terms)
    cell_trust = np.array([trust for trust, _group, _band in cell_names], dtype=np.int64)
    group_code, group_names = codes_of([group for _trust, group, _band in cell_names])
    band_code, band_names = codes_of([band for _trust, _group, band in cell_names])
    # Reason 0 is none (days in post); an absence with no reason is none as well: one code for both.
    reason_code_of, reason_values = codes_of([None, *reason_names])
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


def _months_of_days(lasts: SortedDays, days: np.ndarray) -> np.ndarray:
    """Each day's month, numbered from 0 for the first month covered (``lasts``: their last days); the
    days lie within the months covered. One look-up in a table of the days covered: a binary search among
    the months' last days cost five times as much (a million spans: 20 ms)."""
    return np.minimum(lasts.search(days, side="left"), len(lasts) - 1)


def _month_sums(
    row: np.ndarray,
    rows: int,
    first: np.ndarray,
    last: np.ndarray,
    weights: Sequence[np.ndarray],
    firsts: SortedDays,
    lasts: SortedDays,
) -> list[np.ndarray]:
    """For each weight, a (rows x months covered) array: per row and month, the sum over the spans of
    that row (days ``first`` to ``last``, within the months covered) of weight x the span's days in the
    month. A span adds its first and last months' days directly and, for the whole months between, a
    start and a stop in a running sum: at most four entries a span however many months it lasts (a post
    open for six years is not split into 72 pieces)."""
    n_months, stride = len(lasts), len(lasts) + 1
    days_in_month = lasts.days - firsts.days + 1
    month_from = _months_of_days(lasts, first)
    month_to = _months_of_days(lasts, last)
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
        direct = exact_sums(
            direct_slot,
            rows * n_months,
            np.concatenate([weight * days_in_first, weight[later] * days_in_last]),
        )
        running = exact_sums(running_slot, rows * stride, np.concatenate([weight[between], -weight[between]]))
        whole_months = np.cumsum(running.reshape(rows, stride), axis=1)[:, :-1] * days_in_month
        sums.append(direct.reshape(rows, n_months) + whole_months)
    return sums
