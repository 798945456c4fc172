"""`trendingFacets`: the categories or brands whose products are trending ("trending in Outdoor")."""

from typing import Annotated

import strawberry

from domain import trending
from gql.arguments import arg
from gql.context import Info

DEFAULT_K = 10

strawberry.enum(
    trending.FacetField,
    description="What trending products are grouped by: CATEGORY or BRAND (the catalog's slugs).",
)


@strawberry.type(description="A category or brand and how much its products are trending now.")
class FacetTrend:
    value: str = strawberry.field(description="The category or brand slug.")
    score: float = strawberry.field(
        description="The summed trend scores of its trending products: each is (recent engagement + prior) / "
        "(the engagement its own baseline predicts for as long + prior), so 1 is a steady seller; see docs/api.md."
    )
    events: int = strawberry.field(
        description="The summed recent engagement of those products, in event weights (a click counts 1, a view "
        "0.5, a purchase 3), rounded."
    )

    @classmethod
    def from_domain(cls, facet: trending.FacetTrend) -> "FacetTrend":
        return cls(value=facet.value, score=facet.score, events=facet.events)


@strawberry.type
class TrendingQueries:
    @strawberry.field(
        description="The categories or brands trending now, best first: the trend scores of the products engaged "
        "with in the recent hours well above their own baseline, summed per value. Empty when nothing is trending."
    )
    async def trending_facets(
        self,
        info: Info,
        field: Annotated[trending.FacetField, arg("Group trending products by CATEGORY or BRAND.")],
        k: Annotated[int | None, arg("At most this many values, 1 to 100; null means 10.")] = DEFAULT_K,
    ) -> list[FacetTrend]:
        found = await info.context.service.trending_facets(field, DEFAULT_K if k is None else k)
        return [FacetTrend.from_domain(f) for f in found]
