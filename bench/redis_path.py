"""Client CPU of the two hot-path Redis reads of a request, over the lane and over redis-py's pool.

    .venv/bin/python -m bench.redis_path [--rounds 5 --requests 3000]

Against a private embedded Redis, one "request" is what `recommend` asks of Redis, through the real
adapters: the user's features (`RedisUserFeatureStore.get`: HGETALL of a hash with a session vector
and affinities) and the filtered KNN (`RedisProductIndex.search`: FT.SEARCH, k 10 over the 60-product
catalog, category and stock filter), replies parsed into domain objects. Two ways of sending them:

- lane: the pipelined connection (`adapters.redis.pipelined.PipelinedReads`), what the server uses;
- pool: a pooled redis-py `Connection` per command (the path for TLS and Unix-socket URLs).

Figures are this process's CPU time per request (best round), requests one after another: what each
way costs a worker. Redis' own time and the socket round trip's wall time are not in them.
"""

import argparse
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from bench import client
from bench.graphql_path import best_of, catalog_items
from domain.events import Event, EventKind
from domain.filters import ProductFilter
from domain.models import Vector
from domain.session import apply_click

USER = "bench-user"


async def measure(url: str, rounds: int, requests: int) -> dict[str, float]:
    connections = {"lane": connect(url, pipelined=True), "pool": connect(url, pipelined=False)}
    try:
        items = catalog_items(384)
        config = IndexConfig(dim=384)
        setup = RedisProductIndex(connections["lane"], config)
        await setup.recreate()
        await setup.upsert(items)
        setup_users = RedisUserFeatureStore(connections["lane"])
        for product, vector in items[:3]:
            click = Event(product.id, EventKind.CLICK, 0.0)
            await setup_users.record(click, USER, partial(apply_click, product=product, vector=vector, alpha=0.3))
        query_vector = items[0][1]
        filters = ProductFilter(category=items[0][0].category, in_stock_only=True)
        requests_by_way = {way: _request(conn, config, query_vector, filters) for way, conn in connections.items()}

        figures: dict[str, float] = {}
        for way in ("lane", "pool", "lane", "pool"):
            cpu_ms = await best_of(rounds, requests, requests_by_way[way], clock=time.process_time)
            figures[way] = min(figures.get(way, float("inf")), cpu_ms)
        return figures
    finally:
        for conn in connections.values():
            await conn.aclose()


def _request(
    conn: RedisConnection, config: IndexConfig, query_vector: Vector, filters: ProductFilter
) -> Callable[[], Awaitable[None]]:
    index, users = RedisProductIndex(conn, config), RedisUserFeatureStore(conn)

    async def request() -> None:
        await users.get(USER)
        result = await index.search(query_vector, filters, 10)
        assert result.hits

    return request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, EmbeddedRedis(Path(folder) / "redis") as server:
        figures = client.run_loop(measure(server.url, args.rounds, args.requests))
    print(f"client CPU per request (HGETALL + FT.SEARCH, replies parsed), best of {args.rounds} rounds x 2")
    for way, ms in figures.items():
        print(f"  {way:<5} {ms:6.3f} ms")
    print(f"  pool / lane: {figures['pool'] / figures['lane']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
