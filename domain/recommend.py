"""`recommendations`: text matched by a source per search mode, or, without text, a fallback chain (the session,
else the popular, else the best rated), hiding what HIDE rules hide; then the affinity and rule adjusters, a
selector, the pins and the pager."""

from collections.abc import Mapping
from dataclasses import dataclass

from domain.filters import ProductFilter, RecommendRequest, SearchMode
from domain.models import Recommendations, UserFeatures
from domain.pipeline.adjusters import AffinityBoost
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
from domain.pipeline.user_reads import PendingReads, UserReads
from domain.ports import Embedder, PopularityStore, ProductIndex
from domain.text import keyword_terms


@dataclass(frozen=True)
class RecommendSources:
    by_mode: Mapping[SearchMode, Source]  # when text is given
    for_you: Source  # without text


def recommend_sources(index: ProductIndex, popularity: PopularityStore | None) -> RecommendSources:
    knn, keyword, top_rated = query_knn(index), Keyword(index), TopRated(index)
    by_mode: dict[SearchMode, Source] = {
        SearchMode.SEMANTIC: knn,
        SearchMode.KEYWORD: keyword,
        SearchMode.HYBRID: Hybrid(knn, keyword),
    }
    for_you = FallbackChain((session_knn(index), ToppedUp(Popular(index, popularity), top_rated), top_rated))
    return RecommendSources(by_mode, for_you)


def _needs_user(request: RecommendRequest) -> bool:
    # Without text the session is the search vector whenever it can be read.
    return request.blend.active or request.rerank.active or (request.query is None and request.blend.enabled)


def _ranking(
    request: RecommendRequest,
    pool: Pool,
    *,
    user: UserFeatures,
    target: SearchVector,
    k: int,
    boost: RuleBoost | None,
    pins: Pins | None,
) -> Ranking:
    rerank = request.rerank.active and bool(user.affinities) and pool.scale is not Scale.ENGAGEMENT
    adjusters: tuple[Adjuster, ...] = (AffinityBoost(user.affinities, request.rerank.weight),) if rerank else ()
    if boost is not None:
        adjusters = (*adjusters, boost)
    by_distance = pool.scale is Scale.DISTANCE
    selector = selector_for(k, request.diversity, by_distance=by_distance, wide=boost is not None)
    session_weight = target.session_weight
    return Ranking(selector, adjusters, max_distance=request.max_distance, session_weight=session_weight, pins=pins)


@dataclass(frozen=True)
class Recommend:
    embedder: Embedder
    reads: UserReads
    sources: RecommendSources
    pager: Pager
    pins: PinLookup

    async def __call__(self, request: RecommendRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k, boost = page_size(request.k, len(served)), rule_boost(request.rules, now)
        pending = self.reads.start(request.user_id, features=_needs_user(request), exclude=request.exclude)
        try:
            target = await self._search_vector(request, pending, trace)
            filters = hiding(await pending.excluding(request.filters, request.exclude, served), request.rules, now)
            ask = _ask(request, filters=filters, k=k, target=target, now=now, wide=boost is not None)
            pool, pins = await self.pins.retrieve(self._source(request), ask, trace, rules=request.rules, k=k)
            user = await pending.user()  # read while searching (re-rank only), or an empty user
        except BaseException:
            pending.abandon()
            raise
        ranking = _ranking(request, pool, user=user, target=target, k=k, boost=boost, pins=pins)
        items, more = ranking.page(pool, trace)
        timings, ids = trace.timings(), [c.product.id for c in items]
        page = self.pager.next_page(request, served=served, page_ids=ids, more=more, now=now)
        return Recommendations(
            items=items,
            filter_clause=pool.clause,
            used_session=target.used_session,
            used_rerank=ranking.adjusts(Adjustment.AFFINITY),
            timings=timings,
            strategy=pool.strategy,
            page=page,
        )

    async def _search_vector(self, request: RecommendRequest, pending: PendingReads, trace: Trace) -> SearchVector:
        # The features (and history) are read while the query embeds; without blending the search does not
        # wait for them (they are needed only to re-rank what it returns).
        if request.query is None:
            return await session_only(request.blend, pending)
        query = await embedded(self.embedder, request.query, trace)
        return await blended(query, request.blend, pending) if request.blend.active else query_only(query)

    def _source(self, request: RecommendRequest) -> Source:
        return self.sources.for_you if request.query is None else self.sources.by_mode[request.mode]


def _ask(
    request: RecommendRequest, *, filters: ProductFilter, k: int, target: SearchVector, now: float, wide: bool
) -> Retrieval:
    words = () if request.query is None or request.mode is SearchMode.SEMANTIC else keyword_terms(request.query)
    return Retrieval(
        filters,
        fetch_size(k, request.diversity, wide=wide),
        vector=target.vector,
        words=tuple(words),
        ef_runtime=request.ef_runtime,
        with_vectors=request.diversity is not None,
        now=now,
        user_id=request.user_id,
    )
