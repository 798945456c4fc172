"""Events, history, decay, expiry and exclusion on real Redis and the real model (and on the fakes)."""

import asyncio
import logging
from collections import Counter

import numpy as np
import pytest

from adapters.memory import HashingEmbedder
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig, create_command
from adapters.redis.users import RedisUserFeatureStore
from domain.events import DEFAULT_WEIGHTS, HISTORY_LENGTH, EventKind
from domain.filters import ExcludeSettings, ProductFilter, RecommendRequest
from domain.models import Product, Vector
from domain.service import RecommenderService
from tests.clock import FakeClock
from tests.polling import wait_until

pytestmark = pytest.mark.anyio
DAY = 24 * 3600.0
QUERY = "something warm for a cold evening"


async def test_history_is_newest_first_capped_and_timed_by_the_clock(
    service: RecommenderService, clock: FakeClock
) -> None:
    kinds = list(EventKind)
    for i in range(HISTORY_LENGTH + 5):
        clock.advance(1.5)
        await service.record_event("h", f"p{i % 60 + 1:03d}", kinds[i % len(kinds)])
    recent = await service.recent_events("h", HISTORY_LENGTH)
    assert len(recent) == HISTORY_LENGTH
    newest, product = recent[0]
    assert newest.product_id == f"p{(HISTORY_LENGTH + 4) % 60 + 1:03d}" and product is not None
    assert newest.at == pytest.approx(clock.now, abs=1e-3)
    assert [e.at for e, _ in recent] == sorted((e.at for e, _ in recent), reverse=True)
    features = await service.user_features("h")
    assert features.events == HISTORY_LENGTH + 5
    assert features.clicks == sum(1 for i in range(HISTORY_LENGTH + 5) if kinds[i % len(kinds)] is EventKind.CLICK)


async def test_two_hundred_mixed_events_from_sixteen_clients_are_exact(
    redis_service: RecommenderService, redis_server: EmbeddedRedis, namespace: str, clock: FakeClock
) -> None:
    """Positive events on outerwear and footwear; dismissals on home-audio only, whose affinity stays 0 in
    any order, so the expected affinities do not depend on how the 200 writes interleave."""
    plan = [
        *[("p001", EventKind.VIEW)] * 40,  # outerwear
        *[("p002", EventKind.CLICK)] * 40,  # outerwear
        *[("p011", EventKind.ADD_TO_CART)] * 40,  # footwear
        *[("p012", EventKind.PURCHASE)] * 40,  # footwear
        *[("p031", EventKind.DISMISS)] * 40,  # home-audio
    ]
    categories = {p.id: p.category for p in await redis_service.list_products(100)}
    assert [categories[pid] for pid in ("p001", "p011", "p031")] == ["outerwear", "footwear", "home-audio"]
    connections = [connect(redis_server.url) for _ in range(16)]
    services = [
        RecommenderService(
            embedder=redis_service.embedder,
            index=redis_service.index,
            users=RedisUserFeatureStore(conn, prefix=f"{namespace}user:"),
            catalog=redis_service.catalog,
            clock=clock,
        )
        for conn in connections
    ]
    try:

        async def client(i: int) -> None:
            for pid, kind in plan[i::16]:
                await services[i].record_event("crowd", pid, kind)

        await asyncio.gather(*(client(i) for i in range(16)))
    finally:
        for conn in connections:
            await conn.aclose()
    features = await redis_service.user_features("crowd")
    w = DEFAULT_WEIGHTS
    assert (features.events, features.clicks) == (200, 40)
    assert features.affinities == {
        "outerwear": pytest.approx(40 * (w[EventKind.VIEW] + w[EventKind.CLICK])),
        "footwear": pytest.approx(40 * (w[EventKind.ADD_TO_CART] + w[EventKind.PURCHASE])),
        "home-audio": 0.0,
    }
    for vector in (features.session_vector, features.dismissed_vector):
        assert vector is not None and float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    history = await redis_service.recent_events("crowd", HISTORY_LENGTH)
    assert len(history) == HISTORY_LENGTH


async def test_a_dismissed_category_drops_for_the_same_query(service: RecommenderService) -> None:
    before = await service.recommend(RecommendRequest(query=QUERY, user_id="d", k=10))
    category = before.items[0].product.category
    for candidate in [c for c in before.items if c.product.category == category][:2]:
        await service.record_event("d", candidate.product.id, EventKind.DISMISS)
    after = await service.recommend(RecommendRequest(query=QUERY, user_id="d", k=10))

    def first(ranked: list[str]) -> int:
        return ranked.index(category) if category in ranked else len(ranked)

    ranked_before = [c.product.category for c in before.items]
    ranked_after = [c.product.category for c in after.items]
    assert first(ranked_after) > first(ranked_before)
    assert ranked_after[:5].count(category) < ranked_before[:5].count(category)
    assert (await service.user_features("d")).affinity(category) == 0.0


async def test_affinities_decay_with_the_half_life(service: RecommenderService, clock: FakeClock) -> None:
    for _ in range(4):
        await service.record_click("old", "p001")
    clock.advance(7 * DAY)
    features = await service.user_features("old")
    assert features.affinity("outerwear") == pytest.approx(2.0)
    got = await service.recommend(RecommendRequest(query="parka", user_id="old", k=5))
    outerwear = [c for c in got.items if c.product.category == "outerwear"]
    assert outerwear and all(c.affinity_bonus == pytest.approx(0.15 * np.log1p(2.0)) for c in outerwear)
    clock.advance(7 * DAY)
    assert (await service.record_click("old", "p001")).affinity("outerwear") == pytest.approx(2.0)


async def test_an_idle_user_expires_and_comes_back_clean(
    redis_conn: RedisConnection, redis_service: RecommenderService, namespace: str
) -> None:
    users = RedisUserFeatureStore(redis_conn, prefix=f"{namespace}short:", ttl_s=0.3)
    service = RecommenderService(redis_service.embedder, redis_service.index, users, redis_service.catalog)
    await service.record_event("idle", "p001", EventKind.PURCHASE)
    keys = [users.key("idle"), users.events_key("idle")]
    assert keys[0].endswith("short:{idle}:features") and await redis_conn.client.exists(*keys) == 2

    async def gone() -> bool:
        return await redis_conn.client.exists(*keys) == 0

    for _ in range(200):  # polls: Redis expires the keys on its own clock
        if await gone():
            break
        await asyncio.sleep(0.02)
    assert await gone()
    assert (await service.user_features("idle")).events == 0
    again = await service.record_click("idle", "p002")
    assert (again.events, again.clicks) == (1, 1)
    assert [e.product_id for e, _ in await service.recent_events("idle", 10)] == ["p002"]


async def test_exclusion_by_history_and_id_keeps_k_results(service: RecommenderService) -> None:
    request = RecommendRequest(query="warm jacket for winter", user_id="x", k=10)
    top = [c.product.id for c in (await service.recommend(request)).items]
    await service.record_event("x", top[0], EventKind.VIEW)
    await service.record_event("x", top[1], EventKind.DISMISS)
    await service.record_event("x", top[2], EventKind.PURCHASE)
    cases = {
        ExcludeSettings(): {top[1]},
        ExcludeSettings(seen=True, dismissed=False): {top[0]},
        ExcludeSettings(dismissed=False, purchased=True, product_ids=(top[3], top[4])): {top[2], top[3], top[4]},
        ExcludeSettings(seen=True, purchased=True): {top[0], top[1], top[2]},
    }
    for exclude, gone in cases.items():
        got = await service.recommend(RecommendRequest(query=request.query, user_id="x", k=10, exclude=exclude))
        ids = [c.product.id for c in got.items]
        assert len(ids) == 10 and not gone & set(ids), exclude


ODD_IDS = ["a.b", "A.b", "x-1", "u_2", "m@n", "-lead", "_", "9.9.9", "Z-Z_Z@Z.Z"]


def _items(ids: list[str]) -> list[tuple[Product, Vector]]:
    embedder = HashingEmbedder()
    return [(Product(pid, pid, "d", "c", "b", 1.0, 4.0, True), embedder.vector(pid)) for pid in ids]


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_excluded_ids_that_need_escaping(redis_conn: RedisConnection, namespace: str, kind: str) -> None:
    from tests.seeded_index import seeded_index

    async with seeded_index(kind, redis_conn, f"{namespace}odd", _items(ODD_IDS)) as index:
        query = HashingEmbedder().vector("a.b")
        for excluded in (["a.b"], ["A.b", "-lead", "_"], ODD_IDS[:-1]):
            # With another filter the ids are negated in the pre-filter; alone, a few are over-fetched and dropped.
            for other in ({"category": "c"}, {}):
                filters = ProductFilter(excluded_ids=tuple(excluded), **other)  # type: ignore[arg-type]
                result = await index.search(query, filters, k=len(ODD_IDS))
                assert sorted(p.id for p, _ in result.hits) == sorted(set(ODD_IDS) - set(excluded))
        if kind == "redis":
            assert result.filter_clause == "*"
            result = await index.search(query, ProductFilter(category="c", excluded_ids=tuple(excluded)), k=3)
            negated = "-@pid:{\\-lead|9\\.9\\.9|A\\.b|\\_|a\\.b|m\\@n|u\\_2|x\\-1}"
            assert result.filter_clause == "@category:{c} " + negated


async def test_an_index_without_the_id_tag_still_excludes_exactly(
    redis_conn: RedisConnection, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = IndexConfig(name=f"{namespace}noid", prefix=f"{namespace}noid:")
    command = create_command(config)
    at = command.index("pid")
    del command[at : at + 4]  # pid TAG CASESENSITIVE INDEXMISSING: as created before this version
    await redis_conn.client.execute_command(*command)
    index = RedisProductIndex(redis_conn, config)
    try:
        await index.upsert(_items(ODD_IDS))
        with caplog.at_level(logging.WARNING):
            await index.ensure()
        assert wait_until(lambda: index.id_tags is not None, timeout=10)
        assert index.id_tags is False and "over-fetched" in caplog.text
        query = HashingEmbedder().vector("a.b")
        result = await index.search(query, ProductFilter(excluded_ids=("a.b", "m@n")), k=3)
        assert len(result.hits) == 3 and not {"a.b", "m@n"} & {p.id for p, _ in result.hits}
        assert "pid" not in result.filter_clause
        full = await index.search(query, ProductFilter(), k=len(ODD_IDS))
        expected = [p.id for p, _ in full.hits if p.id not in {"a.b", "m@n"}][:3]
        assert [p.id for p, _ in result.hits] == expected
        # Keyword, rating and similar-product searches fall back the same way; selecting by id names the
        # documents by key instead (INKEYS), the excluded left out.
        excluding = ProductFilter(excluded_ids=("a.b", "m@n"))
        for found in [await index.top_rated(excluding, 3), await index.keyword_search(["a", "m"], excluding, 3)]:
            assert not {"a.b", "m@n"} & {p.id for p, _ in found.hits} and len(found.vectors) == len(found.hits)
        assert len((await index.top_rated(excluding, 3)).hits) == 3
        among = await index.among(["x-1", "a.b", "nope", "x-1"], excluding)
        assert [p.id for p, _ in among.hits] == ["x-1"] and len(among.vectors) == 1 and "pid" not in among.filter_clause
    finally:
        await redis_conn.client.execute_command("FT.DROPINDEX", config.name, "DD")


async def test_every_kind_counts_once(service: RecommenderService) -> None:
    for kind in EventKind:
        await service.record_event("all", "p040", kind)
    features = await service.user_features("all")
    assert (features.events, features.clicks) == (len(EventKind), 1)
    assert Counter(e.kind for e, _ in await service.recent_events("all", 50)) == Counter(EventKind)


async def test_an_event_keeps_its_own_past_time_and_a_future_one_is_refused(
    service: RecommenderService, clock: FakeClock
) -> None:
    from domain.errors import InvalidInput

    await service.record_event("dated", "p001", EventKind.PURCHASE, at=clock.now - DAY)
    [(event, _)] = await service.recent_events("dated", 1)
    assert event.at == pytest.approx(clock.now - DAY, abs=1e-3)
    with pytest.raises(InvalidInput) as refused:
        await service.record_event("dated", "p002", EventKind.CLICK, at=clock.now + 1)
    assert refused.value.argument == "at"
    assert len(await service.recent_events("dated", 5)) == 1
