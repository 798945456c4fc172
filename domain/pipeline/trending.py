"""The trending source: products engaged with in the recent hours well above their own baseline (domain.trending)."""

from dataclasses import dataclass, field

from domain.models import Reason, Strategy
from domain.pipeline.popular import scored_pool
from domain.pipeline.stages import Pool, Retrieval
from domain.ports import PopularityStore, ProductIndex
from domain.trending import Trend, TrendPolicy, trends

# Recently engaged products read before filtering: the filters keep those of the most engaged that pass.
TRENDING_DEPTH = 500


@dataclass(frozen=True, slots=True)
class Trending:
    """The trending products that pass the filters, scored by minus their trend score; declines when none
    reaches the policy's minimum recent engagement or passes the filters (or no engagement is counted)."""

    index: ProductIndex
    popularity: PopularityStore | None
    policy: TrendPolicy = field(default_factory=TrendPolicy)

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        if self.popularity is None:
            return None
        found = await trending_now(self.popularity, self.policy, now=ask.now)
        scores = {t.product_id: t.score for t in found}
        return await scored_pool(self.index, scores, ask, reason=Reason.TRENDING, strategy=Strategy.TRENDING)


async def trending_now(popularity: PopularityStore, policy: TrendPolicy, *, now: float) -> list[Trend]:
    """The products trending at `now`, best first (the candidates are the most engaged of the recent hours)."""
    engaged = await popularity.engagement(
        now, TRENDING_DEPTH, recent_hours=policy.recent_hours, baseline_days=policy.baseline_days
    )
    return trends(engaged, policy)
