"""A/B statistics of a scenario's variants, with a verdict: pure arithmetic on counts.

Both metrics are proportions: CTR = clicks / impressions (items shown), CONVERSION = purchases /
requests (pages served). Each non-control variant is compared with `control` by:

- p-value: the two-sided two-proportion z-test with pooled variance. Under "no difference" both arms
  share one rate, so the pooled estimate is the right variance for the test; with the large counts of
  served pages the normal approximation holds, and it needs no library (Φ from math.erfc).
- 95 % interval of the relative lift (rate / control rate - 1): the delta method on log(ratio),
  Var(log p̂) ≈ (1 - p) / successes, summed over the arms (the Katz interval for a risk ratio), then
  exponentiated: asymmetric around the lift, as a ratio's interval should be. An arm with no successes
  gets half a success and one more trial (Haldane's correction) so the interval stays finite.
- significant: p-value < 0.05. The test and the interval are different approximations, so at the edge
  one may cross 0 while the other does not; the verdict follows the p-value.

A control rate of 0 leaves the relative lift undefined: it is reported as 0, never as a verdict
(no successes in either arm gives a p-value of 1).
"""

import enum
import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile
ALPHA = 0.05


class Metric(enum.Enum):
    CTR = "CTR"
    CONVERSION = "CONVERSION"


def rate(successes: float, trials: float) -> float:
    return successes / trials if trials > 0 else 0.0


@dataclass(frozen=True)
class VariantCounts:
    variant: str
    requests: int = 0
    impressions: int = 0
    clicks: int = 0
    add_to_carts: int = 0
    purchases: int = 0
    revenue: float = 0.0

    @property
    def ctr(self) -> float:
        return rate(self.clicks, self.impressions)

    @property
    def conversion_rate(self) -> float:
        return rate(self.purchases, self.requests)

    def proportion(self, metric: Metric) -> tuple[int, int]:
        """(successes, trials) of `metric`."""
        return (self.clicks, self.impressions) if metric is Metric.CTR else (self.purchases, self.requests)


@dataclass(frozen=True)
class Comparison:
    variant: str
    metric: Metric
    lift: float
    lower95: float
    upper95: float
    p_value: float
    significant: bool


def pooled_z_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1 when there is nothing to test."""
    pooled = rate(x1 + x2, n1 + n2)
    if n1 == 0 or n2 == 0 or pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (rate(x2, n2) - rate(x1, n1)) / se
    return math.erfc(abs(z) / math.sqrt(2))


def _log_rate_variance(x: int, n: int) -> tuple[float, float]:
    """(log rate, its delta-method variance), with Haldane's correction for an arm without successes."""
    if x == 0:
        x_c, n_c = 0.5, n + 1.0
    else:
        x_c, n_c = float(x), float(n)
    p = x_c / n_c
    return math.log(p), (1 - p) / x_c


def lift_interval(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """95 % interval of rate2 / rate1 - 1 (delta method on the log ratio); (0, 0) without trials."""
    if n1 == 0 or n2 == 0:
        return 0.0, 0.0
    log1, var1 = _log_rate_variance(x1, n1)
    log2, var2 = _log_rate_variance(x2, n2)
    centre, half = log2 - log1, Z_95 * math.sqrt(var1 + var2)
    return math.exp(centre - half) - 1, math.exp(centre + half) - 1


def compare(control: VariantCounts, variant: VariantCounts, metric: Metric) -> Comparison:
    x1, n1 = control.proportion(metric)
    x2, n2 = variant.proportion(metric)
    base = rate(x1, n1)
    lift = rate(x2, n2) / base - 1 if base > 0 else 0.0
    lower, upper = lift_interval(x1, n1, x2, n2)
    p_value = pooled_z_p_value(x1, n1, x2, n2)
    return Comparison(variant.variant, metric, lift, lower, upper, p_value, p_value < ALPHA)


@dataclass(frozen=True)
class ScenarioStats:
    scenario: str
    variants: tuple[VariantCounts, ...]  # control first, then by name
    comparison: tuple[Comparison, ...]  # each non-control variant, each metric


def scenario_stats(scenario: str, totals: dict[str, VariantCounts], control: str) -> ScenarioStats:
    """`control` is always listed (zeros when it served nothing), the others as they appear in the counts."""
    base = totals.get(control, VariantCounts(control))
    others = tuple(totals[name] for name in sorted(totals) if name != control)
    comparison = tuple(compare(base, other, metric) for other in others for metric in Metric)
    return ScenarioStats(scenario, (base, *others), comparison)
