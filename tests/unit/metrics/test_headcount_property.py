"""Headcounts, leavers and stability from the SQL equal a plain count of people on random data:
concurrent posts, posts starting or ending the same day, gaps (returners), moves between trusts, bank,
and secondments (a secondee assignment at either trust, ended early or running on).

The definitions, read day by day: a person is in post at a level on a day when one of her own posts
(not bank, not a secondee assignment) at the level's trusts covers it; she leaves the level on a day
she is in post there and not the next day; she is stable over a period when she is in post at the
level on its first day and on its last, whatever happened between.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.metrics.queries import Period, month_index
from passport.metrics.retention import leaver_cells, stability_cells

ORIGIN = date(2024, 1, 1)
OWN = ("employee", "employee", "employee", "bank", "secondee")
post = st.tuples(
    st.integers(0, 3),  # person
    st.booleans(),  # at RPG (else RV5)
    st.integers(-30, 150),  # start offset from ORIGIN
    st.one_of(st.none(), st.integers(0, 120)),  # length - 1, or open
    st.sampled_from(["0.5", "1.0"]),
    st.sampled_from(["5", "6"]),
    st.sampled_from(OWN),
)
PERIODS = [Period(month_index(date(2024, m, 1)), month_index(date(2024, m, 1))) for m in (1, 2, 3, 4, 5)]
STABILITY_PERIODS = [*PERIODS, Period(month_index(date(2024, 1, 1)), month_index(date(2024, 5, 1)))]


def _covers(start, end, day) -> bool:  # type: ignore[no-untyped-def]
    return start <= day and (end is None or end >= day)


def _own(posts, trust_ids):  # type: ignore[no-untyped-def]
    return [p for p in posts if p[6] not in ("bank", "secondee") and p[1] in trust_ids]


def expected(posts, trust_ids, by_band, day):  # type: ignore[no-untyped-def]
    heads: dict[object, set[int]] = {}
    fte: dict[object, Decimal] = {}
    for person, _trust_id, start, end, ftev, band, _kind in _own(posts, trust_ids):
        if not _covers(start, end, day):
            continue
        key = band if by_band else None
        heads.setdefault(key, set()).add(person)
        fte[key] = fte.get(key, Decimal(0)) + Decimal(ftev)
    return {k: (len(v), fte[k]) for k, v in heads.items()}


def in_post(posts, trust_ids, person, day) -> bool:  # type: ignore[no-untyped-def]
    return any(p[0] == person and _covers(p[2], p[3], day) for p in _own(posts, trust_ids))


def expected_leavers(posts, trust_ids, by_band, period):  # type: ignore[no-untyped-def]
    """{band or None: (leavers, FTE)}: a leave is a day in post at the level and not the next; it falls in
    the cell of each post ending that day."""
    found: dict[object, list] = {}
    for person in {p[0] for p in posts}:
        day = period.first_day
        while day <= period.last_day:
            if in_post(posts, trust_ids, person, day) and not in_post(
                posts, trust_ids, person, day + timedelta(days=1)
            ):
                ending = [p for p in _own(posts, trust_ids) if p[0] == person and p[3] == day]
                for key in {p[5] if by_band else None for p in ending}:
                    cell = found.setdefault(key, [0, Decimal(0)])
                    cell[0] += 1
                    cell[1] += sum(Decimal(p[4]) for p in ending if not by_band or p[5] == key)
            day += timedelta(days=1)
    return {k: tuple(v) for k, v in found.items()}


def expected_stability(posts, scope_ids, level_ids, by_band, period):  # type: ignore[no-untyped-def]
    """{band or None: (in post on the first day, of whom in post at the level on the last day)}."""
    cohort: dict[object, set[int]] = {}
    for person, _trust_id, start, end, _fte, band, _kind in _own(posts, scope_ids):
        if _covers(start, end, period.first_day):
            cohort.setdefault(band if by_band else None, set()).add(person)
    return {
        key: (len(people), sum(1 for p in people if in_post(posts, level_ids, p, period.last_day)))
        for key, people in cohort.items()
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(post, min_size=1, max_size=8))
def test_headcount_matches_a_plain_count(session, people, scopes, data):
    nested = session.begin_nested()
    try:
        members = {}
        posts = []
        from tests.support.factories import StaffMemberFactory
        from tests.support.workforce_factories import AssignmentFactory

        secondment_ends: dict[int, date] = {}
        for person, at_rpg, start, length, fte, band, kind in data:
            trust = people.rpg if at_rpg else people.rv5
            member = members.setdefault(person, StaffMemberFactory(trust=trust))
            start_date = ORIGIN + timedelta(days=start)
            end_date = None if length is None else start_date + timedelta(days=length)
            if kind == "secondee":
                # Her secondments never overlap (the secondments feature refuses it): the next one starts
                # after the last ended, or not at all when one runs on.
                if person in secondment_ends:
                    after = secondment_ends[person]
                    if after == date.max:
                        continue
                    start_date = max(start_date, after + timedelta(days=1))
                    end_date = None if end_date is None else max(end_date, start_date)
                secondment_ends[person] = end_date or date.max
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
        both = {people.rpg.id, people.rv5.id}
        for name, ids in (("RPG", {people.rpg.id}), ("RV5", {people.rv5.id}), ("partnership", both)):
            level_ids = both if name == "partnership" else ids
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
                    leavers = {
                        c.keys.get("band"): (c.leavers, c.leavers_fte)
                        for c in cells
                        if c.period == p and c.leavers
                    }
                    assert leavers == expected_leavers(posts, level_ids, bool(by), p), (name, by, p)
                stable = stability_cells(session, scopes[name], STABILITY_PERIODS, by)
                for p in STABILITY_PERIODS:
                    have = {
                        c.keys.get("band"): (c.start_headcount, c.still_in_post)
                        for c in stable
                        if c.period == p
                    }
                    want = expected_stability(posts, ids, level_ids, bool(by), p)
                    assert have == want, (name, by, p)
    finally:
        nested.rollback()
