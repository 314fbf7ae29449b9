"""Small-number suppression by people (passport.metrics.disclosure), against a brute-force count.

On random small workforces, every figure that can be asked for (a trust or the partnership; all staff
groups or one; all bands or one; every run of months; and, in the last test, every directorate, ward and
cost centre, each all or one) is decided, and then:
- some figures are shown (the rule does not just hide everything);
- every figure shown is about at least 5 people;
- for every two figures shown where one's posts-and-months hold the other's, the difference is about
  nobody or at least 5 people (counted person by person, without the module's shortcuts).
"""

from __future__ import annotations

from datetime import date
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.metrics.disclosure import MIN_PEOPLE, PeopleInPost, Selection
from passport.metrics.queries import month_index, month_of, to_day_number

BASE = month_index(date(2024, 1, 1))
MONTHS = 4
TRUSTS = (1, 2)
GROUP_CHOICES = (None, frozenset({"A"}), frozenset({"B"}), frozenset({"C"}))
BAND_CHOICES = (None, frozenset({"5"}), frozenset({"6"}))
TRUST_CHOICES = (None, frozenset({1}), frozenset({2}))


def _last_day(month: int) -> int:
    return to_day_number(month_of(month + 1)) - 1


post = st.tuples(
    st.sampled_from(TRUSTS),
    st.sampled_from(("A", "B", "C")),
    st.sampled_from(("5", "6", None)),
    st.integers(-1, MONTHS),  # first month (before the window, in it, or after)
    st.integers(0, MONTHS + 1) | st.none(),  # months it lasts, or open
)
# People come in cohorts of 1 to 7 with the same posts, so that groups of 5 or more (and figures shown)
# are common, and small ones beside them too.
cohort = st.tuples(st.integers(1, 7), st.lists(post, min_size=1, max_size=2))
workforce = st.lists(cohort, min_size=1, max_size=8).map(
    lambda cohorts: [posts for size, posts in cohorts for _ in range(size)]
)


def _rows(people: list[list[tuple]]) -> list[tuple]:
    rows, post_id = [], 0
    for person, posts in enumerate(people, start=1):
        for trust, group, band, first, length in posts:
            post_id += 1
            start = to_day_number(month_of(BASE + first))
            end = None if length is None else _last_day(BASE + first + length)
            rows.append((post_id, trust, group, band, start, end, 10000, person))
    return rows


def _elements(rows: list[tuple], s: Selection) -> frozenset[tuple[int, int]]:
    """(post, month) pairs a selection holds, counted plainly from the rows."""
    held = set()
    for post_id, trust, group, band, start, end, _fte, _person in rows:
        if s.trusts is not None and trust not in s.trusts:
            continue
        if s.groups is not None and group not in s.groups:
            continue
        if s.bands is not None and band not in s.bands:
            continue
        for month in range(s.first_month, s.last_month + 1):
            if start <= _last_day(month) and (end is None or end >= to_day_number(month_of(month))):
                held.add((post_id, month))
    return frozenset(held)


def _all_selections() -> list[Selection]:
    periods = [(a, b) for a in range(MONTHS) for b in range(a, MONTHS)]
    return [
        Selection(t, g, b, BASE + first, BASE + last)
        for t, g, b, (first, last) in product(TRUST_CHOICES, GROUP_CHOICES, BAND_CHOICES, periods)
    ]


SELECTIONS = _all_selections()


def _check_every_pair(people: list[list[tuple]], grid_first: int, grid_last: int) -> None:
    rows = _rows(people)
    owner = {row[0]: row[7] for row in rows}
    grid = PeopleInPost(rows, TRUSTS, grid_first, grid_last)
    shown = {}
    for s in SELECTIONS:
        if grid.shown(s):
            shown[s] = _elements(rows, s)
    if grid.people(Selection(None, None, None, BASE, BASE + MONTHS - 1)) >= 40:
        assert shown, "a workforce of 40 or more shows at least its total"
    for s, held in shown.items():
        assert len({owner[p] for p, _ in held}) >= MIN_PEOPLE, s
    for (s1, big), (s2, small) in product(shown.items(), repeat=2):
        if s1 != s2 and small < big:
            difference = {owner[p] for p, _ in big - small}
            assert not 0 < len(difference) < MIN_PEOPLE, (s1, s2, sorted(difference))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workforce)
def test_no_shown_figure_or_difference_of_two_is_about_fewer_than_five_people(people):
    _check_every_pair(people, BASE, BASE + MONTHS - 1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workforce)
def test_the_same_when_months_fall_outside_the_grid(people):
    # The grid covers only the months around the second: most questions are answered from the posts.
    _check_every_pair(people, BASE + 1, BASE + 1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workforce)
def test_a_grid_over_more_months_decides_every_figure_as_the_periods_own_would(people):
    # A refresh keeps one grid over all its dashboards' periods (passport.metrics.disclosure.people_in_post).
    rows = _rows(people)
    own = PeopleInPost(rows, TRUSTS, BASE + 1, BASE + 2)
    wider = PeopleInPost(rows, TRUSTS, BASE - 3, BASE + MONTHS + 2)
    assert [wider.shown(s) for s in SELECTIONS] == [own.shown(s) for s in SELECTIONS]


@settings(max_examples=40, deadline=None)
@given(workforce)
def test_people_counts_distinct_staff_members(people):
    rows = _rows(people)
    owner = {row[0]: row[7] for row in rows}
    grid = PeopleInPost(rows, TRUSTS, BASE, BASE + MONTHS - 1)
    for s in SELECTIONS[::7]:
        assert grid.people(s) == len({owner[p] for p, _ in _elements(rows, s)})


def _staff(count: int, trust: int, group: str, band: str | None, first: int = 1) -> list[tuple]:
    """``count`` people with one open post each from month ``first`` of 2024."""
    return [[(trust, group, band, first - 1, None)] for _ in range(count)]


def test_a_large_group_is_shown_and_a_small_one_is_not():
    rows = _rows(_staff(40, 1, "A", "5") + _staff(1, 1, "A", "6"))
    grid = PeopleInPost(rows, TRUSTS, BASE, BASE + 2)
    march = (BASE + 2, BASE + 2)
    assert grid.shown(Selection(frozenset({1}), None, frozenset({"5"}), *march)) is False  # 40 + 1 = all
    assert grid.shown(Selection(frozenset({1}), None, frozenset({"6"}), *march)) is False  # one person
    assert grid.shown(Selection(frozenset({1}), None, None, *march)) is True


def test_the_complement_of_a_small_group_is_hidden_only_when_the_total_differs_by_it():
    # 40 at band 5, 3 at band 6 and 30 at band 7: band 5 plus band 6 is not askable, so band 5 is safe
    # against "all bands" only if bands 6 and 7 together hold 5 or more (they do).
    rows = _rows(_staff(40, 1, "A", "5") + _staff(3, 1, "A", "6") + _staff(30, 1, "A", "7"))
    grid = PeopleInPost(rows, TRUSTS, BASE, BASE + 2)
    month = (BASE + 1, BASE + 1)
    assert grid.shown(Selection(frozenset({1}), None, frozenset({"5"}), *month)) is True
    assert grid.shown(Selection(frozenset({1}), None, frozenset({"6"}), *month)) is False


def test_a_trust_is_hidden_when_the_partnership_differs_from_it_by_a_few_people():
    rows = _rows(_staff(40, 1, "A", "5") + _staff(2, 2, "A", "5"))
    grid = PeopleInPost(rows, TRUSTS, BASE, BASE + 2)
    month = (BASE + 1, BASE + 1)
    assert grid.shown(Selection(None, None, None, *month)) is True
    assert grid.shown(Selection(frozenset({1}), None, None, *month)) is False  # partnership - 1 = trust 2
    assert grid.shown(Selection(frozenset({2}), None, None, *month)) is False


def test_a_run_of_months_next_to_a_few_people_is_hidden():
    # Staff group B: 6 people in January and February 2024, then 2 others from March. Lengthening
    # "January to February" by March adds just those 2, so it is hidden; January alone is next to
    # February's 6 and is shown; March's 2 are too few on their own.
    rows = _rows(
        _staff(40, 1, "A", "5")
        + [[(1, "B", "5", 0, 1)] for _ in range(6)]
        + [[(1, "B", "5", 2, None)] for _ in range(2)]
    )
    grid = PeopleInPost(rows, TRUSTS, BASE, BASE + 3)
    group_b = (frozenset({1}), frozenset({"B"}), None)
    assert grid.shown(Selection(*group_b, BASE, BASE)) is True
    assert grid.shown(Selection(*group_b, BASE, BASE + 1)) is False
    assert grid.shown(Selection(*group_b, BASE + 2, BASE + 2)) is False
    assert grid.people(Selection(*group_b, BASE, BASE + 3)) == 8


# --- Places inside a trust: directorate, ward, cost centre ------------------------------------------------
# Ward W1 lies in two directorates: a ward is asked for on its own as well as inside its directorate.
PLACES = (
    ("D1", "W1", "C1"),
    ("D1", "W1", "C2"),
    ("D1", "W2", "C3"),
    ("D2", "W3", "C4"),
    ("D2", "W1", "C5"),
    (None, None, None),
)
placed_post = st.tuples(
    st.sampled_from(TRUSTS),
    st.just("A"),
    st.just("5"),
    st.integers(-1, MONTHS),
    st.integers(0, MONTHS + 1) | st.none(),
    st.sampled_from(PLACES),
)
placed_workforce = st.lists(
    st.tuples(st.integers(1, 7), st.lists(placed_post, min_size=1, max_size=2)), min_size=1, max_size=10
).map(lambda cohorts: [posts for size, posts in cohorts for _ in range(size)])


def _placed_rows(people: list[list[tuple]]) -> list[tuple]:
    """Rows as disclosure.placed_posts reads them: a post's columns, then its place."""
    rows = []
    for person, posts in enumerate(people, start=1):
        for trust, group, band, first, length, place in posts:
            start = to_day_number(month_of(BASE + first))
            end = None if length is None else _last_day(BASE + first + length)
            rows.append((len(rows) + 1, trust, group, band, start, end, 10000, person, *place))
    return rows


def _placed_elements(rows: list[tuple], s: Selection) -> frozenset[tuple[int, int]]:
    """(post, month) pairs a selection holds, its place included, counted plainly from the rows."""
    chosen = (s.directorates, s.wards, s.cost_centres)
    inside = [
        row[:8] for row in rows if all(c is None or v in c for c, v in zip(chosen, row[8:], strict=True))
    ]
    return _elements(inside, s)


def _place_selections() -> list[Selection]:
    def choices(level: int) -> list[frozenset[str] | None]:
        return [None, *(frozenset([name]) for name in sorted({p[level] for p in PLACES} - {None}))]

    periods = [(0, MONTHS - 1), *((m, m) for m in range(MONTHS))]
    return [
        Selection(t, None, None, BASE + first, BASE + last, d, w, c)
        for t, d, w, c, (first, last) in product(
            (None, frozenset({1})), choices(0), choices(1), choices(2), periods
        )
    ]


PLACE_SELECTIONS = _place_selections()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(placed_workforce)
def test_no_figure_of_a_place_or_difference_of_two_is_about_fewer_than_five_people(people):
    rows = _placed_rows(people)
    owner = {row[0]: row[7] for row in rows}
    grid = PeopleInPost(rows, TRUSTS, BASE, BASE + MONTHS - 1)
    shown = {s: _placed_elements(rows, s) for s in PLACE_SELECTIONS if grid.shown(s)}
    for s, held in shown.items():
        assert len({owner[p] for p, _ in held}) >= MIN_PEOPLE, s
        assert grid.people(s) == len({owner[p] for p, _ in held}), s
    for (s1, big), (s2, small) in product(shown.items(), repeat=2):
        if s1 != s2 and small < big:
            difference = {owner[p] for p, _ in big - small}
            assert not 0 < len(difference) < MIN_PEOPLE, (s1, s2, sorted(difference))
