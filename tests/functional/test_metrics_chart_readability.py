"""Charts a director can read (issue 14): one measure per axis, at most four lines drawn at first (the rest
behind the legend), lines told apart without colour, whole numbers on a count's axis."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from passport.auth.models import Role
from tests.conftest import sign_in
from tests.functional.test_metrics_dashboard import _figure, world  # noqa: F401 (a fixture)
from tests.support.factories import UserFactory

QUERY = "/metrics?from_month=2024-03&to_month=2024-04"


def _page(client, demo_trusts) -> str:  # type: ignore[no-untyped-def]
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    return client.get(QUERY).get_data(as_text=True)


def _drawn_lines(figure: dict) -> list[dict]:
    return [
        trace
        for trace in figure["data"]
        if trace["type"] == "scatter"
        and "lines" in trace.get("mode", "lines")
        and trace.get("visible", True) is True
    ]


@pytest.mark.usefixtures("world")
def test_no_chart_draws_more_than_four_lines_and_each_line_differs_in_more_than_colour(client, demo_trusts):
    page = _page(client, demo_trusts)
    for name in ("sickness-spc", "sickness-trend", "leaver-spc", "retention-trend"):
        lines = _drawn_lines(_figure(page, name))
        assert 1 <= len(lines) <= 4, name
        # Dash and marker together: two lines may share a colour's shade in greyscale, never both.
        looks = {
            (trace["line"].get("dash", "solid"), (trace.get("marker") or {}).get("symbol")) for trace in lines
        }
        assert len(looks) == len(lines), name
    sickness = {trace["name"]: trace for trace in _figure(page, "sickness-trend")["data"]}
    assert len(sickness) == 6  # the published rates for the region and the type are a click away
    hidden = {name for name, trace in sickness.items() if trace.get("visible") == "legendonly"}
    assert len(hidden) == 2 and all(name.startswith("Published, ") for name in hidden)


@pytest.mark.usefixtures("world")
def test_each_measure_has_its_own_axis(client, demo_trusts):
    page = _page(client, demo_trusts)
    retention = go.Figure(_figure(page, "retention-trend"))
    axes = {trace.name: trace.yaxis or "y" for trace in retention.data}
    assert axes["Leaver rate"] == axes["Leaver rate by FTE"] == "y" and axes["Stability index"] == "y2"
    # One panel above the other, not a second scale drawn over the first.
    assert retention.layout.yaxis2.overlaying is None
    assert retention.layout.yaxis.domain[0] > retention.layout.yaxis2.domain[1]
    term = go.Figure(_figure(page, "sickness-term"))
    axes = {trace.name: trace.yaxis or "y" for trace in term.data}
    assert axes["Short-term rate"] == axes["Long-term rate"] == "y"
    assert axes["Short-term episodes starting"] == axes["Long-term episodes starting"] == "y2"
    assert term.layout.yaxis2.tickformat == ",d"
    partner = go.Figure(_figure(page, "partner-trusts"))
    assert [trace.yaxis or "y" for trace in partner.data] == ["y", "y2", "y3"]
    assert [trace.name for trace in partner.data] == ["Sickness rate", "Leaver rate", "Stability index"]


@pytest.mark.usefixtures("world")
def test_a_count_of_people_has_whole_number_ticks(client, demo_trusts):
    page = _page(client, demo_trusts)
    secondments = _figure(page, "secondments")
    assert secondments["layout"]["yaxis"]["tickformat"] == ",d"
    assert secondments["layout"]["yaxis"]["dtick"] == 1  # a handful of people: one tick a person
