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
from passport.metrics.rollups import RollupSickness, rebuild_sickness_rollup
from passport.metrics.sickness import sickness_cells

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
