"""The dashboard's short-term and long-term sickness chart (issue 14): per month each term's rate (FTE days
lost of that term / FTE days available) and the episodes starting by term, an episode over 28 calendar
days being long-term; the same from the records and from the roll-up, in the chart, its table and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from passport.auth.models import Role
from passport.metrics.dashboard import CHART_NAMES, dashboard_data
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.queries import month_index
from passport.metrics.rollups import rebuild_sickness_rollup
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

PERIOD = "from_month=2024-01&to_month=2024-05"  # the records end in May


@pytest.fixture
def short_and_long(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Twenty full-time nurses at RPG (and six at RV5, so the partnership less RPG is not a handful).
    February: five off 10 days each (short-term). March: five others off 1 March - 9 April, 40 days
    each (long-term: 31 days in March, 9 in April). May: two off 2 days each (two short-term episodes, a
    count not shown)."""
    rpg, rv5 = demo_trusts
    nurses = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rpg), start_date=date(2023, 1, 1))
        for _ in range(20)
    ]
    for _ in range(6):
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rv5), start_date=date(2023, 1, 1))
    for nurse in nurses[:5]:
        AbsenceFactory(assignment=nurse, first_day=date(2024, 2, 5), last_day=date(2024, 2, 14))
    for nurse in nurses[5:10]:
        AbsenceFactory(assignment=nurse, first_day=date(2024, 3, 1), last_day=date(2024, 4, 9))
    for nurse in nurses[10:12]:
        first = date(2024, 5, 13)
        AbsenceFactory(assignment=nurse, first_day=first, last_day=first + timedelta(days=1))
    return nurses


# Available: 20 nurses x the month's days (2024: February 29). February short 50 / 580 = 8.62%; March long
# 5 x 31 = 155 / 620 = 25.00%; April long 5 x 9 = 45 / 600 = 7.50%; May short 4 / 620 = 0.65%.
EXPECTED = [
    {"month": "2024-01", "short": "0.00", "long": "0.00", "short_episodes": "0", "long_episodes": "0"},
    {"month": "2024-02", "short": "8.62", "long": "0.00", "short_episodes": "5", "long_episodes": "0"},
    {"month": "2024-03", "short": "0.00", "long": "25.00", "short_episodes": "0", "long_episodes": "5"},
    {"month": "2024-04", "short": "0.00", "long": "7.50", "short_episodes": "0", "long_episodes": "0"},
    {"month": "2024-05", "short": "0.65", "long": "0.00", "short_episodes": "", "long_episodes": "0"},
]


def _csv_rows(client) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/metrics/charts/sickness-term.csv?{PERIOD}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return [
        {
            "month": row["month"],
            "short": row["short_term_rate_percent"],
            "long": row["long_term_rate_percent"],
            "short_episodes": row["short_term_episodes"],
            "long_episodes": row["long_term_episodes"],
        }
        for row in rows
    ]


def test_the_chart_splits_sickness_by_term_from_the_records_and_from_the_rollup(
    client, session, short_and_long, demo_trusts
):
    assert CHART_NAMES[CHART_NAMES.index("sickness-trend") + 1] == "sickness-term"
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    assert _csv_rows(client) == EXPECTED
    page = client.get(f"/metrics?{PERIOD}").get_data(as_text=True)
    assert "Short-term and long-term sickness" in page and 'id="sickness-term-table"' in page
    # The same rows summed from the roll-up.
    rebuild_sickness_rollup(session, source_fingerprint(session))
    assert _csv_rows(client) == EXPECTED


def test_the_term_rates_add_up_to_the_monthly_rate_and_are_withheld_with_it(
    session, short_and_long, demo_trusts
):
    rpg = demo_trusts[0]
    first, last = month_index(date(2024, 1, 1)), month_index(date(2024, 5, 1))
    board = dashboard_data(session, rpg, first, last)
    term_rows, trend_rows = board.charts["sickness-term"].rows, board.charts["sickness-trend"].rows
    for term, trend in zip(term_rows, trend_rows, strict=True):
        assert term["month"] == trend["month"]
        assert (
            abs(term["short_term_rate_percent"] + term["long_term_rate_percent"] - trend["rate_percent"])
            <= 0.01
        )
    # RV5's six nurses have 186 FTE days available in a month (330 or less): its rates are withheld exactly
    # as its monthly rate is; a staff group nobody is in shows nothing at all.
    rv5_board = dashboard_data(session, demo_trusts[1], first, last)
    for term, trend in zip(
        rv5_board.charts["sickness-term"].rows, rv5_board.charts["sickness-trend"].rows, strict=True
    ):
        assert (
            term["short_term_rate_percent"] is term["long_term_rate_percent"] is trend["rate_percent"] is None
        )
    empty = dashboard_data(session, rpg, first, last, staff_groups=("AHP",))
    for row in empty.charts["sickness-term"].rows:
        assert row["short_term_rate_percent"] is None and row["short_term_episodes"] is None
