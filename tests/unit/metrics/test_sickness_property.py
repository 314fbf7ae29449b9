"""The SQL sickness figures equal a plain day-by-day Python reading of the definition, on random data.

People hold own posts (employee or bank, at either trust, with gaps: returners and movers) and at most
one secondment, a secondee assignment at either trust, ended early or running on (secondments never
overlap). Sickness is recorded on any of them, on the secondee assignment sometimes over the same days
as on her own post. The definition: only her own posts count; a day she is sick on the secondee
assignment counts on each own post covering it, once however many records say so.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.metrics.queries import month_index, month_last_day, month_of
from passport.metrics.rollups import RecordSickness, RollupSickness, rebuild_sickness_rollup
from passport.metrics.sickness import LONG_TERM_DAYS, sickness_cells

FIRST = date(2023, 11, 1)
LAST = date(2024, 4, 30)  # six months, with February 2024 (29 days)
SPAN = (LAST - FIRST).days
FTES = ["0.4", "0.5", "0.6", "0.8", "1.0", "1.2"]

# Absences of one assignment follow one another (the workforce records refuse overlapping sickness):
# each is (gap after the previous one, length - 1 or open, category); only the last may be open.
absence = st.tuples(
    st.integers(0, 60),
    st.one_of(st.none(), st.integers(0, 70)),
    st.sampled_from(["SICKNESS", "SICKNESS", "ANNUAL_LEAVE"]),
)
post = st.tuples(
    st.booleans(),  # at RPG (else RV5)
    st.integers(-60, SPAN),  # start offset
    st.one_of(st.none(), st.integers(0, 200)),  # length - 1, or open
    st.sampled_from(FTES),
    st.sampled_from(["employee", "employee", "bank"]),
    st.lists(absence, max_size=3),
)
secondment = st.tuples(
    st.booleans(),  # host RPG (else RV5)
    st.integers(-60, SPAN),
    st.one_of(st.none(), st.integers(0, 200)),  # ended (early or as agreed), or still running
    st.sampled_from(FTES),
    st.just("secondee"),
    st.lists(absence, max_size=3),
)
person = st.tuples(st.lists(post, min_size=1, max_size=3), st.one_of(st.none(), secondment))


def _days(first: date, last: date):  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _sick_days(made, absences, last: date) -> set[date]:  # type: ignore[no-untyped-def]
    """Days of the sickness absences that fall inside their assignment (an open one runs to ``last``)."""
    inside = set(_days(made.start_date, made.end_date or last))
    sick: set[date] = set()
    for a in absences:
        if a.category == "SICKNESS":
            sick |= set(_days(a.first_day, a.last_day or last))
    return sick & inside


def reference(people_made, trust_ids: set[int], first: date, last: date):  # type: ignore[no-untyped-def]
    """Straight from the definition: each day of each month, each own post, each absence."""
    figures: dict[int, list[Decimal]] = {}
    for posts in people_made:
        seconded_sick: set[date] = set()
        for made, absences in posts:
            if made.person_type == "secondee":
                seconded_sick |= _sick_days(made, absences, last)
        for made, absences in posts:
            if made.trust_id not in trust_ids or made.person_type in ("bank", "secondee"):
                continue
            fte = Decimal(made.contracted_fte)
            in_post = set(_days(max(made.start_date, first), min(made.end_date or last, last)))
            sick = _sick_days(made, absences, last) | seconded_sick
            for day in in_post:
                cell = figures.setdefault(month_index(day), [Decimal(0), Decimal(0)])
                cell[1] += fte
                if day in sick:
                    cell[0] += fte
    return figures


def _terms_of(made, absences, last: date) -> tuple[dict[date, bool], set[tuple[date, bool]]]:  # type: ignore[no-untyped-def]
    """Each sick day inside the assignment with whether its episode is long-term (over 28 days, an open
    one to ``last``), and the episodes (first day, long) that begin inside the assignment."""
    inside = set(_days(made.start_date, made.end_date or last))
    days: dict[date, bool] = {}
    started: set[tuple[date, bool]] = set()
    for a in absences:
        if a.category == "SICKNESS":
            long = ((a.last_day or last) - a.first_day).days + 1 > LONG_TERM_DAYS
            for day in set(_days(a.first_day, a.last_day or last)) & inside:
                days[day] = long
            if a.first_day in inside:
                started.add((a.first_day, long))
    return days, started


def reference_terms(people_made, trust_ids: set[int], first: date, last: date):  # type: ignore[no-untyped-def]
    """Per month: FTE days lost short-term and long-term, available, episodes starting short and long-term.
    A day sick on both her own post and a secondee assignment is of the own post's episode; an episode of
    the secondee assignment starts on each own post covering its first day, unless that day is sick there."""
    figures: dict[int, list[Decimal]] = {}
    for posts in people_made:
        seconded: tuple[dict[date, bool], set[tuple[date, bool]]] = ({}, set())
        for made, absences in posts:
            if made.person_type == "secondee":
                seconded = _terms_of(made, absences, last)
        for made, absences in posts:
            if made.trust_id not in trust_ids or made.person_type in ("bank", "secondee"):
                continue
            fte = Decimal(made.contracted_fte)
            in_post = set(_days(max(made.start_date, first), min(made.end_date or last, last)))
            own_days, own_started = _terms_of(made, absences, last)
            sick = {**seconded[0], **own_days}
            for day in in_post:
                cell = figures.setdefault(month_index(day), [Decimal(0)] * 5)
                cell[2] += fte
                if day in sick:
                    cell[1 if sick[day] else 0] += fte
            episodes = own_started | {(day, long) for day, long in seconded[1] if day not in own_days}
            for day, long in episodes:
                if day in in_post:
                    figures[month_index(day)][4 if long else 3] += 1
    return {m: v for m, v in figures.items() if v[2]}


def _as_lists(terms):  # type: ignore[no-untyped-def]
    return {
        m: [
            t.fte_days_lost_short,
            t.fte_days_lost_long,
            t.fte_days_available,
            t.episodes_short,
            t.episodes_long,
        ]
        for m, t in terms.items()
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(person, min_size=1, max_size=4))
def test_sql_matches_the_definition(session, people, scopes, data):
    nested = session.begin_nested()
    try:
        made = []
        for own_posts, seconded in data:
            spans = []
            for at_rpg, start, length, fte, kind, absences in [*own_posts, *([seconded] if seconded else [])]:
                start_date = FIRST + timedelta(days=start)
                end_date = None if length is None else start_date + timedelta(days=length)
                trust = people.rpg if at_rpg else people.rv5
                spans.append(((trust, start_date, end_date, fte, kind), start, absences))
            assignments = people.person(*[span for span, _start, _absences in spans])
            posts = []
            for a, (_span, start, absences) in zip(assignments, spans, strict=True):
                posts.append((a, _absences_of(people, a, start, absences)))
            made.append(posts)
        first_month, last_month = month_index(FIRST), month_index(LAST)
        # The roll-up splits the same spans into months in another way: it must agree day for day.
        rebuild_sickness_rollup(session, "property test")
        for name, ids in (("RPG", {people.rpg.id}), ("partnership", {people.rpg.id, people.rv5.id})):
            expected = reference(made, ids, FIRST, LAST)
            cells = sickness_cells(session, scopes[name], first_month, last_month, ["month"])
            got = {c.period.last_month: [c.fte_days_lost, c.fte_days_available] for c in cells}
            assert got == {m: v for m, v in expected.items() if v[1]}, name
            monthly, _rolling = RollupSickness(session, scopes[name]).trend(first_month, last_month)
            from_rollup = {m: [c.fte_days_lost, c.fte_days_available] for m, c in monthly.items()}
            assert from_rollup == got, name
            # Each month alone: an open absence runs to that month's end, which is the same days.
            for m in range(first_month, last_month + 1):
                (whole,) = sickness_cells(session, scopes[name], m, m, []) or [None]
                if whole is not None:
                    only = reference(made, ids, month_of(m), month_last_day(m)).get(m, [0, 0])
                    assert [whole.fte_days_lost, whole.fte_days_available] == only
            # Short-term and long-term: the records, the roll-up and the definition agree for periods
            # ending in every month (an open episode's term depends on where the period ends), and short +
            # long is the month's days lost. Each period starts with the first month, and the last month
            # is checked alone too: a later start only leaves months out, and the roll-up sums by month.
            ends = [(first_month, m) for m in range(first_month, last_month + 1)] + [(last_month, last_month)]
            for start, m in ends:
                counted_terms = RecordSickness(session, scopes[name]).terms(start, m)
                expected_terms = reference_terms(made, ids, month_of(start), month_last_day(m))
                assert _as_lists(counted_terms) == expected_terms, (name, start, m)
                kept_terms = RollupSickness(session, scopes[name]).terms(start, m)
                assert kept_terms == counted_terms, (name, start, m)
            for m, t in RecordSickness(session, scopes[name]).terms(first_month, last_month).items():
                assert t.fte_days_lost == got[m][0]
    finally:
        nested.rollback()


def _absences_of(people, a, start: int, absences):  # type: ignore[no-untyped-def]
    rows = []
    next_free = FIRST + timedelta(days=start - 40)  # may begin before the assignment or the period
    for gap, alength, category in absences:
        first_day = next_free + timedelta(days=gap)
        last_day = None if alength is None else first_day + timedelta(days=alength)
        rows.append(people.absence(a, first_day, last_day, "S10", category))
        if last_day is None:
            break
        next_free = last_day + timedelta(days=1)
    return rows
