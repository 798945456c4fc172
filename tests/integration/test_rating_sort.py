"""The rating sort on both stores: products of equal rating come most recently written first, as Redis' sort leaves
them (every write re-indexes a product as a new document), so the fake picks the same k among ties."""

from collections.abc import AsyncIterator

import pytest

from adapters.memory import HashingEmbedder
from adapters.redis.connection import RedisConnection
from domain.filters import EVERYTHING, ProductFilter
from domain.models import Product
from domain.ports import ProductIndex
from tests.seeded_index import seeded_index

pytestmark = pytest.mark.anyio
EMBEDDER = HashingEmbedder()
RATINGS = {"r3": 4.5, "r1": 4.5, "r5": 3.0, "r4": 4.5, "r2": 4.5, "r6": 3.0}  # written in this order


def _item(pid: str, rating: float) -> tuple[Product, list[float]]:
    return Product(pid, f"name {pid}", "plain text", "c", "b", 10.0, rating, True), EMBEDDER.vector(pid)


@pytest.fixture(params=["memory", "redis"])
async def index(
    request: pytest.FixtureRequest, redis_conn: RedisConnection, namespace: str
) -> AsyncIterator[ProductIndex]:
    items = [_item(pid, rating) for pid, rating in RATINGS.items()]
    async with seeded_index(request.param, redis_conn, f"{namespace}rated", items) as seeded:
        yield seeded


async def _rated(index: ProductIndex, k: int, filters: ProductFilter = EVERYTHING) -> list[str]:
    return [p.id for p, _ in (await index.top_rated(filters, k)).hits]


async def test_ties_come_most_recently_written_first(index: ProductIndex) -> None:
    assert await _rated(index, 2) == ["r2", "r4"]
    assert await _rated(index, 6) == ["r2", "r4", "r1", "r3", "r6", "r5"]
    assert await _rated(index, 6, ProductFilter(excluded_ids=("r4",))) == ["r2", "r1", "r3", "r6", "r5"]
    among = await index.among(["r5", "r1", "r3", "r6", "r1"], ProductFilter())
    assert [p.id for p, _ in among.hits] == ["r1", "r3", "r6", "r5"]


async def test_a_rewritten_product_comes_first_among_its_ties(index: ProductIndex) -> None:
    await index.upsert([_item("r3", 4.5)])
    assert await _rated(index, 2) == ["r3", "r2"]
    assert await index.set_vector("r1", EMBEDDER.vector("another text"))
    assert await _rated(index, 3) == ["r1", "r3", "r2"]
    assert await index.replace_existing([_item("r5", 3.0)]) == ["r5"]
    assert await _rated(index, 6) == ["r1", "r3", "r2", "r4", "r5", "r6"]
