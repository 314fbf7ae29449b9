"""Sickness figures checked against sums worked out by hand (calendar days, FTE-weighted, ratio of sums).

The fixture, RPG unless said otherwise (2024 is a leap year: February has 29 days):
  N1  FTE 1.0 from 2023-01-01, open.        Sick S10 30 Jan - 2 Feb 2024 (crosses a month end).
  N2  FTE 0.6 1 Jun 2023 - 14 Feb 2024, then FTE 0.8 from 15 Feb 2024 (an FTE change: a new assignment
      the next day). Sick S12 from 20 Feb 2024, still open.
  N3  FTE 1.0 10 Feb - 20 Feb 2024 (starts and ends mid-month). Sick S13 18 - 25 Feb: only 18-20 count.
  N6  bank, FTE 1.0 from 2023-01-01, sick all of February: bank is never counted.
  N1  also has annual leave 4 - 8 March: not sickness, not counted.
  N7  RV5, FTE 1.0 from 2023-01-01. Sick S11 28 Feb - 2 Mar 2024 (28, 29 Feb in February).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from passport.metrics.operations import build_query, metric_rows
from passport.metrics.sickness import sickness_cells, sickness_reasons
from tests.unit.metrics.conftest import month


@pytest.fixture
def sickness_world(people):  # type: ignore[no-untyped-def]
    rpg, rv5 = people.rpg, people.rv5
    (n1,) = people.person((rpg, date(2023, 1, 1), None, "1.0"))
    people.absence(n1, date(2024, 1, 30), date(2024, 2, 2), "S10")
    people.absence(n1, date(2024, 3, 4), date(2024, 3, 8), category="ANNUAL_LEAVE")
    _n2a, n2b = people.person(
        (rpg, date(2023, 6, 1), date(2024, 2, 14), "0.6"), (rpg, date(2024, 2, 15), None, "0.8")
    )
    people.absence(n2b, date(2024, 2, 20), None, "S12")
    (n3,) = people.person((rpg, date(2024, 2, 10), date(2024, 2, 20), "1.0"))
    people.absence(n3, date(2024, 2, 18), date(2024, 2, 25), "S13")
    (n6,) = people.person((rpg, date(2023, 1, 1), None, "1.0", "bank"))
    people.absence(n6, date(2024, 2, 1), date(2024, 2, 29), "S10")
    (n7,) = people.person((rv5, date(2023, 1, 1), None, "1.0"))
    people.absence(n7, date(2024, 2, 28), date(2024, 3, 2), "S11")


def _by_month(cells):  # type: ignore[no-untyped-def]
    return {
        cell.period.label: (cell.fte_days_lost, cell.fte_days_available, cell.rate_percent) for cell in cells
    }


def test_monthly_figures_for_one_trust(session, sickness_world, scopes):
    cells = _by_month(sickness_cells(session, scopes["RPG"], month("2024-01"), month("2024-03"), ["month"]))
    # January (31 days): available N1 1.0 x 31 = 31, N2 0.6 x 31 = 18.6 -> 49.6.
    #   lost N1 30-31 Jan = 2 x 1.0 = 2.   2 / 49.6 = 4.032..% -> 4.03
    assert cells["2024-01"] == (Decimal("2"), Decimal("49.6"), Decimal("4.03"))
    # February (29 days): available N1 29; N2 0.6 x 14 (1-14) = 8.4 and 0.8 x 15 (15-29) = 12.0;
    #   N3 1.0 x 11 (10-20) = 11 -> 29 + 8.4 + 12 + 11 = 60.4.
    #   lost N1 1-2 Feb = 2; N2 20-29 Feb (open) 10 x 0.8 = 8.0; N3 18-20 = 3 -> 13.0.
    #   13 / 60.4 = 21.523..% -> 21.52
    assert cells["2024-02"] == (Decimal("13"), Decimal("60.4"), Decimal("21.52"))
    # March: available N1 31 + N2 0.8 x 31 = 24.8 -> 55.8; lost N2's open absence all month 24.8
    #   (annual leave does not count). 24.8 / 55.8 = 44.444..% -> 44.44
    assert cells["2024-03"] == (Decimal("24.8"), Decimal("55.8"), Decimal("44.44"))


def test_whole_period_is_a_ratio_of_sums(session, sickness_world, scopes):
    (cell,) = sickness_cells(session, scopes["RPG"], month("2024-01"), month("2024-03"), [])
    # lost 2 + 13 + 24.8 = 39.8; available 49.6 + 60.4 + 55.8 = 165.8; 39.8 / 165.8 = 24.0048..% -> 24.00
    # (the average of the three monthly rates would be 23.33).
    assert (cell.fte_days_lost, cell.fte_days_available, cell.rate_percent) == (
        Decimal("39.8"),
        Decimal("165.8"),
        Decimal("24.00"),
    )
    assert cell.period.label == "2024-01/2024-03"


def test_open_absence_runs_to_the_period_end(session, sickness_world, scopes):
    (cell,) = sickness_cells(session, scopes["RPG"], month("2024-02"), month("2024-02"), [])
    # Asked for February alone, N2's open absence counts 20-29 Feb only: lost 13, as in the monthly test.
    assert cell.fte_days_lost == Decimal("13")


def test_rolling_twelve_months(session, sickness_world, scopes):
    cells = _by_month(
        sickness_cells(session, scopes["RPG"], month("2024-03"), month("2024-03"), ["month"], "rolling12")
    )
    # April 2023 - March 2024. Available: N1 1.0 x 366 days (Apr 2023 - Mar 2024, with 29 Feb) = 366;
    #   N2 0.6 x (1 Jun 2023 - 14 Feb 2024 = 30+31+31+30+31+30+31+31+14 = 259) = 155.4, 0.8 x 46 (15 Feb
    #   - 31 Mar) = 36.8; N3 11 -> 366 + 155.4 + 36.8 + 11 = 569.2.  Lost 39.8 (as above).
    #   39.8 / 569.2 = 6.992..% -> 6.99
    assert cells["2023-04/2024-03"] == (Decimal("39.8"), Decimal("569.2"), Decimal("6.99"))


def test_partnership_total_is_a_ratio_of_sums_and_trusts_split(session, sickness_world, scopes):
    cells = _by_month(
        sickness_cells(session, scopes["partnership"], month("2024-02"), month("2024-02"), ["month"])
    )
    # RV5 February: available 29, lost 28-29 Feb = 2 (6.90%). Partnership: lost 13 + 2 = 15,
    #   available 60.4 + 29 = 89.4; 15 / 89.4 = 16.778..% -> 16.78 (the mean of 21.52 and 6.90 is 14.21).
    assert cells["2024-02"] == (Decimal("15"), Decimal("89.4"), Decimal("16.78"))
    by_trust = sickness_cells(session, scopes["partnership"], month("2024-02"), month("2024-02"), ["trust"])
    figures = {cell.keys["trust"]: (cell.fte_days_lost, cell.fte_days_available) for cell in by_trust}
    assert sorted(figures.values()) == [(Decimal("2"), Decimal("29")), (Decimal("13"), Decimal("60.4"))]


def test_reasons_share_of_days_lost(session, sickness_world, scopes):
    shares, available = sickness_reasons(session, scopes["RPG"], month("2024-01"), month("2024-03"))
    # S12 8.0 + 24.8 = 32.8 (82.41%), S10 2 + 2 = 4 (10.05%), S13 3 (7.54%); of 39.8 lost.
    assert [(s.reason_code, s.fte_days_lost, s.share_percent) for s in shares] == [
        ("S12", Decimal("32.8"), Decimal("82.41")),
        ("S10", Decimal("4"), Decimal("10.05")),
        ("S13", Decimal("3"), Decimal("7.54")),
    ]
    assert available == Decimal("165.8")


def test_breakdown_by_band_and_filter_by_staff_group(session, people, scopes):
    rpg = people.rpg
    (nurse,) = people.person((rpg, date(2024, 1, 1), None, "1.0", "employee", "NMR", "6"))
    people.absence(nurse, date(2024, 1, 10), date(2024, 1, 12), "S10")
    (clerk,) = people.person((rpg, date(2024, 1, 1), None, "0.5", "employee", "AC", "3"))
    people.absence(clerk, date(2024, 1, 1), date(2024, 1, 4), "S10")
    cells = sickness_cells(
        session, scopes["RPG"], month("2024-01"), month("2024-01"), ["staff_group", "band"]
    )
    # Nurse band 6: 3 / 31 = 9.68%. Clerk band 3: 0.5 x 4 = 2 of 0.5 x 31 = 15.5 -> 12.90%.
    assert {(c.keys["staff_group"], c.keys["band"]): (c.fte_days_lost, c.rate_percent) for c in cells} == {
        ("NMR", "6"): (Decimal("3"), Decimal("9.68")),
        ("AC", "3"): (Decimal("2"), Decimal("12.90")),
    }


def test_small_cells_are_suppressed_in_rows(session, sickness_world):
    query = build_query(
        session,
        metric="sickness",
        trust="RPG",
        partnership=False,
        from_month="2024-01",
        to_month="2024-03",
        by="month",
    )
    rows = metric_rows(session, query)
    # A handful of people with under 330 FTE days available: every figure is withheld.
    assert rows[1] == {
        "period": "2024-02",
        "trust": "RPG",
        "month": "2024-02",
        "fte_days_lost": None,
        "fte_days_available": None,
        "rate_percent": None,
    }
    shown = metric_rows(session, query, suppress=False)
    assert shown[1]["fte_days_lost"] == 13.0 and shown[1]["rate_percent"] == 21.52


def test_enough_people_with_330_days_or_fewer_show_only_the_days_available(session, people):
    # Six staff at 0.2 FTE in April: 6 x 0.2 x 30 = 36 FTE days available; enough people, too few days.
    made = [people.person((people.rpg, date(2024, 4, 1), None, "0.2"))[0] for _ in range(6)]
    people.absence(made[0], date(2024, 4, 2), date(2024, 4, 2), "S16")
    query = build_query(
        session, metric="sickness", trust="RPG", partnership=False, from_month="2024-04", to_month="2024-04"
    )
    assert metric_rows(session, query) == [
        {
            "period": "2024-04",
            "trust": "RPG",
            "fte_days_lost": None,
            "fte_days_available": 36.0,
            "rate_percent": None,
        }
    ]


def test_a_cell_over_330_days_is_shown(session, people):
    # Twelve full-time staff in April (30 days): 360 FTE days available, over the threshold; one sick day.
    made = [people.person((people.rpg, date(2024, 4, 1), None, "1.0"))[0] for _ in range(12)]
    people.absence(made[0], date(2024, 4, 2), date(2024, 4, 2), "S16")
    query = build_query(
        session, metric="sickness", trust="RPG", partnership=False, from_month="2024-04", to_month="2024-04"
    )
    assert metric_rows(session, query) == [
        {
            "period": "2024-04",
            "trust": "RPG",
            "fte_days_lost": 1.0,
            "fte_days_available": 360.0,
            "rate_percent": 0.28,  # 1 / 360 = 0.2777..%
        }
    ]


def test_trend_gives_the_same_monthly_and_rolling_figures(session, sickness_world, scopes):
    from passport.metrics.sickness import sickness_trend

    monthly, rolling = sickness_trend(session, scopes["RPG"], month("2024-01"), month("2024-03"))
    assert (monthly[month("2024-02")].fte_days_lost, monthly[month("2024-02")].fte_days_available) == (
        Decimal("13"),
        Decimal("60.4"),
    )
    # As test_rolling_twelve_months: April 2023 - March 2024.
    march = rolling[month("2024-03")]
    assert (march.period.label, march.fte_days_lost, march.fte_days_available) == (
        "2023-04/2024-03",
        Decimal("39.8"),
        Decimal("569.2"),
    )


def test_partner_trusts_side_by_side_adds_the_trusts_days_for_the_partnership(session, sickness_world):
    from passport.metrics.dashboard import dashboard_data

    # A handful of people: the arithmetic is checked with nothing suppressed.
    board = dashboard_data(
        session, None, month("2023-03"), month("2024-02"), side_by_side=True, suppress=False
    )
    rates = {row["trust"]: row["sickness_rate_percent"] for row in board.charts["partner-trusts"].rows}
    # 12 months to February 2024 (366 days).
    # RPG available: N1 366 + N2 0.6 x 259 (1 Jun 2023 - 14 Feb 2024) = 155.4 + 0.8 x 15 = 12 + N3 11 = 544.4;
    #   lost: N1 30 Jan - 2 Feb 4 + N2 20-29 Feb 10 x 0.8 = 8 + N3 3 = 15.  15 / 544.4 = 2.755..% -> 2.76
    # RV5 available: N7 366; lost 28-29 Feb 2.  2 / 366 = 0.546..% -> 0.55
    # Partnership: (15 + 2) / (544.4 + 366) = 1.867..% -> 1.87 (a ratio of sums, not the mean 1.655)
    assert rates["RPG"] == Decimal("2.76")
    assert rates["RV5"] == Decimal("0.55")
    assert rates["Partnership"] == Decimal("1.87")
