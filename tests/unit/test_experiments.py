"""A/B statistics against a case computed by hand, the guards for empty arms, and the window's buckets."""

import math

import pytest

from domain.errors import InvalidInput
from domain.experiments import Metric, VariantCounts, compare, scenario_stats
from domain.scenario_stats import stats_hours
from domain.times import HOUR_S

DAY_S = 24 * HOUR_S


def test_the_hand_computed_case() -> None:
    """control 200 purchases / 10,000 requests, variant 260 / 10,000.

    rates: p1 = 0.02, p2 = 0.026; lift = 0.026 / 0.02 - 1 = 0.30.
    pooled p = 460 / 20,000 = 0.023; SE = sqrt(0.023 · 0.977 · (1/10,000 + 1/10,000)) = sqrt(4.49420e-6)
    = 0.0021200; z = 0.006 / 0.0021200 = 2.8303; two-sided p = erfc(2.8303 / √2) = 0.00465 → significant.
    interval: log ratio = ln 1.3 = 0.262364; Var = (1 - 0.02) / 200 + (1 - 0.026) / 260 = 0.0049 + 0.0037462
    = 0.0086462, SE = 0.092985; 1.96 · SE = 0.182247; exp(0.262364 ∓ 0.182247) - 1 = [0.08341, 0.55988].
    """
    control = VariantCounts("control", requests=10_000, purchases=200)
    variant = VariantCounts("b", requests=10_000, purchases=260)
    c = compare(control, variant, Metric.CONVERSION)
    assert c.lift == pytest.approx(0.30)
    assert c.p_value == pytest.approx(0.00465, abs=5e-5)
    assert c.lower95 == pytest.approx(0.08341, abs=5e-5)
    assert c.upper95 == pytest.approx(0.55988, abs=5e-5)
    assert c.significant and c.variant == "b" and c.metric is Metric.CONVERSION


def test_ctr_uses_clicks_over_impressions_and_a_small_difference_is_not_significant() -> None:
    control = VariantCounts("control", impressions=1_000, clicks=50)
    variant = VariantCounts("b", impressions=1_000, clicks=55)
    c = compare(control, variant, Metric.CTR)
    assert c.lift == pytest.approx(0.10)
    assert c.lower95 < 0 < c.upper95 and c.p_value > 0.05 and not c.significant
    assert (variant.ctr, variant.conversion_rate) == (0.055, 0.0)


@pytest.mark.parametrize(
    ("control", "variant"),
    [
        (VariantCounts("control"), VariantCounts("b")),  # nothing served
        (VariantCounts("control", requests=100), VariantCounts("b", requests=100)),  # no purchases anywhere
        (VariantCounts("control", requests=100), VariantCounts("b", requests=100, purchases=5)),  # control at 0
        (VariantCounts("control", requests=100, purchases=5), VariantCounts("b", requests=100)),  # variant at 0
    ],
)
def test_empty_arms_give_finite_numbers(control: VariantCounts, variant: VariantCounts) -> None:
    c = compare(control, variant, Metric.CONVERSION)
    assert all(math.isfinite(x) for x in (c.lift, c.lower95, c.upper95, c.p_value))
    assert 0.0 <= c.p_value <= 1.0 and c.lower95 <= c.upper95


def test_a_variant_that_never_converts_against_one_that_does_is_a_significant_loss() -> None:
    control, variant = VariantCounts("control", requests=1000, purchases=40), VariantCounts("b", requests=1000)
    c = compare(control, variant, Metric.CONVERSION)
    assert c.lift == -1.0 and c.significant and c.upper95 < 0


def test_stats_list_control_first_and_compare_each_variant_on_both_metrics() -> None:
    totals = {"b": VariantCounts("b", requests=3), "a": VariantCounts("a", requests=2)}
    stats = scenario_stats("home", totals, "control")
    assert [v.variant for v in stats.variants] == ["control", "a", "b"]
    assert stats.variants[0] == VariantCounts("control")
    assert [(c.variant, c.metric) for c in stats.comparison] == [
        ("a", Metric.CTR),
        ("a", Metric.CONVERSION),
        ("b", Metric.CTR),
        ("b", Metric.CONVERSION),
    ]
    assert scenario_stats("none", {}, "control").comparison == ()


NOW = 1_765_000_000.0  # 2025-12-06 05:46:40 UTC
HOUR = int(NOW // HOUR_S)


def test_window_defaults_to_the_last_seven_days_of_whole_hours() -> None:
    assert stats_hours(None, None, NOW, keep_days=30) == range(HOUR - 7 * 24, HOUR + 1)


def test_window_takes_every_hour_it_touches() -> None:
    start, end = (HOUR - 3) * HOUR_S + 59 * 60, (HOUR - 1) * HOUR_S + 1
    assert stats_hours(start, end, NOW, keep_days=30) == range(HOUR - 3, HOUR)


def test_window_is_clipped_to_the_retention_and_to_now() -> None:
    assert stats_hours(0.0, NOW + 10 * DAY_S, NOW, keep_days=30) == range(int((NOW - 30 * DAY_S) // HOUR_S), HOUR + 1)
    assert len(stats_hours(NOW - 30 * DAY_S, None, NOW, keep_days=30)) == 30 * 24 + 1
    assert stats_hours(NOW + DAY_S, None, NOW, keep_days=30) == range(0)  # starts in the future: nothing


def test_from_after_to_names_from() -> None:
    with pytest.raises(InvalidInput) as raised:
        stats_hours(NOW, NOW - 1, NOW, keep_days=30)
    assert raised.value.argument == "from"
