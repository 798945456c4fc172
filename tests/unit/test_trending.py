"""The trend score: velocity against the product's own baseline, smoothed by the prior (domain.trending)."""

import pytest

from domain.trending import Engagement, TrendPolicy, trend_score, trends

POLICY = TrendPolicy(recent_hours=6, baseline_days=7, prior=5.0, min_recent=3.0)


@pytest.mark.parametrize(
    ("recent", "baseline", "score"),
    [
        (0.0, 0.0, 1.0),  # nothing known: neutral
        (6.0, 168.0, 1.0),  # a steady seller: what its baseline predicts for six hours
        (600.0, 16800.0, 1.0),  # the same at a hundred times the volume
        (2.0, 0.0, 7 / 5),  # two events over nothing: finite
        (20.0, 0.0, 5.0),
        (10.0, 7.0, 15 / 5.25),
        (3.0, 336.0, 8 / 17),  # selling below its usual rate
    ],
)
def test_trend_score(recent: float, baseline: float, score: float) -> None:
    assert trend_score(Engagement("p", recent, baseline), POLICY) == pytest.approx(score)


def test_trends_keep_the_minimum_and_order_by_score_then_id() -> None:
    found = trends(
        [Engagement("b", 20.0, 0.0), Engagement("a", 20.0, 0.0), Engagement("c", 2.9, 0.0), Engagement("d", 3, 7)],
        POLICY,
    )
    assert [(t.product_id, t.recent) for t in found] == [("a", 20.0), ("b", 20.0), ("d", 3)]


@pytest.mark.parametrize(
    "settings",
    [{"recent_hours": 0}, {"baseline_days": 0}, {"prior": 0.0}, {"prior": float("nan")}, {"min_recent": -1.0}],
)
def test_policy_refuses_nonsense(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TrendPolicy(**settings)  # type: ignore[arg-type]
