"""Headcounts and FTE in post from the SQL change events equal a plain count of people on random data:
concurrent posts, posts starting or ending the same day, gaps, moves between trusts, bank."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.metrics.queries import Period, month_index
from passport.metrics.retention import leaver_cells

ORIGIN = date(2024, 1, 1)
post = st.tuples(
    st.integers(0, 3),  # person
    st.booleans(),  # at RPG (else RV5)
    st.integers(-30, 150),  # start offset from ORIGIN
    st.one_of(st.none(), st.integers(0, 120)),  # length - 1, or open
    st.sampled_from(["0.5", "1.0"]),
    st.sampled_from(["5", "6"]),
    st.sampled_from(["employee", "employee", "bank"]),
)
PERIODS = [Period(month_index(date(2024, m, 1)), month_index(date(2024, m, 1))) for m in (1, 2, 3, 4, 5)]


def expected(posts, trust_ids, by_band, day):  # type: ignore[no-untyped-def]
    heads: dict[object, set[int]] = {}
    fte: dict[object, Decimal] = {}
    for person, trust_id, start, end, ftev, band, kind in posts:
        if kind == "bank" or trust_id not in trust_ids or not (start <= day and (end is None or end >= day)):
            continue
        key = band if by_band else None
        heads.setdefault(key, set()).add(person)
        fte[key] = fte.get(key, Decimal(0)) + Decimal(ftev)
    return {k: (len(v), fte[k]) for k, v in heads.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(post, min_size=1, max_size=8))
def test_headcount_matches_a_plain_count(session, people, scopes, data):
    nested = session.begin_nested()
    try:
        members = {}
        posts = []
        from tests.support.factories import StaffMemberFactory
        from tests.support.workforce_factories import AssignmentFactory

        for person, at_rpg, start, length, fte, band, kind in data:
            trust = people.rpg if at_rpg else people.rv5
            member = members.setdefault(person, StaffMemberFactory(trust=trust))
            start_date = ORIGIN + timedelta(days=start)
            end_date = None if length is None else start_date + timedelta(days=length)
            AssignmentFactory(
                staff_member=member,
                trust=trust,
                start_date=start_date,
                end_date=end_date,
                contracted_fte=Decimal(fte),
                afc_band=band,
                person_type=kind,
            )
            posts.append((person, trust.id, start_date, end_date, fte, band, kind))
        for name, ids in (("RPG", {people.rpg.id}), ("partnership", {people.rpg.id, people.rv5.id})):
            for by in ([], ["band"]):
                cells = leaver_cells(session, scopes[name], PERIODS, ["month", *by])
                got_start = {
                    (c.period.first_day, c.keys.get("band")): (c.start_headcount, c.start_fte) for c in cells
                }
                got_end = {
                    (c.period.last_day, c.keys.get("band")): (c.end_headcount, c.end_fte) for c in cells
                }
                for p in PERIODS:
                    for day, got in ((p.first_day, got_start), (p.last_day, got_end)):
                        want = expected(posts, ids, bool(by), day)
                        have = {k[1]: v for k, v in got.items() if k[0] == day and v[0]}
                        assert have == want, (name, by, day)
    finally:
        nested.rollback()
