"""The reads that recommend: `recommendations` (text, session and behaviour, popular, top rated),
`similarProducts` and `relatedProducts`.

Resolvers translate only; who they act for and what of that user they may read comes from gql.identity.
"""

from typing import Annotated

import strawberry
from strawberry import UNSET

from domain.co_engagement import Relation
from domain.errors import InvalidInput
from domain.filters import RecommendRequest, SearchMode, SimilarRequest
from domain.models import Recommendations as DomainRecommendations
from domain.related import RelatedRequest
from gql.arguments import arg
from gql.context import Info
from gql.identity import DEFAULT_USER, user_scope
from gql.page_cursors import page_state
from gql.product_types import product_result
from gql.recommendation_types import DiversityInput, Recommendations, RelatedProductsResult, SimilarProductsResult
from gql.scenario_fields import SCENARIO_DOC, in_scenario
from gql.types import BlendInput, ProductFilter, RerankInput
from gql.user_types import EXCLUDE_DEFAULTS, ExcludeInput

EXCLUDE_DOC = (
    "Products to leave out, from the user's history or by id, inside the KNN pre-filter: the results "
    "still hold k products when the catalog has them. Omitted, it is `{}`: the products the user dismissed stay "
    "out; null excludes nothing. Anonymous callers (end-user tokens on, none sent) exclude by id only."
)
DIVERSITY_DOC = "Spread the page (MMR over an over-fetched pool) and cap categories or brands. Omitted: no diversity."
MAX_DISTANCE_DOC = "Drop items farther than this cosine distance, 0 to 2 (the page may then hold fewer than k)."
AFTER_DOC = "The previous page's pageInfo.endCursor, with otherwise the same arguments; later pages never repeat items."


@strawberry.type
class RecommendationQueries:
    @strawberry.field(
        description="Recommendations: nearest to the query text (SEMANTIC, KEYWORD or HYBRID); without text, near "
        "the user's session vector fused with what other shoppers did around the user's recent products "
        "(co-engagement, weighed by blend.behaviourWeight), else the most engaged products of the last days, else the "
        "best rated. Filtered, session-blended, re-ranked, optionally diversified and paged; `strategy` says which "
        "path ran."
    )
    async def recommendations(
        self,
        info: Info,
        query: Annotated[
            str | None, arg("What the user is looking for, 1 to 512 characters; omitted: recommended for you.")
        ] = UNSET,
        user_id: Annotated[
            strawberry.ID | None,
            arg(
                "Whose session, affinities and history personalise the results. Omitted: with end-user tokens "
                "the token's user, else the demo user."
            ),
        ] = DEFAULT_USER,
        filters: Annotated[ProductFilter | None, arg("Pre-filters applied inside the KNN search.")] = UNSET,
        blend: Annotated[BlendInput | None, arg("Session-vector blending; omitted means enabled, 0.3.")] = UNSET,
        rerank: Annotated[RerankInput | None, arg("Affinity re-ranking; omitted means enabled, 0.15.")] = UNSET,
        k: Annotated[int | None, arg("How many products to return, 1 to 100.")] = 10,
        ef_runtime: Annotated[
            int | None,
            arg(
                "HNSW candidates kept while searching, for this query only, 1 to 1000: higher finds the true "
                "nearest products more often and costs more time. Omitted: the server's setting (200 unless "
                "started with --ef-runtime). No effect on a FLAT index (exact) or when Redis brute-forces a "
                "selective filter."
            ),
        ] = None,
        exclude: Annotated[ExcludeInput | None, arg(EXCLUDE_DOC)] = EXCLUDE_DEFAULTS,
        mode: Annotated[
            SearchMode | None, arg("How the query text is matched; ignored without a query.")
        ] = SearchMode.SEMANTIC,
        diversity: Annotated[DiversityInput | None, arg(DIVERSITY_DOC)] = UNSET,
        max_distance: Annotated[float | None, arg(MAX_DISTANCE_DOC)] = UNSET,
        after: Annotated[str | None, arg(AFTER_DOC)] = UNSET,
        scenario: Annotated[str | None, arg(SCENARIO_DOC)] = UNSET,
    ) -> Recommendations:
        scope = user_scope(info.context.caller, user_id)
        served, given = in_scenario(info, None if scenario is UNSET else scenario, scope.request_user)
        request = RecommendRequest(
            query=None if query is UNSET else query,
            user_id=scope.request_user,
            filters=(filters or ProductFilter()).to_domain(),
            blend=(blend or BlendInput()).to_domain(),
            rerank=(rerank or RerankInput()).to_domain(),
            k=10 if k is None else k,
            ef_runtime=ef_runtime,
            exclude=exclude.to_domain() if exclude else None,
            mode=mode or SearchMode.SEMANTIC,
            diversity=diversity.to_domain() if diversity else None,
            max_distance=None if max_distance is UNSET else max_distance,
            after=page_state(info.context.cursors, None if after is UNSET else after),
        )
        found = await info.context.service.recommend(scope.recommending(served.applied(request, given)))
        info.context.observer.stages(found.timings)
        info.context.observer.served(found)
        return Recommendations.from_domain(found)

    @strawberry.field(
        description="Products like this one (KNN on its stored vector; never the product itself), optionally "
        "blended with the user's session, filtered, diversified and paged."
    )
    async def similar_products(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID, arg("The product to find neighbours of.")],
        user_id: Annotated[
            strawberry.ID | None, arg("Whose session (with blend) and history (with exclude) apply.")
        ] = UNSET,
        filters: Annotated[ProductFilter | None, arg("Pre-filters applied inside the KNN search.")] = UNSET,
        exclude: Annotated[ExcludeInput | None, arg(EXCLUDE_DOC)] = EXCLUDE_DEFAULTS,
        blend: Annotated[
            BlendInput | None, arg("Blend the user's session vector into the product's; omitted: pure item-to-item.")
        ] = UNSET,
        diversity: Annotated[DiversityInput | None, arg(DIVERSITY_DOC)] = UNSET,
        k: Annotated[int | None, arg("How many products to return, 1 to 100.")] = 10,
        max_distance: Annotated[float | None, arg(MAX_DISTANCE_DOC)] = UNSET,
        after: Annotated[str | None, arg(AFTER_DOC)] = UNSET,
        scenario: Annotated[str | None, arg(SCENARIO_DOC + " Its sources do not apply (always item-to-item).")] = UNSET,
    ) -> SimilarProductsResult:
        scope = user_scope(info.context.caller, None if user_id is UNSET else user_id)
        served, given = in_scenario(info, None if scenario is UNSET else scenario, scope.request_user)
        request = SimilarRequest(
            product_id=str(product_id),
            user_id=scope.request_user,
            filters=(filters or ProductFilter()).to_domain(),
            exclude=exclude.to_domain() if exclude else None,
            blend=blend.to_domain() if blend else None,
            diversity=diversity.to_domain() if diversity else None,
            k=10 if k is None else k,
            max_distance=None if max_distance is UNSET else max_distance,
            after=page_state(info.context.cursors, None if after is UNSET else after),
        )

        def present(found: DomainRecommendations) -> Recommendations:
            info.context.observer.stages(found.timings)
            info.context.observer.served(found)
            return Recommendations.from_domain(found)

        limited = scope.similar(served.applied(request, given))
        return await product_result(info.context.service.similar_products(limited), present)

    @strawberry.field(
        description="Products other shoppers engaged with close to this one (ALSO_VIEWED) or put in the cart and "
        "bought with it (BOUGHT_TOGETHER), best first; when too few were, filled up with the products most like it "
        "(each item's explanation.reason says which). Never the product itself; filtered and excluded inside the "
        "search like every KNN; optionally diversified and paged. `strategy` is RELATED."
    )
    async def related_products(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID, arg("The product to find related products of.")],
        relation: Annotated[
            Relation | None, arg("Which co-engagement relates products: viewed, or bought together.")
        ] = Relation.ALSO_VIEWED,
        user_id: Annotated[strawberry.ID | None, arg("Whose history `exclude` reads.")] = UNSET,
        filters: Annotated[ProductFilter | None, arg("Pre-filters applied inside the search.")] = UNSET,
        exclude: Annotated[ExcludeInput | None, arg(EXCLUDE_DOC)] = EXCLUDE_DEFAULTS,
        diversity: Annotated[DiversityInput | None, arg(DIVERSITY_DOC)] = UNSET,
        k: Annotated[int | None, arg("How many products to return, 1 to 100.")] = 10,
        after: Annotated[str | None, arg(AFTER_DOC)] = UNSET,
        scenario: Annotated[
            str | None, arg(SCENARIO_DOC + " Its sources do not apply (always co-engagement).")
        ] = UNSET,
    ) -> RelatedProductsResult:
        if relation is None:
            raise InvalidInput("relation", "must be ALSO_VIEWED or BOUGHT_TOGETHER, not null")
        scope = user_scope(info.context.caller, None if user_id is UNSET else user_id)
        served, given = in_scenario(info, None if scenario is UNSET else scenario, scope.request_user)
        request = RelatedRequest(
            product_id=str(product_id),
            relation=relation,
            user_id=scope.request_user,
            filters=(filters or ProductFilter()).to_domain(),
            exclude=scope.exclude(exclude.to_domain() if exclude else None),
            diversity=diversity.to_domain() if diversity else None,
            k=10 if k is None else k,
            after=page_state(info.context.cursors, None if after is UNSET else after),
        )

        def present(found: DomainRecommendations) -> Recommendations:
            info.context.observer.stages(found.timings)
            info.context.observer.served(found)
            return Recommendations.from_domain(found)

        limited = scope.related(served.applied(request, given))
        return await product_result(info.context.service.related_products(limited), present)
