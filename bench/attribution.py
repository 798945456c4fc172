"""`python -m bench.attribution`: the event path with attribution, events per second, in process.

A private embedded Redis holds a synthetic catalog (random unit vectors) and a scenario with one A/B
variant; the service is built with signed recommendation ids, experiment counters, popularity and
co-engagement (every write a live `recordEvent` makes). Each synthetic shopper is served a page through
the scenario (as the resolver does), then clicks, adds to cart and buys products of that page with the
page's id (attributed) or, in the other half of the rounds, the same kinds without an id (plain), 8 shoppers
at a time (8 clients). Rounds alternate attributed and plain so that drift on a shared machine falls on
both alike; pages are served before each round's clock starts. Goal ≥ 1,000 attributed events/s.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from adapters.memory import HashingEmbedder, StaticCatalog
from adapters.recommendation_ids import SignedRecommendationIds
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.experiments import RedisExperimentCounters
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.scenarios import RedisScenarioStore
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from adapters.synthetic_catalog import synthetic_catalog
from domain.events import EventKind
from domain.filters import RecommendRequest
from domain.scenarios import Scenario, Settings, Variant
from domain.service import RecommenderService

SCENARIO = "home"
KINDS = (EventKind.CLICK, EventKind.CLICK, EventKind.ADD_TO_CART, EventKind.CLICK, EventKind.PURCHASE)
CLIENTS = 8


async def build(url: str, count: int) -> RecommenderService:
    conn = connect(url)
    index = RedisProductIndex(conn, IndexConfig(name="attr:idx", prefix="attr:p:"))
    await index.recreate()
    items = list(synthetic_catalog(count, seed=22))
    for begin in range(0, len(items), 5000):
        await index.upsert(items[begin : begin + 5000])
    service = RecommenderService(
        embedder=HashingEmbedder(),
        index=index,
        users=RedisUserFeatureStore(conn, prefix="attr:u:"),
        catalog=StaticCatalog([]),
        popularity=RedisPopularity(conn, prefix="attr:"),
        co_engagement=RedisCoEngagement(conn, prefix="attr:"),
        ids=SignedRecommendationIds("bench-attribution-secret"),
        experiments=RedisExperimentCounters(conn, prefix="attr:"),
        scenarios=RedisScenarioStore(conn, key="attr:scenarios"),
    )
    variant = Variant("wide", 0.5, Settings(k=20))
    await service.upsert_scenario(Scenario(SCENARIO, Settings(k=10), variants=(variant,)))
    return service


async def pages(service: RecommenderService, users: list[str]) -> list[tuple[str, str | None, list[str]]]:
    """(user, page id, product ids) of a page served to each user through the scenario."""
    out = []
    for user in users:
        request = service.served_by(SCENARIO, user).applied(
            RecommendRequest(query=f"gift {user}", user_id=user), frozenset()
        )
        page = await service.recommend(request)
        out.append((user, page.recommendation_id, [c.product.id for c in page.items]))
    return out


async def round_rate(
    service: RecommenderService, served: list[tuple[str, str | None, list[str]]], attributed: bool
) -> tuple[float, int, int]:
    """(events/s, events, attributed) of every shopper's events, CLIENTS shoppers at a time."""
    counted = 0

    async def shopper(user: str, page: str | None, products: list[str]) -> int:
        nonlocal counted
        for kind, product in zip(KINDS, products, strict=False):
            done = await service.record_event_from(user, product, kind, page=page if attributed else None)
            counted += done.conversion is not None
        return len(KINDS)

    start, events = time.perf_counter(), 0
    for begin in range(0, len(served), CLIENTS):
        events += sum(await asyncio.gather(*(shopper(*s) for s in served[begin : begin + CLIENTS])))
    return events / (time.perf_counter() - start), events, counted


async def run(url: str, args: argparse.Namespace) -> None:
    service = await build(url, args.count)
    await round_rate(service, await pages(service, [f"warm{i}" for i in range(16)]), True)
    rates: dict[bool, list[float]] = {True: [], False: []}
    for r in range(args.rounds * 2):
        attributed = r % 2 == 0
        served = await pages(service, [f"r{r}u{i}" for i in range(args.shoppers)])
        rate, events, counted = await round_rate(service, served, attributed)
        rates[attributed].append(rate)
        label = "attributed" if attributed else "plain     "
        print(f"  round {r + 1} {label} {events:,} events, {counted:,} counted for the scenario: {rate:,.0f} events/s")
    best = {key: sorted(values)[len(values) // 2] for key, values in rates.items()}
    ratio = best[True] / best[False]
    print(f"median events/s: attributed {best[True]:,.0f}, plain {best[False]:,.0f} (ratio {ratio:.2f}); goal >= 1,000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="catalog size")
    parser.add_argument("--shoppers", type=int, default=200, help="shoppers per round (5 events each)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recommender-attribution-") as work, EmbeddedRedis(Path(work)) as server:
        asyncio.run(run(server.url, args))


if __name__ == "__main__":
    main()
