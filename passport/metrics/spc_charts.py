"""The dashboard's statistical process control charts: the month-by-month sickness and leaver rates read
the Making Data Count way (passport.metrics.spc), with their icons, a sentence, the table's columns and
the plotly figure.

The reading is worked out when a chart is shown, not when the figures are counted: it depends on the
trust's sickness target and on the month the director recalculates the limits from, and it takes well
under a millisecond for the months a dashboard shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from passport.formatting import uk_month
from passport.metrics.dashboard import ChartData, Dashboard
from passport.metrics.queries import month_label
from passport.metrics.spc import (
    AssuranceIcon,
    ImprovementDirection,
    PointType,
    SpecialCauseRule,
    VariationIcon,
    XmrChart,
    analyse_xmr_chart,
    describe_chart,
    format_number,
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SpcMeasure:
    value_key: str  # the row key of the value charted
    measure_name: str  # as a sentence starts with it
    short_name: str  # in the legend and the table
    direction: ImprovementDirection
    takes_target: bool  # whether the trust's sickness target applies


SPC_MEASURES = {
    "sickness-spc": SpcMeasure(
        "rate_percent", "The sickness absence rate", "Sickness rate", ImprovementDirection.DECREASE, True
    ),
    "leaver-spc": SpcMeasure(
        "leaver_rate_percent", "The leaver rate", "Leaver rate", ImprovementDirection.DECREASE, False
    ),
}


@dataclass(frozen=True)
class SpcReading:
    """What the page says about an SPC chart, beside it."""

    sentence: str
    variation: VariationIcon | None
    variation_words: str | None
    assurance: AssuranceIcon | None
    assurance_words: str | None
    limits_from: str | None  # the month the current limits start (YYYY-MM), when recalculated


VARIATION_WORDS = {
    VariationIcon.COMMON_CAUSE: "Common cause variation",
    VariationIcon.IMPROVEMENT_HIGH: "Special cause: improvement, higher",
    VariationIcon.IMPROVEMENT_LOW: "Special cause: improvement, lower",
    VariationIcon.CONCERN_HIGH: "Special cause: concern, higher",
    VariationIcon.CONCERN_LOW: "Special cause: concern, lower",
    VariationIcon.NEUTRAL_HIGH: "Special cause: higher",
    VariationIcon.NEUTRAL_LOW: "Special cause: lower",
}
ASSURANCE_WORDS = {
    AssuranceIcon.CONSISTENTLY_PASSING: "Target met consistently",
    AssuranceIcon.CONSISTENTLY_FAILING: "Target missed consistently",
    AssuranceIcon.HIT_AND_MISS: "Target hit and missed at random",
}
POINT_WORDS = {
    PointType.SPECIAL_CAUSE_IMPROVEMENT: "Improvement",
    PointType.SPECIAL_CAUSE_CONCERN: "Concern",
    PointType.SPECIAL_CAUSE_NEUTRAL_HIGH: "Unusually high",
    PointType.SPECIAL_CAUSE_NEUTRAL_LOW: "Unusually low",
}
RULE_WORDS = {
    SpecialCauseRule.OUTSIDE_PROCESS_LIMITS: "outside the process limits",
    SpecialCauseRule.SHIFT: "in a run of 7 on one side of the mean",
    SpecialCauseRule.TREND: "in 7 rising or falling in a row",
    SpecialCauseRule.TWO_OF_THREE_BEYOND_TWO_SIGMA: "2 of 3 close to a limit",
}
RULE_ORDER = list(RULE_WORDS)

# Making Data Count's colours (blue improvement, orange concern, grey common cause, purple neither),
# darkened to at least 3:1 against white, with a shape of their own each so they read in greyscale too.
POINT_STYLE = {
    PointType.COMMON_CAUSE: ("Common cause", "#4c6272", "circle"),
    PointType.SPECIAL_CAUSE_IMPROVEMENT: ("Special cause: improvement", "#005eb8", "square"),
    PointType.SPECIAL_CAUSE_CONCERN: ("Special cause: concern", "#b35900", "diamond"),
    PointType.SPECIAL_CAUSE_NEUTRAL_HIGH: ("Special cause: higher", "#330072", "triangle-up"),
    PointType.SPECIAL_CAUSE_NEUTRAL_LOW: ("Special cause: lower", "#330072", "triangle-down"),
}


def _cents(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _percent(value: float | Decimal) -> str:
    """To two places as the tables are, without trailing zeros: 4.3%, 0.97%, 5%."""
    return format_number(float(value), "%", 2)


def read_spc_charts(board: Dashboard, *, target_percent: Decimal | None, limits_from: int | None) -> None:
    """Replaces each SPC chart of ``board`` by one with its reading, and the mean, limits, target and
    special causes as columns of its table (and so of its CSV). ``limits_from`` is a month index: the
    limits are worked out again from it on (Making Data Count's recalculation after a change)."""
    for name, measure in SPC_MEASURES.items():
        chart = board.charts.get(name)
        if chart is None:
            continue
        target = target_percent if measure.takes_target else None
        board.charts[name] = _read(chart, measure, board.period.first_month, target, limits_from)


def _read(
    chart: ChartData,
    measure: SpcMeasure,
    first_month: int,
    target: Decimal | None,
    limits_from: int | None,
) -> ChartData:
    values = [row[measure.value_key] for row in chart.rows]
    offset = None if limits_from is None else limits_from - first_month
    rebase_at = [offset] if offset is not None and 0 < offset < len(values) else []
    xmr = analyse_xmr_chart(
        values,
        measure.direction,
        target=None if target is None else float(target),
        rebase_at=rebase_at,
    )
    rows = []
    for row, point in zip(chart.rows, xmr.points, strict=True):
        # A rate cannot fall below 0, so neither can its lower limit.
        lower = None if point.lower_process_limit is None else max(point.lower_process_limit, 0.0)
        extra: dict[str, Any] = {
            "mean": _cents(point.mean),
            "lower_process_limit": _cents(lower),
            "upper_process_limit": _cents(point.upper_process_limit),
        }
        if target is not None:
            extra["target"] = Decimal(target).quantize(CENT)
        extra["special_cause"] = _special_cause_words(point.point_type, point.rules)
        # Not a column (the table and CSV say it in words): what the figure and the board report draw.
        extra["point_type"] = point.point_type
        rows.append({**row, **extra})
    columns = [
        *chart.columns,
        ("mean", "Mean (%)"),
        ("lower_process_limit", "Lower process limit (%)"),
        ("upper_process_limit", "Upper process limit (%)"),
        *([("target", "Target (%)")] if target is not None else []),
        ("special_cause", "Special cause"),
    ]
    reading = SpcReading(
        sentence=_sentence(xmr, chart, measure),
        variation=xmr.variation,
        variation_words=VARIATION_WORDS.get(xmr.variation) if xmr.variation else None,
        assurance=xmr.assurance,
        assurance_words=ASSURANCE_WORDS.get(xmr.assurance) if xmr.assurance else None,
        limits_from=month_label(limits_from) if rebase_at and limits_from is not None else None,
    )
    return replace(chart, columns=columns, rows=rows, spc=reading)


def _special_cause_words(point_type: PointType | None, rules: frozenset[SpecialCauseRule]) -> str:
    if point_type is None or point_type is PointType.COMMON_CAUSE:
        return ""
    reasons = ", ".join(RULE_WORDS[rule] for rule in RULE_ORDER if rule in rules)
    return f"{POINT_WORDS[point_type]}: {reasons}"


def _sentence(xmr: XmrChart, chart: ChartData, measure: SpcMeasure) -> str:
    """The chart in words, for the page and for a board paper: the latest month, the mean and limits it is
    judged against, then the icons' meaning (passport.metrics.spc.describe_chart)."""
    latest = xmr.latest_point
    if latest is None or latest.value is None:
        return describe_chart(xmr, measure.measure_name, unit="%", decimals=2)
    segment = xmr.segments[latest.segment]
    month = uk_month(chart.rows[latest.index]["month"])
    lead = f"{measure.measure_name} was {_percent(latest.value)} in {month}."
    if segment.mean is not None and segment.upper_process_limit is not None:
        since = uk_month(chart.rows[segment.first_index]["month"])
        lower = max(segment.lower_process_limit or 0.0, 0.0)
        lead += (
            f" Since {since} it has averaged {_percent(segment.mean)}, and a month between "
            f"{_percent(lower)} and {_percent(segment.upper_process_limit)} is within its usual variation."
        )
    return f"{lead} {describe_chart(xmr, measure.measure_name, unit='%', decimals=2)}"


def spc_figure(chart: ChartData, layout: dict[str, Any]) -> dict[str, Any]:
    """The XmR chart: the measure as a grey line with each month's marker coloured and shaped by its point
    type, the mean, the process limits (one dashed trace, upper then lower) and the target. Four lines."""
    measure = SPC_MEASURES[chart.name]
    rows = chart.rows
    months = [row["month"] for row in rows]
    values = [_float(row[measure.value_key]) for row in rows]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": months,
            "y": values,
            "name": measure.short_name,
            "line": {"color": "#768692", "width": 2},
            "marker": {"color": "#768692", "symbol": "circle", "size": 5},
            "connectgaps": False,
            "hovertemplate": "%{y:.2f}%<extra></extra>",
        }
    ]
    point_types = [row.get("point_type") for row in rows]
    for point_type, (label, colour, symbol) in POINT_STYLE.items():
        chosen = [i for i, kind in enumerate(point_types) if kind is point_type]
        if not chosen:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [months[i] for i in chosen],
                "y": [values[i] for i in chosen],
                "name": label,
                "marker": {"color": colour, "symbol": symbol, "size": 10},
                "hoverinfo": "skip",
            }
        )
    data.append(_step_line(months, [_float(row["mean"]) for row in rows], "Mean", "#212b32", "solid"))
    upper = [_float(row["upper_process_limit"]) for row in rows]
    lower = [_float(row["lower_process_limit"]) for row in rows]
    limits = _step_line([*months, None, *months], [*upper, None, *lower], "Process limits", "#4c6272", "dash")
    data.append(limits)
    if any("target" in row for row in rows):
        target = [_float(row.get("target")) for row in rows]
        data.append(_step_line(months, target, "Target", "#d5281b", "dot"))
    return {"data": data, "layout": layout}


def _step_line(x: list[Any], y: list[Any], name: str, colour: str, dash: str) -> dict[str, Any]:
    # "hv" steps: a recalculated mean or limit starts at its own month, not on a slope from the last.
    return {
        "type": "scatter",
        "mode": "lines",
        "x": x,
        "y": y,
        "name": name,
        "line": {"color": colour, "width": 2, "dash": dash, "shape": "hv"},
        "connectgaps": False,
        "hoverinfo": "skip",
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
