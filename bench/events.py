"""`make bench-events`: the event path over HTTP, exclusion in the search stage, memory per user, and
catalog stock updates. `python -m bench.events [--products N] [--users N]`; prints one line per figure.

- event path: `recordEvent` against `recommender serve --workers 2` (catalog.json), keep-alive clients in
  this process: p50 at 1 client, events/s at 8 clients (each client its own user, kinds rotating).
- exclusion: FT.SEARCH KNN 10 on N synthetic products with random vectors, unfiltered, with 0, 50 and 500
  excluded ids (the query's own nearest products first, so the exclusion changes the answer): p50 ms.
- memory: `used_memory` before/after users with 20 events each (VIEW, CLICK, ..., DISMISS rotating, so
  both vectors exist), written by the Redis user store itself.
- stock updates: `updateProducts` of 1,000 `inStock` flips (two calls of 500) through the service.
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from adapters.memory import HashingEmbedder, StaticCatalog
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from adapters.synthetic_catalog import random_unit_vectors, synthetic_catalog
from bench.client import Connection
from domain.events import Event, EventKind, EventPolicy
from domain.filters import ProductFilter
from domain.models import Product, UserFeatures, Vector
from domain.service import RecommenderService
from domain.session import apply_event
from tests.server_process import ServeProcess

EVENT = (
    "mutation E($u: ID!, $p: ID!, $k: EventKind!) { recordEvent(userId: $u, productId: $p, kind: $k) { __typename } }"
)
KINDS = list(EventKind)


def _applying(product: Product, vector: Vector, policy: EventPolicy) -> Callable[[UserFeatures, Event], UserFeatures]:
    return lambda features, event: apply_event(features, product, vector, event, policy)


async def _event_client(port: int, user: str, until: float, latencies: list[float]) -> None:
    conn = await Connection("127.0.0.1", port).open()
    i = 0
    try:
        while time.perf_counter() < until:
            variables = {"u": user, "p": f"p{i % 60 + 1:03d}", "k": KINDS[i % len(KINDS)].value}
            body = json.dumps({"query": EVENT, "variables": variables}).encode()
            start = time.perf_counter()
            status, reply = await conn.request("POST", "/graphql", body)
            latencies.append((time.perf_counter() - start) * 1000.0)
            if status != 200 or b"EventRecorded" not in reply:
                raise RuntimeError(reply[:300])
            i += 1
    finally:
        await conn.close()


async def _event_run(port: int, clients: int, seconds: float) -> tuple[float, float]:
    await _drive(port, clients, 1.0)  # warm-up
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_event_client(port, f"bench-{clients}-{c}", until, latencies) for c in range(clients)))
    return statistics.median(latencies), len(latencies) / seconds


async def _drive(port: int, clients: int, seconds: float) -> None:
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_event_client(port, f"warm-{c}", until, []) for c in range(clients)))


def event_path(data_dir: Path, seconds: float) -> None:
    with ServeProcess(data_dir, "--workers", "2", "--no-access-log") as server:
        p50, _ = asyncio.run(_event_run(server.port, 1, seconds))
        _, rate = asyncio.run(_event_run(server.port, 8, seconds))
    print(f"event path, 1 client: p50 {p50:.2f} ms (HTTP round trip, recordEvent)")
    print(f"event path, 8 clients: {rate:,.0f} events/s (2 workers)")


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


async def redis_figures(url: str, products: int, users: int) -> None:
    conn = connect(url)
    index = RedisProductIndex(conn, IndexConfig(name="bench:idx", prefix="bench:p:"))
    await index.recreate()
    items = list(synthetic_catalog(products, seed=13))
    start = time.perf_counter()
    await index.upsert(items)
    print(f"ingest: {products:,} synthetic products in {time.perf_counter() - start:.0f} s")
    ids = [p.id for p, _ in items]
    rng = np.random.default_rng(5)
    queries = random_unit_vectors(rng, 100, 384)
    for excluded in (0, 50, 500):
        samples = []
        for query in queries:
            nearest = [p.id for p, _ in (await index.search(query, ProductFilter(), 10)).hits]
            others = [ids[i] for i in rng.choice(len(ids), excluded, replace=False)]
            exclusion = tuple(dict.fromkeys([*nearest, *others]))[:excluded]
            filters = ProductFilter(excluded_ids=exclusion)
            begin = time.perf_counter()
            result = await index.search(query, filters, 10)
            samples.append(time.perf_counter() - begin)
            assert len(result.hits) == 10 and not set(exclusion) & {p.id for p, _ in result.hits}
        print(f"exclusion, {products:,} products, {excluded} ids excluded: search p50 {_p50_ms(samples):.2f} ms")

    service = RecommenderService(HashingEmbedder(), index, RedisUserFeatureStore(conn, "bench:u:"), StaticCatalog([]))
    flips = [{"id": ids[i], "in_stock": bool(i % 2)} for i in rng.choice(len(ids), 1000, replace=False)]
    begin = time.perf_counter()
    for start in range(0, 1000, 500):
        await service.update_products(flips[start : start + 500])
    print(
        f"updateProducts: 1,000 stock changes at {products:,} products, {1000 / (time.perf_counter() - begin):,.0f}/s"
    )

    store = RedisUserFeatureStore(conn, "mem:u:")
    before = int((await conn.client.info("memory"))["used_memory"])
    sample = items[:200]
    for u in range(users):
        for e in range(20):
            product, vector = sample[(u * 7 + e) % len(sample)]
            event = Event(product.id, KINDS[e % len(KINDS)], 1_765_000_000.0 + e)
            await store.record([event], f"u{u}", _applying(product, vector, service.policy))
    after = int((await conn.client.info("memory"))["used_memory"])
    features = await conn.client.memory_usage(store.key("u0"), samples=0)
    vectors = await conn.client.memory_usage(store.vectors_key("u0"), samples=0)
    history = await conn.client.memory_usage(store.events_key("u0"), samples=0)
    print(
        f"memory: {(after - before) / users:,.0f} bytes per user ({users:,} users x 20 events); MEMORY USAGE of "
        f"one user: features hash {features} B, vectors string {vectors} B, events list {history} B"
    )
    await conn.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        event_path(Path(tmp) / "serve", args.seconds)
        with EmbeddedRedis(Path(tmp) / "redis") as redis:
            asyncio.run(redis_figures(redis.url, args.products, args.users))


if __name__ == "__main__":
    main()
