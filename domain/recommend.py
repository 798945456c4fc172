"""`recommendations`: text matched by a source per search mode, or, without text, a fallback chain (the session,
else the popular, else the best rated); then the affinity adjuster, a selector and the pager.

A scenario names its own order of sources (`RecommendRequest.sources`); `RecommendSources.by_kind` is the one
registry of the sources this server can serve by name. A new source adds its entry there (QUERY is not in it:
the request's search mode picks that one).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.filters import ProductFilter, RecommendRequest, SearchMode
from domain.models import Recommendations, UserFeatures
from domain.pipeline.adjusters import AffinityBoost
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
from domain.ports import Embedder, PopularityStore, ProductIndex
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
        """A scenario's order as a fallback chain: QUERY only with text, SESSION only without (with text the
        session is blended into the query's vector instead), and TOP_RATED last when not named, so that a
        page is served even when every named source declines."""
        named = [k for k in kinds if k is not (SourceKind.SESSION if text else SourceKind.QUERY)]
        chosen = [self.by_mode[mode] if kind is SourceKind.QUERY else self.by_kind[kind] for kind in named]
        if SourceKind.TOP_RATED not in named:
            chosen.append(self.by_kind[SourceKind.TOP_RATED])
        return FallbackChain(tuple(chosen))


def recommend_sources(index: ProductIndex, popularity: PopularityStore | None) -> RecommendSources:
    knn, keyword, top_rated = query_knn(index), Keyword(index), TopRated(index)
    by_mode: dict[SearchMode, Source] = {
        SearchMode.SEMANTIC: knn,
        SearchMode.KEYWORD: keyword,
        SearchMode.HYBRID: Hybrid(knn, keyword),
    }
    by_kind: dict[SourceKind, Source] = {
        SourceKind.SESSION: session_knn(index),
        SourceKind.POPULAR: ToppedUp(Popular(index, popularity), top_rated),
        SourceKind.TOP_RATED: top_rated,
    }
    kinds = (SourceKind.SESSION, SourceKind.POPULAR, SourceKind.TOP_RATED)
    for_you = FallbackChain(tuple(by_kind[kind] for kind in kinds))
    return RecommendSources(by_mode, for_you, by_kind)


def searched_text(request: RecommendRequest) -> str | None:
    """The query text when it drives the search: given, and, under a scenario, QUERY among its sources."""
    if request.sources is not None and SourceKind.QUERY not in request.sources:
        return None
    return request.query


def _needs_user(request: RecommendRequest) -> bool:
    # Without text the session is the search vector whenever it can be read.
    return request.blend.active or request.rerank.active or (searched_text(request) is None and request.blend.enabled)


def _ranking(request: RecommendRequest, pool: Pool, *, user: UserFeatures, target: SearchVector, k: int) -> Ranking:
    rerank = request.rerank.active and bool(user.affinities) and pool.scale is not Scale.ENGAGEMENT
    adjuster = AffinityBoost(user.affinities, request.rerank.weight) if rerank else None
    selector = selector_for(k, request.diversity, by_distance=pool.scale is Scale.DISTANCE)
    return Ranking(selector, adjuster, max_distance=request.max_distance, session_weight=target.session_weight)


@dataclass(frozen=True)
class Recommend:
    embedder: Embedder
    reads: UserReads
    sources: RecommendSources
    pager: Pager

    async def __call__(self, request: RecommendRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k = page_size(request.k, len(served))
        pending = self.reads.start(request.user_id, features=_needs_user(request), exclude=request.exclude)
        try:
            target = await self._search_vector(request, pending, trace)
            filters = await pending.excluding(request.filters, request.exclude, served)
            pool = await retrieve(
                self._source(request), _ask(request, filters=filters, k=k, target=target, now=now), trace
            )
            user = await pending.user()  # read while searching (re-rank only), or an empty user
        except BaseException:
            pending.abandon()
            raise
        ranking = _ranking(request, pool, user=user, target=target, k=k)
        items, more = ranking.page(pool, trace)
        timings, ids = trace.timings(), [c.product.id for c in items]
        page = self.pager.next_page(request, served=served, page_ids=ids, more=more, now=now)
        return Recommendations(
            items=items,
            filter_clause=pool.clause,
            used_session=target.used_session,
            used_rerank=ranking.adjuster is not None,
            timings=timings,
            strategy=pool.strategy,
            page=page,
        )

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


def _ask(request: RecommendRequest, *, filters: ProductFilter, k: int, target: SearchVector, now: float) -> Retrieval:
    text = searched_text(request)
    words = () if text is None or request.mode is SearchMode.SEMANTIC else keyword_terms(text)
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
