"""Reading products by id, on both stores: in the order asked, repeats kept, None for an unknown id (and, in
Redis, for a hash that lost a field), nothing for nothing."""

import numpy as np
import pytest

from adapters.memory import InMemoryProductIndex
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from domain.models import Product, Vector

pytestmark = pytest.mark.anyio
Catalog = list[tuple[Product, Vector]]


@pytest.fixture(params=["memory", "redis"])
def index(request: pytest.FixtureRequest) -> InMemoryProductIndex | RedisProductIndex:
    return request.getfixturevalue(f"{request.param}_index")  # type: ignore[no-any-return]


async def test_many_products_come_back_in_the_order_asked(
    index: InMemoryProductIndex | RedisProductIndex, catalog_items: Catalog
) -> None:
    by_id = {product.id: (product, vector) for product, vector in catalog_items}
    found = await index.get_many(["p019", "nope", "p001", "p019"])
    assert [None if f is None else f[0] for f in found] == [by_id["p019"][0], None, by_id["p001"][0], by_id["p019"][0]]
    assert found[0] is not None and np.allclose(found[0][1], by_id["p019"][1], atol=1e-6)
    assert await index.get_many([]) == []
    assert await index.get_vector("nope") is None


async def test_a_hash_missing_a_field_reads_as_no_product(
    redis_index: RedisProductIndex, redis_conn: RedisConnection
) -> None:
    await redis_conn.client.hdel(redis_index.key("p002"), "brand")
    first, second = await redis_index.get_many(["p001", "p002"])
    assert first is not None and first[0].id == "p001" and second is None
