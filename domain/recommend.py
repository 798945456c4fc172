"""`recommendations`: text matched by a source per search mode, or, without text, a fallback chain (behaviour fused
with the session, else the session, else the popular, else the best rated); then the adjusters (affinity; with a
query, behaviour), a selector and the pager."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace

from domain.co_engagement import Relation
from domain.filters import ProductFilter, RecommendRequest, SearchMode
from domain.models import Recommendations, Strategy, UserFeatures
from domain.pipeline.adjusters import AffinityBoost, Summed
from domain.pipeline.behaviour import Behaviour, BehaviourBonus, BehaviourWeights, UserBehaviour
from domain.pipeline.behaviour_fusion import BehaviourAndSession
from domain.pipeline.fallback import FallbackChain, ToppedUp
from domain.pipeline.fusion import Hybrid
from domain.pipeline.pager import Pager, page_size
from domain.pipeline.popular import Popular, TopRated
from domain.pipeline.ranking import Ranking
from domain.pipeline.search_vectors import SearchVector, blended, embedded, query_only, session_only
from domain.pipeline.selectors import fetch_size, selector_for
from domain.pipeline.sources import Keyword, query_knn, session_knn
from domain.pipeline.stages import Pool, Retrieval, Scale, Source, Trace, retrieve
from domain.pipeline.user_reads import PendingReads, UserReads
from domain.ports import CoEngagementStore, Embedder, PopularityStore, ProductIndex
from domain.text import keyword_terms


@dataclass(frozen=True)
class RecommendSources:
    by_mode: Mapping[SearchMode, Source]  # when text is given
    for_you: Source  # without text


def user_behaviour(index: ProductIndex, store: CoEngagementStore, weights: BehaviourWeights) -> Source:
    """The co-engagement of the user's recent products fused with the session KNN (the BEHAVIOUR source)."""
    behaviour = Behaviour(index, store, Relation.ALSO_VIEWED, Strategy.BEHAVIOUR, weights.depth)
    return BehaviourAndSession(behaviour, session_knn(index), weights.session_weight)


def recommend_sources(
    index: ProductIndex,
    popularity: PopularityStore | None,
    co_engagement: CoEngagementStore | None = None,
    weights: BehaviourWeights | None = None,
) -> RecommendSources:
    knn, keyword, top_rated = query_knn(index), Keyword(index), TopRated(index)
    by_mode: dict[SearchMode, Source] = {
        SearchMode.SEMANTIC: knn,
        SearchMode.KEYWORD: keyword,
        SearchMode.HYBRID: Hybrid(knn, keyword),
    }
    chain: tuple[Source, ...] = (session_knn(index), ToppedUp(Popular(index, popularity), top_rated), top_rated)
    if co_engagement is not None:
        chain = (user_behaviour(index, co_engagement, weights or BehaviourWeights()), *chain)
    return RecommendSources(by_mode, FallbackChain(chain))


def _needs_user(request: RecommendRequest) -> bool:
    # Without text the session is the search vector whenever it can be read.
    return request.blend.active or request.rerank.active or (request.query is None and request.blend.enabled)


def _reranks(request: RecommendRequest, pool: Pool, user: UserFeatures) -> bool:
    return request.rerank.active and bool(user.affinities) and pool.scale is not Scale.ENGAGEMENT


def _ranking(
    request: RecommendRequest,
    pool: Pool,
    *,
    user: UserFeatures,
    target: SearchVector,
    k: int,
    bonus: BehaviourBonus | None,
) -> Ranking:
    affinity = AffinityBoost(user.affinities, request.rerank.weight) if _reranks(request, pool, user) else None
    # The behaviour bonus is on the distance scale: a query's KNN pool only.
    behaviour = bonus if pool.scale is Scale.DISTANCE else None
    adjuster = Summed.of(affinity, behaviour)
    selector = selector_for(k, request.diversity, by_distance=pool.scale is Scale.DISTANCE)
    return Ranking(selector, adjuster, max_distance=request.max_distance, session_weight=target.session_weight)


@dataclass(frozen=True)
class Recommend:
    embedder: Embedder
    reads: UserReads
    sources: RecommendSources
    pager: Pager
    behaviour: UserBehaviour | None = None  # None: no co-engagement store, behaviour plays no part

    async def __call__(self, request: RecommendRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k = page_size(request.k, len(served))
        weight = 0.0 if self.behaviour is None else self.behaviour.weight(request.blend)
        pending = self._start_reads(request, behaviour=weight > 0)
        try:
            target = await self._search_vector(request, pending, trace)
            filters = await pending.excluding(request.filters, request.exclude, served)
            ask = await self._with_seeds(_ask(request, filters=filters, k=k, target=target, now=now), pending, weight)
            pool, bonus = await self._retrieve(request, ask, trace)
            user = await pending.user()  # read while searching (re-rank only), or an empty user
        except BaseException:
            pending.abandon()
            raise
        ranking = _ranking(request, pool, user=user, target=target, k=k, bonus=bonus)
        items, more = ranking.page(pool, trace)
        ids = [c.product.id for c in items]
        return Recommendations(
            items=items,
            filter_clause=pool.clause,
            used_session=target.used_session,
            used_rerank=_reranks(request, pool, user),
            timings=trace.timings(),
            strategy=pool.strategy,
            page=self.pager.next_page(request, served=served, page_ids=ids, more=more, now=now),
        )

    def _start_reads(self, request: RecommendRequest, *, behaviour: bool) -> PendingReads:
        # Without text the history gives the seeds; with text, only the history exclusion reads anyway does: a
        # query of a user without one costs no read more.
        history = behaviour and request.query is None
        return self.reads.start(
            request.user_id, features=_needs_user(request), exclude=request.exclude, history=history
        )

    async def _with_seeds(self, ask: Retrieval, pending: PendingReads, weight: float) -> Retrieval:
        if self.behaviour is None or weight <= 0:
            return ask
        return replace(ask, seeds=self.behaviour.seeds(await pending.events()), behaviour_weight=weight)

    async def _retrieve(
        self, request: RecommendRequest, ask: Retrieval, trace: Trace
    ) -> tuple[Pool, BehaviourBonus | None]:
        """The source's pool; with a query and seeds, the behaviour bonus is read while the source searches."""
        if request.query is None or self.behaviour is None or not ask.seeds:
            return await retrieve(self._source(request), ask, trace), None
        async with asyncio.TaskGroup() as group:
            pool = group.create_task(retrieve(self._source(request), ask, trace))
            bonus = group.create_task(self.behaviour.bonus(ask))
        return pool.result(), bonus.result()

    async def _search_vector(self, request: RecommendRequest, pending: PendingReads, trace: Trace) -> SearchVector:
        # The features (and history) are read while the query embeds; without blending the search does not
        # wait for them (they are needed only to re-rank what it returns).
        if request.query is None:
            return await session_only(request.blend, pending)
        query = await embedded(self.embedder, request.query, trace)
        return await blended(query, request.blend, pending) if request.blend.active else query_only(query)

    def _source(self, request: RecommendRequest) -> Source:
        return self.sources.for_you if request.query is None else self.sources.by_mode[request.mode]


def _ask(request: RecommendRequest, *, filters: ProductFilter, k: int, target: SearchVector, now: float) -> Retrieval:
    words = () if request.query is None or request.mode is SearchMode.SEMANTIC else keyword_terms(request.query)
    return Retrieval(
        filters,
        fetch_size(k, request.diversity),
        vector=target.vector,
        words=tuple(words),
        ef_runtime=request.ef_runtime,
        with_vectors=request.diversity is not None,
        now=now,
        user_id=request.user_id,
    )
