"""GraphQL object and input types, and their translation from and to domain objects.

Names and nullability are a public contract (clients generate code from schema.graphql).
"""

from typing import Annotated, Any, TypeVar

import strawberry

from domain import filters as domain_filters
from domain import models
from domain.service import EmbeddingRefreshed as DomainEmbeddingRefreshed
from domain.service import IndexStatus
from gql.product_types import NotAuthorized, Product, ProductNotFound
from gql.recommendation_types import Recommendation, Recommendations, Timings
from gql.user_types import UserFeatures

# re-exported for gql.schema
__all__ = [
    "NotAuthorized",
    "Product",
    "ProductNotFound",
    "Recommendation",
    "Recommendations",
    "Timings",
    "UserFeatures",
]

T = TypeVar("T")


@strawberry.type(description="State of the Redis Search index and the embedding model.")
class IndexInfo:
    index_name: str = strawberry.field(description="Redis Search index name.")
    num_docs: int = strawberry.field(description="Products indexed.")
    indexing_failures: int = strawberry.field(description="Hashes under the prefix that failed to index.")
    vector_index_size_mb: float = strawberry.field(description="Memory of the HNSW vector index, MB.")
    model: str = strawberry.field(description="Embedding model used for queries and products.")
    dim: int = strawberry.field(description="Embedding dimension.")

    @classmethod
    def from_domain(cls, s: IndexStatus) -> "IndexInfo":
        i = s.info
        return cls(
            index_name=i.index_name,
            num_docs=i.num_docs,
            indexing_failures=i.indexing_failures,
            vector_index_size_mb=i.vector_index_size_mb,
            model=s.model,
            dim=s.dim,
        )


def _optional(description: str) -> Any:
    # UNSET rather than None as default: the SDL shows `category: String`, not `category: String = null`.
    return strawberry.field(default=strawberry.UNSET, description=description)


def _given(value: T | None) -> T | None:
    """Omitted (UNSET) and explicit null both mean "do not filter on this"."""
    return None if value is strawberry.UNSET else value


@strawberry.input(description="Pre-filters applied inside the vector search. Omitted fields do not filter.")
class ProductFilter:
    category: str | None = _optional("Only this category (case-insensitive).")
    brand: str | None = _optional("Only this brand (case-insensitive).")
    min_price: float | None = _optional("Lowest price, inclusive, >= 0.")
    max_price: float | None = _optional("Highest price, inclusive, >= minPrice.")
    min_rating: float | None = _optional("Lowest rating, inclusive, 0 to 5.")
    in_stock_only: bool | None = strawberry.field(default=False, description="Only products in stock.")
    text_match: str | None = _optional("Only products whose description contains these words as a phrase.")

    def to_domain(self) -> domain_filters.ProductFilter:
        return domain_filters.ProductFilter(
            category=_given(self.category),
            brand=_given(self.brand),
            min_price=_given(self.min_price),
            max_price=_given(self.max_price),
            min_rating=_given(self.min_rating),
            in_stock_only=bool(self.in_stock_only),
            text_match=_given(self.text_match),
        )


@strawberry.input(
    description="Blending of the user's session vector into the query vector, away from dismissed products."
)
class BlendInput:
    enabled: bool = strawberry.field(
        default=True, description="Blend when the user has a session vector; false also leaves behaviour out."
    )
    weight: float = strawberry.field(
        default=domain_filters.DEFAULT_BLEND_WEIGHT,
        description="w in normalise((1-w)*query + w*session - wd*dismissed), 0 to 1; 0 leaves the session out.",
    )
    dismissed_weight: float = strawberry.field(
        default=domain_filters.DEFAULT_DISMISSED_WEIGHT,
        description="wd in normalise((1-w)*query + w*session - wd*dismissed), 0 to 1: how far searches move away "
        "from the products the user dismissed; 0 turns that off.",
    )

    behaviour_weight: float | None = _optional(
        "w_b in w_b*b + w_s*cos(session, item), 0 to 1: how much what other shoppers did (co-engagement of the "
        "user's recent products, scaled to b in 0..1) counts in recommended for you; with a query, co-engaged "
        "candidates' distances drop by w_b*b times a small factor. 0 leaves behaviour out. Omitted: the server's "
        "setting (1.0 unless started with --behaviour-weight)."
    )

    def to_domain(self) -> domain_filters.BlendSettings:
        return domain_filters.BlendSettings(
            enabled=self.enabled,
            weight=self.weight,
            dismissed_weight=self.dismissed_weight,
            behaviour_weight=_given(self.behaviour_weight),
        )


@strawberry.input(description="Re-ranking by the user's category affinities.")
class RerankInput:
    enabled: bool = strawberry.field(default=True, description="Re-rank when the user has affinities.")
    weight: float = strawberry.field(
        default=domain_filters.DEFAULT_RERANK_WEIGHT,
        description="w in score = distance - w*ln(1 + affinity), 0 to 10; 0 turns re-ranking off.",
    )

    def to_domain(self) -> domain_filters.RerankSettings:
        return domain_filters.RerankSettings(enabled=self.enabled, weight=self.weight)


@strawberry.type(description="The click was recorded; the next recommendation for this user uses it.")
class ClickRecorded:
    category: str = strawberry.field(description="Category of the clicked product.")
    affinity: float = strawberry.field(description="The user's affinity for that category after this click.")
    clicks: int = strawberry.field(description="The user's total clicks after this click.")
    last_clicked_id: strawberry.ID = strawberry.field(description="The clicked product's id.")
    user: UserFeatures = strawberry.field(description="All of the user's features after this click.")

    @classmethod
    def from_domain(cls, f: models.UserFeatures) -> "ClickRecorded":
        category = f.last_clicked_category or ""
        return cls(
            category=category,
            affinity=f.affinity(category),
            clicks=f.clicks,
            last_clicked_id=strawberry.ID(f.last_clicked_id or ""),
            user=UserFeatures.from_domain(f),
        )


@strawberry.type(description="The product's vector was replaced; the next search uses it.")
class EmbeddingRefreshed:
    product_id: strawberry.ID = strawberry.field(description="The refreshed product.")
    embed_ms: float = strawberry.field(description="Milliseconds spent embedding the new text.")

    @classmethod
    def from_domain(cls, r: DomainEmbeddingRefreshed) -> "EmbeddingRefreshed":
        return cls(product_id=strawberry.ID(r.product_id), embed_ms=r.embed_ms)


@strawberry.type(description="The user's features were deleted.")
class UserReset:
    user_id: strawberry.ID = strawberry.field(description="The user whose session, affinities and clicks are gone.")


@strawberry.type(description="The index was dropped, recreated and seeded from the configured catalog.")
class IndexReset:
    index_name: str = strawberry.field(description="The recreated index.")
    seeded: int = strawberry.field(description="Products loaded from the catalog.")


RecordClickResult = Annotated[
    ClickRecorded | ProductNotFound,
    strawberry.union("RecordClickResult", description="The recorded click, or why it could not be recorded."),
]
RefreshEmbeddingResult = Annotated[
    EmbeddingRefreshed | ProductNotFound | NotAuthorized,
    strawberry.union("RefreshEmbeddingResult", description="The refreshed embedding, or why it failed."),
]
ResetIndexResult = Annotated[
    IndexReset | NotAuthorized,
    strawberry.union("ResetIndexResult", description="The reseeded index, or why it was not reset."),
]
