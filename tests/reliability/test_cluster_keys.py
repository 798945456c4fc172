"""The user-side and product-side writes against a 3-node Redis Cluster through redis-py's RedisCluster.

Every script and multi-key command lands in one hash slot: an event is one Lua script over the user's
features hash, vectors string and history list, `user:{<id>}:features`, `user:{<id>}:vectors` and
`user:{<id>}:events` (the id is the hash tag, every name in KEYS), and reading the features is one
read-only script over the first two; forgetting a user deletes all three in one DEL; a refreshed embedding is a script
over KEYS[1] (the product hash); a persisted query is HSET + HEXPIRE on one hash. So each runs on
whichever node owns the slot. FT.* is not exercised: the Search module from the wheel has no cluster
coordinator (docs/scaling.md). Co-engagement writes are a pipeline of single-key commands, each list
in its product's slot.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import numpy as np
import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from adapters.embedder import FastEmbedEmbedder
from adapters.memory import InMemoryProductIndex, StaticCatalog
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import RedisConnection
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.persisted_queries import RedisPersistedQueries
from adapters.redis.schema import IndexConfig
from adapters.redis.topology import cluster_nodes
from adapters.redis.users import RedisUserFeatureStore
from domain.co_engagement import Relation
from domain.events import EventKind
from domain.models import Product, Vector
from domain.service import RecommenderService

pytestmark = [pytest.mark.timeout(90), pytest.mark.anyio]


class ClusterReads:
    """HotPathReads over RedisCluster (test-only): raw flat replies, as the adapters expect them."""

    def __init__(self, cluster: RedisCluster) -> None:
        self.cluster = cluster

    async def command(self, *args: Any) -> Any:
        reply = await self.cluster.execute_command(*args)
        if isinstance(reply, dict):  # redis-py's HGETALL callback; the adapters parse the flat reply
            return [part for pair in reply.items() for part in pair]
        return reply

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        # Each to the node of its key: on a cluster the keys of one burst live in different slots.
        return list(await asyncio.gather(*(self.command(*args) for args in commands)))


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[EmbeddedRedis]]:
    servers = cluster_nodes(tmp_path_factory.mktemp("cluster"), 3)
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
async def cluster(nodes: list[EmbeddedRedis]) -> AsyncIterator[RedisConnection]:
    # 240 racing events hold a connection each while they wait: more than the default 32 per node.
    client = RedisCluster(host="127.0.0.1", port=nodes[0].port, protocol=2, max_connections=512)
    await client.initialize()
    yield RedisConnection(cast(aioredis.Redis, client), ClusterReads(client), None)
    await client.aclose()


async def _keys_per_node(nodes: list[EmbeddedRedis], pattern: str) -> list[int]:
    counts = []
    for node in nodes:
        async with aioredis.Redis(port=node.port) as client:
            counts.append(len([key async for key in client.scan_iter(match=pattern)]))
    return counts


async def test_concurrent_clicks_on_a_cluster_are_all_counted(
    cluster: RedisConnection,
    nodes: list[EmbeddedRedis],
    namespace: str,
    embedder: FastEmbedEmbedder,
    catalog_items: list[tuple[Product, Vector]],
) -> None:
    products = InMemoryProductIndex()
    await products.upsert(catalog_items)
    users = RedisUserFeatureStore(cluster, prefix=f"{namespace}user:")
    service = RecommenderService(embedder, products, users, StaticCatalog(catalog_items))
    ids = [product.id for product, _ in catalog_items]
    clicks = [(f"u{n % 24}", ids[n % len(ids)]) for n in range(240)]  # 10 each, racing within a user

    await asyncio.gather(*(service.record_click(user, product) for user, product in clicks))

    for n in range(24):
        features = await service.user_features(f"u{n}")
        assert features.clicks == 10 and features.session_vector is not None
    spread = await _keys_per_node(nodes, f"{namespace}user:*")
    assert sum(spread) == 72 and all(spread), spread  # features, vectors and history of 24 users, on every node
    await service.reset_user("u0")
    assert (await service.user_features("u0")).clicks == 0


async def test_every_event_kind_and_the_history_on_a_cluster(
    cluster: RedisConnection, namespace: str, embedder: FastEmbedEmbedder, catalog_items: list[tuple[Product, Vector]]
) -> None:
    products = InMemoryProductIndex()
    await products.upsert(catalog_items)
    users = RedisUserFeatureStore(cluster, prefix=f"{namespace}user:")
    service = RecommenderService(embedder, products, users, StaticCatalog(catalog_items))
    ids = [product.id for product, _ in catalog_items]
    kinds = list(EventKind)
    events = [(f"e{n % 8}", ids[n % len(ids)], kinds[n % len(kinds)]) for n in range(200)]  # 25 per user, racing

    await asyncio.gather(*(service.record_event(user, product, kind) for user, product, kind in events))

    for n in range(8):
        features = await service.user_features(f"e{n}")
        assert features.events == 25
        assert features.clicks == sum(1 for user, _, kind in events if user == f"e{n}" and kind is EventKind.CLICK)
        assert [e.product_id for e in await users.history(f"e{n}", 50)][:1]  # the history list, same slot
    await service.reset_user("e1")  # one DEL over the three keys of the user's slot
    assert (await service.user_features("e1")).events == 0 and await users.history("e1", 50) == []
    assert await cluster.client.exists(*users.keys("e1")) == 0


async def test_product_writes_and_persisted_queries_run_on_a_cluster(
    cluster: RedisConnection,
    nodes: list[EmbeddedRedis],
    namespace: str,
    catalog_items: list[tuple[Product, Vector]],
) -> None:
    index = RedisProductIndex(cluster, IndexConfig(name=f"{namespace}idx", prefix=f"{namespace}product:"))
    await index.upsert(catalog_items)  # plain HSETs, routed per key (no index on a wheel cluster)
    product, vector = catalog_items[0]
    _, other = catalog_items[1]
    assert await index.set_vector(product.id, other)  # the script's one key is its KEYS[1]
    found = await index.get_vector(product.id)
    assert found is not None and found[0] == product and np.array_equal(found[1], other)
    assert not await index.set_vector("no-such-product", vector)
    assert all(await _keys_per_node(nodes, f"{namespace}product:*"))

    stored = RedisPersistedQueries(cluster, f"{namespace}apq", ttl_s=60, max_entries=10)
    assert await stored.put("abc", "{ categories }")
    assert await stored.get("abc") == "{ categories }"


async def test_co_engagement_writes_and_reads_on_a_cluster(
    cluster: RedisConnection,
    nodes: list[EmbeddedRedis],
    namespace: str,
    embedder: FastEmbedEmbedder,
    catalog_items: list[tuple[Product, Vector]],
) -> None:
    """Each list is its product's own slot (`co:{<id>}:<relation>`), the totals one hash: the pipeline after
    the user's script is routed key by key, and no command names two products' keys."""
    products = InMemoryProductIndex()
    await products.upsert(catalog_items)
    users = RedisUserFeatureStore(cluster, prefix=f"{namespace}user:")
    store = RedisCoEngagement(cluster, namespace)
    service = RecommenderService(embedder, products, users, StaticCatalog(catalog_items), co_engagement=store)
    ids = [product.id for product, _ in catalog_items][:12]

    for n in range(8):  # each shopper buys a run of four consecutive products
        for product_id in ids[n : n + 4]:
            await service.record_event(f"c{n}", product_id, EventKind.PURCHASE)

    spread = await _keys_per_node(nodes, f"{namespace}co:{{*}}:*")
    assert sum(spread) == 2 * 11 and all(spread), spread  # 11 products with links, both relations
    related = await store.neighbours({ids[5]: 1.0}, Relation.BOUGHT_TOGETHER, 10, service.clock())
    assert {product_id for product_id, _ in related} == set(ids[2:9]) - {ids[5]}
