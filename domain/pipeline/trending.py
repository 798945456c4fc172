"""The trending source: products engaged with in the recent hours well above their own baseline (domain.trending)."""

from dataclasses import dataclass, field

from domain.models import Reason, Strategy
from domain.pipeline.sources import stored_vector
from domain.pipeline.stages import Entry, Pool, Retrieval, Scale
from domain.ports import PopularityStore, ProductIndex
from domain.trending import Trend, TrendPolicy, trends

# Recently engaged products read before filtering: the filters keep those of the most engaged that pass.
TRENDING_DEPTH = 500


@dataclass(frozen=True, slots=True)
class Trending:
    """The trending products that pass the filters, scored by minus their trend score; declines when none
    reaches the policy's minimum recent engagement (or no engagement is counted)."""

    index: ProductIndex
    popularity: PopularityStore | None
    policy: TrendPolicy = field(default_factory=TrendPolicy)

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        if self.popularity is None:
            return None
        found_trends = await trending_now(self.popularity, self.policy, now=ask.now)
        if not found_trends:
            return None
        scores = {t.product_id: t.score for t in found_trends}
        found = await self.index.among(list(scores), ask.filters)
        hits = found.hits
        ranked = sorted(range(len(hits)), key=lambda i: (-scores[hits[i][0].id], hits[i][0].id))[: ask.n]
        entries = [
            Entry(hits[i][0], -scores[hits[i][0].id], Reason.TRENDING, vector=stored_vector(found, i)) for i in ranked
        ]
        return Pool(entries, found.filter_clause, Strategy.TRENDING, Scale.ENGAGEMENT) if entries else None


async def trending_now(popularity: PopularityStore, policy: TrendPolicy, *, now: float) -> list[Trend]:
    """The products trending at `now`, best first (the candidates are the most engaged of the recent hours)."""
    engaged = await popularity.engagement(
        now, TRENDING_DEPTH, recent_hours=policy.recent_hours, baseline_days=policy.baseline_days
    )
    return trends(engaged, policy)
