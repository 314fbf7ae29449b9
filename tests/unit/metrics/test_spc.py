"""XmR chart rules (passport/metrics/spc.py) on small series worked by hand, and against NHSRplotthedots.

Most tests use one baseline: BASELINE = 12, 10, 12, 10, ... (12 values), fixed after those 12 points.
Its mean is 11. The 11 moving ranges are all 2, so the mean moving range is 2. The process limits are
11 -/+ 2.66 x 2 = 5.68 and 16.32. The two sigma limits are 11 -/+ 2 x (2.66 / 3) x 2 = 11 -/+ 3.5467, which
gives 7.4533 and 14.5467. The baseline ends on 10, below the mean, so a point added after it starts any
run above the mean.
"""

from __future__ import annotations

import math
import re
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passport.metrics.spc import (
    AssuranceIcon,
    PointType,
    SpecialCauseRule,
    VariationIcon,
    analyse_xmr_chart,
    describe_chart,
)

BASELINE = [12.0, 10.0] * 6
UPPER, LOWER = 11 + 2.66 * 2, 11 - 2.66 * 2  # 16.32 and 5.68
OUTSIDE = SpecialCauseRule.OUTSIDE_PROCESS_LIMITS
SHIFT = SpecialCauseRule.SHIFT
TREND = SpecialCauseRule.TREND
TWO_OF_THREE = SpecialCauseRule.TWO_OF_THREE_BEYOND_TWO_SIGMA
IMPROVEMENT = PointType.SPECIAL_CAUSE_IMPROVEMENT
CONCERN = PointType.SPECIAL_CAUSE_CONCERN
COMMON = PointType.COMMON_CAUSE


def after_baseline(extra, direction="increase", **options):  # type: ignore[no-untyped-def]
    return analyse_xmr_chart(BASELINE + list(extra), direction, fix_after_n_points=12, **options)


def flagged(chart, rule):  # type: ignore[no-untyped-def]
    return [point.index for point in chart.points if rule in point.rules]


def special(chart):  # type: ignore[no-untyped-def]
    return {point.index: point.point_type for point in chart.points if point.point_type not in (COMMON, None)}


# --- worked examples from NHSRplotthedots -------------------------------------------------------------


# R's `set.seed(123); y <- rnorm(20)`, the data of tests/testthat/test-ptd_spc_standard.R ("it returns
# expected values"). The first four values match the y column of tests/testthat/_snaps/ptd_spc_standard.md,
# and the mean and limits checked below match the rest.
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
    -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
    0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


def test_limits_match_the_plotthedots_snapshot_for_rnorm_data():
    # The snapshot gives r1: mean_col 0.1416238, lpl -3.01138, upl 3.294627. By hand: the values add up to
    # 2.83247607, and 2.83247607 / 20 = 0.14162380. No moving range reaches 3.267 x the mean moving range,
    # so screening changes nothing.
    chart = analyse_xmr_chart(RNORM_123, "increase")
    (segment,) = chart.segments
    assert segment.mean == pytest.approx(0.1416238, abs=5e-8)
    assert segment.lower_process_limit == pytest.approx(-3.01138, abs=5e-6)
    assert segment.upper_process_limit == pytest.approx(3.294627, abs=5e-7)
    assert segment.screened_moving_range_count == 0
    assert {point.point_type for point in chart.points} == {COMMON}
    assert chart.variation is VariationIcon.COMMON_CAUSE
    assert chart.limits_reliable


def test_screening_matches_the_plotthedots_snapshot_when_one_value_is_an_outlier():
    # The same test sets y[15] (index 14) to 10. The mean becomes 0.1416238 + (10 - -0.55584113) / 20 =
    # 0.6694159. The snapshot gives lpl -2.383666 and upl 3.722497 with screening (r2), and -4.596625 and
    # 5.935457 without it (r3).
    values = list(RNORM_123)
    values[14] = 10.0
    screened = analyse_xmr_chart(values, "increase")
    unscreened = analyse_xmr_chart(values, "increase", screen_outliers=False)
    for chart, lower, upper in ((screened, -2.383666, 3.722497), (unscreened, -4.596625, 5.935457)):
        (segment,) = chart.segments
        assert segment.mean == pytest.approx(0.6694159, abs=5e-8)
        assert segment.lower_process_limit == pytest.approx(lower, abs=5e-7)
        assert segment.upper_process_limit == pytest.approx(upper, abs=5e-7)
        assert chart.points[14].rules == {OUTSIDE}
        assert chart.points[14].point_type is IMPROVEMENT
    # The two moving ranges on either side of the outlier are the ones screened out.
    assert screened.segments[0].screened_moving_range_count == 2
    assert not screened.points[14].moving_range_used_for_limits
    assert not screened.points[15].moving_range_used_for_limits


def test_screen_outliers_on_and_off_match_the_deviations_vignette():
    # vignettes/deviations.Rmd (articles/deviations.html), "Treatment of outlying points": the captions say
    # UPL 4.6, mean 1.94, LPL -0.72 with screening (the default) and UPL 6.95, LPL -3.06 without it (as the
    # Excel tool does), with the 10 as the only special cause point.
    data = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    # By hand: sum 35, mean 35 / 18 = 1.9444. The 17 moving ranges are fifteen 1s, an 8 and a 9, which sum
    # to 32, so the mean moving range is 32 / 17 = 1.8824.
    # Screening: 3.267 x 1.8824 = 6.15, so the 8 and the 9 go. The mean moving range becomes 15 / 15 = 1.
    mean = 35 / 18
    on = analyse_xmr_chart(data, "increase").segments[0]
    assert on.mean == pytest.approx(mean)
    assert on.mean_moving_range == pytest.approx(1.0)
    assert on.upper_process_limit == pytest.approx(mean + 2.66)  # 4.60
    assert on.lower_process_limit == pytest.approx(mean - 2.66)  # -0.72
    assert round(on.upper_process_limit, 2) == 4.6 and round(on.lower_process_limit, 2) == -0.72
    assert on.screened_moving_range_count == 2
    off_chart = analyse_xmr_chart(data, "increase", screen_outliers=False)
    off = off_chart.segments[0]
    assert off.mean_moving_range == pytest.approx(32 / 17)
    assert round(off.upper_process_limit, 2) == 6.95 and round(off.lower_process_limit, 2) == -3.06
    assert off.screened_moving_range_count == 0
    assert special(off_chart) == {4: IMPROVEMENT}
    assert special(analyse_xmr_chart(data, "increase")) == {4: IMPROVEMENT}


def test_screening_leaves_a_series_with_no_variation_alone():
    chart = analyse_xmr_chart([3.0] * 12, "increase")
    segment = chart.segments[0]
    assert segment.mean_moving_range == 0
    assert segment.lower_process_limit == segment.upper_process_limit == 3.0
    assert {point.point_type for point in chart.points} == {COMMON}


# --- the rules -------------------------------------------------------------------------------------------


def test_the_baseline_limits():
    segment = after_baseline([]).segments[0]
    assert (segment.mean, segment.mean_moving_range) == (11.0, 2.0)
    assert segment.upper_process_limit == pytest.approx(16.32)
    assert segment.lower_process_limit == pytest.approx(5.68)
    assert segment.upper_two_sigma_limit == pytest.approx(11 + 2 * 2.66 / 3 * 2)  # 14.5467
    assert segment.lower_two_sigma_limit == pytest.approx(11 - 2 * 2.66 / 3 * 2)  # 7.4533


@pytest.mark.parametrize(
    ("value", "rules"),
    [(16.33, {OUTSIDE}), (16.31, set()), (5.67, {OUTSIDE}), (5.69, set())],
)
def test_a_point_just_outside_or_just_inside_the_limits(value, rules):
    chart = after_baseline([value])
    assert chart.points[12].rules == rules
    assert flagged(chart, OUTSIDE) == ([12] if rules else [])


def test_a_point_exactly_on_a_limit_is_not_outside():
    # plotthedots compares strictly (y > upl, y < lpl). The limits are fixed, so the added points
    # cannot move them.
    segment = after_baseline([]).segments[0]
    chart = after_baseline([segment.upper_process_limit, 11.0, segment.lower_process_limit])
    assert flagged(chart, OUTSIDE) == []


def test_a_shift_of_seven_points_is_flagged():
    chart = after_baseline([11.5] * 7)
    assert flagged(chart, SHIFT) == list(range(12, 19))
    assert special(chart) == dict.fromkeys(range(12, 19), IMPROVEMENT)


def test_six_points_on_one_side_are_not_a_shift():
    assert special(after_baseline([11.5] * 6 + [10.5])) == {}


def test_a_point_on_the_mean_breaks_a_shift():
    assert special(after_baseline([11.5] * 3 + [11.0] + [11.5] * 3)) == {}


def test_a_shift_below_the_mean_is_a_concern_when_higher_is_better():
    # The baseline's last value (10, index 11) is below the mean too, so the run is 8 long.
    chart = after_baseline([10.5] * 7)
    assert flagged(chart, SHIFT) == list(range(11, 19))
    assert set(special(chart).values()) == {CONCERN}


def test_the_shift_length_can_be_set():
    assert flagged(after_baseline([11.5] * 6 + [10.5], shift_length=6), SHIFT) == list(range(12, 18))


RISING_SEVEN = [9.5, 10, 10.5, 11.5, 12, 12.5, 13]  # 4 points below the mean with index 11, 4 above


def test_a_trend_of_seven_rising_points_is_flagged_even_across_the_mean():
    chart = after_baseline(RISING_SEVEN)
    assert flagged(chart, TREND) == list(range(12, 19))
    # Points 12-14 are below the mean but take the trend's direction (plotthedots issue #171).
    assert special(chart) == dict.fromkeys(range(12, 19), IMPROVEMENT)
    assert special(after_baseline(RISING_SEVEN, "decrease")) == dict.fromkeys(range(12, 19), CONCERN)


def test_six_rising_points_are_not_a_trend():
    assert special(after_baseline([9.5, 10, 10.5, 11.5, 12, 12.5, 12.0])) == {}


def test_a_repeated_value_breaks_a_trend():
    assert special(after_baseline([9.5, 10, 10.5, 10.5, 11.5, 12, 12.5, 13])) == {}


def test_a_falling_trend():
    chart = after_baseline([12.5, 12, 11.5, 10.5, 10, 9.5, 9])
    assert flagged(chart, TREND) == list(range(12, 19))
    assert special(chart) == dict.fromkeys(range(12, 19), CONCERN)


def test_the_trend_length_can_be_set():
    assert flagged(after_baseline([9.5, 10, 10.5, 11.5, 12, 12.5, 12.0], trend_length=6), TREND) == list(
        range(12, 18)
    )


def test_a_peak_shared_by_a_rising_and_a_falling_trend_takes_the_falling_direction():
    # Rising 12-18 up to 13, then falling 18-24. Above the mean: 11.5 ... 11.9 is 6 points, so no shift.
    chart = after_baseline(RISING_SEVEN + [12.4, 11.9, 10.8, 10.3, 9.9, 9.6])
    assert flagged(chart, TREND) == list(range(12, 25))
    assert flagged(chart, SHIFT) == []
    types = special(chart)
    assert [types[index] for index in range(12, 18)] == [IMPROVEMENT] * 6
    assert [types[index] for index in range(18, 25)] == [CONCERN] * 7


def test_a_trend_outranks_a_shift_in_deciding_the_direction():
    # Seven rising values all below the mean: a rising trend (12-18) inside a shift below the mean (11-18,
    # with the baseline's last 10). The trend decides, so 12-18 are improvements; 11 is only in the shift.
    chart = after_baseline([7.5, 8, 8.5, 9, 9.5, 10, 10.5])
    assert flagged(chart, TREND) == list(range(12, 19))
    assert flagged(chart, SHIFT) == list(range(11, 19))
    assert special(chart) == {11: CONCERN, **dict.fromkeys(range(12, 19), IMPROVEMENT)}


def test_two_of_three_beyond_two_sigma_flags_the_two():
    # 15 lies between the two sigma limit (14.55) and the process limit (16.32); 12 does not.
    chart = after_baseline([15, 12, 15])
    assert flagged(chart, TWO_OF_THREE) == [12, 14]
    assert special(chart) == {12: IMPROVEMENT, 14: IMPROVEMENT}
    assert flagged(after_baseline([15, 15, 12]), TWO_OF_THREE) == [12, 13]


def test_one_of_three_beyond_two_sigma_is_not_a_signal():
    assert special(after_baseline([15, 12, 13])) == {}


def test_two_of_three_on_opposite_sides_of_the_mean_is_not_a_signal():
    # 7 is below the lower two sigma limit (7.45); plotthedots issue #143.
    assert special(after_baseline([15, 7, 15])) == {}


def test_two_of_three_below_the_mean_is_an_improvement_when_lower_is_better():
    chart = after_baseline([7, 10, 7], "decrease")
    assert flagged(chart, TWO_OF_THREE) == [12, 14]
    assert special(chart) == {12: IMPROVEMENT, 14: IMPROVEMENT}


def test_a_point_outside_the_limits_does_not_count_towards_two_of_three():
    chart = after_baseline([17, 15, 12])
    assert flagged(chart, OUTSIDE) == [12]
    assert flagged(chart, TWO_OF_THREE) == []
    assert special(chart) == {12: IMPROVEMENT}


# --- rebasing, fixing, missing months, short series --------------------------------------------------


FIRST, SECOND = [10.0, 12.0] * 6, [20.0, 22.0] * 6


def test_rebase_recalculates_from_the_chosen_point_only():
    chart = analyse_xmr_chart(FIRST + SECOND, "increase", rebase_at=[12])
    first, second = chart.segments
    assert (first.first_index, first.last_index, second.first_index, second.last_index) == (0, 11, 12, 23)
    # Second segment: mean (20 + 22) / 2 = 21, eleven moving ranges of 2; the 12 -> 20 jump is not one.
    assert (first.mean, first.mean_moving_range) == (11.0, 2.0)
    assert (second.mean, second.mean_moving_range) == (21.0, 2.0)
    assert second.lower_process_limit == pytest.approx(21 - 5.32)
    assert second.upper_process_limit == pytest.approx(21 + 5.32)
    assert chart.points[12].moving_range is None and chart.points[12].segment == 1
    assert chart.points[12].mean == 21.0
    assert special(chart) == {}


def test_without_a_rebase_the_same_series_is_one_shifted_process():
    chart = analyse_xmr_chart(FIRST + SECOND, "increase")
    (segment,) = chart.segments
    # Mean (132 + 252) / 24 = 16. Moving ranges: 22 of 2 and one of 8, mean 52 / 23 = 2.26; the 8 is above
    # 3.267 x 2.26 = 7.39, so it is screened and the mean moving range is 2.
    assert segment.mean == 16.0
    assert segment.screened_moving_range_count == 1
    assert segment.mean_moving_range == 2.0
    assert flagged(chart, SHIFT) == list(range(24))


def test_a_rebase_at_the_start_changes_nothing_and_bad_indices_are_refused():
    values = FIRST + SECOND
    assert analyse_xmr_chart(values, "increase", rebase_at=[0]) == analyse_xmr_chart(values, "increase")
    with pytest.raises(ValueError, match="rebase index"):
        analyse_xmr_chart(values, "increase", rebase_at=[24])
    with pytest.raises(ValueError, match="rebase index"):
        analyse_xmr_chart(values, "increase", rebase_at=[-1])


def test_fix_after_n_points_takes_the_limits_from_the_first_points_only():
    values = BASELINE + [20.0, 22.0] * 3
    fixed = analyse_xmr_chart(values, "increase", fix_after_n_points=12)
    assert (fixed.segments[0].mean, fixed.segments[0].mean_moving_range) == (11.0, 2.0)
    assert fixed.segments[0].baseline_value_count == 12
    assert flagged(fixed, OUTSIDE) == list(range(12, 18))
    assert [point.moving_range_used_for_limits for point in fixed.points[11:14]] == [True, False, False]
    assert fixed.points[12].moving_range == 10.0
    # Unfixed: mean (132 + 126) / 18 = 14.333. Moving ranges: eleven 2s, a 10, five 2s, mean 42 / 17 = 2.47;
    # the 10 is above 3.267 x 2.47 = 8.07 and is screened, leaving 32 / 16 = 2.
    unfixed = analyse_xmr_chart(values, "increase")
    assert unfixed.segments[0].mean == pytest.approx(258 / 18)
    assert unfixed.segments[0].mean_moving_range == 2.0


def test_fix_after_n_points_counts_months_not_values():
    # As plotthedots' row_number(): positions 0-11 hold eleven values (six 12s and five 10s), so the mean
    # is 122 / 11 and the 40 in position 12 is outside the limits, not part of them.
    values = [12.0, 10.0, 12.0, None, 10.0, 12.0, 10.0, 12.0, 10.0, 12.0, 10.0, 12.0, 40.0]
    chart = analyse_xmr_chart(values, "increase", fix_after_n_points=12)
    assert chart.segments[0].baseline_value_count == 11
    assert chart.segments[0].mean == pytest.approx(122 / 11)
    assert flagged(chart, OUTSIDE) == [12]
    assert not chart.limits_reliable


def test_fix_after_n_points_applies_within_each_rebased_segment():
    values = FIRST + [20.0, 22.0] * 6 + [30.0, 32.0]
    chart = analyse_xmr_chart(values, "increase", rebase_at=[12], fix_after_n_points=12)
    assert chart.segments[1].mean == 21.0
    assert flagged(chart, OUTSIDE) == [24, 25]


@pytest.mark.parametrize("n", [11, 0, 12.5, True])
def test_fix_after_fewer_than_twelve_points_is_refused_as_plotthedots_does(n):
    with pytest.raises(ValueError, match="fix_after_n_points"):
        analyse_xmr_chart(BASELINE, "increase", fix_after_n_points=n)


def test_a_month_with_no_value_keeps_its_place_and_is_skipped():
    # Twelve values (12, 10, 12, ... 10) in fourteen months.
    values = [12.0, 10.0, None, 12.0, float("nan")] + [10.0, 12.0] * 4 + [10.0]
    chart = analyse_xmr_chart(values, "increase")
    assert len(chart.points) == 14
    (segment,) = chart.segments
    assert (segment.value_count, segment.mean, segment.mean_moving_range) == (12, 11.0, 2.0)
    gap = chart.points[2]
    assert (gap.value, gap.point_type, gap.rules, gap.moving_range) == (None, None, frozenset(), None)
    assert gap.mean == 11.0 and gap.upper_process_limit == pytest.approx(16.32)
    assert chart.points[4].value is None
    # The moving range goes from the value before the gap to the value after it: |12 - 10| = 2.
    assert chart.points[3].moving_range == 2.0
    assert chart.points[5].moving_range == 2.0


def test_a_shift_runs_across_a_month_with_no_value():
    chart = after_baseline([11.5] * 3 + [None] + [11.5] * 4)
    assert flagged(chart, SHIFT) == [12, 13, 14, 16, 17, 18, 19]
    assert chart.points[15].point_type is None


def test_an_empty_series_gives_an_empty_chart():
    chart = analyse_xmr_chart([], "increase", target=5)
    assert (chart.points, chart.segments) == ((), ())
    assert (chart.variation, chart.assurance, chart.limits_reliable) == (None, None, False)


@pytest.mark.parametrize("values", [[5.0], [5.0, None], [None, 5.0, None]])
def test_a_single_value_has_no_limits_and_no_special_cause(values):
    chart = analyse_xmr_chart(values, "increase", target=4)
    assert chart.segments[0].mean == 5.0
    assert chart.segments[0].upper_process_limit is None
    assert [point.point_type for point in chart.points if point.value is not None] == [COMMON]
    assert chart.variation is VariationIcon.COMMON_CAUSE
    assert (chart.assurance, chart.limits_reliable) == (None, False)


def test_two_values_have_limits_that_are_not_reliable():
    chart = analyse_xmr_chart([5.0, 7.0], "increase")
    # Mean 6, one moving range of 2: limits 6 -/+ 5.32.
    assert chart.segments[0].upper_process_limit == pytest.approx(11.32)
    assert chart.segments[0].lower_process_limit == pytest.approx(0.68)
    assert not chart.limits_reliable


def test_limits_are_reliable_from_twelve_values():
    assert not analyse_xmr_chart(BASELINE[:11], "increase").limits_reliable
    assert analyse_xmr_chart(BASELINE, "increase").limits_reliable
    # Twelve months, one without a value: eleven values.
    assert not analyse_xmr_chart(BASELINE[:11] + [None], "increase").limits_reliable
    # A short segment after a rebase makes the chart's limits unreliable.
    chart = analyse_xmr_chart(BASELINE + [11.0] * 5, "increase", rebase_at=[12])
    assert [segment.limits_reliable for segment in chart.segments] == [True, False]
    assert not chart.limits_reliable


# --- directions, icons, assurance -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "direction", "point_type", "icon"),
    [
        (17.0, "increase", IMPROVEMENT, VariationIcon.IMPROVEMENT_HIGH),
        (17.0, "decrease", CONCERN, VariationIcon.CONCERN_HIGH),
        (17.0, "neutral", PointType.SPECIAL_CAUSE_NEUTRAL_HIGH, VariationIcon.NEUTRAL_HIGH),
        (5.0, "increase", CONCERN, VariationIcon.CONCERN_LOW),
        (5.0, "decrease", IMPROVEMENT, VariationIcon.IMPROVEMENT_LOW),
        (5.0, "neutral", PointType.SPECIAL_CAUSE_NEUTRAL_LOW, VariationIcon.NEUTRAL_LOW),
        (11.5, "increase", COMMON, VariationIcon.COMMON_CAUSE),
    ],
)
def test_directions_and_variation_icons(value, direction, point_type, icon):
    chart = after_baseline([value], direction)
    assert chart.points[12].point_type is point_type
    assert chart.variation is icon


def test_the_variation_icon_is_judged_on_the_last_point():
    assert after_baseline([17.0, 11.5]).variation is VariationIcon.COMMON_CAUSE
    assert after_baseline([11.5, 17.0]).variation is VariationIcon.IMPROVEMENT_HIGH
    # A last month with no value: the last value decides.
    chart = after_baseline([17.0, None])
    assert chart.latest_point.index == 12
    assert chart.variation is VariationIcon.IMPROVEMENT_HIGH


@pytest.mark.parametrize(
    ("target", "direction", "assurance"),
    [
        (17.0, "increase", AssuranceIcon.CONSISTENTLY_FAILING),
        (5.0, "increase", AssuranceIcon.CONSISTENTLY_PASSING),
        (11.0, "increase", AssuranceIcon.HIT_AND_MISS),
        (17.0, "decrease", AssuranceIcon.CONSISTENTLY_PASSING),
        (5.0, "decrease", AssuranceIcon.CONSISTENTLY_FAILING),
        (11.0, "decrease", AssuranceIcon.HIT_AND_MISS),
        (17.0, "neutral", None),
        (None, "increase", None),
    ],
)
def test_assurance_against_the_target(target, direction, assurance):
    assert after_baseline([], direction, target=target).assurance is assurance


def test_a_target_on_a_limit_is_hit_and_miss():
    upper = after_baseline([]).segments[0].upper_process_limit
    assert after_baseline([], target=upper).assurance is AssuranceIcon.HIT_AND_MISS


def test_assurance_uses_the_last_segment_after_a_rebase():
    # 18 is above the first segment's limits (5.68 - 16.32) but within the second's (15.68 - 26.32).
    chart = analyse_xmr_chart(FIRST + SECOND, "increase", target=18, rebase_at=[12])
    assert chart.assurance is AssuranceIcon.HIT_AND_MISS


# --- the summary sentence ------------------------------------------------------------------------------


def test_the_summary_sentence_for_a_director():
    # Mean 4.4, moving ranges of 0.4: limits 4.4 -/+ 1.064 = 3.336 to 5.464, so 4.5 lies within them.
    chart = analyse_xmr_chart([4.2, 4.6] * 6, "decrease", target=4.5)
    assert describe_chart(chart, "Sickness absence", unit="%") == (
        "Sickness absence shows common cause variation: no significant change. The target of 4.5% lies "
        "within the process limits, so it will be hit and missed at random."
    )


def test_summary_sentences_for_special_cause_and_consistent_targets():
    assert describe_chart(after_baseline([17.0], target=5.0), "Retention") == (
        "Retention shows special cause improvement: the latest figures are significantly higher. The target "
        "of 5 lies below the lower process limit, so it will be met consistently unless the process changes."
    )
    assert describe_chart(after_baseline([17.0], "decrease", target=17.0), "Vacancy rate", unit="%") == (
        "Vacancy rate shows special cause concern: the latest figures are significantly higher. The "
        "target of 17% lies above the upper process limit, so it will be met consistently unless the "
        "process changes."
    )
    assert describe_chart(after_baseline([5.0], target=1234.56), "Starters", decimals=1) == (
        "Starters shows special cause concern: the latest figures are significantly lower. The target of "
        "1,234.6 lies above the upper process limit, so it will not be met unless the process changes."
    )


def test_summary_sentences_for_short_series():
    assert describe_chart(analyse_xmr_chart([], "increase"), "Turnover") == (
        "Turnover has no values yet, so its variation cannot be judged."
    )
    assert describe_chart(analyse_xmr_chart([3.0], "increase", target=2), "Turnover").endswith(
        "There are too few values yet to set process limits."
    )
    assert describe_chart(analyse_xmr_chart([3.0, 4.0], "increase"), "Turnover").endswith(
        "The limits rest on fewer than 12 values, so they are provisional."
    )


def test_no_summary_sentence_uses_gendered_words():
    charts = [
        after_baseline([value], direction, target=target)
        for value in (17.0, 5.0, 11.5)
        for direction in ("increase", "decrease", "neutral")
        for target in (None, 5.0, 11.0, 17.0)
    ]
    charts += [analyse_xmr_chart([], "increase"), analyse_xmr_chart([1.0, 2.0], "increase", target=9)]
    gendered = re.compile(r"\b(he|she|him|his|her|hers|himself|herself|man|woman|men|women)\b", re.IGNORECASE)
    for chart in charts:
        assert not gendered.search(describe_chart(chart, "The measure", unit="%"))


# --- validation -------------------------------------------------------------------------------------


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="improvement_direction"):
        analyse_xmr_chart(BASELINE, "up")
    with pytest.raises(ValueError, match="infinite"):
        analyse_xmr_chart([1.0, math.inf], "increase")
    with pytest.raises(ValueError, match="target"):
        analyse_xmr_chart(BASELINE, "increase", target=math.nan)
    with pytest.raises(ValueError, match="shift_length"):
        analyse_xmr_chart(BASELINE, "increase", shift_length=1)


# --- a property -------------------------------------------------------------------------------------

series = st.lists(
    st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)), min_size=0, max_size=40
)


@given(series)
def test_without_rebase_the_mean_is_the_plain_mean_and_the_limits_are_symmetric(values):
    chart = analyse_xmr_chart(values, "increase")
    screened = chart.segments[0] if chart.segments else None
    unscreened = analyse_xmr_chart(values, "increase", screen_outliers=False).segments
    present = [value for value in values if value is not None]
    assert len(chart.points) == len(values)
    assert [point.point_type is None for point in chart.points] == [value is None for value in values]
    if not present:
        assert screened is None or screened.mean is None
        return
    assert screened.mean == pytest.approx(statistics.fmean(present), rel=1e-9, abs=1e-6)
    if len(present) < 2:
        assert screened.upper_process_limit is None
        return
    upper_gap = screened.upper_process_limit - screened.mean
    lower_gap = screened.mean - screened.lower_process_limit
    assert upper_gap == pytest.approx(lower_gap, rel=1e-9, abs=1e-6)
    assert upper_gap >= 0
    # Screening only ever leaves out the largest moving ranges, so it never widens the limits.
    assert screened.mean_moving_range <= unscreened[0].mean_moving_range * (1 + 1e-12) + 1e-9
