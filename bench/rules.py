"""`python -m bench.rules`: a scenario with 10 merchandising rules against the plain query, in process.

A private embedded Redis holds a synthetic catalog (random unit vectors) and a user with a few clicks
(so session blending and re-ranking run, as in `make bench`). A scenario with 10 rules is saved through
the service: 2 HIDE (a brand; two product ids), 4 BOOST/BURY (a category, a brand, product ids), 2 PIN
(positions 1 and 3) and 2 inactive (one ended, one not started). Each query text then runs through the
`recommendations` use case twice, plain and naming the scenario (resolved as the GraphQL resolver does,
with `served_by` and `applied`), in turn so that drift on a shared machine falls on both alike. Per
request, in blocks of 25 requests per path: server CPU (this process's CPU time plus Redis's, from INFO
cpu around each block), wall time of the whole call (one client, sequential) and `timings.searchMs`.
Query vectors come from a hashing embedder: embedding is not part of what a rule costs. The target is
≤ 1.3 times the plain query's server CPU.
Results on stdout and in bench-results/rules-<time>.json.
"""

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from adapters.memory import HashingEmbedder, StaticCatalog
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.scenarios import RedisScenarioStore
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from adapters.synthetic_catalog import synthetic_catalog
from bench.recall import percentile
from domain.events import EventKind
from domain.filters import ProductFilter, RecommendRequest
from domain.models import Product
from domain.rules import Rule, RuleAction
from domain.scenarios import Scenario, Settings
from domain.service import RecommenderService

ROOT = Path(__file__).resolve().parent.parent
USER = "bench-rules-user"
SCENARIO = "ten-rules"
DAY_S = 86_400.0
BLOCK = 25  # requests per path between two reads of Redis's CPU time


def ten_rules(products: list[Product], now: float) -> tuple[Rule, ...]:
    """2 HIDE, 4 BOOST/BURY, 2 PIN, 2 inactive, on the catalog's most common categories and brands."""
    categories = [c for c, _ in Counter(p.category for p in products).most_common(3)]
    brands = [b for b, _ in Counter(p.brand for p in products).most_common(4)]
    ids = [p.id for p in products[:: max(1, len(products) // 8)]][:8]
    return (
        Rule(RuleAction.HIDE, match=ProductFilter(brand=brands[0])),
        Rule(RuleAction.HIDE, product_ids=(ids[0], ids[1])),
        Rule(RuleAction.BOOST, match=ProductFilter(category=categories[0]), weight=0.2),
        Rule(RuleAction.BOOST, match=ProductFilter(brand=brands[1]), weight=0.1),
        Rule(RuleAction.BURY, match=ProductFilter(brand=brands[2]), weight=0.3),
        Rule(RuleAction.BURY, product_ids=(ids[2], ids[3]), weight=0.5),
        Rule(RuleAction.PIN, product_ids=(ids[4],), position=1),
        Rule(RuleAction.PIN, product_ids=(ids[5],), position=3),
        Rule(RuleAction.BOOST, match=ProductFilter(category=categories[1]), weight=1.0, active_until=now - DAY_S),
        Rule(RuleAction.HIDE, match=ProductFilter(brand=brands[3]), active_from=now + DAY_S),
    )


async def redis_cpu_s(conn: RedisConnection) -> float:
    info = await conn.client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def block(
    service: RecommenderService, requests: list[RecommendRequest], conn: RedisConnection
) -> tuple[list[float], list[float], float, float]:
    """Wall and search ms of each call; the block's process and Redis CPU ms per call (INFO cpu around it)."""
    walls, searches = [], []
    redis, cpu = await redis_cpu_s(conn), time.process_time()
    for request in requests:
        start = time.perf_counter()
        page = await service.recommend(request)
        walls.append((time.perf_counter() - start) * 1000.0)
        searches.append(page.timings.search_ms)
    cpu, redis = time.process_time() - cpu, await redis_cpu_s(conn) - redis
    return walls, searches, cpu * 1000.0 / len(requests), redis * 1000.0 / len(requests)


async def measure(service: RecommenderService, names: list[str], conn: RedisConnection) -> dict[str, Any]:
    """Blocks of BLOCK texts, plain then through the scenario (as the resolver applies it), in turn."""
    walls: dict[str, list[float]] = {"plain": [], "scenario": []}
    search: dict[str, list[float]] = {"plain": [], "scenario": []}
    cpu: dict[str, list[float]] = {"plain": [], "scenario": []}
    redis: dict[str, list[float]] = {"plain": [], "scenario": []}
    for begin in range(0, len(names), BLOCK):
        plain = [
            RecommendRequest(query=name, user_id=USER, filters=ProductFilter(in_stock_only=True), k=10)
            for name in names[begin : begin + BLOCK]
        ]
        served = service.served_by(SCENARIO, USER)
        paths = {"plain": plain, "scenario": [served.applied(r, frozenset({"filters", "k"})) for r in plain]}
        for label, requests in paths.items():
            wall_ms, search_ms, cpu_ms, redis_ms = await block(service, requests, conn)
            walls[label] += wall_ms
            search[label] += search_ms
            cpu[label].append(cpu_ms)
            redis[label].append(redis_ms)
    return {
        label: {
            "wall_p50_ms": round(percentile(walls[label], 50), 3),
            "search_p50_ms": round(percentile(search[label], 50), 3),
            "process_cpu_ms": round(sum(cpu[label]) / len(cpu[label]), 3),
            "redis_cpu_ms": round(sum(redis[label]) / len(redis[label]), 3),
            "server_cpu_ms": round((sum(cpu[label]) + sum(redis[label])) / len(cpu[label]), 3),
        }
        for label in walls
    }


async def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    conn = connect(url)
    index = RedisProductIndex(conn, IndexConfig(name="rules:idx", prefix="rules:p:"))
    await index.recreate()
    items = list(synthetic_catalog(args.count, seed=21))
    for begin in range(0, len(items), 5000):
        await index.upsert(items[begin : begin + 5000])
    products = [p for p, _ in items]
    service = RecommenderService(
        embedder=HashingEmbedder(),
        index=index,
        users=RedisUserFeatureStore(conn, prefix="rules:u:"),
        catalog=StaticCatalog([]),
        popularity=RedisPopularity(conn, prefix="rules:"),
        scenarios=RedisScenarioStore(conn, key="rules:scenarios"),
    )
    for product in products[7:10]:
        await service.record_event(USER, product.id, EventKind.CLICK)
    rules = ten_rules(products, time.time())
    await service.upsert_scenario(Scenario(SCENARIO, Settings(rules=rules)))
    names = [products[i % len(products)].name for i in range(0, args.requests * 37, 37)]
    await measure(service, names[:50], conn)  # warm-up
    rows = await measure(service, names, conn)
    await conn.aclose()
    keys = ("server_cpu_ms", "process_cpu_ms", "redis_cpu_ms", "wall_p50_ms", "search_p50_ms")
    ratios = {key: rows["scenario"][key] / rows["plain"][key] for key in keys}
    return {"count": args.count, "requests": len(names), "rules": len(rules), "rows": rows, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="catalog size")
    parser.add_argument("--requests", type=int, default=600, help="requests per path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recommender-rules-") as work, EmbeddedRedis(Path(work)) as server:
        result = asyncio.run(run(server.url, args))
    for label, row in result["rows"].items():
        print(
            f"  {label:<9} server CPU {row['server_cpu_ms']:5.2f} ms/request (process {row['process_cpu_ms']:5.2f}, "
            f"Redis {row['redis_cpu_ms']:5.2f})  wall p50 {row['wall_p50_ms']:6.2f} ms  "
            f"search p50 {row['search_p50_ms']:6.2f} ms"
        )
    ratios = result["ratios"]
    print(
        f"scenario / plain: server CPU {ratios['server_cpu_ms']:.2f} (process {ratios['process_cpu_ms']:.2f}, "
        f"Redis {ratios['redis_cpu_ms']:.2f}), wall p50 {ratios['wall_p50_ms']:.2f}, "
        f"search p50 {ratios['search_p50_ms']:.2f} (target <= 1.30)"
    )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"rules-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
