"""Use cases. Each takes plain values, talks to the ports and returns domain objects."""

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from domain import catalog_updates, pages
from domain.catalog_updates import ProductsDeleted, ProductsUpdated, ProductsUpserted
from domain.discovery import Discovery, abandon, ms_since, user_result
from domain.diversity import pool_size
from domain.errors import InvalidInput, ProductNotFound
from domain.events import HISTORY_LENGTH, Event, EventKind, EventPolicy
from domain.filters import RecommendRequest, SearchMode
from domain.models import (
    IndexInfo,
    Product,
    Recommendations,
    Strategy,
    Timings,
    UserFeatures,
    Vector,
)
from domain.pages import CursorCodec, page_size
from domain.ports import CatalogSource, Embedder, PopularityStore, ProductIndex, UserFeatureStore
from domain.ranking import PageRequest, assemble
from domain.session import apply_event, decay_to
from domain.validation import check_finite, check_id, check_text
from domain.vectors import blend

MAX_REFRESH_TEXT_CHARS = 2048
MAX_LIST_LIMIT = 1000


@dataclass(frozen=True)
class IndexStatus:
    info: IndexInfo
    model: str
    dim: int


@dataclass(frozen=True)
class IndexReset:
    index_name: str
    seeded: int


@dataclass(frozen=True)
class EmbeddingRefreshed:
    product_id: str
    embed_ms: float


@dataclass
class RecommenderService(Discovery):
    embedder: Embedder
    index: ProductIndex
    users: UserFeatureStore
    catalog: CatalogSource
    policy: EventPolicy = field(default_factory=EventPolicy)
    clock: Callable[[], float] = time.time  # seconds since the epoch: event times and affinity decay
    popularity: PopularityStore | None = None  # None: no engagement counts (no-text requests get TOP_RATED)
    cursors: CursorCodec | None = None  # None: no page cursors (`after` is refused)
    cursor_ttl_s: float = pages.DEFAULT_CURSOR_TTL_S

    async def recommend(self, request: RecommendRequest) -> Recommendations:
        start = time.perf_counter()
        served = self._served(request)
        k = page_size(request.k, len(served))
        # The user's features (and history, to exclude from it) are read while the query is embedded:
        # nothing waits for anything else. Tasks, not gather: on a query-vector cache hit the embedding
        # returns without waiting. Without blending the search does not need the features either, so it
        # is sent without waiting for them (one round trip on a pipelined connection); with neither
        # blend nor rerank nothing is read at all.
        text = request.query
        needs_user = request.blend.active or request.rerank.active or (text is None and request.blend.enabled)
        reading = asyncio.ensure_future(self.users.get(request.user_id)) if needs_user else None
        history = self._history(request.exclude, request.user_id)
        try:
            b, embed_ms, session, vector, user = request.blend, 0.0, None, None, None
            if text is not None:
                query_vector, embed_ms = await self._embed_one(text)
                if b.active:
                    user = self._decayed(await user_result(reading, request.user_id))
                    session = user.session_vector if b.weight > 0 else None
                    vector = blend(query_vector, session, b.weight, user.dismissed_vector, b.dismissed_weight)
                else:
                    vector = blend(query_vector, None, 0.0)
            elif reading is not None:
                user = self._decayed(await reading)
                session = user.session_vector
                if session is not None:  # "recommended for you": the session alone, away from dismissed items
                    vector = blend(session, None, 0.0, user.dismissed_vector, b.dismissed_weight)
            filters = await self._excluding(request.filters, request.exclude, history, served)
            fetch = k + 1 if request.diversity is None else pool_size(k)
            search_start = time.perf_counter()
            pool = await self._pool(request, vector, filters, fetch)
            search_ms = ms_since(search_start)
            if user is None:  # read while searching (re-rank only), or not at all (an empty user)
                user = self._decayed(await user_result(reading, request.user_id))
        except BaseException:
            abandon(reading, history)
            raise
        vector_path = pool.strategy is not Strategy.POPULAR and pool.strategy is not Strategy.TOP_RATED
        used_rerank = request.rerank.active and bool(user.affinities) and vector_path
        rerank_start = time.perf_counter()
        session_weight = 1.0 if text is None and session is not None else (b.weight if session is not None else 0.0)
        by_distance = vector_path and (text is None or request.mode is SearchMode.SEMANTIC)
        page = PageRequest(
            k,
            user.affinities if used_rerank else None,
            request.rerank.weight,
            request.diversity,
            request.max_distance,
            session_weight,
            by_distance,
        )
        items, more = assemble(pool.entries, page)
        rerank_ms = ms_since(rerank_start)
        timings = Timings(embed_ms, search_ms, rerank_ms, ms_since(start))
        info = self._page_info(request, served, items, more)
        return Recommendations(items, pool.clause, session is not None, used_rerank, timings, pool.strategy, info)

    async def record_click(self, user_id: str, product_id: str) -> UserFeatures:
        return await self.record_event(user_id, product_id, EventKind.CLICK)

    async def record_event(
        self, user_id: str, product_id: str, kind: EventKind, *, at: float | None = None
    ) -> UserFeatures:
        """`at` (seconds since the epoch, default now) dates an event that happened earlier (an import)."""
        check_id("user_id", user_id)
        at = self._event_time(at)
        product, vector = await self._product_with_vector(product_id)
        event = Event(product_id, kind, at)
        features = await self.users.record(
            event, user_id, lambda features: apply_event(features, product, vector, event, self.policy)
        )
        if self.popularity is not None and kind is not EventKind.DISMISS:
            await self.popularity.add(product_id, self.policy.weights[kind], event.at)
        return features

    async def user_features(self, user_id: str) -> UserFeatures:
        return self._decayed(await self.users.get(check_id("user_id", user_id)))

    async def recent_events(self, user_id: str, limit: int) -> list[tuple[Event, Product | None]]:
        """The user's latest events with their products (None for a product deleted since)."""
        if not 1 <= limit <= HISTORY_LENGTH:
            raise InvalidInput("limit", f"must be between 1 and {HISTORY_LENGTH}, got {limit}")
        events = await self.users.history(check_id("user_id", user_id), limit)
        found = await self.index.get_many(list(dict.fromkeys(e.product_id for e in events)))
        products = {pair[0].id: pair[0] for pair in found if pair is not None}
        return [(event, products.get(event.product_id)) for event in events]

    async def reset_user(self, user_id: str) -> None:
        await self.users.delete(check_id("user_id", user_id))

    async def refresh_embedding(self, product_id: str, text: str) -> EmbeddingRefreshed:
        check_id("product_id", product_id)
        text = check_text("text", text, MAX_REFRESH_TEXT_CHARS)
        vector, embed_ms = await self._embed_one(text)
        if not await self.index.set_vector(product_id, vector):
            raise ProductNotFound(product_id)
        return EmbeddingRefreshed(product_id, embed_ms)

    async def reset_index(self) -> IndexReset:
        items = self.catalog.load()  # parsed before anything is dropped: a bad file changes nothing
        await self.index.recreate()
        return IndexReset(self.index.name, await self.index.upsert(items))

    async def index_status(self) -> IndexStatus:
        return IndexStatus(await self.index.info(), self.embedder.model_name, self.embedder.dim)

    async def list_products(self, limit: int) -> list[Product]:
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIST_LIMIT}, got {limit}")
        return await self.index.list_products(limit)

    async def categories(self) -> list[str]:
        return await self.index.categories()

    async def brands(self) -> list[str]:
        return await self.index.brands()

    async def upsert_products(self, items: Sequence[Mapping[str, object]]) -> ProductsUpserted:
        return await catalog_updates.upsert_products(self.index, self.embedder, items)

    async def update_products(self, patches: Sequence[Mapping[str, object]]) -> ProductsUpdated:
        return await catalog_updates.update_products(self.index, self.embedder, patches)

    async def delete_products(self, ids: Sequence[object]) -> ProductsDeleted:
        return await catalog_updates.delete_products(self.index, ids)

    def _event_time(self, at: float | None) -> float:
        now = self.clock()
        if at is None:
            return now
        if check_finite("at", at) > now:
            raise InvalidInput("at", "must not be in the future")
        return at

    def _decayed(self, features: UserFeatures) -> UserFeatures:
        return decay_to(features, self.clock(), self.policy.half_life_s)

    async def _embed_one(self, text: str) -> tuple[Vector, float]:
        start = time.perf_counter()
        [vector] = await self.embedder.embed([text])
        return vector, ms_since(start)

    async def _product_with_vector(self, product_id: str) -> tuple[Product, Vector]:
        check_id("product_id", product_id)
        found = await self.index.get_vector(product_id)
        if found is None:
            raise ProductNotFound(product_id)
        return found
