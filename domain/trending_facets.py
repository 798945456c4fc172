"""`trendingFacets`: which categories (or brands) are trending, from the trend scores of their products."""

from collections.abc import Callable
from dataclasses import dataclass, field

from domain.errors import InvalidInput
from domain.models import Product
from domain.pipeline.trending import trending_now
from domain.ports import PopularityStore, ProductIndex
from domain.trending import FacetField, FacetTrend, Trend, TrendPolicy

MAX_FACETS = 100


def facet_value(product: Product, by: FacetField) -> str:
    return product.category if by is FacetField.CATEGORY else product.brand


def aggregate(found: list[tuple[Trend, Product]], by: FacetField, k: int) -> list[FacetTrend]:
    """Per facet value, the summed trend scores and recent engagement of its products; best first (ties by
    value)."""
    scores: dict[str, float] = {}
    recent: dict[str, float] = {}
    for trend, product in found:
        value = facet_value(product, by)
        if not value:  # a product without a brand is in no brand's facet
            continue
        scores[value] = scores.get(value, 0.0) + trend.score
        recent[value] = recent.get(value, 0.0) + trend.recent
    best = sorted(scores, key=lambda value: (-scores[value], value))[:k]
    return [FacetTrend(value, scores[value], round(recent[value])) for value in best]


@dataclass(frozen=True)
class TrendingFacets:
    index: ProductIndex
    popularity: PopularityStore | None
    clock: Callable[[], float]
    policy: TrendPolicy = field(default_factory=TrendPolicy)

    async def __call__(self, by: FacetField, k: int) -> list[FacetTrend]:
        if not 1 <= k <= MAX_FACETS:
            raise InvalidInput("k", f"must be between 1 and {MAX_FACETS}, got {k}")
        if self.popularity is None:
            return []
        found = await trending_now(self.popularity, self.policy, now=self.clock())
        products = await self.index.get_many([t.product_id for t in found])
        # A product deleted since its events were counted is left out.
        kept = [(t, pair[0]) for t, pair in zip(found, products, strict=True) if pair is not None]
        return aggregate(kept, by, k)
