"""Plotly figures for the dashboard's charts, and plotly's own JavaScript and CSS served by us.

Figures are built from exactly the rows of each chart's table and CSV (dashboard.ChartData) and handed
to the page as JSON in a data attribute; passport/static/js/metrics.js draws them. No CDN, no inline
script. The JavaScript is plotly.js's prebuilt "basic" partial bundle from the npm registry
(plotly.js-basic-dist-min, pinned in package.json to the plotly.js version the Python plotly wheel
bundles, whose classes the tests check every figure with): it holds the scatter, bar and pie traces, and
our charts use only scatter and bar. scripts/build_assets.py copies it, with a gzip copy, to PLOTLY_JS and
PLOTLY_JS_GZIP. plotly.js would add its stylesheet as an inline <style> element, which our Content-
Security-Policy refuses; it skips that when the page already links a stylesheet with the id
"plotly.js-style-global" and the class "no-inline-styles", so we serve its rules as a file, read out of
the very bundle we serve (they stay in step when plotly is upgraded).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from passport.metrics.dashboard import ChartData
from passport.metrics.spc_charts import spc_figure

PLOTLY_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly"
PLOTLY_JS = PLOTLY_DIR / "plotly-basic.min.js"
PLOTLY_JS_GZIP = PLOTLY_DIR / "plotly-basic.min.js.gz"
NHS_COLOURS = ["#005eb8", "#d5281b", "#007f3b", "#7C2855", "#ffb81C", "#330072", "#425563"]
_RULE = re.compile(r'"((?:[^"\\]|\\.)*)":(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\')')


@lru_cache(maxsize=1)
def _bundle() -> str:
    return PLOTLY_JS.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def plotly_fingerprint() -> str:
    """A short hash of the bundle served: its URLs carry it, so browsers may keep it for a year and still
    fetch the new one (and its new stylesheet) the moment plotly is upgraded."""
    return hashlib.sha256(PLOTLY_JS.read_bytes()).hexdigest()[:16]


@lru_cache(maxsize=1)
def plotly_css() -> str:
    """plotly.js's global style rules (normally injected at run time) as a stylesheet."""
    bundle = _bundle()
    start = bundle.find('{"X,X div":')
    end = bundle.find("};for(", start)
    if start < 0 or end < 0:
        return "/* plotly.js style rules not found in this version of the bundle */\n"
    rules = [css for _id, css in bundled_styles()]
    for selector, double, single in _RULE.findall(bundle[start : end + 1]):
        body = double or single
        selector = (
            re.sub(r"^,", " ,", selector)
            .replace("X", ".js-plotly-plot .plotly")
            .replace("Y", ".plotly-notifier")
        )
        rules.append(f"{selector}{{{body}}}")
    return "\n".join(rules) + "\n"


@lru_cache(maxsize=1)
def plotly_css_gzip() -> bytes:
    """plotly_css() gzipped, once per process."""
    return gzip.compress(plotly_css().encode("utf-8"), compresslevel=9, mtime=0)


# Stylesheets the bundle adds once at load time (maplibre's, in the basic bundle too), unless an element
# with their id exists.
_BUNDLED_STYLE = re.compile(
    r'if\(!document\.getElementById\("([0-9a-f]+)"\)\)\{var (\w)=document\.createElement\("style"\);'
    r"\2\.id=\"\1\",\2\.textContent='((?:[^'\\]|\\.)*)'"
)


@lru_cache(maxsize=1)
def bundled_styles() -> list[tuple[str, str]]:
    """(element id, CSS) of each stylesheet the served bundle would inject as an inline <style>: the page
    gives an element each id (so the bundle skips it) and plotly.css carries the CSS."""
    return [(match.group(1), match.group(3)) for match in _BUNDLED_STYLE.finditer(_bundle())]


def bundled_style_ids() -> list[str]:
    return [style_id for style_id, _css in bundled_styles()]


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    # No title inside the figure: the section's heading names the chart just above it, and on a phone a
    # title drawn by plotly would crowd the legend and the plot.
    return {
        "font": {"family": "Frutiger W01, Arial, sans-serif", "size": 14},
        "colorway": NHS_COLOURS,
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.2, "yanchor": "top"},
        "margin": {"l": 60, "r": 20, "t": 20, "b": 60},
        "hovermode": "x unified",
        **extra,
    }


def _scatter(x: list[Any], y: list[Any], name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": x, "y": y, "name": name, "mode": "lines+markers", **extra}


def _bar(x: list[Any], y: list[Any], name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "bar", "x": x, "y": y, "name": name, **extra}


# Each line of the sickness chart: its colour, dash and marker differ, so lines stay apart in greyscale and
# for every kind of colour blindness; at most four are drawn at first, the others a click on the legend
# away ("legendonly").
SICKNESS_LINES = {
    "rate_percent": ("#005eb8", "solid", "circle", True),
    "rolling_12_month_rate_percent": ("#212b32", "solid", "", True),
    "published_rate_percent": ("#d5281b", "dot", "square", True),
    "published_england_rate_percent": ("#007f3b", "dashdot", "diamond", True),
    "published_region_rate_percent": ("#7C2855", "dash", "triangle-up", False),
    "published_org_type_rate_percent": ("#330072", "longdash", "x", False),
}


def _sickness_line(x: list[Any], rows: list[dict[str, Any]], key: str, heading: str) -> dict[str, Any]:
    colour, dash, marker, shown = SICKNESS_LINES[key]
    line: dict[str, Any] = _scatter(
        x,
        [_number(row[key]) for row in rows],
        heading.replace(" (%)", ""),
        line={"color": colour, "dash": dash, "width": 3 if key == "rate_percent" else 2},
        connectgaps=False,
    )
    if marker:
        line["marker"] = {"symbol": marker, "size": 7, "color": colour}
    else:
        line["mode"] = "lines"
    if not shown:
        line["visible"] = "legendonly"
    return line


def _whole_number_axis(largest: Any) -> dict[str, Any]:
    """A count's axis: whole-number ticks only (plotly would put half a person between 0 and 1)."""
    axis: dict[str, Any] = {"rangemode": "tozero", "tickformat": ",d"}
    if not largest or largest <= 10:
        axis["dtick"] = 1
    return axis


def _panels(count: int, gap: float = 0.08) -> list[tuple[float, float]]:
    width = (1 - gap * (count - 1)) / count
    return [(i * (width + gap), i * (width + gap) + width) for i in range(count)]


def figure(chart: ChartData) -> dict[str, Any] | None:
    """The plotly figure for a chart (its ``data`` and ``layout``, as plotly.js takes them), or None for a
    chart shown only as a table. Each measure has an axis of its own (two measures: two panels, never a
    second scale over the first).

    Written as plain dictionaries rather than through plotly's ``graph_objects``, whose checking of every
    property cost about 5 ms a chart, three quarters of a dashboard page's time; the tests pass each
    figure through ``plotly.graph_objects.Figure``, which refuses any property plotly does not know."""
    rows = chart.rows
    if chart.kind == "table" or not rows:
        return None
    if chart.kind == "spc":
        if chart.spc is None:  # not read (passport.metrics.spc_charts): its table only
            return None
        y_title = "% of FTE days lost" if chart.name == "sickness-spc" else "Leavers, % of headcount"
        return spc_figure(chart, _layout(y_title))
    first_key = chart.columns[0][0]
    x = [row[first_key] for row in rows]
    if chart.name == "sickness-trend":
        data = [
            _sickness_line(x, rows, key, heading)
            for key, heading in chart.columns[1:]
            if key in SICKNESS_LINES
        ]
        layout = _layout("% of FTE days lost")
    elif chart.name == "sickness-term":
        data, layout = _sickness_term_figure(chart, x)
    elif chart.name == "retention-trend":
        # Two panels, one above the other on the same months: the leaver rate (about 5 to 15%) and the
        # stability index (about 85 to 100%) each on an axis of its own.
        headings = dict(chart.columns)
        data = [
            _scatter(
                x,
                [_number(r[key]) for r in rows],
                headings[key].replace(" (%)", ""),
                line={"color": colour, "dash": dash},
                marker={"symbol": symbol, "color": colour},
            )
            for key, colour, dash, symbol in (
                ("leaver_rate_percent", "#005eb8", "solid", "circle"),
                ("fte_leaver_rate_percent", "#d5281b", "dot", "square"),
            )
        ]
        data.append(
            _scatter(
                x,
                [_number(r["stability_percent"]) for r in rows],
                "Stability index",
                yaxis="y2",
                line={"color": "#007f3b", "dash": "dash"},
                marker={"symbol": "diamond", "color": "#007f3b"},
            )
        )
        layout = _layout(
            "Leaver rate, 12 months (%)",
            height=560,
            yaxis={"title": {"text": "Leaver rate (%)"}, "rangemode": "tozero", "domain": [0.56, 1]},
            yaxis2={"title": {"text": "Stability index (%)"}, "domain": [0, 0.44], "anchor": "x"},
            xaxis={"anchor": "y2"},
        )
    elif chart.name == "absence-reasons":
        ordered = list(reversed(rows))
        data = [
            _bar(
                [_number(r["share_percent"]) for r in ordered],
                [f"{r['reason_code']} {r['reason'][:40]}" for r in ordered],
                "Share of FTE days lost",
                orientation="h",
                marker={"color": "#005eb8"},
            )
        ]
        layout = _layout(
            "",
            xaxis={"title": {"text": "% of FTE days lost"}},
            height=max(300, 40 * len(rows) + 120),
            showlegend=False,
        )
    elif chart.name == "secondments":
        data = [
            _bar(x, [r[key] for r in rows], heading, marker={"color": colour, "pattern": {"shape": shape}})
            for (key, heading), colour, shape in zip(
                chart.columns[1:], ("#005eb8", "#768692"), ("", "/"), strict=False
            )
        ]
        largest = max((r[key] or 0 for r in rows for key, _h in chart.columns[1:]), default=0)
        layout = _layout(
            "People", barmode="group", yaxis={"title": {"text": "People"}, **_whole_number_axis(largest)}
        )
    elif chart.name == "partner-trusts":
        data, layout = _partner_trusts_figure(chart, x)
    else:
        data = [
            _bar(x, [_number(r[key]) for r in rows], heading.replace(" (%)", ""))
            for key, heading in chart.columns[1:]
        ]
        layout = _layout("%", barmode="group")
    return {"data": data, "layout": layout}


def _sickness_term_figure(chart: ChartData, x: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Two panels on the same months: the short- and long-term rates (stacked: together they are the
    month's rate) above, the episodes starting below, each on its own axis (a rate and a count)."""
    rows = chart.rows
    terms = (("short_term", "Short-term", "#005eb8", ""), ("long_term", "Long-term", "#b35900", "/"))
    data: list[dict[str, Any]] = [
        _bar(
            x,
            [_number(r[f"{key}_rate_percent"]) for r in rows],
            f"{label} rate",
            marker={"color": colour, "pattern": {"shape": shape}},
            legendgroup=key,
        )
        for key, label, colour, shape in terms
    ]
    data += [
        _scatter(
            x,
            [r[f"{key}_episodes"] for r in rows],
            f"{label} episodes starting",
            yaxis="y2",
            line={"color": colour, "dash": "solid" if key == "short_term" else "dash"},
            marker={"symbol": "circle" if key == "short_term" else "diamond", "color": colour},
            legendgroup=key,
            connectgaps=False,
        )
        for key, label, colour, _shape in terms
    ]
    largest = max((r[f"{key}_episodes"] or 0 for r in rows for key, *_rest in terms), default=0)
    layout = _layout(
        "% of FTE days lost",
        barmode="stack",
        height=560,
        yaxis={"title": {"text": "% of FTE days lost"}, "rangemode": "tozero", "domain": [0.56, 1]},
        yaxis2={
            "title": {"text": "Episodes starting"},
            "domain": [0, 0.44],
            "anchor": "x",
            **_whole_number_axis(largest),
        },
        xaxis={"anchor": "y2"},
    )
    return data, layout


def _partner_trusts_figure(
    chart: ChartData, trusts: list[Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Side-by-side panels, one a measure (sickness, leaver rate, stability), each with its own axis: on
    one 0-100 axis, 4% and 5% would be slivers beside 95%."""
    measures = chart.columns[1:]
    data: list[dict[str, Any]] = []
    layout = _layout(
        "", showlegend=False, height=380, hovermode="closest", margin={"l": 50, "r": 10, "t": 40, "b": 60}
    )
    annotations = []
    for number, ((key, heading), (left, right)) in enumerate(
        zip(measures, _panels(len(measures)), strict=True), 1
    ):
        suffix = "" if number == 1 else str(number)
        data.append(
            _bar(
                trusts,
                [_number(r[key]) for r in chart.rows],
                heading.replace(" (%)", ""),
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
                marker={"color": ["#425563" if t == "Partnership" else "#005eb8" for t in trusts]},
            )
        )
        layout[f"xaxis{suffix}"] = {"domain": [left, right], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "rangemode": "tozero", "ticksuffix": "%"}
        annotations.append(
            {
                "text": heading.replace(" (%)", ""),
                "xref": "paper",
                "yref": "paper",
                "x": (left + right) / 2,
                "y": 1.08,
                "showarrow": False,
                "xanchor": "center",
            }
        )
    layout["annotations"] = annotations
    return data, layout


def figure_json(chart: ChartData) -> str | None:
    built = figure(chart)
    return None if built is None else json.dumps(built, separators=(",", ":"))
