"""`python -m bench.trending`: the TRENDING source's search stage against POPULAR's, on the same traffic.

A private embedded Redis holds a synthetic catalog (random unit vectors) and a week of synthetic events
written through RedisPopularity.add (day and hour buckets alike): engagement spread over products by a
Zipf-like law, steady over the days, plus bursts on a few products in the last hours. Both sources then
answer the same "recommended for you" requests (no text, no session; half of them filtered by a category
and in-stock), in turn, through the `recommendations` use case with the source injected, timed by the
use case's own `timings.searchMs` (the source's reads and its FT.SEARCH over the candidates). The target
is TRENDING ≤ POPULAR + 20 %. Results on stdout and in bench-results/trending-<time>.json.
"""

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from adapters.memory import HashingEmbedder
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from adapters.synthetic_catalog import synthetic_catalog
from bench.recall import percentile
from domain.filters import BlendSettings, ProductFilter, RecommendRequest, RerankSettings
from domain.models import Product, Strategy
from domain.pipeline.fallback import FallbackChain
from domain.pipeline.pager import Pager
from domain.pipeline.popular import Popular, TopRated
from domain.pipeline.rules import PinLookup
from domain.pipeline.stages import Source
from domain.pipeline.trending import Trending
from domain.pipeline.user_reads import UserReads
from domain.recommend import Recommend, RecommendSources
from domain.times import DAY_S, HOUR_S

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_765_000_000.0  # a fixed instant: the traffic is laid out before it


async def ingest(conn: RedisConnection, count: int) -> tuple[RedisProductIndex, list[Product]]:
    index = RedisProductIndex(conn, IndexConfig(name="trend:idx", prefix="trend:p:"))
    await index.recreate()
    items = list(synthetic_catalog(count, seed=21))
    for begin in range(0, count, 5000):
        await index.upsert(items[begin : begin + 5000])
    return index, [p for p, _ in items]


def traffic(products: list[Product], events: int, bursts: int, seed: int = 21) -> list[tuple[str, float, float]]:
    """(product id, weight, time): steady Zipf-like engagement over eight days, then bursts in the last hours."""
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.3, events), len(products)) - 1
    ages = rng.uniform(0, 8 * DAY_S, events)
    weights = rng.choice([0.5, 1.0, 2.0, 3.0], events, p=[0.5, 0.3, 0.15, 0.05])
    steady = [(products[int(r)].id, float(w), NOW - float(a)) for r, w, a in zip(ranks, weights, ages, strict=True)]
    burst_ids = rng.choice(len(products), bursts, replace=False)
    burst = [(products[int(i)].id, 1.0, NOW - float(rng.uniform(0, 5 * HOUR_S))) for i in burst_ids for _ in range(30)]
    return steady + burst


async def record(popularity: RedisPopularity, events: list[tuple[str, float, float]]) -> None:
    """Summed per product and hour first (the buckets hold the same sums), then added 64 at a time."""
    sums: dict[tuple[str, int], float] = {}
    for pid, weight, at in events:
        sums[pid, int(at // HOUR_S)] = sums.get((pid, int(at // HOUR_S)), 0.0) + weight
    adds = [popularity.add_many([(pid, weight, hour * HOUR_S)]) for (pid, hour), weight in sums.items()]
    for begin in range(0, len(adds), 64):
        await asyncio.gather(*adds[begin : begin + 64])


def use_case(index: RedisProductIndex, conn: RedisConnection, source: Source) -> Recommend:
    chain = FallbackChain((source, TopRated(index)))
    reads = UserReads(RedisUserFeatureStore(conn, prefix="trend:u:"), lambda: NOW, 1.0)
    return Recommend(HashingEmbedder(), reads, RecommendSources({}, chain, {}), Pager(60.0), pins=PinLookup(index))


async def measure(cases: dict[str, Recommend], requests: list[RecommendRequest]) -> dict[str, Any]:
    """Every request through each source in turn, so drift on a shared machine falls on both alike."""
    search: dict[str, list[float]] = {label: [] for label in cases}
    strategies: dict[str, set[str]] = {label: set() for label in cases}
    for request in requests:
        for label, recommend in cases.items():
            page = await recommend(request)
            search[label].append(page.timings.search_ms)
            strategies[label].add(page.strategy.value)
    return {
        label: {
            "search_p50_ms": round(percentile(values, 50), 3),
            "search_p90_ms": round(percentile(values, 90), 3),
            "strategies": sorted(strategies[label]),
        }
        for label, values in search.items()
    }


def requests_for(products: list[Product], n: int) -> list[RecommendRequest]:
    categories = sorted({p.category for p in products})
    filters = [
        ProductFilter() if i % 2 == 0 else ProductFilter(category=categories[i % len(categories)], in_stock_only=True)
        for i in range(n)
    ]
    blend, rerank = BlendSettings(enabled=False), RerankSettings(enabled=False)
    return [RecommendRequest(filters=f, k=10, blend=blend, rerank=rerank) for f in filters]


async def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    conn = connect(url)
    start = time.perf_counter()
    index, products = await ingest(conn, args.count)
    popularity = RedisPopularity(conn, prefix="trend:")
    events = traffic(products, args.events, args.bursts)
    await record(popularity, events)
    print(f"{args.count:,} products, {len(events):,} events in {time.perf_counter() - start:.0f}s", flush=True)
    cases = {
        Strategy.POPULAR.value: use_case(index, conn, Popular(index, popularity)),
        Strategy.TRENDING.value: use_case(index, conn, Trending(index, popularity)),
    }
    requests = requests_for(products, args.requests)
    await measure(cases, requests[:20])  # warm-up
    rows = await measure(cases, requests)
    await conn.aclose()
    ratio = rows["TRENDING"]["search_p50_ms"] / rows["POPULAR"]["search_p50_ms"]
    return {"count": args.count, "events": len(events), "requests": len(requests), "rows": rows, "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="catalog size")
    parser.add_argument("--events", type=int, default=200_000, help="steady events over eight days")
    parser.add_argument("--bursts", type=int, default=40, help="products with a burst of 30 clicks in the last hours")
    parser.add_argument("--requests", type=int, default=400, help="requests per source")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recommender-trending-") as work, EmbeddedRedis(Path(work)) as server:
        result = asyncio.run(run(server.url, args))
    for label, row in result["rows"].items():
        p50, p90 = row["search_p50_ms"], row["search_p90_ms"]
        print(f"  {label:<9} search p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  strategies {row['strategies']}")
    print(f"TRENDING / POPULAR search p50: {result['ratio']:.2f} (target <= 1.20)")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"trending-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
