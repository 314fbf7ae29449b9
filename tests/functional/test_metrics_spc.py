"""The dashboard's statistical process control charts (issue 14): each month's sickness and leaver rate in
the Making Data Count way, read with the trust's target and recalculated from a month the director chooses;
the table and CSV carry the mean, limits and special causes the chart draws."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import plotly.graph_objects as go
import pytest

from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.factories import UserFactory

PERIOD = "from_month=2024-01&to_month=2024-12"


def _table(page: str, name: str) -> list[dict[str, str]]:
    """The chart's table as {heading: cell} per row, read from the page as a person would."""
    table = page[page.index(f'id="{name}-table"') :]
    table = table[: table.index("</table>")]
    headings = [html.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)]
    rows = []
    for body in re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", table, re.S)[1:]:
        cells = re.findall(r"</span>(.*?)</t[hd]>", body, re.S)
        rows.append({h: re.sub(r"<[^>]+>", "", c).strip() for h, c in zip(headings, cells, strict=True)})
    return rows


def _words(page: str) -> str:
    """The page's text as read: tags gone, white space single, no space before punctuation."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([,.:;])", r"\1", text)


def _figure(page: str, name: str) -> dict:
    match = re.search(rf'id="{name}-chart" data-figure="([^"]*)"', page)
    assert match, f"no figure for {name}"
    return json.loads(html.unescape(match.group(1)))


def test_a_month_outside_the_limits_is_a_concern_and_the_steady_run_below_the_mean_an_improvement(
    client, steady_then_a_bad_month, demo_trusts
):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get(f"/metrics?{PERIOD}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = _table(page, "sickness-spc")
    assert [row["Month"] for row in rows][0] == "January 2024" and len(rows) == 12
    rates = [Decimal(row["Rate (%)"]) for row in rows]
    assert rates[-1] == Decimal("8.06") and all(rate < Decimal("0.35") for rate in rates[:-1])
    # The mean is that of the twelve months' rates (as charted, to two places).
    mean = Decimal(rows[0]["Mean (%)"])
    assert abs(mean - sum(rates) / 12) < Decimal("0.01")
    assert {row["Mean (%)"] for row in rows} == {rows[0]["Mean (%)"]}  # one segment: one mean
    # December's jump is screened out of the moving ranges, so the limits hug the steady months and
    # December is outside them; the eleven months before sit below the mean, a run of 7 or more.
    upper = Decimal(rows[0]["Upper process limit (%)"])
    assert max(rates[:-1]) < upper < Decimal("1.1") < rates[-1]
    assert rows[-1]["Special cause"].startswith("Concern: outside the process limits")
    assert all(row["Special cause"].startswith("Improvement:") for row in rows[:-1])
    assert "in a run of 7 on one side of the mean" in rows[0]["Special cause"]
    said = _words(page)
    assert "Special cause: concern, higher" in said
    assert "The sickness absence rate was 8.06% in December 2024." in said
    # The figure draws the same: each special-cause point as its own trace, with the mean and limits.
    figure = _figure(page, "sickness-spc")
    go.Figure(figure)  # plotly accepts every property
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert traces["Special cause: concern"]["x"] == ["2024-12"]
    assert len(traces["Special cause: improvement"]["x"]) == 11
    assert {"Sickness rate", "Mean", "Process limits"} <= set(traces)
    assert "Target" not in traces  # no target set
    assert "leaver-spc-reading" in page  # the leaver rate is read the same way


def test_the_trusts_target_draws_a_line_and_gives_the_assurance_icon(
    client, session, steady_then_a_bad_month, demo_trusts
):
    rpg = demo_trusts[0]
    rpg.sickness_target_percent = Decimal("4.5")
    session.flush()
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=rpg))
    page = client.get(f"/metrics?{PERIOD}").get_data(as_text=True)
    # The limits hug ~0.3%, far below 4.5%: with lower better, the target is met unless things change.
    assert "Target met consistently" in _words(page)
    assert "The target of 4.5% lies above the upper process limit" in _words(page)
    traces = {trace["name"]: trace for trace in _figure(page, "sickness-spc")["data"]}
    assert set(traces["Target"]["y"]) == {4.5}
    assert {row["Target (%)"] for row in _table(page, "sickness-spc")} == {"4.50"}
    # The leaver rate has no target of its own: no assurance there.
    leavers = page[page.index('id="leaver-spc-reading"') :]
    assert "Target" not in leavers[: leavers.index("</div>")]


def test_limits_recalculated_from_a_chosen_month(client, steady_then_a_bad_month, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get(f"/metrics?{PERIOD}&limits_from=2024-07").get_data(as_text=True)
    rows = _table(page, "sickness-spc")
    rates = [Decimal(row["Rate (%)"]) for row in rows]
    before, after = {row["Mean (%)"] for row in rows[:6]}, {row["Mean (%)"] for row in rows[6:]}
    assert len(before) == len(after) == 1 and before != after
    expected_after = (sum(rates[6:]) / 6).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert abs(Decimal(after.pop()) - expected_after) <= Decimal("0.01")
    said = _words(page)
    assert "The mean and limits are recalculated from July 2024." in said
    assert "Since July 2024 it has averaged" in said
    assert "provisional" in said  # six months are too few for firm limits
    # The CSV has the same columns, the recalculated means included.
    response = client.get(f"/metrics/charts/sickness-spc.csv?{PERIOD}&limits_from=2024-07")
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["mean"] for row in table] == [row["Mean (%)"] for row in rows]
    assert table[-1]["special_cause"].startswith("Concern")


@pytest.mark.parametrize(
    ("limits_from", "message"),
    [
        ("2023-12", "Choose a month from January 2024 to December 2024, inside the period shown"),
        ("2025-01", "Choose a month from January 2024 to December 2024, inside the period shown"),
        ("July", "Enter the month as YYYY-MM"),
    ],
)
def test_limits_from_outside_the_period_is_refused(
    client, steady_then_a_bad_month, demo_trusts, limits_from, message
):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get(f"/metrics?{PERIOD}&limits_from={limits_from}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert 'href="#limits_from"' in page  # the error summary leads to the field


def test_the_page_names_the_latest_month_with_records_and_draws_nothing_after_it(
    client, steady_then_a_bad_month, demo_trusts
):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    usual = _words(client.get("/metrics").get_data(as_text=True))
    assert "Data as of December 2024, the latest month with records." in usual
    assert "later months are not shown" not in usual
    # Asked for all of 2025 as well: the figures stop at December 2024, and the page says why.
    response = client.get("/metrics?from_month=2024-01&to_month=2025-12")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The period asked for reaches past it; later months are not shown." in _words(page)
    months = [row["Month"] for row in _table(page, "sickness-spc")]
    assert months[-1] == "December 2024" and len(months) == 12
    assert 'value="2024-12"' in page  # the form shows the period drawn
    # A period wholly after the records is refused, naming where they end.
    refused = client.get("/metrics?from_month=2025-02&to_month=2025-12")
    assert refused.status_code == 422
    assert "The records end in December 2024: choose a period that starts by then" in _words(
        refused.get_data(as_text=True)
    )


def test_the_dashboard_leads_to_the_board_report_and_the_target(
    client, session, steady_then_a_bad_month, demo_trusts
):
    rpg = demo_trusts[0]
    rpg.sickness_target_percent = Decimal("4.5")
    session.flush()
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=rpg))
    page = client.get(f"/metrics?{PERIOD}").get_data(as_text=True)
    said = _words(page)
    assert "Board report for December 2024" in said and "Sickness absence target: 4.5%" in said
    assert 'href="/metrics/board-report?scope=RPG&amp;month=2024-12"' in page
    assert 'href="/metrics/board-report.pdf?scope=RPG&amp;month=2024-12"' in page
    assert 'href="/metrics/sickness-target?scope=RPG"' in page  # the trust's director sets it
    hr = client.application.test_client()
    sign_in(hr, UserFactory(role=Role.HR, trust=rpg))
    seen_by_hr = hr.get(f"/metrics?{PERIOD}").get_data(as_text=True)
    assert "Sickness absence target: 4.5%" in _words(seen_by_hr)
    assert "/metrics/sickness-target" not in seen_by_hr  # HR sees the target, does not set it
