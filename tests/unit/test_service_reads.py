"""What `recommend` reads, and when: the user's features only when blend or rerank needs them, and the
search sent without waiting for them when only rerank does. In-memory ports, no I/O."""

import asyncio

import numpy as np
import pytest

from adapters.memory import HashingEmbedder, InMemoryProductIndex, StaticCatalog
from adapters.memory_users import InMemoryUserFeatureStore
from domain.filters import BlendSettings, ProductFilter, RecommendRequest, RerankSettings
from domain.models import Product, UserFeatures, Vector
from domain.ports import SearchResult
from domain.service import RecommenderService
from domain.vectors import blend

pytestmark = pytest.mark.anyio

USER = "u1"


def product(pid: str, category: str) -> Product:
    return Product(pid, f"{category} {pid}", "", category, "brand", 10.0, 4.0, True)


class WatchedIndex(InMemoryProductIndex):
    """Records the vectors searched with, and lets a test know the moment a search begins."""

    def __init__(self) -> None:
        super().__init__()
        self.vectors: list[Vector] = []
        self.searching = asyncio.Event()

    async def search(
        self, vector: Vector, filters: ProductFilter, k: int, ef_runtime: int | None = None, with_vectors: bool = False
    ) -> SearchResult:
        self.vectors.append(vector)
        self.searching.set()
        return await super().search(vector, filters, k, ef_runtime, with_vectors)


class WatchedUsers(InMemoryUserFeatureStore):
    """Counts reads; a read can be made to wait for an event (to see what runs before it answers)."""

    def __init__(self, answer_after: asyncio.Event | None = None) -> None:
        super().__init__()
        self.reads = 0
        self.answer_after = answer_after

    async def get(self, user_id: str) -> UserFeatures:
        self.reads += 1
        if self.answer_after is not None:
            await self.answer_after.wait()
        return await super().get(user_id)


EMBEDDER = HashingEmbedder()


async def make(users: WatchedUsers, index: WatchedIndex) -> RecommenderService:
    embedder = EMBEDDER
    items = [(product(f"p{i}", "tents" if i % 2 else "boots"), embedder.vector(f"p{i}")) for i in range(6)]
    await index.upsert(items)
    service = RecommenderService(embedder, index, users, StaticCatalog(items))
    await service.record_click(USER, "p1")  # a session vector and a "tents" affinity
    users.reads = 0
    return service


def ask(blend_on: bool, rerank_on: bool) -> RecommendRequest:
    return RecommendRequest(
        "a tent for two", USER, blend=BlendSettings(blend_on, 0.3), rerank=RerankSettings(rerank_on, 0.15), k=4
    )


@pytest.mark.parametrize(("blend_on", "rerank_on", "reads"), [(False, False, 0), (False, True, 1), (True, False, 1)])
async def test_features_are_read_only_when_blend_or_rerank_needs_them(
    blend_on: bool, rerank_on: bool, reads: int
) -> None:
    users, index = WatchedUsers(), WatchedIndex()
    service = await make(users, index)
    found = await service.recommend(ask(blend_on, rerank_on))
    assert users.reads == reads
    assert (found.used_session, found.used_rerank) == (blend_on, rerank_on)


async def test_without_blend_the_search_does_not_wait_for_the_read() -> None:
    index = WatchedIndex()
    users = WatchedUsers(answer_after=index.searching)  # the read answers only once a search has begun
    service = await make(users, index)
    found = await asyncio.wait_for(service.recommend(ask(False, True)), timeout=5)  # sequential code would hang
    assert found.used_rerank and not found.used_session


async def test_with_blend_the_search_uses_the_session_it_waited_for() -> None:
    index = WatchedIndex()
    service = await make(WatchedUsers(), index)
    features = await service.user_features(USER)
    assert features.session_vector is not None
    found = await service.recommend(ask(True, False))
    expected = blend(EMBEDDER.vector("a tent for two"), features.session_vector, 0.3)
    assert found.used_session
    np.testing.assert_allclose(index.vectors[-1], expected, rtol=1e-6)


async def test_a_failed_read_fails_the_request_and_leaves_nothing_pending() -> None:
    class Broken(WatchedUsers):
        async def get(self, user_id: str) -> UserFeatures:
            raise ConnectionError("features store down")

    before = asyncio.all_tasks()
    for blend_on in (False, True):
        service = await make(Broken(), WatchedIndex())
        with pytest.raises(ConnectionError, match="features store down"):
            await service.recommend(ask(blend_on, True))
    await asyncio.sleep(0)  # a read left running would still be among the loop's tasks now
    assert asyncio.all_tasks() <= before
