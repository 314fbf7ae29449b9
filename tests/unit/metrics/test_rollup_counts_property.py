"""The retention roll-up's counting (numpy, passport.metrics.rollup_counts) equals the definitions read
day by day, on random posts: concurrent posts in one cell or two, posts ending or starting the same day,
returners, moves between trusts, posts without a band, open posts; every breakdown, grouping and month.

The SQL that counts the same figures from the records for any question (passport.metrics.retention) is
held to the same definitions by test_headcount_property.py and to the roll-up by test_db_rollups.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.metrics.arrays import SortedDays, positions
from passport.metrics.queries import Period, month_index, month_last_day, month_of, to_day_number
from passport.metrics.rollup_counts import (
    ALL,
    GROUPINGS,
    OPEN,
    WINDOW_MONTHS,
    Posts,
    count_retention_rows,
    merged_spells,
)
from passport.metrics.rollups import retention_posts
from passport.metrics.sickness_counts import PostColumns

TRUSTS = (1, 2, 3)
ORIGIN = date(2023, 12, 1)
COVERED = Period(month_index(date(2024, 1, 1)), month_index(date(2025, 2, 1)))  # 14 months: 3 windows
# Spans on month boundaries as often as anywhere: posts then often touch (one starting the day after
# another ends), share a day, start or end together, and start or end on the days counted (months' first
# and last days), where the definitions are sharpest.
MONTH_STARTS = [(month_of(m) - ORIGIN).days for m in range(month_index(ORIGIN), COVERED.last_month + 2)]


def _grid_span(first: int, months: int | None, nudge_start: int, nudge_end: int):  # type: ignore[no-untyped-def]
    start = max(0, MONTH_STARTS[first] + nudge_start)
    if months is None:
        return start, None
    end = MONTH_STARTS[min(first + months, len(MONTH_STARTS) - 1)] - 1 + nudge_end
    return start, max(0, end - start)


span = st.one_of(
    st.builds(
        _grid_span,
        st.integers(0, len(MONTH_STARTS) - 2),
        st.one_of(st.none(), st.integers(1, 8)),
        st.sampled_from([-1, 0, 1]),
        st.sampled_from([-1, 0, 1]),
    ),
    st.tuples(st.integers(0, 480), st.one_of(st.none(), st.integers(0, 200))),
)
post = st.tuples(
    st.integers(0, 2),  # person
    st.sampled_from(TRUSTS),
    st.sampled_from(["NMR", "AHP"]),
    st.sampled_from(["5", "6", None]),
    span,  # (days after ORIGIN, length - 1 or None: open)
    st.sampled_from([5000, 10000]),
)


def _rows(raw):  # type: ignore[no-untyped-def]
    return [
        (
            person,
            trust,
            group,
            band,
            ORIGIN + timedelta(days=start),
            None if length is None else ORIGIN + timedelta(days=start + length),
            fte,
        )
        for person, trust, group, band, (start, length), fte in raw
    ]


def _covers(p, day) -> bool:  # type: ignore[no-untyped-def]
    return p[4] <= day and (p[5] is None or p[5] >= day)


def expected_rows(posts):  # type: ignore[no-untyped-def]
    rows = {}
    months = range(COVERED.first_month, COVERED.last_month + 1)
    breakdowns = [("trust", t, (t,), False) for t in TRUSTS] + [
        ("partnership", None, TRUSTS, False),
        ("partnership", None, TRUSTS, True),
    ]
    for level, level_trust, trusts, by_trust in breakdowns:
        scope = [p for p in posts if p[1] in trusts]

        def in_level(person, day, scope=scope) -> bool:  # type: ignore[no-untyped-def]
            return any(p[0] == person and _covers(p, day) for p in scope)

        for grouping in GROUPINGS:

            def cell(p, grouping=grouping, by_trust=by_trust, level_trust=level_trust):  # type: ignore[no-untyped-def]
                return (
                    (p[1] if by_trust else level_trust),
                    p[2] if "staff_group" in grouping else ALL,
                    p[3] if "band" in grouping else ALL,
                )

            for key in {cell(p) for p in scope}:
                mine = [p for p in scope if cell(p) == key]
                for month in months:
                    first, last = month_of(month), month_last_day(month)
                    ending = [
                        p
                        for p in mine
                        if p[5] is not None
                        and first <= p[5] <= last
                        and not in_level(p[0], p[5] + timedelta(days=1))
                    ]
                    figures = {
                        "leavers": len({(p[0], p[5]) for p in ending}),
                        "leavers_fte_e4": sum(p[6] for p in ending),
                        "start_headcount": len({p[0] for p in mine if _covers(p, first)}),
                        "start_fte_e4": sum(p[6] for p in mine if _covers(p, first)),
                        "end_headcount": len({p[0] for p in mine if _covers(p, last)}),
                        "end_fte_e4": sum(p[6] for p in mine if _covers(p, last)),
                        "stability_start_headcount": 0,
                        "stability_still_in_post": 0,
                    }
                    if month - COVERED.first_month >= WINDOW_MONTHS - 1:
                        window_first = month_of(month - WINDOW_MONTHS + 1)
                        cohort = {p[0] for p in mine if _covers(p, window_first)}
                        figures["stability_start_headcount"] = len(cohort)
                        figures["stability_still_in_post"] = sum(in_level(x, last) for x in cohort)
                    if any(
                        figures[name]
                        for name in (
                            "leavers",
                            "start_headcount",
                            "end_headcount",
                            "stability_start_headcount",
                        )
                    ):
                        rows[(level, *key, month)] = figures
    return rows


@settings(max_examples=400, deadline=None)
@given(st.lists(post, max_size=12))
def test_the_roll_up_rows_equal_the_definitions_read_day_by_day(raw):  # type: ignore[no-untyped-def]
    posts = _rows(raw)
    as_stored = [
        (*p[:4], to_day_number(p[4]), None if p[5] is None else to_day_number(p[5]), p[6]) for p in posts
    ]
    counted = count_retention_rows(Posts.from_rows(as_stored), TRUSTS, COVERED) if posts else []
    # A full recount makes the posts from the sickness count's columns of them: the same rows.
    own = [(number, *post[1:], post[0]) for number, post in enumerate(as_stored)]  # as own_posts reads them
    from_columns = retention_posts(own, PostColumns.of(own))
    recounted = count_retention_rows(from_columns, TRUSTS, COVERED) if from_columns else []
    assert sorted(map(repr, recounted)) == sorted(map(repr, counted))
    got = {
        (row["level"], row["trust_id"], row["staff_group"], row["band"], row["month"]): {
            name: value
            for name, value in row.items()
            if name not in ("level", "trust_id", "staff_group", "band", "month")
        }
        for row in counted
    }
    assert got == expected_rows(posts)


@given(
    st.lists(st.integers(0, 10**12), unique=True, max_size=30),
    st.lists(st.integers(0, 10**12), max_size=30),
    st.integers(0, 60),
)
def test_positions_find_each_id_where_it_is(ids, others, dense_below):  # type: ignore[no-untyped-def]
    """Ids found by the table of ids (small, dense ids) or by binary search (large, sparse ones)."""
    ids = [i % dense_below for i in ids] if dense_below else ids
    ids = list(dict.fromkeys(ids))
    wanted = [*ids[::2], *(o % dense_below if dense_below else o for o in others)]
    position, found = positions(np.array(ids, dtype=np.int64), np.array(wanted, dtype=np.int64))
    where = {value: index for index, value in enumerate(ids)}
    assert found.tolist() == [value in where for value in wanted]
    assert [p for p, f in zip(position.tolist(), found.tolist(), strict=True) if f] == [
        where[value] for value in wanted if value in where
    ]


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(-400, 400), st.integers(0, 60)), max_size=25),
    st.sampled_from([1, 10**6]),  # group codes next to each other, or far apart
    st.sampled_from([0, 1]),
)
def test_intervals_merge_per_group_into_spells(intervals, scale, gap):  # type: ignore[no-untyped-def]
    """Overlapping intervals of a group (or, with gap 1, touching ones too) make one spell."""
    group = np.array([g * scale for g, _s, _n in intervals], dtype=np.int64)
    start = np.array([s for _g, s, _n in intervals], dtype=np.int64)
    end = start + np.array([n for _g, _s, n in intervals], dtype=np.int64)
    spell_group, spell_start, spell_end, spell_of = merged_spells(group, start, end, gap)
    expected = []  # (group, start, end) of each spell, by group and start
    for g, s, e in sorted(zip(group.tolist(), start.tolist(), end.tolist(), strict=True)):
        if expected and expected[-1][0] == g and s <= expected[-1][2] + gap:
            expected[-1][2] = max(expected[-1][2], e)
        else:
            expected.append([g, s, e])
    assert [
        list(spell)
        for spell in zip(spell_group.tolist(), spell_start.tolist(), spell_end.tolist(), strict=True)
    ] == expected
    for i in range(len(intervals)):
        spell = spell_of[i]
        assert spell_group[spell] == group[i] and spell_start[spell] <= start[i] <= end[i] <= spell_end[spell]


@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=8).map(sorted),
    st.lists(st.integers(-80, 80) | st.just(OPEN), max_size=30),
)
def test_sorted_days_answer_as_a_binary_search(days, values):  # type: ignore[no-untyped-def]
    """The table of days answers every day (those before, between, on and after the sorted days, and an
    open end) as np.searchsorted does, on either side."""
    sorted_days = SortedDays(np.array(days, dtype=np.int64))
    wanted = np.array(values, dtype=np.int64)
    for side in ("left", "right"):
        expected = np.searchsorted(np.array(days), wanted, side=side)  # type: ignore[call-overload]
        assert sorted_days.search(wanted, side=side).tolist() == expected.tolist()
