"""Trending: engagement in the recent hours measured against the product's own baseline (velocity, not volume).

For each product, with engagement in summed event weights (a CLICK counts 1, a VIEW 0.5, a PURCHASE 3):

    recent   = engagement over the last `recent_hours` whole UTC hours, the current one included
    baseline = engagement over the `baseline_days` whole UTC days before the current one
    expected = baseline · recent_hours / (24 · baseline_days)   (the baseline's rate, over a window as long)
    score    = (recent + prior) / (expected + prior)

The prior is pseudo-engagement added on both sides: a product with no history scores 1 (nothing to say), a
steady seller scores about 1 whatever its volume, and a handful of events cannot make a ratio explode (without
it, 2 events over a baseline of 0 would be infinitely trending). Products below `min_recent` are left out: one
click is noise, not a trend. Just after midnight the recent hours reach into yesterday, which the baseline also
counts; that damps a trend for a few hours rather than inventing one.
"""

import enum
from dataclasses import dataclass

HOURS_PER_DAY = 24
DEFAULT_BASELINE_DAYS = 7


@dataclass(frozen=True, slots=True)
class TrendPolicy:
    recent_hours: int = 6
    baseline_days: int = DEFAULT_BASELINE_DAYS
    prior: float = 5.0  # pseudo-engagement on both sides of the ratio
    min_recent: float = 3.0  # three clicks, or one purchase

    def __post_init__(self) -> None:
        if self.recent_hours < 1 or self.baseline_days < 1:
            raise ValueError("trending needs at least one recent hour and one baseline day")
        if not self.prior > 0 or self.min_recent < 0:
            raise ValueError("trending needs a positive prior and a minimum recent engagement of at least 0")


@dataclass(frozen=True, slots=True)
class Engagement:
    """One product's summed event weights in the recent hours and over the baseline days."""

    product_id: str
    recent: float
    baseline: float


@dataclass(frozen=True, slots=True)
class Trend:
    product_id: str
    score: float
    recent: float  # the recent engagement the score came from


def trend_score(engagement: Engagement, policy: TrendPolicy) -> float:
    expected = engagement.baseline * policy.recent_hours / (HOURS_PER_DAY * policy.baseline_days)
    return (engagement.recent + policy.prior) / (expected + policy.prior)


def trends(engagements: list[Engagement], policy: TrendPolicy) -> list[Trend]:
    """The products at or above the minimum recent engagement, best score first (ties by id)."""
    kept = [Trend(e.product_id, trend_score(e, policy), e.recent) for e in engagements if e.recent >= policy.min_recent]
    return sorted(kept, key=lambda t: (-t.score, t.product_id))


class FacetField(enum.Enum):
    """What products are grouped by in trending facets."""

    CATEGORY = "CATEGORY"
    BRAND = "BRAND"


@dataclass(frozen=True, slots=True)
class FacetTrend:
    value: str  # the category or brand
    score: float  # the summed trend scores of its trending products
    events: int  # their summed recent engagement, rounded
