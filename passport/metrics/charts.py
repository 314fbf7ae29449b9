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


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "font": {"family": "Frutiger W01, Arial, sans-serif", "size": 14},
        "colorway": NHS_COLOURS,
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.25},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 80},
        "hovermode": "x unified",
        **extra,
    }


def _scatter(x: list[Any], y: list[Any], name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": x, "y": y, "name": name, "mode": "lines+markers", **extra}


def _bar(x: list[Any], y: list[Any], name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "bar", "x": x, "y": y, "name": name, **extra}


def figure(chart: ChartData) -> dict[str, Any] | None:
    """The plotly figure for a chart (its ``data`` and ``layout``, as plotly.js takes them), or None for a
    chart shown only as a table.

    Written as plain dictionaries rather than through plotly's ``graph_objects``, whose checking of every
    property cost about 5 ms a chart, three quarters of a dashboard page's time; the tests pass each
    figure through ``plotly.graph_objects.Figure``, which refuses any property plotly does not know."""
    rows = chart.rows
    if chart.kind == "table" or not rows:
        return None
    first_key = chart.columns[0][0]
    x = [row[first_key] for row in rows]
    if chart.name == "sickness-trend":
        data = []
        for key, heading in chart.columns[1:]:
            dashed = key.startswith("published")
            data.append(
                _scatter(
                    x,
                    [_number(row[key]) for row in rows],
                    heading.replace(" (%)", ""),
                    line={"dash": "dot" if dashed else "solid", "width": 2 if dashed else 3},
                    connectgaps=False,
                )
            )
        layout = _layout(chart.title, "% of FTE days lost")
    elif chart.name == "retention-trend":
        headings = dict(chart.columns)
        data = [
            _scatter(x, [_number(r[key]) for r in rows], headings[key].replace(" (%)", ""))
            for key in ("leaver_rate_percent", "fte_leaver_rate_percent")
        ]
        data.append(
            _scatter(
                x,
                [_number(r["stability_percent"]) for r in rows],
                "Stability index",
                yaxis="y2",
                line={"dash": "dash"},
            )
        )
        layout = _layout(
            chart.title,
            "Leaver rate, 12 months (%)",
            yaxis2={
                "title": {"text": "Stability index (%)"},
                "overlaying": "y",
                "side": "right",
                "range": [0, 100],
            },
        )
    elif chart.name == "absence-reasons":
        ordered = list(reversed(rows))
        data = [
            _bar(
                [_number(r["share_percent"]) for r in ordered],
                [f"{r['reason_code']} {r['reason'][:40]}" for r in ordered],
                "Share of FTE days lost",
                orientation="h",
            )
        ]
        layout = _layout(
            chart.title,
            "",
            xaxis={"title": {"text": "% of FTE days lost"}},
            height=max(300, 40 * len(rows) + 120),
        )
    elif chart.name == "secondments":
        data = [_bar(x, [r[key] for r in rows], heading) for key, heading in chart.columns[1:]]
        layout = _layout(chart.title, "People", barmode="group")
    else:
        data = [
            _bar(x, [_number(r[key]) for r in rows], heading.replace(" (%)", ""))
            for key, heading in chart.columns[1:]
        ]
        layout = _layout(chart.title, "%", barmode="group")
    return {"data": data, "layout": layout}


def figure_json(chart: ChartData) -> str | None:
    built = figure(chart)
    return None if built is None else json.dumps(built, separators=(",", ":"))
