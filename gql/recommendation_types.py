"""What a recommendation request returns: items with their explanation, the strategy, the page."""

from typing import Annotated

import strawberry

from domain import models
from domain.co_engagement import Relation
from domain.diversity import DEFAULT_WEIGHT, DiversitySettings
from domain.filters import SearchMode as DomainSearchMode
from domain.pipeline.pager import PageInfo as DomainPageInfo
from gql.context import Info
from gql.page_cursors import end_cursor
from gql.product_types import Product, ProductNotFound

# Registered on the domain's enums themselves: the resolvers pass domain values straight through.
strawberry.enum(
    models.Strategy,
    description="Which path produced the page: QUERY (text given), SESSION (no text, the user's session vector), "
    "SIMILAR_PRODUCT (similarProducts), POPULAR (no text and no session: most engaged products of the last days), "
    "TRENDING (the TRENDING source of a scenario: engagement in the recent hours well above the product's own "
    "baseline), TOP_RATED (no events yet: highest rating first, no vector search), RELATED (relatedProducts: "
    "co-engaged products, topped up with similar ones), BEHAVIOUR (no text and no session vector: the "
    "co-engagement of the user's recent products alone). A SESSION page of a user with history fuses "
    "co-engagement with the session.",
)
strawberry.enum(
    models.Reason,
    description="Why one item is on the page: MATCHES_QUERY (near the query vector), MATCHES_KEYWORDS (ranked by "
    "its BM25 keyword match), SIMILAR_TO_SESSION, SIMILAR_TO_PRODUCT, POPULAR, TRENDING (engaged with in the recent "
    "hours well above its own baseline), TOP_RATED, ALSO_VIEWED (other "
    "shoppers engaged with it close to the product, or to the user's recent products: co-engagement gave it more "
    "than the session did), BOUGHT_TOGETHER (put in the cart or bought close to the product), PINNED (placed at "
    "its position by a merchandising PIN rule).",
)
strawberry.enum(
    Relation,
    description="Which co-engagement relates products: ALSO_VIEWED (any engagement but DISMISS, close together in "
    "one shopper's history) or BOUGHT_TOGETHER (ADD_TO_CART and PURCHASE events only).",
)
strawberry.enum(
    DomainSearchMode,
    description="How a query text is matched: SEMANTIC (KNN on its embedding), KEYWORD (BM25 over name and "
    "description), HYBRID (both, fused by reciprocal rank with k = 60).",
)


@strawberry.type(description="How one item was ranked; agrees with the item's vectorDistance, score and affinityBonus.")
class Explanation:
    reason: models.Reason = strawberry.field(description="Why the item is on the page.")
    vector_distance: float | None = strawberry.field(
        description="Cosine distance between the search vector and the product; null when no vector was compared "
        "(POPULAR, TRENDING, TOP_RATED)."
    )
    text_rank: int | None = strawberry.field(
        description="1-based rank in the keyword (BM25) list of a KEYWORD or HYBRID search; null when not in it."
    )
    session_weight: float = strawberry.field(
        description="Share of the user's session vector in the search vector: the blend weight, 1 for SESSION, "
        "0 when no session was used."
    )
    affinity_bonus: float = strawberry.field(
        description="The bonus subtracted from the score: category affinity, plus behaviour with a query."
    )
    diversity_penalty: float = strawberry.field(
        description="diversity.weight times the highest cosine similarity to an item placed before it; 0 without "
        "diversity."
    )
    rule_adjustment: float = strawberry.field(
        description="What merchandising rules subtracted from the score, in the score's units: the weights of the "
        "active BOOST rules that apply to the product minus those of the BURY rules (BOOST 0.1 on a distance-scored "
        "page makes distance 0.42 rank as 0.32); 0 when none applies, and for a PINNED item."
    )

    @classmethod
    def from_domain(cls, c: models.Candidate) -> "Explanation":
        e = c.explanation or models.Explanation(models.Reason.MATCHES_QUERY, c.vector_distance, None, 0.0)
        return cls(
            reason=e.reason,
            vector_distance=e.vector_distance,
            text_rank=e.text_rank,
            session_weight=e.session_weight,
            affinity_bonus=c.affinity_bonus,
            diversity_penalty=e.diversity_penalty,
            rule_adjustment=e.rule_adjustment,
        )


@strawberry.type(description="One recommended product with how it was ranked.")
class Recommendation:
    product: Product = strawberry.field(description="The recommended product.")
    vector_distance: float = strawberry.field(
        description="Cosine distance (1 - cosine similarity) between the search vector and the product, 0 to 2; "
        "0 when no vector was compared (POPULAR, TOP_RATED: see explanation.vectorDistance)."
    )
    score: float = strawberry.field(
        description="Ranking score before diversity, lower is better: vectorDistance minus affinityBonus for vector "
        "searches; minus the fused reciprocal-rank score for KEYWORD and HYBRID, minus the decayed engagement for "
        "POPULAR, minus the rating for TOP_RATED (a POPULAR page tops up with TOP_RATED items after its popular ones); "
        "always less explanation.ruleAdjustment. A PINNED item has no adjustment: its score as the sources returned "
        "it, or, when they did not, its vectorDistance on a vector search and 0 otherwise."
    )
    affinity_bonus: float = strawberry.field(
        description="Bonus subtracted from the score: rerank.weight * ln(1 + clicks in this product's category), plus, "
        "with a query, behaviourWeight * b * a small factor for products co-engaged with the user's recent ones; 0 "
        "when neither applied."
    )
    explanation: Explanation = strawberry.field(description="Why this item is here and what moved it.")

    @classmethod
    def from_domain(cls, c: models.Candidate) -> "Recommendation":
        return cls(
            product=Product.from_domain(c.product),
            vector_distance=c.vector_distance,
            score=c.score,
            affinity_bonus=c.affinity_bonus,
            explanation=Explanation.from_domain(c),
        )


@strawberry.type(description="Wall-clock milliseconds spent in each stage of one recommendation request.")
class Timings:
    embed_ms: float = strawberry.field(description="Embedding the query text with the ONNX model.")
    search_ms: float = strawberry.field(description="The FT.SEARCH round trip (filtered KNN) to Redis.")
    rerank_ms: float = strawberry.field(description="Affinity re-ranking in the service.")
    total_ms: float = strawberry.field(description="The whole use case, stages included.")


@strawberry.type(description="Where the next page starts (the Relay names, as Apollo's and urql's fetchMore expect).")
class PageInfo:
    page: strawberry.Private[DomainPageInfo]
    has_next_page: bool = strawberry.field(
        description="Whether another page may hold more items (false past 500 items or when the candidates ran out)."
    )

    @strawberry.field(
        description="Pass as `after` with the same arguments for the next page: opaque, signed, valid for at least "
        "30 minutes; null on an empty page that ends the list."
    )
    def end_cursor(self, info: Info) -> str | None:
        return end_cursor(info.context.cursors, self.page)  # signed only when selected


@strawberry.type(description="Ranked recommendations and how they were produced.")
class Recommendations:
    items: list[Recommendation] = strawberry.field(description="Best first.")
    filter_clause: str = strawberry.field(
        description="The RediSearch pre-filter run before KNN, e.g. `@category:{outerwear} @in_stock:{true}`; "
        "`*` when unfiltered."
    )
    used_session: bool = strawberry.field(
        description="True when the user's session vector was blended into (or, for SESSION, was) the search vector."
    )
    used_rerank: bool = strawberry.field(description="True when category-affinity re-ranking changed scores.")
    timings: Timings = strawberry.field(description="Per-stage timings of this request.")
    strategy: models.Strategy = strawberry.field(description="Which path produced this page.")
    page_info: PageInfo = strawberry.field(description="Cursor and flag for the next page.")
    id: strawberry.ID = strawberry.field(
        description="This page's recommendation id: opaque and signed. Pass it as `recordEvent(recommendationId:)` "
        "with a CLICK, ADD_TO_CART or PURCHASE of a product on this page to attribute the event to the page's "
        'scenario and variant (docs/api.md, "Experiments").'
    )
    scenario: str | None = strawberry.field(description="The scenario that served this page; null when none was named.")
    variant: str | None = strawberry.field(
        description="The scenario's A/B variant that served this page (`control`: the scenario's own settings); "
        "null when no scenario was named."
    )

    @classmethod
    def from_domain(cls, r: models.Recommendations) -> "Recommendations":
        t = r.timings
        return cls(
            items=[Recommendation.from_domain(c) for c in r.items],
            filter_clause=r.filter_clause,
            used_session=r.used_session,
            used_rerank=r.used_rerank,
            timings=Timings(embed_ms=t.embed_ms, search_ms=t.search_ms, rerank_ms=t.rerank_ms, total_ms=t.total_ms),
            strategy=r.strategy,
            page_info=PageInfo(page=r.page, has_next_page=r.page.has_next_page),
            # None only from a service built without ids (tests): selecting `id` then reports a null error.
            id=r.recommendation_id,  # type: ignore[arg-type]
            scenario=r.scenario,
            variant=r.variant,
        )


@strawberry.input(description="Spread the page over different products (MMR over an over-fetched pool) and cap it.")
class DiversityInput:
    weight: float = strawberry.field(
        default=DEFAULT_WEIGHT,
        description="w in (1-w)*relevance - w*(highest similarity to an item already placed), 0 to 1; 0 keeps the "
        "relevance order, the first item is always the best match.",
    )
    max_per_category: int | None = strawberry.field(
        default=strawberry.UNSET, description="At most this many items of one category on the page, >= 1."
    )
    max_per_brand: int | None = strawberry.field(
        default=strawberry.UNSET, description="At most this many items of one brand on the page, >= 1."
    )

    def to_domain(self) -> DiversitySettings:
        def given(value: int | None) -> int | None:
            return None if value is strawberry.UNSET else value

        return DiversitySettings(self.weight, given(self.max_per_category), given(self.max_per_brand))


RelatedProductsResult = Annotated[
    Recommendations | ProductNotFound,
    strawberry.union("RelatedProductsResult", description="Products related to the given one, or why there are none."),
]
SimilarProductsResult = Annotated[
    Recommendations | ProductNotFound,
    strawberry.union("SimilarProductsResult", description="Products like the given one, or why there are none."),
]
