"""Leaver rate, stability and newly qualified nurse retention checked against hand-worked figures.

The fixture (FTE 1.0 unless said; period 2024, 1 Jan - 31 Dec):
  P1  RPG from 2020, open.                                         stays
  P2  RPG 2020 - 31 Mar 2024.                                      leaves trust and partnership
  P3  RPG 2021 - 15 May 2024 (0.8), then RV5 from 16 May (0.8).    a mover: leaves RPG, not the partnership
  P4  RPG 2022 - 30 Jun 2024 (1.0), RPG from 1 Jul (0.6).          an FTE change: no leave
  P5  RPG from 2019, open; seconded to RV5 1 Sep 2024 - 28 Feb 2025 (a secondee assignment there).
                                                                   RPG's throughout: no leave at any level,
                                                                   never in post at RV5
  P6  RPG from 15 Apr 2024 (0.5).                                  a joiner
  P7  RPG 2020 - 30 Sep 2024, RPG again from 3 Oct 2024.           a gap of two days: a leave at both levels,
                                                                   and a returner: stable
  P8  RPG bank 2020 - 28 Feb 2024.                                 bank: never counted
  P9  RPG 2020 - 30 Nov 2024 (0.6) and 2021 - 30 Nov 2024 (0.4).   two posts ending together: one leaver
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from passport.metrics.operations import build_query, metric_rows
from passport.metrics.queries import Period
from passport.metrics.retention import leaver_cells, nqn_retention, one_year_on, stability_cells
from tests.unit.metrics.conftest import month, period

YEAR_2024 = Period(month("2024-01"), month("2024-12"))


@pytest.fixture
def retention_world(people):  # type: ignore[no-untyped-def]
    rpg, rv5 = people.rpg, people.rv5
    people.person((rpg, date(2020, 1, 1), None, "1.0"))
    people.person((rpg, date(2020, 1, 1), date(2024, 3, 31), "1.0"))
    people.person((rpg, date(2021, 1, 1), date(2024, 5, 15), "0.8"), (rv5, date(2024, 5, 16), None, "0.8"))
    people.person((rpg, date(2022, 1, 1), date(2024, 6, 30), "1.0"), (rpg, date(2024, 7, 1), None, "0.6"))
    people.person(
        (rpg, date(2019, 1, 1), None, "1.0"),
        (rv5, date(2024, 9, 1), date(2025, 2, 28), "1.0", "secondee"),
    )
    people.person((rpg, date(2024, 4, 15), None, "0.5"))
    people.person((rpg, date(2020, 1, 1), date(2024, 9, 30), "1.0"), (rpg, date(2024, 10, 3), None, "1.0"))
    people.person((rpg, date(2020, 1, 1), date(2024, 2, 28), "1.0", "bank"))
    people.person(
        (rpg, date(2020, 1, 1), date(2024, 11, 30), "0.6"), (rpg, date(2021, 1, 1), date(2024, 11, 30), "0.4")
    )


def test_trust_level_leaver_rate(session, retention_world, scopes):
    (cell,) = leaver_cells(session, scopes["RPG"], [YEAR_2024], [])
    # In post at RPG on 1 Jan: P1 P2 P3 P4 P5 P7 P9 = 7 people; FTE 1+1+0.8+1+1+1+(0.6+0.4) = 6.8.
    # On 31 Dec: P1, P4 (0.6), P5 (seconded out, still RPG's: 1.0), P6 (0.5), P7 (rejoined, 1.0) = 5;
    #   FTE 4.1.
    # Leavers: P2 (31 Mar), P3 (15 May, 0.8), P7 (30 Sep), P9 (30 Nov, 0.6 + 0.4) = 4; FTE 3.8. P5's
    #   secondment is no leave.
    # Headcount rate 4 / ((7 + 5) / 2) = 66.666..% -> 66.67; FTE 3.8 / ((6.8 + 4.1) / 2) = 69.724..% -> 69.72
    assert (cell.leavers, cell.start_headcount, cell.end_headcount) == (4, 7, 5)
    assert (cell.leavers_fte, cell.start_fte, cell.end_fte) == (
        Decimal("3.8"),
        Decimal("6.8"),
        Decimal("4.1"),
    )
    assert (cell.rate_percent, cell.fte_rate_percent) == (Decimal("66.67"), Decimal("69.72"))


def test_partnership_level_leaver_rate(session, retention_world, scopes):
    (cell,) = leaver_cells(session, scopes["partnership"], [YEAR_2024], [])
    # In post anywhere on 1 Jan: the same 7 (FTE 6.8). On 31 Dec: P1, P3 (RV5 0.8), P4 (0.6), P5 (her
    #   own RPG post 1.0, once: not her RV5 secondee assignment too), P6 (0.5), P7 (1.0) = 6; FTE 4.9.
    # Leavers: P2, P7 (the gap), P9 = 3; FTE 3.0. The mover P3 and the secondee P5 are not leavers.
    # 3 / 6.5 = 46.153..% -> 46.15; FTE 3.0 / 5.85 = 51.282..% -> 51.28
    assert (cell.leavers, cell.start_headcount, cell.end_headcount) == (3, 7, 6)
    assert (cell.rate_percent, cell.fte_rate_percent) == (Decimal("46.15"), Decimal("51.28"))


def test_partnership_by_trust_counts_people_where_they_are(session, retention_world, scopes, demo_trusts):
    rpg, rv5 = demo_trusts
    cells = {c.keys["trust"]: c for c in leaver_cells(session, scopes["partnership"], [YEAR_2024], ["trust"])}
    # RPG: leavers from the partnership whose last post was at RPG: P2, P7, P9; RV5: none yet.
    # RPG on 31 Dec: P1, P4, P5 (seconded out), P6, P7 = 5.
    assert (cells[rpg.id].leavers, cells[rpg.id].start_headcount, cells[rpg.id].end_headcount) == (3, 7, 5)
    # RV5 has nobody on 1 Jan and P3 on 31 Dec (P5 is seconded in: RPG's, not RV5's).
    assert (cells[rv5.id].leavers, cells[rv5.id].start_headcount, cells[rv5.id].end_headcount) == (0, 0, 1)


def test_monthly_leavers(session, retention_world, scopes):
    cells = {c.period.label: c for c in leaver_cells(session, scopes["RPG"], [period("2024-05")], ["month"])}
    may = cells["2024-05"]
    # 1 May at RPG: P1 P3 P4 P5 P6 P7 P9 = 7; 31 May: P3 has gone = 6. One leaver: 1 / 6.5 = 15.38%.
    assert (may.leavers, may.start_headcount, may.end_headcount, may.rate_percent) == (
        1,
        7,
        6,
        Decimal("15.38"),
    )


def test_stability_index(session, retention_world, scopes):
    (trust,) = stability_cells(session, scopes["RPG"], [YEAR_2024], [])
    # RPG: 7 in post on 1 Jan; in post there on 31 Dec: P1, P4, P5 (seconded out, still RPG's) and P7
    # (left in September and back in October: a returner is stable) -> 4 / 7 = 57.14%
    assert (trust.start_headcount, trust.still_in_post, trust.stability_percent) == (7, 4, Decimal("57.14"))
    (partnership,) = stability_cells(session, scopes["partnership"], [YEAR_2024], [])
    # Partnership: the same 7; P1, P3 (moved), P4, P5, P7 (back) -> 5 / 7 = 71.43%
    assert (partnership.start_headcount, partnership.still_in_post, partnership.stability_percent) == (
        7,
        5,
        Decimal("71.43"),
    )


def test_rows_have_the_documented_keys(session, retention_world):
    # Seven people at RPG and two at RV5: the keys and arithmetic are checked with nothing suppressed.
    query = build_query(
        session, metric="leavers", trust=None, partnership=True, from_month="2024-01", to_month="2024-12"
    )
    assert metric_rows(session, query, suppress=False) == [
        {
            "period": "2024-01/2024-12",
            "partnership": "SLP",
            "leavers": 3,
            "average_headcount": 6.5,
            "rate_percent": 46.15,
            "leavers_fte": 3.0,
            "average_fte": 5.85,
            "fte_rate_percent": 51.28,
        }
    ]
    query = build_query(
        session, metric="stability", trust="RPG", partnership=False, from_month="2024-01", to_month="2024-12"
    )
    assert metric_rows(session, query, suppress=False) == [
        {
            "period": "2024-01/2024-12",
            "trust": "RPG",
            "start_headcount": 7,
            "still_in_post": 4,
            "stability_percent": 57.14,
        }
    ]


def test_newly_qualified_nurse_retention(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    people.person((rpg, date(2023, 2, 1), None, "1.0"))  # Q1 stays: retained
    people.person((rpg, date(2023, 3, 1), date(2023, 12, 31), "1.0"))  # Q2 leaves within the year
    people.person(
        (rpg, date(2023, 4, 1), date(2023, 10, 31), "1.0"), (rv5, date(2023, 11, 1), None, "1.0")
    )  # Q3 moves
    people.person(
        (rpg, date(2021, 1, 1), date(2023, 4, 30), "1.0", "employee", "NMR", "4"),
        (rpg, date(2023, 5, 1), None, "1.0"),
    )  # Q4: first post was band 4, not newly qualified
    people.person((rpg, date(2024, 2, 29), None, "1.0"))  # Q5: a year on is 28 Feb 2025, after as_of
    people.person((rpg, date(2023, 6, 1), None, "1.0", "employee", "NMR", "6"))  # Q6: band 6
    cohort = Period(month("2023-01"), month("2024-03"))
    as_of = date(2025, 1, 31)
    (partnership,) = nqn_retention(session, scopes["partnership"], cohort, as_of)
    # Cohort Q1, Q2, Q3; retained at the partnership Q1 and Q3 (moved within it) = 2 / 3 = 66.67%
    assert (partnership.cohort, partnership.retained, partnership.retention_percent) == (
        3,
        2,
        Decimal("66.67"),
    )
    (trust,) = nqn_retention(session, scopes["RPG"], cohort, as_of)
    # At RPG only Q1 stayed: 1 / 3 = 33.33%
    assert (trust.cohort, trust.retained, trust.retention_percent) == (3, 1, Decimal("33.33"))


def test_a_year_on_from_a_leap_day():
    assert one_year_on(date(2024, 2, 29)) == date(2025, 2, 28)
    assert one_year_on(date(2023, 3, 1)) == date(2024, 3, 1)


def test_a_nurse_starting_on_a_leap_day_is_retained_from_28_february(session, people, scopes):
    rpg = people.rpg
    people.person((rpg, date(2024, 2, 29), date(2025, 2, 27), "1.0"))  # left the day before 28 Feb 2025
    people.person((rpg, date(2024, 2, 29), date(2025, 2, 28), "1.0"))  # in post on 28 Feb 2025: retained
    people.person((rpg, date(2024, 2, 28), date(2025, 2, 27), "1.0"))  # left before 28 Feb 2025
    people.person((rpg, date(2024, 3, 1), None, "1.0"))  # a year on is 1 Mar 2025, after as_of: not yet
    (cell,) = nqn_retention(session, scopes["RPG"], period("2024-02", "2024-03"), date(2025, 2, 28))
    assert (cell.cohort, cell.retained) == (3, 1)


def test_the_newly_qualified_count_is_compiled_once_for_any_cohort_of_its_length(session, people, scopes):
    """Its cohort's months are bound values: a second cohort of as many months reuses the compiled
    statement (a VALUES list with data has no cache key, and was compiled afresh each time)."""
    people.person((people.rpg, date(2023, 5, 1), None, "1.0"))
    engine = session.get_bind().engine
    hits: list[object] = []

    def note(_conn, _cursor, statement, _parameters, context, _many):  # type: ignore[no-untyped-def]
        if "cohort_month" in statement:
            hits.append(context.cache_hit)

    event.listen(engine, "after_cursor_execute", note)
    try:
        counted = [
            nqn_retention(session, scopes["RPG"], period(first, last), date(2025, 1, 31))
            for first, last in (("2023-01", "2023-12"), ("2022-06", "2023-05"), ("2023-04", "2024-03"))
        ]
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert [[(cell.cohort, cell.retained) for cell in cells] for cells in counted] == [[(1, 1)]] * 3
    assert hits[1:] == [engine.dialect.CACHE_HIT] * 2
