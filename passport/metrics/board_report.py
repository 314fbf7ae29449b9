"""A trust's monthly workforce board report (issue 14): one A4 page for the trust board, as a page to print
and as a PDF, with the month's headline figures beside the month before and the same month a year before,
the trust's target and NHS England's latest published rates, the top reasons for sickness, and the two
month-by-month SPC charts read the Making Data Count way.

Every figure comes from the dashboard (passport.metrics.snapshots, so a kept dashboard is read when it is
current) over the 24 months to the report's month, and its SPC charts are read as the dashboard reads them
(passport.metrics.spc_charts): the report and the dashboard cannot disagree. Aggregates only; a figure the
dashboard withholds (None) is written "–".

The charts are laid out here once, as a ``Plot`` (coordinates with y downwards), and drawn twice: as
inline SVG by the page's template (templates/metrics/board_report.html) and with reportlab.graphics for
the PDF (passport.metrics.board_report_views).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from passport.db import utcnow
from passport.errors import InvalidInput
from passport.formatting import plain_number, uk_date_time, uk_month
from passport.metrics import snapshots
from passport.metrics.dashboard import OTHER_REASONS
from passport.metrics.operations import latest_recorded_month, parse_month
from passport.metrics.queries import Period, month_label
from passport.metrics.spc import PointType
from passport.metrics.spc_charts import POINT_STYLE, SPC_MEASURES, SpcReading, read_spc_charts
from passport.trusts.models import Trust

REPORT_MONTHS = 24
MONTH_FIELD = "month"
NO_FIGURE = "–"
NO_FIGURE_NOTE = (
    "– means no figure: nobody in post, no published figure, or fewer than 331 FTE days available "
    "(suppressed). Counts of 1 to 4 people are not shown."
)
AGGREGATES_NOTE = "Aggregates only: no person can be picked out."
OWN_SOURCE = (
    "Source: the trust's workforce records in Staff Passport. Sickness absence rate = FTE days lost / FTE "
    "days available over calendar days; leaver rate = leavers / average headcount (NHS Data Dictionary); "
    "stability index = staff in post at the start of the 12 months still in post at the end."
)
PUBLISHED_SOURCE = (
    "Published rates: NHS England, NHS Sickness Absence Rates. Contains public sector information licensed "
    "under the Open Government Licence v3.0."
)


@dataclass(frozen=True)
class Figure:
    """One headline measure: the report's month, the month before and the same month a year before."""

    label: str
    values: tuple[Any, Any, Any]

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(figure_text(value) for value in self.values)


@dataclass(frozen=True)
class Published:
    """NHS England's latest published rates in the report's 24 months: the trust's and England's."""

    month: str | None  # YYYY-MM, None when none is held
    trust_rate: Decimal | None
    england_rate: Decimal | None


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    share_percent: Decimal | None


@dataclass(frozen=True)
class SpcPoint:
    month: str  # YYYY-MM
    value: Decimal | None
    mean: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    target: Decimal | None
    kind: PointType | None  # None for a month without a figure
    special_cause: str


@dataclass(frozen=True)
class SpcSummary:
    """An SPC chart as the report shows it: ``name`` and ``spc`` as templates/metrics/_spc_icons.html reads
    a chart, and the months charted."""

    name: str
    title: str
    short_name: str
    spc: SpcReading
    points: tuple[SpcPoint, ...]


@dataclass(frozen=True)
class BoardReport:
    trust_name: str
    ods_code: str
    month: str  # YYYY-MM
    month_words: str
    column_months: tuple[str, str, str]  # the report's month, the month before, a year before (YYYY-MM)
    data_as_of: str | None  # the latest month with records (YYYY-MM)
    counted_at: datetime | None  # when the figures were counted, if the records have changed since
    target_percent: Decimal | None
    figures: tuple[Figure, ...]
    published: Published
    reasons: tuple[Reason, ...]
    reasons_period: str  # in words
    charts: tuple[SpcSummary, ...]
    notes: tuple[str, ...]  # why some figures are blank (the dashboard's notes under its tables)
    generated_at: datetime

    @property
    def title(self) -> str:
        return f"{self.trust_name}: workforce board report, {self.month_words}"


def figure_text(value: Any) -> str:
    """A figure as the dashboard's tables write it ("4.50", "12"), or "–" for none."""
    if value is None:
        return NO_FIGURE
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def percent_text(value: Decimal | None) -> str:
    return NO_FIGURE if value is None else f"{figure_text(value)}%"


def footer_lines(report: BoardReport) -> list[str]:
    """What the foot of the page says, on the page and in the PDF."""
    as_of = (
        f"Data as of {uk_month(report.data_as_of)}, the latest month with records."
        if report.data_as_of
        else "No records yet."
    )
    if report.counted_at is not None:
        as_of += (
            f" These are the figures counted on {uk_date_time(report.counted_at)}: the workforce records "
            "have changed since then."
        )
    return [
        " ".join([as_of, AGGREGATES_NOTE, NO_FIGURE_NOTE, *report.notes]),
        OWN_SOURCE,
        PUBLISHED_SOURCE,
        f"Generated on {uk_date_time(report.generated_at)} by Staff Passport.",
    ]


def report_month(session: Session, trust: Trust, asked: str | None) -> int:
    """The month a report is for (a month index): the one asked for (YYYY-MM), else the latest month with
    records (else last month). A month after the records end is refused: its figures would be nothing."""
    latest = latest_recorded_month(session, [trust.id])
    if not (asked or "").strip():
        return latest if latest is not None else snapshots.default_period(session, trust, []).last_month
    try:
        month = parse_month(asked, MONTH_FIELD)
    except InvalidInput as error:
        raise InvalidInput("Enter the month as YYYY-MM, such as 2025-03", field=MONTH_FIELD) from error
    if latest is not None and month > latest:
        ended = uk_month(month_label(latest))
        raise InvalidInput(f"The records end in {ended}: choose a month by then", field=MONTH_FIELD)
    return month


def board_report(session: Session, trust: Trust, month: int) -> BoardReport:
    """The report for ``trust`` and ``month`` (a month index). Reads only."""
    first = month - REPORT_MONTHS + 1
    shown = snapshots.dashboard(session, trust, first, month)
    board = shown.board
    read_spc_charts(board, target_percent=trust.sickness_target_percent, limits_from=None)
    columns = (month_label(month), month_label(month - 1), month_label(month - 12))

    def row_values(chart: str, key: str) -> tuple[Any, Any, Any]:
        rows = {row["month"]: row for row in board.charts[chart].rows}
        return tuple(rows.get(m, {}).get(key) for m in columns)  # type: ignore[return-value]

    figures = (
        Figure("Sickness absence rate, the month (%)", row_values("sickness-trend", "rate_percent")),
        Figure(
            "Sickness absence rate, rolling 12 months (%)",
            row_values("sickness-trend", "rolling_12_month_rate_percent"),
        ),
        Figure("Leaver rate, rolling 12 months (%)", row_values("retention-trend", "leaver_rate_percent")),
        Figure("Stability index, 12 months (%)", row_values("retention-trend", "stability_percent")),
        Figure("Staff seconded in from partner trusts", row_values("secondments", "seconded_in")),
        Figure("Staff seconded out to partner trusts", row_values("secondments", "seconded_out")),
    )
    latest = latest_recorded_month(session, [trust.id])
    return BoardReport(
        trust_name=trust.name,
        ods_code=trust.ods_code,
        month=columns[0],
        month_words=uk_month(columns[0]),
        column_months=columns,
        data_as_of=None if latest is None else month_label(latest),
        counted_at=None if shown.current else shown.counted_at,
        target_percent=trust.sickness_target_percent,
        figures=figures,
        published=_latest_published(board.charts["sickness-trend"].rows),
        reasons=_top_reasons(board.charts["absence-reasons"].rows),
        reasons_period=Period(month - 11, month).words,
        charts=tuple(_summary(board.charts[name]) for name in SPC_MEASURES),
        notes=tuple(dict.fromkeys(chart.note for chart in board.charts.values() if chart.note)),
        generated_at=utcnow(),
    )


def _latest_published(rows: list[dict[str, Any]]) -> Published:
    """The latest month with the trust's published rate (else with England's): they lag the records."""
    for key in ("published_rate_percent", "published_england_rate_percent"):
        for row in reversed(rows):
            if row.get(key) is not None:
                return Published(
                    row["month"], row["published_rate_percent"], row["published_england_rate_percent"]
                )
    return Published(None, None, None)


def _top_reasons(rows: list[dict[str, Any]], count: int = 3) -> tuple[Reason, ...]:
    named = [row for row in rows if row["reason"] != OTHER_REASONS and row["share_percent"] is not None]
    named.sort(key=lambda row: row["share_percent"], reverse=True)
    return tuple(Reason(row["reason_code"], row["reason"], row["share_percent"]) for row in named[:count])


def _summary(chart: Any) -> SpcSummary:
    measure = SPC_MEASURES[chart.name]
    points = []
    for row in chart.rows:
        value = row[measure.value_key]
        words = row.get("special_cause") or ""
        kind = row.get("point_type")
        points.append(
            SpcPoint(
                row["month"],
                value,
                row.get("mean"),
                row.get("lower_process_limit"),
                row.get("upper_process_limit"),
                row.get("target"),
                kind,
                words,
            )
        )
    return SpcSummary(chart.name, chart.title, measure.short_name, chart.spc, tuple(points))


# --- The charts' layout ----------------------------------------------------------------------------------
RATE_COLOUR, MEAN_COLOUR, LIMIT_COLOUR, TARGET_COLOUR = "#768692", "#212b32", "#4c6272", "#d5281b"
# (colour, dash as SVG's stroke-dasharray and reportlab's strokeDashArray, or None for solid)
LINE_STYLE = {
    "rate": (RATE_COLOUR, None),
    "mean": (MEAN_COLOUR, None),
    "limits": (LIMIT_COLOUR, (6, 4)),
    "target": (TARGET_COLOUR, (1.5, 3)),
}

Run = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    colour: str
    shape: str  # circle, square, diamond, triangle-up or triangle-down
    size: float

    @property
    def polygon(self) -> tuple[tuple[float, float], ...]:
        """The marker's corners (for all but the circle), y downwards."""
        r = self.size / 2
        x, y = self.x, self.y
        if self.shape == "square":
            return ((x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r))
        if self.shape == "diamond":
            r *= 1.3
            return ((x, y - r), (x + r, y), (x, y + r), (x - r, y))
        sign = -1 if self.shape == "triangle-up" else 1
        return ((x, y + sign * r), (x + r, y - sign * r), (x - r, y - sign * r))


@dataclass(frozen=True)
class Line:
    kind: str  # a key of LINE_STYLE
    runs: tuple[Run, ...]  # each drawn as one polyline; a month without a figure breaks the line

    @property
    def colour(self) -> str:
        return LINE_STYLE[self.kind][0]

    @property
    def dash(self) -> tuple[float, float] | None:
        return LINE_STYLE[self.kind][1]


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    label: str
    line: str | None = None  # a LINE_STYLE key, or None for a marker
    marker: Marker | None = None

    @property
    def colour(self) -> str | None:
        return LINE_STYLE[self.line][0] if self.line else None

    @property
    def dash(self) -> tuple[float, float] | None:
        return LINE_STYLE[self.line][1] if self.line else None


@dataclass(frozen=True)
class Plot:
    """A chart laid out in a box ``width`` x ``height``, y downwards (SVG's way; the PDF turns it over)."""

    width: float
    height: float
    area: tuple[float, float, float, float]  # left, top, right, bottom of the plotting area
    lines: tuple[Line, ...]
    markers: tuple[Marker, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    legend: tuple[LegendItem, ...]
    font_size: float
    empty: bool

    def points(self, run: Run) -> str:
        """A run as SVG's points attribute: "x,y x,y"."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in run)


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About ``count`` round steps (1, 2, 2.5 or 5 times a power of ten) covering low to high."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _runs(xs: list[float], ys: list[float | None], half: float, step: bool) -> tuple[Run, ...]:
    """Consecutive months with a figure as polylines; a step line holds each month's figure across it."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.extend([(x - half, y), (x + half, y)] if step else [(x, y)])
    if current:
        runs.append(current)
    return tuple(tuple(run) for run in runs)


def plot(summary: SpcSummary, width: float = 640, height: float = 230, font_size: float = 11) -> Plot:
    """Lay out an SPC chart: the rate as a line with a marker each month (special causes coloured and
    shaped as on the dashboard), the mean, the process limits and the target, with its axes and legend."""
    points = summary.points
    left, top = font_size * 4, font_size * 0.8
    right, bottom = width - font_size * 2.8, height - font_size * 4.2
    values = [_float(p.value) for p in points]
    everything = [
        v
        for p in points
        for v in (_float(p.value), _float(p.mean), _float(p.lower), _float(p.upper), _float(p.target))
        if v is not None
    ]
    empty = not any(v is not None for v in values)
    low, high = (min(everything), max(everything)) if everything else (0.0, 1.0)
    padding = (high - low) * 0.08 or 0.5
    ticks = _nice_ticks(max(low - padding, 0.0), high + padding)

    def y_of(value: float | None) -> float | None:
        if value is None:
            return None
        return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    count = max(len(points), 1)
    slot = (right - left) / count
    xs = [left + slot * (i + 0.5) for i in range(len(points))]
    half = slot / 2
    lines = [
        Line(
            "limits",
            _runs(xs, [y_of(_float(p.upper)) for p in points], half, True)
            + _runs(xs, [y_of(_float(p.lower)) for p in points], half, True),
        ),
        Line("mean", _runs(xs, [y_of(_float(p.mean)) for p in points], half, True)),
    ]
    if any(p.target is not None for p in points):
        lines.append(Line("target", _runs(xs, [y_of(_float(p.target)) for p in points], half, True)))
    lines.append(Line("rate", _runs(xs, [y_of(v) for v in values], half, False)))
    size = font_size * 0.75
    markers = []
    for x, point, value in zip(xs, points, values, strict=True):
        if point.kind is not None and value is not None:
            _label, colour, shape = POINT_STYLE[point.kind]
            special = point.kind is not PointType.COMMON_CAUSE
            markers.append(Marker(x, y_of(value) or 0.0, colour, shape, size * (1.25 if special else 0.75)))
    # Every sixth month is named, counting back from the report's month so that it is always named.
    x_ticks = tuple((xs[i], uk_month(points[i].month)) for i in range(len(points) - 1, -1, -6))
    y_ticks = tuple((y_of(t) or 0.0, f"{plain_number(Decimal(str(t)))}%") for t in ticks)
    return Plot(
        width,
        height,
        (left, top, right, bottom),
        tuple(lines),
        tuple(markers),
        y_ticks,
        x_ticks,
        _legend(summary, markers, left, height - font_size * 0.9, width, font_size),
        font_size,
        empty,
    )


def _legend(
    summary: SpcSummary, markers: list[Marker], left: float, y: float, width: float, font_size: float
) -> tuple[LegendItem, ...]:
    """A row under the chart: the rate, the mean, the limits, the target and each kind of point charted."""
    entries: list[tuple[str, str | None, Marker | None]] = [
        (summary.short_name, "rate", None),
        ("Mean", "mean", None),
        ("Process limits", "limits", None),
    ]
    if any(p.target is not None for p in summary.points):
        entries.append(("Target", "target", None))
    for kind, (label, colour, shape) in POINT_STYLE.items():
        if kind is not PointType.COMMON_CAUSE and any(p.kind is kind for p in summary.points):
            short = label.replace("Special cause: ", "").capitalize()
            entries.append((short, None, Marker(0, y, colour, shape, font_size * 0.8)))
    items, x = [], left
    for label, line, marker in entries:
        if marker is not None:
            marker = Marker(x + font_size, y - font_size * 0.35, marker.colour, marker.shape, marker.size)
        items.append(LegendItem(x, y, label, line, marker))
        x += font_size * (3.6 + 0.52 * len(label))
    return tuple(items)
