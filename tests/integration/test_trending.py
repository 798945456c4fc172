"""The TRENDING source and trending facets on both stores, against scores computed by hand (domain.trending)."""

import asyncio

import pytest
import redis.asyncio as aioredis

from adapters.redis.connection import RedisConnection
from adapters.redis.popularity import RedisPopularity
from domain.errors import InvalidInput
from domain.events import EventKind
from domain.filters import ProductFilter, RecommendRequest
from domain.models import Reason, Strategy
from domain.pipeline.fallback import FallbackChain
from domain.pipeline.pager import Pager
from domain.pipeline.popular import Popular, TopRated
from domain.pipeline.rules import PinLookup
from domain.pipeline.stages import Retrieval, Scale
from domain.pipeline.trending import Trending
from domain.pipeline.user_reads import UserReads
from domain.popularity_windows import PopularityWindows
from domain.ports import PopularityStore
from domain.recommend import Recommend, RecommendSources
from domain.service import RecommenderService
from domain.times import DAY_S, HOUR_S
from domain.trending import FacetField, FacetTrend
from tests.clock import START, FakeClock

pytestmark = pytest.mark.anyio

# With the default policy (6 recent hours, 7 baseline days, prior 5, minimum 3), START being 05:46 UTC:
SCORES = {
    "p020": 25 / 5,  # camping, northpeak, out of stock: 20 just now, no history
    "p018": 15 / 5.25,  # camping, northpeak: 10 over the last hours, 1 a day before (expected 7 · 6 / 168)
    "p047": 9 / 5,  # bags, trailcraft: 4 two hours ago
    "p002": 8 / 5,  # outerwear, trailcraft: one purchase (3)
    "p039": 11 / 11,  # fitness, bluefjord: the best-seller, 24 a day and 6 today (what its baseline predicts)
}


async def history(popularity: PopularityStore) -> None:
    for back in range(1, 8):
        await popularity.add_many([("p039", 24.0, START - back * DAY_S)])
        await popularity.add_many([("p018", 1.0, START - back * DAY_S)])
    await popularity.add_many([("p039", 6.0, START - 1800)])
    for back in range(5):
        await popularity.add_many([("p018", 2.0, START - back * HOUR_S)])
    await popularity.add_many([("p020", 20.0, START - 600)])
    await popularity.add_many([("p047", 4.0, START - 2 * HOUR_S)])
    await popularity.add_many([("p002", 3.0, START - 60)])
    await popularity.add_many([("p001", 1.0, START)])  # one click: below the minimum
    await popularity.add_many([("p041", 10.0, START - 6 * HOUR_S)])  # yesterday 23:46: outside the six recent hours


def trending(service: RecommenderService) -> Trending:
    return Trending(service.index, service.popularity)


async def test_a_burst_outranks_a_steady_best_seller(service: RecommenderService) -> None:
    assert service.popularity is not None
    ask = Retrieval(ProductFilter(), 10, now=START)
    assert await trending(service).retrieve(ask) is None  # nothing engaged with yet
    assert await Trending(service.index, None).retrieve(ask) is None  # no counts kept
    await history(service.popularity)
    pool = await trending(service).retrieve(ask)
    assert pool is not None and pool.strategy is Strategy.TRENDING and pool.scale is Scale.ENGAGEMENT
    assert [(e.product.id, e.reason) for e in pool.entries] == [(pid, Reason.TRENDING) for pid in SCORES]
    assert [-e.base for e in pool.entries] == pytest.approx(list(SCORES.values()))
    popular = await Popular(service.index, service.popularity).retrieve(ask)
    assert popular is not None and popular.entries[0].product.id == "p039"  # all-time, the best-seller leads


async def test_one_event_does_not_top_the_list(service: RecommenderService) -> None:
    assert service.popularity is not None
    await service.popularity.add_many([("p001", 1.0, START)])
    assert await trending(service).retrieve(Retrieval(ProductFilter(), 10, now=START)) is None  # one click
    await service.popularity.add_many([("p003", 3.0, START)])  # one purchase: counted, but smoothed
    await history(service.popularity)
    pool = await trending(service).retrieve(Retrieval(ProductFilter(), 10, now=START))
    assert pool is not None
    ids = [e.product.id for e in pool.entries]
    assert ids[0] == "p020" and ids.index("p003") > ids.index("p018") and "p001" not in ids
    assert -pool.entries[ids.index("p003")].base == pytest.approx(8 / 5)


async def test_filters_apply_inside_the_store(service: RecommenderService) -> None:
    assert service.popularity is not None
    await history(service.popularity)

    async def ids(filters: ProductFilter) -> list[str]:
        pool = await trending(service).retrieve(Retrieval(filters, 10, now=START))
        return [] if pool is None else [e.product.id for e in pool.entries]

    assert await ids(ProductFilter(in_stock_only=True)) == ["p018", "p047", "p002", "p039"]
    assert await ids(ProductFilter(category="camping")) == ["p020", "p018"]
    assert await ids(ProductFilter(category="camping", in_stock_only=True)) == ["p018"]
    assert await ids(ProductFilter(category="kitchen")) == []
    assert await ids(ProductFilter(excluded_ids=("p020",))) == ["p018", "p047", "p002", "p039"]


async def test_deleted_products_never_appear(service: RecommenderService) -> None:
    assert service.popularity is not None
    await history(service.popularity)
    await service.index.delete(["p020", "p047"])
    pool = await trending(service).retrieve(Retrieval(ProductFilter(), 10, now=START))
    assert pool is not None and [e.product.id for e in pool.entries] == ["p018", "p002", "p039"]
    facets = await service.trending_facets(FacetField.CATEGORY, 10)
    assert [f.value for f in facets] == ["camping", "outerwear", "fitness"]
    assert facets[0] == FacetTrend("camping", pytest.approx(15 / 5.25), 10)  # type: ignore[arg-type]


async def test_facets_aggregate_by_category_and_brand(service: RecommenderService) -> None:
    assert service.popularity is not None
    assert await service.trending_facets(FacetField.BRAND, 10) == []
    await history(service.popularity)
    by_category = await service.trending_facets(FacetField.CATEGORY, 10)
    expected = [("camping", 30), ("bags", 4), ("outerwear", 3), ("fitness", 6)]
    assert [(f.value, f.events) for f in by_category] == expected
    assert [f.score for f in by_category] == pytest.approx([5 + 15 / 5.25, 1.8, 1.6, 1.0])
    by_brand = await service.trending_facets(FacetField.BRAND, 2)
    assert [(f.value, f.events) for f in by_brand] == [("northpeak", 30), ("trailcraft", 7)]
    assert [f.score for f in by_brand] == pytest.approx([5 + 15 / 5.25, 1.8 + 1.6])


@pytest.mark.parametrize("k", [0, 101, -3])
async def test_facets_refuse_a_bad_k(service: RecommenderService, k: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        await service.trending_facets(FacetField.CATEGORY, k)
    assert raised.value.argument == "k"


async def test_the_recommend_use_case_serves_an_injected_trending_source(
    service: RecommenderService, clock: FakeClock
) -> None:
    assert service.popularity is not None
    chain = FallbackChain((trending(service), TopRated(service.index)))
    reads = UserReads(service.users, clock, service.policy.half_life_s)
    recommend = Recommend(
        service.embedder, reads, RecommendSources({}, chain, {}), Pager(60.0), pins=PinLookup(service.index)
    )
    request = RecommendRequest(k=3, filters=ProductFilter(in_stock_only=True))
    assert (await recommend(request)).strategy is Strategy.TOP_RATED  # nothing trending yet
    await history(service.popularity)
    page = await recommend(request)
    assert page.strategy is Strategy.TRENDING and page.page.has_next_page
    assert [c.product.id for c in page.items] == ["p018", "p047", "p002"]
    assert {c.explanation.reason for c in page.items if c.explanation} == {Reason.TRENDING}
    clock.advance(7 * HOUR_S)  # every event has left the six recent hours: nothing is trending
    assert (await recommend(request)).strategy is Strategy.TOP_RATED


async def test_every_event_counts_in_its_hour_and_its_day(service: RecommenderService) -> None:
    assert service.popularity is not None
    kinds = [EventKind.VIEW, EventKind.CLICK, EventKind.PURCHASE, EventKind.DISMISS] * 10
    await asyncio.gather(*(service.record_event(f"u{i % 7}", "p018", kind) for i, kind in enumerate(kinds)))
    expected = 10 * sum(service.policy.weights[k] for k in kinds[:3])  # DISMISS counts nowhere
    [found] = await service.popularity.engagement(START, 10, recent_hours=1, baseline_days=1)
    assert (found.product_id, found.recent, found.baseline) == ("p018", pytest.approx(expected), 0.0)
    assert await service.popularity.top(START, 1) == [("p018", pytest.approx(expected))]


async def test_hour_buckets_on_redis_have_their_key_and_expiry(
    redis_service: RecommenderService, redis_client: aioredis.Redis, namespace: str
) -> None:
    await redis_service.record_event("u1", "p018", EventKind.CLICK)
    hour_key, day_key = f"{namespace}popular:h:{int(START // HOUR_S)}", f"{namespace}popular:{int(START // DAY_S)}"
    assert await redis_client.zscore(hour_key, "p018") == await redis_client.zscore(day_key, "p018") == 1.0
    assert 48 * HOUR_S < await redis_client.ttl(hour_key) <= 49 * HOUR_S


async def test_a_short_popularity_window_keeps_the_trend_baseline(
    redis_conn: RedisConnection, redis_client: aioredis.Redis, namespace: str
) -> None:
    popularity = RedisPopularity(redis_conn, prefix=namespace, windows=PopularityWindows(days=1))
    await popularity.add_many([("p018", 7.0, START - 5 * DAY_S)])
    await popularity.add_many([("p018", 10.0, START)])
    assert await redis_client.ttl(f"{namespace}popular:{int(START // DAY_S) - 5}") > 7 * DAY_S
    [found] = await popularity.engagement(START, 10, recent_hours=6, baseline_days=7)
    assert (found.recent, found.baseline) == (10.0, 7.0)
    with pytest.raises(ValueError, match="hours"):
        await popularity.engagement(START, 10, recent_hours=49, baseline_days=7)
