"""Statistical process control for XmR charts, read the NHS England "Making Data Count" way.

The rules follow the NHS-R community's R package NHSRplotthedots (github.com/nhs-r-community/NHSRplotthedots,
version 0.2.2). Each rule below names the file of that package it was taken from. The code here is our own.

Limits (``R/ptd_spc_standard.R``)
    Each segment's mean is the plain mean of its values. A moving range is the absolute difference between
    a value and the one before it in the same segment. The process limits are the mean -/+ 2.66 x the mean
    moving range. The "two sigma" limits are the mean -/+ 2 x (2.66 / 3) x the mean moving range.
    When ``screen_outliers`` is on (the package default), moving ranges that are not strictly below
    3.267 x the first mean moving range are left out, and the mean moving range is worked out again from the
    rest. The Making Data Count Excel tools do not screen: pass ``screen_outliers=False`` to match them
    (``vignettes/deviations.Rmd``).
Rebasing (``R/ptd_add_rebase_column.R``, ``R/ptd_spc_standard.R``)
    A rebase index starts a new segment at that point, and the point itself belongs to the new segment.
    Each segment has its own mean, moving ranges, limits and rules. No moving range or run crosses a
    rebase. A rebase at index 0 changes nothing.
Fixing (``R/ptd_spc_standard.R``, ``R/ptd_spc_options.R``)
    ``fix_after_n_points`` takes the mean and limits from the first N positions of each segment only, and
    the rules still judge every point. The package refuses N below 12, and so does this module.
Rules (``R/ptd_calculate_point_type.R``; NEWS.md for 0.2.2, issues #143, #167 and #171)
    * Outside the process limits: the value is strictly above the upper limit or strictly below the lower.
    * Shift: a run of 7 values on the same side of the mean. A value exactly on the mean breaks the run.
      Every point of the run is flagged. The package fixes the run at 7; here it can be set.
    * Trend: 7 values each strictly higher (or each strictly lower) than the one before. A repeated value
      breaks the trend. Every point of the trend is flagged. The package fixes the length at 7; here it can
      be set.
    * Two of three: of 3 consecutive values all on the same side of the mean, at least 2 lie beyond the two
      sigma limits but inside the process limits. Only those points are flagged. A value outside the process
      limits does not count towards this rule, as in the package.
Point type (``R/ptd_calculate_point_type.R``, ``ptd_special_cause_type`` and ``ptd_point_type``)
    When a point triggers several rules, the first of these decides its direction: outside the limits
    (the side of the mean), then trend (the direction of the trend, even when the point lies on the other
    side of the mean), then two of three (the side), then shift (the side). Upwards is an improvement when
    the direction is "increase" and a concern when it is "decrease". With "neutral" the point is special
    cause neutral, high or low. A point in two opposite trends that share it (a peak or a trough) takes
    the later trend's direction, as the package does. In the rare case of a point that ends one trend
    while the next value starts another, the package reads the direction from the step to the next
    value. Here the point keeps its own trend's direction.
Variation icon (``R/geom_ptd_icon.R``, ``ptd_get_icons``)
    The variation icon is judged on the point type of the last point. For example, improvement is shown
    "high" when the direction is "increase" and "low" when it is "decrease".
Assurance icon (``R/ptd_calculate_assurance_type.R``)
    The target is judged against the limits of the last segment. With "increase", a target above the upper
    limit is failed consistently, one below the lower limit is passed consistently, and anything else
    (a target on a limit included) is hit and miss. "decrease" reverses pass and fail. There is no
    assurance icon without a target, or when the direction is "neutral".
Short series (``R/ptd_add_short_group_warnings.R``, ``vignettes/number-of-points-required.Rmd``)
    Limits from fewer than 12 values are trial limits: a segment, and the chart, say they are not reliable.

Where this module differs, by design:
    * A month with no value (``None`` or NaN) keeps its place in the output but is skipped everywhere else.
      The moving range and the runs go from the value before it to the value after it. The package expects
      no gaps.
    * The 12-value reliability check counts values, not positions, so it does not count missing months.
      ``fix_after_n_points`` counts positions, as the package does, so the baseline is a stretch of months.
    * When every moving range is 0, nothing is screened and the limits equal the mean. The package's
      strict comparison would screen out every range and produce no limits.
    * With fewer than 2 values in a segment's baseline there are no limits. No rule is judged there, and
      every point with a value is common cause.
    * The variation icon is judged on the last point that has a value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

LIMIT_FACTOR = 2.66
TWO_SIGMA_FACTOR = 2 * (LIMIT_FACTOR / 3)
OUTLIER_SCREEN_FACTOR = 3.267
DEFAULT_SHIFT_LENGTH = 7
DEFAULT_TREND_LENGTH = 7
TWO_OF_THREE_WINDOW = 3
MINIMUM_RELIABLE_VALUES = 12
MINIMUM_FIX_AFTER_N_POINTS = 12


class ImprovementDirection(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class SpecialCauseRule(StrEnum):
    OUTSIDE_PROCESS_LIMITS = "outside_process_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE_BEYOND_TWO_SIGMA = "two_of_three_beyond_two_sigma"


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
    SPECIAL_CAUSE_CONCERN = "special_cause_concern"
    SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
    SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"


class VariationIcon(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"


class AssuranceIcon(StrEnum):
    CONSISTENTLY_PASSING = "consistent_pass"
    CONSISTENTLY_FAILING = "consistent_fail"
    HIT_AND_MISS = "inconsistent"


@dataclass(frozen=True)
class XmrSegment:
    """A stretch of the chart between rebases, with its own mean and limits."""

    first_index: int
    last_index: int
    mean: float | None
    mean_moving_range: float | None
    lower_process_limit: float | None
    upper_process_limit: float | None
    lower_two_sigma_limit: float | None
    upper_two_sigma_limit: float | None
    value_count: int
    baseline_value_count: int
    screened_moving_range_count: int
    limits_reliable: bool


@dataclass(frozen=True)
class XmrPoint:
    """One month on the chart. ``point_type`` is None when the month has no value."""

    index: int
    value: float | None
    segment: int
    mean: float | None
    lower_process_limit: float | None
    upper_process_limit: float | None
    moving_range: float | None
    moving_range_used_for_limits: bool
    rules: frozenset[SpecialCauseRule]
    point_type: PointType | None


@dataclass(frozen=True)
class XmrChart:
    points: tuple[XmrPoint, ...]
    segments: tuple[XmrSegment, ...]
    improvement_direction: ImprovementDirection
    target: float | None
    variation: VariationIcon | None
    assurance: AssuranceIcon | None
    limits_reliable: bool

    @property
    def latest_point(self) -> XmrPoint | None:
        """The last point that has a value: the one the variation icon is judged on."""
        for point in reversed(self.points):
            if point.value is not None:
                return point
        return None


def analyse_xmr_chart(
    values: Sequence[float | int | Decimal | None],
    improvement_direction: ImprovementDirection | str,
    *,
    target: float | None = None,
    rebase_at: Sequence[int] = (),
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    shift_length: int = DEFAULT_SHIFT_LENGTH,
    trend_length: int = DEFAULT_TREND_LENGTH,
) -> XmrChart:
    """Works out the mean, limits, special-cause rules, point types and icons of a monthly series.

    ``values`` are in time order. ``None`` or NaN marks a month with no value. ``rebase_at`` holds the
    indices where the mean and limits are worked out again (plotthedots' ``rebase``).
    """
    direction = _direction(improvement_direction)
    cleaned = [_clean_value(value, index) for index, value in enumerate(values)]
    count = len(cleaned)
    if target is not None:
        target = float(target)
        if not math.isfinite(target):
            raise ValueError("target must be a finite number")
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool)
        or not isinstance(fix_after_n_points, int)
        or fix_after_n_points < MINIMUM_FIX_AFTER_N_POINTS
    ):
        raise ValueError(f"fix_after_n_points must be a whole number, at least {MINIMUM_FIX_AFTER_N_POINTS}")
    for name, length in (("shift_length", shift_length), ("trend_length", trend_length)):
        if isinstance(length, bool) or not isinstance(length, int) or length < 2:
            raise ValueError(f"{name} must be a whole number of at least 2")
    for index in rebase_at:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise ValueError(f"rebase index {index!r} is not a position in the series of {count} values")

    starts = sorted({0, *rebase_at}) if count else []
    stops = [*starts[1:], count] if starts else []
    segments: list[XmrSegment] = []
    points: list[XmrPoint] = []
    for number, (start, stop) in enumerate(zip(starts, stops, strict=True)):
        segment, segment_points = _analyse_segment(
            cleaned,
            start,
            stop,
            number,
            direction,
            fix_after_n_points=fix_after_n_points,
            screen_outliers=screen_outliers,
            shift_length=shift_length,
            trend_length=trend_length,
        )
        segments.append(segment)
        points.extend(segment_points)

    chart_without_icons = XmrChart(
        points=tuple(points),
        segments=tuple(segments),
        improvement_direction=direction,
        target=target,
        variation=None,
        assurance=None,
        limits_reliable=bool(segments) and all(segment.limits_reliable for segment in segments),
    )
    latest = chart_without_icons.latest_point
    return XmrChart(
        points=chart_without_icons.points,
        segments=chart_without_icons.segments,
        improvement_direction=direction,
        target=target,
        variation=None if latest is None else _variation_icon(latest.point_type, direction),
        assurance=_assurance_icon(segments[-1] if segments else None, target, direction),
        limits_reliable=chart_without_icons.limits_reliable,
    )


def describe_chart(chart: XmrChart, measure_name: str, *, unit: str = "", decimals: int = 1) -> str:
    """A plain-English summary of the icons for a board paper, for example:

    "Sickness absence shows common cause variation: no significant change. The target of 4.5% lies within
    the process limits, so it will be hit and missed at random."

    ``unit`` follows each number ("%" for a percentage). Numbers are rounded to ``decimals`` places, with
    trailing zeros dropped. A last sentence warns when the current limits are missing or provisional.
    """
    sentences = [_variation_sentence(chart.variation, measure_name)]
    if chart.assurance is not None and chart.target is not None:
        sentences.append(_assurance_sentence(chart, format_number(chart.target, unit, decimals)))
    current = chart.segments[-1] if chart.segments else None
    if chart.latest_point is not None and current is not None:
        if current.upper_process_limit is None:
            sentences.append("There are too few values yet to set process limits.")
        elif not current.limits_reliable:
            sentences.append(
                f"The limits rest on fewer than {MINIMUM_RELIABLE_VALUES} values, so they are provisional."
            )
    return " ".join(sentences)


def _direction(improvement_direction: ImprovementDirection | str) -> ImprovementDirection:
    try:
        return ImprovementDirection(improvement_direction)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in ImprovementDirection)
        raise ValueError(
            f"improvement_direction must be one of {allowed}, not {improvement_direction!r}"
        ) from None


def _clean_value(value: float | int | Decimal | None, index: int) -> float | None:
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"value at index {index} is infinite")
    return number


def _mean(numbers: Sequence[float]) -> float:
    return math.fsum(numbers) / len(numbers)


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def _analyse_segment(
    values: list[float | None],
    start: int,
    stop: int,
    number: int,
    direction: ImprovementDirection,
    *,
    fix_after_n_points: int | None,
    screen_outliers: bool,
    shift_length: int,
    trend_length: int,
) -> tuple[XmrSegment, list[XmrPoint]]:
    positions = [index for index in range(start, stop) if values[index] is not None]
    present: list[float] = [values[index] for index in positions]  # type: ignore[misc]
    baseline_stop = stop if fix_after_n_points is None else min(stop, start + fix_after_n_points)
    baseline = [value for index, value in zip(positions, present, strict=True) if index < baseline_stop]

    # moving_ranges[k] is between present[k - 1] and present[k]; the first value has none.
    moving_ranges: list[float | None] = [None] + [
        abs(present[k] - present[k - 1]) for k in range(1, len(present))
    ]
    used = [k for k in range(1, len(present)) if positions[k] < baseline_stop]
    mean = _mean(baseline) if baseline else None
    mean_moving_range = _mean([moving_ranges[k] for k in used]) if used else None  # type: ignore[misc]
    screened = 0
    if screen_outliers and mean_moving_range:
        threshold = OUTLIER_SCREEN_FACTOR * mean_moving_range
        kept = [k for k in used if moving_ranges[k] < threshold]  # type: ignore[operator]
        screened = len(used) - len(kept)
        used = kept
        mean_moving_range = _mean([moving_ranges[k] for k in used])  # type: ignore[misc]

    has_limits = mean is not None and mean_moving_range is not None
    if has_limits:
        spread = LIMIT_FACTOR * mean_moving_range  # type: ignore[operator]
        near = TWO_SIGMA_FACTOR * mean_moving_range  # type: ignore[operator]
        lower, upper = mean - spread, mean + spread  # type: ignore[operator]
        lower_near, upper_near = mean - near, mean + near  # type: ignore[operator]
    else:
        lower = upper = lower_near = upper_near = None

    segment = XmrSegment(
        first_index=start,
        last_index=stop - 1,
        mean=mean,
        mean_moving_range=mean_moving_range,
        lower_process_limit=lower,
        upper_process_limit=upper,
        lower_two_sigma_limit=lower_near,
        upper_two_sigma_limit=upper_near,
        value_count=len(present),
        baseline_value_count=len(baseline),
        screened_moving_range_count=screened,
        limits_reliable=len(baseline) >= MINIMUM_RELIABLE_VALUES,
    )

    if has_limits:
        rules, point_types = _judge_values(
            present,
            mean,  # type: ignore[arg-type]
            (lower, upper, lower_near, upper_near),  # type: ignore[arg-type]
            direction,
            shift_length,
            trend_length,
        )
    else:
        rules = [frozenset()] * len(present)
        point_types = [PointType.COMMON_CAUSE] * len(present)

    by_position = {index: k for k, index in enumerate(positions)}
    used_set = set(used)
    points = []
    for index in range(start, stop):
        k = by_position.get(index)
        points.append(
            XmrPoint(
                index=index,
                value=values[index],
                segment=number,
                mean=mean,
                lower_process_limit=lower,
                upper_process_limit=upper,
                moving_range=None if k is None else moving_ranges[k],
                moving_range_used_for_limits=k in used_set,
                rules=frozenset() if k is None else rules[k],
                point_type=None if k is None else point_types[k],
            )
        )
    return segment, points


def _judge_values(
    values: list[float],
    mean: float,
    limits: tuple[float, float, float, float],
    direction: ImprovementDirection,
    shift_length: int,
    trend_length: int,
) -> tuple[list[frozenset[SpecialCauseRule]], list[PointType]]:
    lower, upper, lower_near, upper_near = limits
    sides = [_sign(value - mean) for value in values]
    outside = [value > upper or value < lower for value in values]
    near = [
        not out and (value > upper_near or value < lower_near)
        for value, out in zip(values, outside, strict=True)
    ]
    in_shift = _shift_flags(sides, shift_length)
    trend_directions = _trend_directions(values, trend_length)
    in_two_of_three = _two_of_three_flags(near, sides)

    all_rules: list[frozenset[SpecialCauseRule]] = []
    point_types: list[PointType] = []
    for k in range(len(values)):
        found = []
        signal = 0
        # The order sets which rule decides the direction (as ptd_special_cause_type's case_when).
        for rule, applies, side in (
            (SpecialCauseRule.OUTSIDE_PROCESS_LIMITS, outside[k], sides[k]),
            (SpecialCauseRule.TREND, trend_directions[k] != 0, trend_directions[k]),
            (SpecialCauseRule.TWO_OF_THREE_BEYOND_TWO_SIGMA, in_two_of_three[k], sides[k]),
            (SpecialCauseRule.SHIFT, in_shift[k], sides[k]),
        ):
            if applies:
                found.append(rule)
                signal = signal or side
        all_rules.append(frozenset(found))
        point_types.append(_point_type(signal, direction))
    return all_rules, point_types


def _shift_flags(sides: list[int], length: int) -> list[bool]:
    """Marks every value in a run of ``length`` or more on the same side of the mean."""
    flags = [False] * len(sides)
    for end in range(length - 1, len(sides)):
        window = sides[end - length + 1 : end + 1]
        if window[0] != 0 and all(side == window[0] for side in window):
            for k in range(end - length + 1, end + 1):
                flags[k] = True
    return flags


def _trend_directions(values: list[float], length: int) -> list[int]:
    """+1 or -1 for every value in a strictly rising or falling run of ``length`` values, else 0.

    Trends are marked in time order, so a value shared by a rising and a falling trend (a peak or a
    trough) takes the direction of the later one.
    """
    directions = [0] * len(values)
    for end in range(length - 1, len(values)):
        steps = [_sign(values[k] - values[k - 1]) for k in range(end - length + 2, end + 1)]
        if all(step == 1 for step in steps) or all(step == -1 for step in steps):
            for k in range(end - length + 1, end + 1):
                directions[k] = steps[0]
    return directions


def _two_of_three_flags(near: list[bool], sides: list[int]) -> list[bool]:
    """Marks the values beyond two sigma in any 3 consecutive values that all lie on one side of the
    mean and include at least 2 such values."""
    flags = [False] * len(near)
    for first in range(len(near) - TWO_OF_THREE_WINDOW + 1):
        window = range(first, first + TWO_OF_THREE_WINDOW)
        same_side = sides[first] != 0 and all(sides[k] == sides[first] for k in window)
        if same_side and sum(near[k] for k in window) >= 2:
            for k in window:
                flags[k] = flags[k] or near[k]
    return flags


def _point_type(signal: int, direction: ImprovementDirection) -> PointType:
    if signal == 0:
        return PointType.COMMON_CAUSE
    if direction is ImprovementDirection.NEUTRAL:
        return PointType.SPECIAL_CAUSE_NEUTRAL_HIGH if signal > 0 else PointType.SPECIAL_CAUSE_NEUTRAL_LOW
    better = 1 if direction is ImprovementDirection.INCREASE else -1
    return PointType.SPECIAL_CAUSE_IMPROVEMENT if signal == better else PointType.SPECIAL_CAUSE_CONCERN


def _variation_icon(point_type: PointType | None, direction: ImprovementDirection) -> VariationIcon | None:
    increasing = direction is ImprovementDirection.INCREASE
    match point_type:
        case PointType.COMMON_CAUSE:
            return VariationIcon.COMMON_CAUSE
        case PointType.SPECIAL_CAUSE_NEUTRAL_HIGH:
            return VariationIcon.NEUTRAL_HIGH
        case PointType.SPECIAL_CAUSE_NEUTRAL_LOW:
            return VariationIcon.NEUTRAL_LOW
        case PointType.SPECIAL_CAUSE_IMPROVEMENT:
            return VariationIcon.IMPROVEMENT_HIGH if increasing else VariationIcon.IMPROVEMENT_LOW
        case PointType.SPECIAL_CAUSE_CONCERN:
            return VariationIcon.CONCERN_LOW if increasing else VariationIcon.CONCERN_HIGH
    return None


def _assurance_icon(
    segment: XmrSegment | None, target: float | None, direction: ImprovementDirection
) -> AssuranceIcon | None:
    if target is None or direction is ImprovementDirection.NEUTRAL or segment is None:
        return None
    if segment.lower_process_limit is None or segment.upper_process_limit is None:
        return None
    increasing = direction is ImprovementDirection.INCREASE
    if target > segment.upper_process_limit:
        return AssuranceIcon.CONSISTENTLY_FAILING if increasing else AssuranceIcon.CONSISTENTLY_PASSING
    if target < segment.lower_process_limit:
        return AssuranceIcon.CONSISTENTLY_PASSING if increasing else AssuranceIcon.CONSISTENTLY_FAILING
    return AssuranceIcon.HIT_AND_MISS


_VARIATION_WORDS = {
    VariationIcon.COMMON_CAUSE: ("common cause variation", "no significant change"),
    VariationIcon.IMPROVEMENT_HIGH: (
        "special cause improvement",
        "the latest figures are significantly higher",
    ),
    VariationIcon.IMPROVEMENT_LOW: (
        "special cause improvement",
        "the latest figures are significantly lower",
    ),
    VariationIcon.CONCERN_HIGH: ("special cause concern", "the latest figures are significantly higher"),
    VariationIcon.CONCERN_LOW: ("special cause concern", "the latest figures are significantly lower"),
    VariationIcon.NEUTRAL_HIGH: (
        "special cause variation",
        "the latest figures are significantly higher, which is neither better nor worse in itself",
    ),
    VariationIcon.NEUTRAL_LOW: (
        "special cause variation",
        "the latest figures are significantly lower, which is neither better nor worse in itself",
    ),
}


def _variation_sentence(variation: VariationIcon | None, measure_name: str) -> str:
    if variation is None:
        return f"{measure_name} has no values yet, so its variation cannot be judged."
    kind, meaning = _VARIATION_WORDS[variation]
    return f"{measure_name} shows {kind}: {meaning}."


def _assurance_sentence(chart: XmrChart, target_text: str) -> str:
    upper = chart.segments[-1].upper_process_limit
    above = upper is not None and chart.target is not None and chart.target > upper
    where = "above the upper process limit" if above else "below the lower process limit"
    if chart.assurance is AssuranceIcon.CONSISTENTLY_PASSING:
        outcome = "it will be met consistently unless the process changes"
    elif chart.assurance is AssuranceIcon.CONSISTENTLY_FAILING:
        outcome = "it will not be met unless the process changes"
    else:
        where, outcome = "within the process limits", "it will be hit and missed at random"
    return f"The target of {target_text} lies {where}, so {outcome}."


def format_number(value: float, unit: str, decimals: int) -> str:
    """To ``decimals`` places, without trailing zeros, with its unit: 4.3%, 0.97%, 5%."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"{text}{unit}"
