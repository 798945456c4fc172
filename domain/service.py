"""Use cases. Each takes plain values, talks to the ports and returns domain objects."""

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from domain import catalog_updates
from domain.catalog_updates import ProductsDeleted, ProductsUpdated, ProductsUpserted
from domain.errors import InvalidInput, ProductNotFound
from domain.events import DISMISSED, HISTORY_LENGTH, PURCHASED, SEEN, Event, EventKind, EventPolicy
from domain.filters import ExcludeSettings, RecommendRequest
from domain.models import IndexInfo, Product, Recommendations, Timings, UserFeatures, Vector
from domain.ports import CatalogSource, Embedder, ProductIndex, UserFeatureStore
from domain.ranking import as_ranked, rerank
from domain.session import apply_event, decay_to
from domain.validation import check_id, check_text
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


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


async def _result(reading: "asyncio.Future[UserFeatures] | None", user_id: str) -> UserFeatures:
    return UserFeatures(user_id) if reading is None else await reading


def _abandon(*readings: "asyncio.Future[Any] | None") -> None:
    """The request failed: stop the reads, or mark their own failures seen (the request's error is raised)."""
    for reading in readings:
        if reading is not None and not reading.cancel() and not reading.cancelled():
            reading.exception()


def excluded_ids(exclude: ExcludeSettings, history: Sequence[Event]) -> tuple[str, ...]:
    kinds = (SEEN if exclude.seen else set()) | (DISMISSED if exclude.dismissed else set())
    kinds |= PURCHASED if exclude.purchased else set()
    return (*exclude.product_ids, *(event.product_id for event in history if event.kind in kinds))


@dataclass
class RecommenderService:
    embedder: Embedder
    index: ProductIndex
    users: UserFeatureStore
    catalog: CatalogSource
    policy: EventPolicy = field(default_factory=EventPolicy)
    clock: Callable[[], float] = time.time  # seconds since the epoch: event times and affinity decay

    async def recommend(self, request: RecommendRequest) -> Recommendations:
        start = time.perf_counter()
        # The user's features (and history, to exclude from it) are read while the query is embedded:
        # nothing waits for anything else. Tasks, not gather: on a query-vector cache hit the embedding
        # returns without waiting. Without blending the search does not need the features either, so it
        # is sent without waiting for them (one round trip on a pipelined connection); with neither
        # blend nor rerank nothing is read at all.
        needs_user = request.blend.active or request.rerank.active
        reading = asyncio.ensure_future(self.users.get(request.user_id)) if needs_user else None
        exclude = request.exclude
        needs_history = exclude is not None and exclude.uses_history
        history = asyncio.ensure_future(self.users.history(request.user_id, HISTORY_LENGTH)) if needs_history else None
        try:
            query_vector, embed_ms = await self._embed_one(request.query)
            session, vector = None, blend(query_vector, None, 0.0)
            if request.blend.active:
                user = self._decayed(await _result(reading, request.user_id))
                session = user.session_vector if request.blend.weight > 0 else None
                b = request.blend
                vector = blend(query_vector, session, b.weight, user.dismissed_vector, b.dismissed_weight)
            filters = request.filters
            if exclude is not None:
                events = [] if history is None else await history
                filters = replace(filters, excluded_ids=(*filters.excluded_ids, *excluded_ids(exclude, events)))

            search_start = time.perf_counter()
            result = await self.index.search(vector, filters, request.k, request.ef_runtime)
            search_ms = _ms_since(search_start)
            user = self._decayed(await _result(reading, request.user_id))
        except BaseException:
            _abandon(reading, history)
            raise
        used_session = session is not None

        rerank_start = time.perf_counter()
        used_rerank = request.rerank.active and bool(user.affinities)
        weight = request.rerank.weight
        items = rerank(result.hits, user.affinities, weight) if used_rerank else as_ranked(result.hits)
        rerank_ms = _ms_since(rerank_start)

        timings = Timings(embed_ms, search_ms, rerank_ms, _ms_since(start))
        return Recommendations(items, result.filter_clause, used_session, used_rerank, timings)

    async def record_click(self, user_id: str, product_id: str) -> UserFeatures:
        return await self.record_event(user_id, product_id, EventKind.CLICK)

    async def record_event(self, user_id: str, product_id: str, kind: EventKind) -> UserFeatures:
        check_id("user_id", user_id)
        product, vector = await self._product_with_vector(product_id)
        event = Event(product_id, kind, self.clock())
        return await self.users.record(
            event, user_id, lambda features: apply_event(features, product, vector, event, self.policy)
        )

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

    def _decayed(self, features: UserFeatures) -> UserFeatures:
        return decay_to(features, self.clock(), self.policy.half_life_s)

    async def _embed_one(self, text: str) -> tuple[Vector, float]:
        start = time.perf_counter()
        [vector] = await self.embedder.embed([text])
        return vector, _ms_since(start)

    async def _product_with_vector(self, product_id: str) -> tuple[Product, Vector]:
        check_id("product_id", product_id)
        found = await self.index.get_vector(product_id)
        if found is None:
            raise ProductNotFound(product_id)
        return found
