"""Use cases. Each takes plain values, talks to the ports and returns domain objects."""

import asyncio
import time
from dataclasses import dataclass

from domain.errors import InvalidInput, ProductNotFound
from domain.filters import RecommendRequest
from domain.models import IndexInfo, Product, Recommendations, Timings, UserFeatures, Vector
from domain.ports import CatalogSource, Embedder, ProductIndex, UserFeatureStore
from domain.ranking import as_ranked, rerank
from domain.session import apply_click
from domain.validation import check_id, check_text
from domain.vectors import DEFAULT_CLICK_ALPHA, blend

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


def _abandon(reading: "asyncio.Future[UserFeatures] | None") -> None:
    """The request failed: stop the read, or mark its own failure seen (the request's error is raised)."""
    if reading is not None and not reading.cancel() and not reading.cancelled():
        reading.exception()


@dataclass
class RecommenderService:
    embedder: Embedder
    index: ProductIndex
    users: UserFeatureStore
    catalog: CatalogSource
    click_alpha: float = DEFAULT_CLICK_ALPHA

    async def recommend(self, request: RecommendRequest) -> Recommendations:
        start = time.perf_counter()
        # The user's features are read while the query is embedded: neither waits for the other. One
        # task, not gather's two: on a query-vector cache hit the embedding returns without waiting.
        # Without blending the search does not need them either, so it is sent without waiting for
        # the read (one round trip on a pipelined connection); with neither blend nor rerank nothing
        # is read at all.
        needs_user = request.blend.active or request.rerank.active
        reading = asyncio.ensure_future(self.users.get(request.user_id)) if needs_user else None
        try:
            query_vector, embed_ms = await self._embed_one(request.query)
            session = (await _result(reading, request.user_id)).session_vector if request.blend.active else None
            vector = blend(query_vector, session, request.blend.weight)  # the query alone without a session

            search_start = time.perf_counter()
            result = await self.index.search(vector, request.filters, request.k, request.ef_runtime)
            search_ms = _ms_since(search_start)
            user = await _result(reading, request.user_id)
        except BaseException:
            _abandon(reading)
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
        check_id("user_id", user_id)
        product, vector = await self._product_with_vector(product_id)
        return await self.users.update(
            user_id, lambda features: apply_click(features, product, vector, self.click_alpha)
        )

    async def user_features(self, user_id: str) -> UserFeatures:
        return await self.users.get(check_id("user_id", user_id))

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
