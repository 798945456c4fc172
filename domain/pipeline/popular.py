"""Sources without a search vector: the most engaged products of the last days, and the best rated."""

from collections.abc import Mapping
from dataclasses import dataclass

from domain.models import Reason, Strategy
from domain.pipeline.sources import stored_vector
from domain.pipeline.stages import Entry, Pool, Retrieval, Scale
from domain.ports import PopularityStore, ProductIndex

# Popular products read before filtering: the filters keep those of the most engaged that pass.
POPULAR_DEPTH = 500


@dataclass(frozen=True, slots=True)
class Popular:
    """The most engaged products that pass the filters, scored by minus their decayed engagement; declines
    when nothing was engaged with (or no engagement is counted)."""

    index: ProductIndex
    popularity: PopularityStore | None

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        if self.popularity is None:
            return None
        counts = dict(await self.popularity.top(ask.now, POPULAR_DEPTH))
        return await scored_pool(self.index, counts, ask, reason=Reason.POPULAR, strategy=Strategy.POPULAR)


async def scored_pool(
    index: ProductIndex, scores: Mapping[str, float], ask: Retrieval, *, reason: Reason, strategy: Strategy
) -> Pool | None:
    """Those of the scored products that pass the filters (one search over them), highest score first (ties by
    id), each with minus its score as its base; None when none passes."""
    if not scores:
        return None
    found = await index.among(list(scores), ask.filters)
    hits = found.hits
    ranked = sorted(range(len(hits)), key=lambda i: (-scores[hits[i][0].id], hits[i][0].id))[: ask.n]
    entries = [Entry(hits[i][0], -scores[hits[i][0].id], reason, vector=stored_vector(found, i)) for i in ranked]
    return Pool(entries, found.filter_clause, strategy, Scale.ENGAGEMENT) if entries else None


@dataclass(frozen=True, slots=True)
class TopRated:
    """The best rated products that pass the filters, scored by minus their rating; always answers."""

    index: ProductIndex

    async def retrieve(self, ask: Retrieval) -> Pool:
        rated = await self.index.top_rated(ask.filters, ask.n)
        entries = [
            Entry(p, -rating, Reason.TOP_RATED, None, stored_vector(rated, i))
            for i, (p, rating) in enumerate(rated.hits)
        ]
        return Pool(entries, rated.filter_clause, Strategy.TOP_RATED, Scale.ENGAGEMENT)
