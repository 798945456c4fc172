"""`recommendations`: text matched by a source per search mode, or, without text, a fallback chain (behaviour fused
with the session, else the session, else the popular, else the best rated), hiding what HIDE rules hide; then the
adjusters (affinity; with a query, behaviour; BOOST and BURY rules), a selector, the pins and the pager.

A scenario names its own order of sources (`RecommendRequest.sources`); `RecommendSources.by_kind` is the one
registry of the sources this server can serve by name. A new source adds its entry there (QUERY is not in it:
the request's search mode picks that one).
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from domain.co_engagement import Relation
from domain.filters import ProductFilter, RecommendRequest, SearchMode
from domain.models import Recommendations, Strategy, UserFeatures
from domain.pipeline.adjusters import AffinityBoost
from domain.pipeline.behaviour import Behaviour, BehaviourBonus, BehaviourWeights, UserBehaviour
from domain.pipeline.behaviour_fusion import BehaviourAndSession
from domain.pipeline.fallback import FallbackChain, ToppedUp
from domain.pipeline.fusion import Hybrid
from domain.pipeline.pager import Pager, page_size
from domain.pipeline.pins import Pins
from domain.pipeline.popular import Popular, TopRated
from domain.pipeline.ranking import Adjuster, Adjustment, Ranking
from domain.pipeline.rules import PinLookup, RuleBoost, hiding, rule_boost
from domain.pipeline.search_vectors import SearchVector, blended, embedded, query_only, session_only
from domain.pipeline.selectors import fetch_size, selector_for
from domain.pipeline.sources import Keyword, query_knn, session_knn
from domain.pipeline.stages import Pool, Retrieval, Scale, Source, Trace
from domain.pipeline.trending import Trending
from domain.pipeline.user_reads import PendingReads, UserReads
from domain.ports import CoEngagementStore, Embedder, PopularityStore, ProductIndex
from domain.source_kinds import SourceKind
from domain.text import keyword_terms


@dataclass(frozen=True)
class RecommendSources:
    by_mode: Mapping[SearchMode, Source]  # when text is given
    for_you: Source  # without text
    by_kind: Mapping[SourceKind, Source]  # the sources a scenario may name (QUERY aside)

    @property
    def kinds(self) -> frozenset[SourceKind]:
        """What a scenario may name on this server."""
        return frozenset((SourceKind.QUERY, *self.by_kind))

    def chain(self, kinds: Sequence[SourceKind], *, text: bool, mode: SearchMode) -> Source:
        """A scenario's order as a fallback chain: QUERY only with text, SESSION and BEHAVIOUR only without (with
        text the session is blended into the query's vector, and behaviour gives the query's candidates a bonus),
        and TOP_RATED last when not named, so that a page is served even when every named source declines."""
        skipped = (SourceKind.SESSION, SourceKind.BEHAVIOUR) if text else (SourceKind.QUERY,)
        named = [k for k in kinds if k not in skipped]
        chosen = [self.by_mode[mode] if kind is SourceKind.QUERY else self.by_kind[kind] for kind in named]
        if SourceKind.TOP_RATED not in named:
            chosen.append(self.by_kind[SourceKind.TOP_RATED])
        return FallbackChain(tuple(chosen))


def user_behaviour(index: ProductIndex, store: CoEngagementStore, weights: BehaviourWeights) -> Source:
    """The co-engagement of the user's recent products fused with the session KNN (the BEHAVIOUR source)."""
    behaviour = Behaviour(index, store, Relation.ALSO_VIEWED, Strategy.BEHAVIOUR, weights.depth, floor=weights.floor)
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
    by_kind: dict[SourceKind, Source] = {
        SourceKind.SESSION: session_knn(index),
        SourceKind.POPULAR: ToppedUp(Popular(index, popularity), top_rated),
        SourceKind.TRENDING: Trending(index, popularity),
        SourceKind.TOP_RATED: top_rated,
    }
    kinds = [SourceKind.SESSION, SourceKind.POPULAR, SourceKind.TOP_RATED]
    if co_engagement is not None:
        by_kind[SourceKind.BEHAVIOUR] = user_behaviour(index, co_engagement, weights or BehaviourWeights())
        kinds.insert(0, SourceKind.BEHAVIOUR)
    return RecommendSources(by_mode, FallbackChain(tuple(by_kind[kind] for kind in kinds)), by_kind)


def searched_text(request: RecommendRequest) -> str | None:
    """The query text when it drives the search: given, and, under a scenario, QUERY among its sources."""
    if request.sources is not None and SourceKind.QUERY not in request.sources:
        return None
    return request.query


def _needs_user(request: RecommendRequest) -> bool:
    # Without text the session is the search vector whenever it can be read.
    return request.blend.active or request.rerank.active or (searched_text(request) is None and request.blend.enabled)


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
    boost: RuleBoost | None,
    pins: Pins | None,
) -> Ranking:
    adjusters: list[Adjuster] = []
    if _reranks(request, pool, user):
        adjusters.append(AffinityBoost(user.affinities, request.rerank.weight))
    if bonus is not None and pool.scale is Scale.DISTANCE:  # the behaviour bonus is on the distance scale
        adjusters.append(bonus)
    if boost is not None:
        adjusters.append(boost)
    selector = selector_for(k, request.diversity, by_distance=pool.scale is Scale.DISTANCE, wide=boost is not None)
    return Ranking(
        selector, tuple(adjusters), max_distance=request.max_distance, session_weight=target.session_weight, pins=pins
    )


@dataclass(frozen=True)
class Recommend:
    embedder: Embedder
    reads: UserReads
    sources: RecommendSources
    pager: Pager
    pins: PinLookup
    behaviour: UserBehaviour | None = None  # None: no co-engagement store, behaviour plays no part

    async def __call__(self, request: RecommendRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k, boost = page_size(request.k, len(served)), rule_boost(request.rules, now)
        weight = 0.0 if self.behaviour is None else self.behaviour.weight(request.blend)
        pending = self._start_reads(request, behaviour=weight > 0)
        with pending.abandoned_on_error():
            target = await self._search_vector(request, pending, trace)
            filters = hiding(await pending.excluding(request.filters, request.exclude, served), request.rules, now)
            ask = _ask(request, filters=filters, k=k, target=target, now=now, wide=boost is not None)
            pool, pins, bonus = await self._retrieve(request, await self._with_seeds(ask, pending, weight), trace, k=k)
            user = await pending.user()  # read while searching (re-rank only), or an empty user
        ranking = _ranking(request, pool, user=user, target=target, k=k, bonus=bonus, boost=boost, pins=pins)
        items, more = ranking.page(pool, trace)
        ids = [c.product.id for c in items]
        return Recommendations(
            items=items,
            filter_clause=pool.clause,
            used_session=target.used_session,
            used_rerank=ranking.adjusts(Adjustment.AFFINITY),
            timings=trace.timings(),
            strategy=pool.strategy,
            page=self.pager.next_page(
                request, served=served, page_ids=ids, more=more, now=now, passed=ranking.passed_over(pool)
            ),
            scenario=request.scenario,
            variant=request.variant,
        )

    def _start_reads(self, request: RecommendRequest, *, behaviour: bool) -> PendingReads:
        # Without text the history gives the seeds; with text, only the history exclusion reads anyway does: a
        # query of a user without one costs no read more.
        history = behaviour and searched_text(request) is None
        return self.reads.start(
            request.user_id, features=_needs_user(request), exclude=request.exclude, history=history
        )

    async def _with_seeds(self, ask: Retrieval, pending: PendingReads, weight: float) -> Retrieval:
        if self.behaviour is None or weight <= 0:
            return ask
        return replace(ask, seeds=self.behaviour.seeds(await pending.events()), behaviour_weight=weight)

    async def _retrieve(
        self, request: RecommendRequest, ask: Retrieval, trace: Trace, *, k: int
    ) -> tuple[Pool, Pins | None, BehaviourBonus | None]:
        """The source's pool and the pins; with a query and seeds, the behaviour bonus is read meanwhile."""
        searching = self.pins.retrieve(self._source(request), ask, trace, rules=request.rules, k=k)
        if searched_text(request) is None or self.behaviour is None or not ask.seeds:
            return (*await searching, None)
        async with asyncio.TaskGroup() as group:
            found = group.create_task(searching)
            bonus = group.create_task(self.behaviour.bonus(ask))
        return (*found.result(), bonus.result())

    async def _search_vector(self, request: RecommendRequest, pending: PendingReads, trace: Trace) -> SearchVector:
        # The features (and history) are read while the query embeds; without blending the search does not
        # wait for them (they are needed only to re-rank what it returns).
        text = searched_text(request)
        if text is None:
            return await session_only(request.blend, pending)
        query = await embedded(self.embedder, text, trace)
        return await blended(query, request.blend, pending) if request.blend.active else query_only(query)

    def _source(self, request: RecommendRequest) -> Source:
        text = searched_text(request)
        if request.sources is not None:
            return self.sources.chain(request.sources, text=text is not None, mode=request.mode)
        return self.sources.for_you if text is None else self.sources.by_mode[request.mode]


def _floor_on_a_ranked_list(request: RecommendRequest) -> bool:
    """`max_distance` on a list not in distance order (keyword, hybrid, recommended for you): the wide pool is
    fetched, so that a fetch the floor cuts whole, which ends the list (Ranking.page), says nothing later passes."""
    return request.max_distance is not None and (
        searched_text(request) is None or request.mode is not SearchMode.SEMANTIC
    )


def _ask(
    request: RecommendRequest, *, filters: ProductFilter, k: int, target: SearchVector, now: float, wide: bool
) -> Retrieval:
    text = searched_text(request)
    words = () if text is None or request.mode is SearchMode.SEMANTIC else keyword_terms(text)
    return Retrieval(
        filters,
        fetch_size(k, request.diversity, wide=wide or _floor_on_a_ranked_list(request)),
        vector=target.vector,
        words=tuple(words),
        ef_runtime=request.ef_runtime,
        with_vectors=request.diversity is not None,
        now=now,
        user_id=request.user_id,
    )
