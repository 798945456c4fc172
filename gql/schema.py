"""The Strawberry schema. Resolvers only translate: GraphQL input → use case → GraphQL type."""

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry import UNSET
from strawberry.types import ExecutionContext

from gql.admin import AdminOnly
from gql.arguments import arg
from gql.catalog_types import CatalogMutations
from gql.context import Context, Info
from gql.document_cache import DocumentCache, DocumentStore
from gql.errors import ErrorPolicy
from gql.experiment_types import ExperimentQueries
from gql.fast_execution import FastExecutionContext
from gql.identity import required_user
from gql.limits import MAX_SEARCH_FIELDS, limit_extensions
from gql.observed import Observed
from gql.operation_choice import OperationChoice
from gql.product_types import product_result
from gql.rate_limited import RateLimited
from gql.recommendation_fields import RecommendationQueries
from gql.scenario_fields import ScenarioMutations, ScenarioQueries
from gql.trending_fields import TrendingQueries
from gql.types import (
    ClickRecorded,
    EmbeddingRefreshed,
    IndexInfo,
    IndexReset,
    Product,
    RecordClickResult,
    RefreshEmbeddingResult,
    ResetIndexResult,
    UserFeatures,
    UserReset,
)
from gql.user_types import EventKind, EventRecorded, RecordEventResult

__all__ = ["Context", "Info", "build_schema", "schema"]


@strawberry.type(description="Read the catalog, user features and recommendations.")
class Query(RecommendationQueries, TrendingQueries, ExperimentQueries, ScenarioQueries):
    @strawberry.field(description="Session vector, category affinities and clicks of one user.")
    async def user_features(
        self, info: Info, user_id: Annotated[strawberry.ID, arg("The user to describe.")]
    ) -> UserFeatures:
        acting = required_user(info.context.caller, user_id)
        return UserFeatures.from_domain(await info.context.service.user_features(acting))

    @strawberry.field(description="Catalog products ordered by id.")
    async def products(
        self, info: Info, limit: Annotated[int | None, arg("At most this many, 1 to 1000.")] = 100
    ) -> list[Product]:
        found = await info.context.service.list_products(100 if limit is None else limit)
        return [Product.from_domain(p) for p in found]

    @strawberry.field(description="Every category slug in the index, sorted.")
    async def categories(self, info: Info) -> list[str]:
        return await info.context.service.categories()

    @strawberry.field(description="Every brand slug in the index, sorted.")
    async def brands(self, info: Info) -> list[str]:
        return await info.context.service.brands()

    @strawberry.field(description="Index size, failures, vector memory and the embedding model.")
    async def index_info(self, info: Info) -> IndexInfo:
        return IndexInfo.from_domain(await info.context.service.index_status())


@strawberry.type(description="Record behaviour and maintain the index and the catalog.")
class Mutation(CatalogMutations, ScenarioMutations):
    @strawberry.mutation(
        description="Record an event of a user on a product: its weight moves the session vector (or, for DISMISS, "
        "the dismissed vector) and the category affinity; one atomic write, also appended to the user's history."
    )
    async def record_event(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, arg("Who did it.")],
        product_id: Annotated[strawberry.ID, arg("Which product.")],
        kind: Annotated[EventKind, arg("What the user did.")],
        recommendation_id: Annotated[
            strawberry.ID | None,
            arg(
                "The `id` of the recommendations page the product was on: a CLICK, ADD_TO_CART or PURCHASE within "
                "the attribution window (24 h by default) then counts for the page's scenario and variant, once per "
                "page, product and kind. Any other id, or a product not on that page, records the event unattributed."
            ),
        ] = UNSET,
    ) -> RecordEventResult:
        acting = required_user(info.context.caller, user_id)
        page = None if recommendation_id is UNSET or recommendation_id is None else str(recommendation_id)
        recording = info.context.service.record_event_from(acting, str(product_id), kind.to_domain(), page=page)
        return await product_result(recording, lambda recorded: EventRecorded.of(kind, recorded, info))

    @strawberry.mutation(
        description="Record a click: updates the user's session vector (EWMA), category affinity and click "
        "count atomically; the next recommendation uses them."
    )
    async def record_click(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, arg("Who clicked.")],
        product_id: Annotated[strawberry.ID, arg("What was clicked.")],
    ) -> RecordClickResult:
        acting = required_user(info.context.caller, user_id)
        return await product_result(
            info.context.service.record_click(acting, str(product_id)), ClickRecorded.from_domain
        )

    @strawberry.mutation(
        description="Re-embed a product from new text (one HSET); the next search reflects it (admin).",
        extensions=[AdminOnly()],
    )
    async def refresh_embedding(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID, arg("The product to re-embed.")],
        text: Annotated[str, arg("Text to embed, 1 to 2048 characters; the stored description is unchanged.")],
    ) -> RefreshEmbeddingResult:
        refreshing = info.context.service.refresh_embedding(str(product_id), text)
        return await product_result(refreshing, EmbeddingRefreshed.from_domain)

    @strawberry.mutation(description="Forget a user's session and dismissed vectors, affinities, counts and history.")
    async def reset_user(self, info: Info, user_id: Annotated[strawberry.ID, arg("The user to reset.")]) -> UserReset:
        acting = required_user(info.context.caller, user_id)
        await info.context.service.reset_user(acting)
        return UserReset(user_id=strawberry.ID(acting))

    @strawberry.mutation(
        description="Drop the index and its products, recreate it and reseed it from the catalog (admin).",
        extensions=[AdminOnly()],
    )
    async def reset_index(self, info: Info) -> ResetIndexResult:
        done = await info.context.service.reset_index()
        return IndexReset(index_name=done.index_name, seeded=done.seeded)


class RecommenderSchema(strawberry.Schema):
    def __init__(self, documents: DocumentStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.documents = documents  # parsed and validated documents, shared by every request

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # ErrorPolicy logs what deserves it (unexpected errors, with an id); client mistakes are not
        # server errors and would only flood the log with tracebacks.
        return None


def build_schema(
    introspection: bool = True,
    max_search_fields: int = MAX_SEARCH_FIELDS,
    *,
    fast_execution: bool = True,
    document_cache: bool = True,
) -> "RecommenderSchema":
    """The served schema. Each speedup off gives Strawberry's and graphql-core's stock path, which the
    tests compare it with (docs/operations.md, "Speedups")."""
    documents = DocumentStore()
    return RecommenderSchema(
        documents,
        query=Query,
        mutation=Mutation,
        execution_context_class=FastExecutionContext if fast_execution else None,
        extensions=[
            Observed,  # first: it sees the outcome ErrorPolicy decided
            ErrorPolicy,
            RateLimited,
            OperationChoice,  # after RateLimited: a refused request still spends its budget
            *limit_extensions(introspection=introspection, max_search_fields=max_search_fields),
            *([lambda: DocumentCache(documents)] if document_cache else []),
        ],
    )


schema = build_schema()
