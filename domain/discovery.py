"""The steps every recommendation request shares (exclusion, pages, candidate pools), and item-to-item.

Mixed into RecommenderService (domain.service), which holds the ports these methods use.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from domain import candidates, pages
from domain.diversity import pool_size
from domain.errors import InvalidInput
from domain.events import DISMISSED, HISTORY_LENGTH, PURCHASED, SEEN, Event
from domain.filters import ExcludeSettings, ProductFilter, RecommendRequest, SearchMode, SimilarRequest
from domain.models import Candidate, PageInfo, Product, Reason, Recommendations, Strategy, Timings, UserFeatures, Vector
from domain.pages import CursorCodec, page_size
from domain.ports import PopularityStore, ProductIndex, UserFeatureStore
from domain.ranking import PageRequest, assemble
from domain.text import keyword_terms
from domain.vectors import blend


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


async def user_result(reading: "asyncio.Future[UserFeatures] | None", user_id: str) -> UserFeatures:
    return UserFeatures(user_id) if reading is None else await reading


def abandon(*readings: "asyncio.Future[Any] | None") -> None:
    """The request failed: stop the reads, or mark their own failures seen (the request's error is raised)."""
    for reading in readings:
        if reading is not None and not reading.cancel() and not reading.cancelled():
            reading.exception()


def excluded_ids(exclude: ExcludeSettings, history: Sequence[Event]) -> tuple[str, ...]:
    kinds = (SEEN if exclude.seen else set()) | (DISMISSED if exclude.dismissed else set())
    kinds |= PURCHASED if exclude.purchased else set()
    return (*exclude.product_ids, *(event.product_id for event in history if event.kind in kinds))


class Discovery:
    index: ProductIndex
    users: UserFeatureStore
    clock: Callable[[], float]
    popularity: PopularityStore | None
    cursors: CursorCodec | None
    cursor_ttl_s: float

    def _decayed(self, features: UserFeatures) -> UserFeatures:
        raise NotImplementedError

    async def _product_with_vector(self, product_id: str) -> tuple[Product, Vector]:
        raise NotImplementedError

    async def similar_products(self, request: SimilarRequest) -> Recommendations:
        """Nearest to the product's stored vector (blended with the session when `blend` is given)."""
        start = time.perf_counter()
        served = self._served(request)
        k = page_size(request.k, len(served))
        b = request.blend
        reading = asyncio.ensure_future(self.users.get(request.user_id)) if b is not None and b.active else None
        history = self._history(request.exclude, request.user_id)
        try:
            _, vector = await self._product_with_vector(request.product_id)
            session = None
            if b is not None and reading is not None:
                user = self._decayed(await reading)
                session = user.session_vector if b.weight > 0 else None
                vector = blend(vector, session, b.weight, user.dismissed_vector, b.dismissed_weight)
            served = (*served, request.product_id)  # the product itself is never its own neighbour
            filters = await self._excluding(request.filters, request.exclude, history, served)
            fetch = k + 1 if request.diversity is None else pool_size(k)
            search_start = time.perf_counter()
            reason, diverse = Reason.SIMILAR_TO_PRODUCT, request.diversity is not None
            entries, clause = await candidates.nearest(self.index, vector, filters, fetch, None, reason, diverse)
            search_ms = ms_since(search_start)
        except BaseException:
            abandon(reading, history)
            raise
        weight = 0.0 if session is None or b is None else b.weight
        page = PageRequest(k, None, 0.0, request.diversity, request.max_distance, weight)
        items, more = assemble(entries, page)
        timings = Timings(0.0, search_ms, 0.0, ms_since(start))
        info = self._page_info(request, served[:-1], items, more)
        return Recommendations(items, clause, session is not None, False, timings, Strategy.SIMILAR_PRODUCT, info)

    async def _pool(
        self, request: RecommendRequest, vector: Vector | None, filters: ProductFilter, fetch: int
    ) -> candidates.Pool:
        if vector is None:
            return await candidates.popular(self.index, self.popularity, filters, fetch, self.clock())
        if request.query is None:
            reason, strategy = Reason.SIMILAR_TO_SESSION, Strategy.SESSION
        else:
            reason, strategy = Reason.MATCHES_QUERY, Strategy.QUERY
            if request.mode is SearchMode.KEYWORD:
                return await candidates.keyword(self.index, keyword_terms(request.query), vector, filters, fetch)
            if request.mode is SearchMode.HYBRID:
                words, ef, diverse = keyword_terms(request.query), request.ef_runtime, request.diversity is not None
                return await candidates.hybrid(self.index, words, vector, filters, fetch, ef, diverse)
        diverse = request.diversity is not None
        entries, clause = await candidates.nearest(
            self.index, vector, filters, fetch, request.ef_runtime, reason, diverse
        )
        return candidates.Pool(entries, clause, strategy)

    def _history(self, exclude: ExcludeSettings | None, user_id: str) -> "asyncio.Future[list[Event]] | None":
        if exclude is None or not exclude.uses_history:
            return None
        return asyncio.ensure_future(self.users.history(user_id, HISTORY_LENGTH))

    async def _excluding(
        self,
        filters: ProductFilter,
        exclude: ExcludeSettings | None,
        history: "asyncio.Future[list[Event]] | None",
        served: tuple[str, ...],
    ) -> ProductFilter:
        more = list(served)
        if exclude is not None:
            more += excluded_ids(exclude, [] if history is None else await history)
        return replace(filters, excluded_ids=(*filters.excluded_ids, *more)) if more else filters

    def _served(self, request: RecommendRequest | SimilarRequest) -> tuple[str, ...]:
        if request.after is None:
            return ()
        if self.cursors is None:
            raise InvalidInput("after", "pages are not enabled on this server")
        fingerprint = pages.fingerprint(request)
        return pages.resume(self.cursors, request.after, fingerprint, self.clock(), self.cursor_ttl_s)

    def _page_info(
        self, request: RecommendRequest | SimilarRequest, served: tuple[str, ...], items: list[Candidate], more: bool
    ) -> PageInfo:
        served = (*served, *(c.product.id for c in items))
        more = more and len(served) < pages.MAX_DEPTH
        codec, now = self.cursors, self.clock()
        if codec is None or not items:
            return PageInfo(more)
        # Signed when asked for (GraphQL resolves endCursor only if selected): ~25 µs a page otherwise spent.
        return PageInfo(more, lambda: codec.encode(pages.PageState(pages.fingerprint(request), served, now)))
