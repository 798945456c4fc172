"""Search reads on a replica: the same answers as the primary, no failed request when it dies, traffic
back on it when it returns, and a refreshed embedding visible there on the next search (WAIT)."""

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.embedder import FastEmbedEmbedder
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.replicas import SearchReads, open_replica
from adapters.redis.schema import IndexConfig
from adapters.redis.topology import primary, replica, wait_in_sync
from bootstrap.settings import Settings
from domain.filters import ProductFilter
from domain.models import Product, Vector
from serving.app import create_app
from tests.conftest import CATALOG
from tests.polling import wait_until
from tests.reliability.conftest import in_background, live_server

pytestmark = [pytest.mark.timeout(120), pytest.mark.anyio]

SEARCH = """query($q: String!, $c: String) { recommendations(query: $q, userId: "r", k: 5,
  filters: {category: $c}) { items { product { id } } } }"""
REFRESH = "mutation($p: ID!, $t: String!) { refreshEmbedding(productId: $p, text: $t) { __typename } }"
QUERIES = ["warm jacket", "trail running shoes", "coffee", "tent for two", "wireless speaker", "kitchen knife"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedRedis, EmbeddedRedis]]:
    base = tmp_path_factory.mktemp("pair")
    with primary(base / "primary") as main:
        standby = replica(base / "replica", main.port)
        try:
            standby.start()
            wait_in_sync(standby.port)
            yield main, standby
        finally:
            standby.stop()


async def test_search_on_the_replica_equals_the_primary(
    pair: tuple[EmbeddedRedis, EmbeddedRedis], namespace: str, catalog_items: list[tuple[Product, Vector]]
) -> None:
    main, standby = pair
    conn = connect(main.url)
    search = SearchReads(conn.reads, [open_replica(standby.url)], check_s=0.05)
    config = IndexConfig(name=f"{namespace}idx", prefix=f"{namespace}product:")
    on_primary, on_replica = RedisProductIndex(conn, config), RedisProductIndex(conn, config, search)
    try:
        await on_primary.recreate()
        await on_primary.upsert(catalog_items)
        await conn.client.execute_command("WAIT", 1, 5000)
        await search.replicas[0].probe()
        for product, vector in catalog_items[::6]:
            for filters in (ProductFilter(), ProductFilter(category=product.category)):
                expected = await on_primary.search(vector, filters, 10)
                assert await on_replica.search(vector, filters, 10) == expected
        assert await on_replica.categories() == await on_primary.categories()
        assert await on_replica.list_products(100) == await on_primary.list_products(100)
        assert search.primary_commands == 0 and search.replicas[0].commands > 0
    finally:
        await conn.client.execute_command("FT.DROPINDEX", config.name, "DD")
        await search.aclose()
        await conn.aclose()


def _settings(main: EmbeddedRedis, standby: EmbeddedRedis, namespace: str) -> Settings:
    return Settings(
        redis_url=main.url,
        search_replica_urls=(standby.url,),
        search_replica_check_s=0.1,
        replica_wait_ms=2000,
        index_name=f"{namespace}idx",
        key_prefix=f"{namespace}product:",
        user_prefix=f"{namespace}user:",
        catalog=CATALOG,
        access_log=False,
    )


def _reads(base: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{base}/metrics.json").json()["search_reads"]
    return stats


def _replica_commands(base: str, standby: EmbeddedRedis) -> int:
    return int(_reads(base)["replicas"][standby.url]["commands"])


def test_refreshed_embedding_is_searchable_on_the_replica_at_once(
    pair: tuple[EmbeddedRedis, EmbeddedRedis], namespace: str, embedder: FastEmbedEmbedder
) -> None:
    main, standby = pair
    text = "a hand-forged cast iron skillet for campfires"
    with live_server(create_app(_settings(main, standby, namespace), embedder=embedder)) as base:
        assert wait_until(lambda: _reads(base)["replicas"][standby.url]["usable"], timeout=10)
        body = httpx.post(f"{base}/graphql", json={"query": REFRESH, "variables": {"p": "p045", "t": text}}).json()
        assert body["data"]["refreshEmbedding"]["__typename"] == "EmbeddingRefreshed", body
        before = _replica_commands(base, standby)
        body = httpx.post(f"{base}/graphql", json={"query": SEARCH, "variables": {"q": text}}).json()
        assert body["data"]["recommendations"]["items"][0]["product"]["id"] == "p045"
        assert _replica_commands(base, standby) == before + 1  # the replica answered, WAIT made it current
        assert _reads(base)["wait_shortfalls"] == 0


async def _load(base: str, stop: threading.Event, outcomes: Counter[str], clients: int = 6) -> None:
    async def one(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while not stop.is_set():
                variables = {"q": QUERIES[n % len(QUERIES)], "c": None if n % 2 else "footwear"}
                body = (await http.post("/graphql", json={"query": SEARCH, "variables": variables})).json()
                outcomes["ok" if "errors" not in body else str(body["errors"][0].get("extensions"))] += 1
                n += clients

    await asyncio.gather(*(one(n) for n in range(clients)))


def test_replica_killed_under_load_fails_no_request_and_gets_traffic_back(
    pair: tuple[EmbeddedRedis, EmbeddedRedis], namespace: str, embedder: FastEmbedEmbedder
) -> None:
    main, standby = pair
    outcomes: Counter[str] = Counter()
    with live_server(create_app(_settings(main, standby, namespace), embedder=embedder)) as base:
        assert wait_until(lambda: _reads(base)["replicas"][standby.url]["usable"], timeout=10)
        with in_background(lambda stop: _load(base, stop, outcomes)):
            assert wait_until(lambda: _replica_commands(base, standby) > 20)  # traffic is on the replica
            primary_before = _reads(base)["primary"]
            standby.kill()
            assert wait_until(lambda: _reads(base)["primary"] > primary_before + 20)  # the primary took over
            standby.start()
            served_while_down = _replica_commands(base, standby)
            assert wait_until(lambda: _replica_commands(base, standby) > served_while_down + 50)  # back on it
        reads = _reads(base)
    assert set(outcomes) == {"ok"}, outcomes
    assert reads["replicas"][standby.url]["outages"] >= 1
