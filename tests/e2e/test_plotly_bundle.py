"""The dashboard's figures against the plotly.js bundle actually served (a partial bundle: scatter, bar and
pie): every property of every figure is in that bundle's schema, and each chart is drawn with one trace for
every trace it shows. (The Python plotly classes check the same figures against the full bundle's schema:
tests/functional/test_metrics_dashboard.py.)"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

AXIS = re.compile(r"^([xy]axis)\d+$")


def _unknown(value: dict, attributes: dict, path: str = "") -> list[str]:  # type: ignore[type-arg]
    """The properties of a figure's trace or layout (``value``) that plotly.js's schema (``attributes``)
    does not have, as dotted paths."""
    missing = []
    for key, given in value.items():
        spec = attributes.get(AXIS.sub(r"\1", key))
        if spec is None:
            missing.append(path + key)
        elif isinstance(given, dict) and isinstance(spec, dict) and "valType" not in spec:
            missing += _unknown(given, spec, f"{path}{key}.")
        elif isinstance(given, list) and isinstance(spec, dict) and isinstance(spec.get("items"), dict):
            item = next(iter(spec["items"].values()))
            for index, each in enumerate(given):
                missing += _unknown(each, item, f"{path}{key}[{index}].")
    return missing


SCHEMA = """() => {
  const schema = JSON.parse(JSON.stringify(Plotly.PlotSchema.get()));
  const layout = Object.assign({}, schema.layout.layoutAttributes);
  for (const trace of Object.values(schema.traces)) Object.assign(layout, trace.layoutAttributes || {});
  const traces = {};
  for (const [name, trace] of Object.entries(schema.traces)) traces[name] = trace.attributes;
  return {layout, traces};
}"""

DRAWN = """element => [
  JSON.parse(element.getAttribute('data-figure')),
  element.querySelectorAll('.scatterlayer .trace').length,
  element.querySelectorAll('.barlayer .trace').length,
]"""


def test_every_figure_uses_only_what_the_served_bundle_knows_and_draws(page, live_server):
    sign_in(page, "director@rpg.example")
    page.get_by_role("link", name=re.compile("Retention and sickness")).first.click()
    charts = page.locator(".metrics-chart[data-figure]")
    expect(charts.last).to_have_attribute("data-drawn", "true", timeout=15_000)
    schema = page.evaluate(SCHEMA)
    assert _unknown({"legend": {"orientation": "h", "nope": 1}}, schema["layout"]) == ["legend.nope"]
    assert charts.count() >= 7
    for index in range(charts.count()):
        chart = charts.nth(index)
        expect(chart).to_have_attribute("data-drawn", "true")
        name = chart.get_attribute("id")
        figure, scatter_traces, bar_traces = chart.evaluate(DRAWN)
        missing = _unknown(figure["layout"], schema["layout"], "layout.")
        for number, trace in enumerate(figure["data"]):
            kind = trace.get("type", "scatter")
            assert kind in schema["traces"], f"{name}: no {kind} trace in the served bundle"
            missing += _unknown(trace, schema["traces"][kind], f"data[{number}].")
        assert not missing, f"{name}: {missing} unknown to the served bundle"
        # A trace shown in the legend only ("legendonly") is drawn when chosen there.
        kinds = [
            trace.get("type", "scatter") for trace in figure["data"] if trace.get("visible", True) is True
        ]
        assert [scatter_traces, bar_traces] == [kinds.count("scatter"), kinds.count("bar")], name
