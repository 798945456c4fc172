"""`python -m bench.behaviour`: search stage of "recommended for you" with behaviour and of relatedProducts,
next to the plain query's, in process.

A private embedded Redis holds a synthetic catalog (random unit vectors, ids `g0000001`, ...) and synthetic
shoppers (bench.co_engagement's traffic: mostly one category each, Zipf popularity, mixed kinds) whose
events go through `record_event`, the path `recordEvent` takes (history, session vector, popularity,
co-engagement). Then, for each shopper in turn: the plain query (a product name, the shopper's session
blended and re-ranked), "recommended for you" (no query: co-engagement of the shopper's recent products
fused with the session KNN) and relatedProducts (ALSO_VIEWED) of the shopper's last product, so that drift
on a shared machine falls on all alike. Timed by each use case's `timings.searchMs` (and the wall time of
the whole call); query vectors come from a hashing embedder. Twice: with every neighbour list read from
Redis, and with each list kept for the `--co-engagement-cache-s` default, as `serve` composes it.
Targets: recommended for you ≤ 2 times the plain query's search stage; relatedProducts ≤ the plain query.
Results on stdout and bench-results/behaviour-<time>.json.
"""

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapters.memory import HashingEmbedder, StaticCatalog
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.neighbour_cache import NeighbourCache
from adapters.redis.popularity import RedisPopularity
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from adapters.synthetic_catalog import synthetic_catalog
from bench.co_engagement import shoppers
from bench.recall import percentile
from bootstrap.settings import Settings
from domain.events import Event
from domain.filters import RecommendRequest
from domain.related import RelatedRequest
from domain.service import RecommenderService

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("plain query", "recommended for you", "relatedProducts")


def histories(count: int, users: int, events: int) -> list[list[Event]]:
    """bench.co_engagement's shoppers, on this catalog's ids."""
    return [
        [Event(f"g{int(e.product_id[1:]) % count + 1:07d}", e.kind, e.at) for e in history]
        for history in shoppers(count, users, events, "mixed")
    ]


async def record(service: RecommenderService, traffic: list[list[Event]]) -> None:
    """Each shopper's events in order; 32 shoppers at a time."""

    async def one(user: int, history: list[Event]) -> None:
        for event in history:
            await service.record_event(f"u{user}", event.product_id, event.kind, at=event.at)

    for begin in range(0, len(traffic), 32):
        await asyncio.gather(*(one(begin + i, h) for i, h in enumerate(traffic[begin : begin + 32])))


async def measure(service: RecommenderService, traffic: list[list[Event]], names: dict[str, str]) -> dict[str, Any]:
    search: dict[str, list[float]] = {label: [] for label in PATHS}
    wall: dict[str, list[float]] = {label: [] for label in PATHS}
    strategies: dict[str, set[str]] = {label: set() for label in PATHS}
    for user, history in enumerate(traffic):
        last = history[-1].product_id
        calls = {
            "plain query": service.recommend(RecommendRequest(query=names[last], user_id=f"u{user}", k=10)),
            "recommended for you": service.recommend(RecommendRequest(user_id=f"u{user}", k=10)),
            "relatedProducts": service.related_products(RelatedRequest(last, user_id=f"u{user}", k=10)),
        }
        for label, call in calls.items():
            start = time.perf_counter()
            page = await call
            wall[label].append((time.perf_counter() - start) * 1000.0)
            search[label].append(page.timings.search_ms)
            strategies[label].add(page.strategy.value)
    return {
        label: {
            "search_p50_ms": round(percentile(search[label], 50), 3),
            "search_p90_ms": round(percentile(search[label], 90), 3),
            "wall_p50_ms": round(percentile(wall[label], 50), 3),
            "strategies": sorted(strategies[label]),
        }
        for label in PATHS
    }


async def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    conn = connect(url)
    index = RedisProductIndex(conn, IndexConfig(name="beh:idx", prefix="beh:p:"))
    await index.recreate()
    items = list(synthetic_catalog(args.count, seed=20))
    for begin in range(0, len(items), 5000):
        await index.upsert(items[begin : begin + 5000])
    service = RecommenderService(
        embedder=HashingEmbedder(),
        index=index,
        users=RedisUserFeatureStore(conn, prefix="beh:u:"),
        catalog=StaticCatalog([]),
        popularity=RedisPopularity(conn, prefix="beh:"),
        co_engagement=RedisCoEngagement(conn, prefix="beh:"),
    )
    traffic = histories(args.count, args.users, args.events)
    start = time.perf_counter()
    await record(service, traffic)
    recorded = sum(len(h) for h in traffic)
    print(f"{args.count:,} products; {recorded:,} events recorded in {time.perf_counter() - start:.0f}s", flush=True)
    names = {p.id: p.name for p, _ in items}
    sample = traffic[: args.requests]
    await measure(service, sample[:20], names)  # warm-up
    rows = await measure(service, sample, names)
    # The same, as `serve` composes it: each worker keeps the neighbour lists it read for a few seconds.
    cache = NeighbourCache(Settings().co_engagement_cache_s)
    cached = replace(service, co_engagement=RedisCoEngagement(conn, prefix="beh:", cache=cache))
    await measure(cached, sample[:20], names)
    cached_rows = await measure(cached, sample, names)
    await conn.aclose()
    plain = rows["plain query"]["search_p50_ms"]
    ratios = {label: rows[label]["search_p50_ms"] / plain for label in PATHS[1:]}
    cached_ratios = {
        label: cached_rows[label]["search_p50_ms"] / cached_rows[PATHS[0]]["search_p50_ms"] for label in PATHS[1:]
    }
    return {
        "count": args.count,
        "events": recorded,
        "requests": len(sample),
        "rows": rows,
        "ratios": ratios,
        "cached_rows": cached_rows,
        "cached_ratios": cached_ratios,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="catalog size")
    parser.add_argument("--users", type=int, default=1000, help="synthetic shoppers")
    parser.add_argument("--events", type=int, default=20_000, help="their events in all")
    parser.add_argument("--requests", type=int, default=400, help="shoppers asked for, each path once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recommender-behaviour-") as work, EmbeddedRedis(Path(work)) as server:
        result = asyncio.run(run(server.url, args))
    for title, rows, ratios in (
        ("every neighbour list read from Redis", result["rows"], result["ratios"]),
        (
            f"neighbour lists cached {Settings().co_engagement_cache_s:g} s, as serve does",
            result["cached_rows"],
            result["cached_ratios"],
        ),
    ):
        print(title)
        for label, row in rows.items():
            print(
                f"  {label:<20} search p50 {row['search_p50_ms']:6.2f} ms  p90 {row['search_p90_ms']:6.2f} ms  "
                f"call p50 {row['wall_p50_ms']:6.2f} ms  strategies {row['strategies']}"
            )
        print(f"  recommended for you / plain search p50: {ratios['recommended for you']:.2f} (target <= 2.00)")
        print(f"  relatedProducts / plain search p50: {ratios['relatedProducts']:.2f} (target <= 1.00)")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"behaviour-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
