"""The dashboard page: charts as JSON for plotly, a table for each, a CSV of exactly the table's rows,
published benchmarks beside the computed rate, filters, and who sees what."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.background.models import Job
from passport.metrics.benchmark import benchmark_series
from passport.metrics.queries import month_index
from passport.metrics.refresh import refresh_figures, request_refresh
from passport.workforce.models import Absence
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory, PublishedSicknessFactory


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg, rv5 = demo_trusts
    # Twenty full-time nurses at RPG through 2024 (600 FTE days in a 30-day month); five off sick for 6
    # days each in April for one reason, five others for 3 days each for another (reasons are named only
    # when 5 or more people were absent for them).
    made = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rpg), start_date=date(2023, 1, 1))
        for _ in range(20)
    ]
    for post in made[:5]:
        AbsenceFactory(
            assignment=post, first_day=date(2024, 4, 1), last_day=date(2024, 4, 6), reason_code="S10"
        )
    for post in made[5:10]:
        AbsenceFactory(
            assignment=post, first_day=date(2024, 4, 10), last_day=date(2024, 4, 12), reason_code="S12"
        )
    # Six at RV5: with fewer, the partnership's figures less RPG's would be about 1 to 4 people, and RPG's
    # would be withheld (passport.metrics.disclosure).
    for _ in range(6):
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rv5), start_date=date(2023, 1, 1))
    # Published April 2024: RPG 4.71%, another London mental health trust 3.74%, a trust elsewhere 5%.
    PublishedSicknessFactory(
        org_code="RPG", fte_days_lost=Decimal("6113.03626"), fte_days_available=Decimal("129753.81081")
    )
    PublishedSicknessFactory(
        org_code="RV5", fte_days_lost=Decimal("6630.21841"), fte_days_available=Decimal("177365.94527")
    )
    PublishedSicknessFactory(
        org_code="RXX",
        region_code="Y60",
        region_name="Midlands",
        org_type="Acute",
        fte_days_lost=Decimal("500"),
        fte_days_available=Decimal("10000"),
    )
    return made


def test_benchmarks_are_ratios_of_summed_published_days(session, world):
    bench = benchmark_series(session, ["RPG"], month_index(date(2024, 4, 1)), month_index(date(2024, 4, 1)))
    april = bench.months[month_index(date(2024, 4, 1))]
    # Own 6113.03626 / 129753.81081 = 4.711..%; region (RPG + RV5, both London) and type (both Mental
    # Health): 12743.25467 / 307119.75608 = 4.149..%; England adds 500 / 10000: 13243.25467 / 317119.75608
    # = 4.176..% (the mean of the three rates would be 4.48).
    assert (april.own, april.region, april.org_type, april.england) == (
        Decimal("4.71"),
        Decimal("4.15"),
        Decimal("4.15"),
        Decimal("4.18"),
    )


def _figure(page: str, name: str) -> dict:
    match = re.search(rf'id="{name}-chart" data-figure="([^"]*)"', page)
    assert match, f"no figure for {name}"
    return json.loads(html.unescape(match.group(1)))


def test_director_sees_charts_tables_and_benchmark(client, world, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get("/metrics?from_month=2024-03&to_month=2024-04")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    figure = _figure(page, "sickness-trend")
    traces = {trace["name"]: trace for trace in figure["data"]}
    # April: 5 x 6 + 5 x 3 = 45 days lost / 600 available = 7.50%, beside the published 4.71%.
    assert traces["Rate"]["x"] == ["2024-03", "2024-04"] and traces["Rate"]["y"][1] == 7.5
    assert traces["Published rate, this trust"]["y"] == [None, 4.71]
    assert 'id="sickness-trend-table"' in page and "<caption" in page
    assert 'id="partner-trusts-chart"' in page  # directors see the partner trusts side by side
    assert "<script>" not in page  # no inline script: the CSP would refuse it


def test_every_chart_is_a_figure_plotly_accepts(client, world, demo_trusts):
    """The figures are written as plain JSON (charts.figure); plotly's own classes check every property
    and value of each, and refuse any plotly.js would not know."""
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get("/metrics?from_month=2024-03&to_month=2024-04").get_data(as_text=True)
    names = re.findall(r'id="([a-z-]+)-chart" data-figure=', page)
    assert {
        "sickness-spc",
        "sickness-trend",
        "leaver-spc",
        "retention-trend",
        "absence-reasons",
        "partner-trusts",
    } <= set(names)
    for name in names:
        figure = _figure(page, name)
        checked = go.Figure(figure)  # raises ValueError on anything plotly does not accept
        assert len(checked.data) == len(figure["data"]) >= 1, name
        # The section's heading names the chart; a title drawn inside would crowd a phone's screen.
        assert checked.layout.title.text is None and "title" not in figure["layout"], name


def test_chart_csv_is_exactly_the_table(client, world, demo_trusts):
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    response = client.get("/metrics/charts/absence-reasons.csv?from_month=2024-03&to_month=2024-04")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    # Over 330 FTE days available in the 12 months; lost S10 30 days (66.67%), S12 15 days (33.33%).
    assert rows == [
        ["reason_code", "reason", "fte_days_lost", "share_percent"],
        ["S10", "Anxiety/stress/depression/other psychiatric illnesses", "30.00", "66.67"],
        ["S12", "Other musculoskeletal problems", "15.00", "33.33"],
    ]
    page = client.get("/metrics?from_month=2024-03&to_month=2024-04").get_data(as_text=True)
    table = page[page.index('id="absence-reasons-table"') :]
    assert "Anxiety/stress/depression/other psychiatric illnesses" in table and "66.67" in table
    assert 'id="partner-trusts-chart"' not in page  # HR: her trust only


def test_filters_narrow_the_figures(client, world, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get("/metrics?from_month=2024-04&to_month=2024-04&staff_group=AC").get_data(as_text=True)
    assert "No figures for this period and filter" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from_month=2024-05&to_month=2024-04", "The period must end after it starts"),
        ("from_month=May&to_month=2024-04", "Enter the month as YYYY-MM"),
        ("scope=nowhere", "Not a valid choice"),
        ("from_month=2025-01&to_month=2025-03", "The records end in April 2024: choose a period that starts"),
    ],
)
def test_bad_filters_show_the_error_summary(client, world, demo_trusts, query, message):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get(f"/metrics?{query}")
    assert response.status_code == 422
    assert "There is a problem" in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)


def test_bradford_list_for_hr(client, world, demo_trusts):
    from datetime import timedelta

    recent = date.today() - timedelta(days=20)
    AbsenceFactory(
        assignment=world[2], first_day=recent, last_day=recent + timedelta(days=2), reason_code="S13"
    )
    AbsenceFactory(
        assignment=world[2], first_day=recent + timedelta(days=10), last_day=None, reason_code="S13"
    )
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    page = client.get("/metrics/bradford").get_data(as_text=True)
    # Two spells: 3 days, and an open one from 10 days ago to today (11 days): 2 x 2 x 14 = 56.
    name = world[2].staff_member.full_name
    assert re.search(
        rf"{re.escape(html.escape(name))}</th>\s*<td[^>]*>2</td>\s*<td[^>]*>14</td>\s*<td[^>]*>56</td>", page
    )


def test_plotly_is_served_by_us_with_its_styles(client):
    script = client.get("/metrics/assets/plotly.min.js")
    assert script.status_code == 200 and b"plotly.js v" in script.data[:200]
    css = client.get("/metrics/assets/plotly.css").get_data(as_text=True)
    assert ".js-plotly-plot .plotly .modebar{" in css


def _april_rate(page: str) -> float:
    trace = next(t for t in _figure(page, "sickness-trend")["data"] if t["name"] == "Rate")
    return trace["y"][trace["x"].index("2024-04")]


def test_stale_figures_are_shown_as_such_and_the_page_writes_nothing(client, session, world, demo_trusts):
    refresh_figures(session, "test")  # the usual dashboards counted and kept
    AbsenceFactory(assignment=world[3], first_day=date(2024, 4, 20), last_day=date(2024, 4, 22))
    session.flush()
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    # The test client raises WriteOnSafeRequest if a GET writes anything: a 200 proves it wrote nothing.
    response = client.get("/metrics")  # the usual view, kept before the new absence
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    said = " ".join(page.split())
    assert "The workforce records have changed since then" in said
    assert "Newer figures will be counted within 10 minutes" in said
    assert _april_rate(page) == 7.5  # 45 of 600, as kept
    assert session.scalar(select(func.count()).select_from(Job)) == 0  # the page queued no refresh

    request_refresh(session, reason="test")  # as the change's own transaction would have
    session.flush()
    assert "Newer figures are being counted now" in " ".join(
        client.get("/metrics").get_data(as_text=True).split()
    )

    # A view nobody kept is counted from the records, for this page alone.
    fresh = client.get("/metrics?from_month=2024-03&to_month=2024-04")
    assert fresh.status_code == 200
    assert "have changed since then" not in fresh.get_data(as_text=True)
    assert _april_rate(fresh.get_data(as_text=True)) == 8.0  # 48 of 600


def test_current_figures_say_which_changes_they_include(client, session, world, demo_trusts):
    refresh_figures(session, "test")
    changed_at = max(session.scalars(select(Absence.updated_at)))
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    said = " ".join(client.get("/metrics").get_data(as_text=True).split())
    shown = changed_at.astimezone(ZoneInfo("Europe/London")).strftime("%-d %B %Y at %H:%M")
    assert f"They include every change of the workforce records up to {shown}." in said
    assert "have changed since then" not in said


def test_reasons_fewer_than_five_people_were_absent_for_are_grouped(client, session, world, demo_trusts):
    # Two more people off sick in April, for a third reason: S13 alone would be about 2 people. "Other
    # reasons" must hold 5 or more, so the reason with the fewest people (S10 and S12 hold 5 each; S10
    # comes first) joins it: S10's 30 days and S13's 2 x 2 days together.
    for post in world[10:12]:
        AbsenceFactory(
            assignment=post, first_day=date(2024, 4, 15), last_day=date(2024, 4, 16), reason_code="S13"
        )
    session.flush()
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get("/metrics/charts/absence-reasons.csv?from_month=2024-03&to_month=2024-04")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["reason_code", "reason", "fte_days_lost", "share_percent"],
        ["S12", "Other musculoskeletal problems", "15.00", "30.61"],
        ["", "Other reasons", "34.00", "69.39"],
    ]
    # Staff group and band filters narrow the people: one band with a single person shows no reason.
    lonely = AssignmentFactory(
        staff_member=StaffMemberFactory(trust=demo_trusts[0]), start_date=date(2023, 1, 1), afc_band="9"
    )
    AbsenceFactory(
        assignment=lonely, first_day=date(2024, 4, 1), last_day=date(2024, 4, 19), reason_code="S13"
    )
    session.flush()
    response = client.get("/metrics/charts/absence-reasons.csv?from_month=2024-03&to_month=2024-04&band=9")
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["reason_code", "reason", "fte_days_lost", "share_percent"]
    ]
    trend = client.get("/metrics/charts/sickness-trend.csv?from_month=2024-03&to_month=2024-04&band=9")
    assert all(
        row[1] == "" for row in csv.reader(io.StringIO(trend.get_data(as_text=True))) if row[0] != "month"
    )


def test_rolling_figures_start_when_their_twelve_months_of_records_exist(client, world, demo_trusts):
    """The records begin in April 2024 (the first absence): a rolling 12-month figure first appears for
    March 2025, and the table says why the months before it are blank."""
    AbsenceFactory(assignment=world[10], first_day=date(2025, 4, 1), last_day=date(2025, 4, 3))
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get("/metrics?from_month=2025-01&to_month=2025-04").get_data(as_text=True)
    sickness = {trace["name"]: trace for trace in _figure(page, "sickness-trend")["data"]}
    rolling = sickness["Rolling 12 months"]
    # March 2025's 12 months hold April 2024's 45 days lost of 20 nurses x 365 days = 7,300: 0.62%;
    # April 2025's hold the 3 days of April 2025 alone: 0.04%.
    assert rolling["x"] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert rolling["y"] == [None, None, 0.62, 0.04]
    retention = {trace["name"]: trace for trace in _figure(page, "retention-trend")["data"]}
    assert retention["Stability index"]["y"][:2] == [None, None]
    assert retention["Stability index"]["y"][2] == 100.0
    note = "Rolling 12-month figures begin with March 2025: the records begin in April 2024"
    assert page.count(note) == 2  # under the sickness table and the leaver rate table
    full = client.get("/metrics?from_month=2025-03&to_month=2025-04").get_data(as_text=True)
    assert note not in full
