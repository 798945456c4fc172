"""Co-engagement written by `recordEvent` on real Redis and the real model (and on the fakes): exact under
16 concurrent clients, capped, decaying, by relation; wired from the settings."""

import asyncio
import math
from dataclasses import replace
from typing import Any

import pytest
import redis.asyncio as aioredis
from starlette.testclient import TestClient

from adapters.memory_co_engagement import InMemoryCoEngagement
from adapters.redis.co_engagement import TTL_HALF_LIVES, RedisCoEngagement
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.users import RedisUserFeatureStore
from bootstrap.settings import Settings
from domain.co_engagement import DEFAULT_HALF_LIFE_S, CoEngagementPolicy, Relation, growth
from domain.events import EventKind
from domain.service import RecommenderService
from tests.clock import START, FakeClock

pytestmark = pytest.mark.anyio
AV, BT = Relation.ALSO_VIEWED, Relation.BOUGHT_TOGETHER
V, C, A, P, D = EventKind.VIEW, EventKind.CLICK, EventKind.ADD_TO_CART, EventKind.PURCHASE, EventKind.DISMISS


# One user's sequence and, by hand, the links it makes under HAND (window 10, 1/d, backward 0.5; weights 0.5/1/2/3):
# CLICK b after a: a→b 1, b→a 0.5. PURCHASE c after b (d=1), a (d=2): b→c 3, c→b 1.5, a→c 1.5, c→a 0.75.
# DISMISS d: nothing. ADD_TO_CART a after d (dismissed), c (d=2), b (d=3): c→a 1, a→c 0.5, b→a 2/3,
# a→b 1/3; and bought together with c (the only cart/purchase before): c→a 1, a→c 0.5.
SEQUENCE = [("p001", V), ("p002", C), ("p011", P), ("p031", D), ("p001", A)]
a, b, c = "p001", "p002", "p011"
ALSO_VIEWED = {a: {b: 1 + 1 / 3, c: 1.5 + 0.5}, b: {a: 0.5 + 2 / 3, c: 3.0}, c: {b: 1.5, a: 0.75 + 1.0}}
BOUGHT_TOGETHER = {c: {a: 1.0}, a: {c: 0.5}}
HAND = CoEngagementPolicy(window=10, backward=0.5, distance_power=1.0)


async def _stored(client: aioredis.Redis, store: RedisCoEngagement, relation: Relation, now: float) -> dict:
    """Every list of the relation as Redis holds it, decayed to `now`."""
    keys = [key.decode() async for key in client.scan_iter(match=store.key("*", relation))]
    lists = {key.split("{")[1].split("}")[0]: await client.zrange(key, 0, -1, withscores=True) for key in keys}
    scale = 1.0 / growth(now, DEFAULT_HALF_LIFE_S)
    return {pid: {m.decode(): s * scale for m, s in pairs} for pid, pairs in lists.items()}


async def test_sixteen_concurrent_clients_count_exactly(
    redis_service: RecommenderService, redis_server: EmbeddedRedis, namespace: str, clock: FakeClock
) -> None:
    connections = [connect(redis_server.url) for _ in range(16)]
    stores = [RedisCoEngagement(conn, namespace) for conn in connections]
    services = [
        RecommenderService(
            embedder=redis_service.embedder,
            index=redis_service.index,
            users=RedisUserFeatureStore(conn, prefix=f"{namespace}user:"),
            catalog=redis_service.catalog,
            clock=clock,
            co_engagement=store,
            co_engagement_policy=HAND,
        )
        for conn, store in zip(connections, stores, strict=True)
    ]

    async def shopper(i: int) -> None:
        for product_id, kind in SEQUENCE:
            await services[i].record_event(f"shopper{i}", product_id, kind)

    try:
        await asyncio.gather(*(shopper(i) for i in range(16)))
        client = connections[0].client
        for relation, expected in ((AV, ALSO_VIEWED), (BT, BOUGHT_TOGETHER)):
            stored = await _stored(client, stores[0], relation, clock.now)
            times16 = {pid: {n: 16 * w for n, w in neighbours.items()} for pid, neighbours in expected.items()}
            assert stored == {pid: pytest.approx(neighbours, rel=1e-12) for pid, neighbours in times16.items()}
            totals = {k.decode(): float(v) for k, v in (await client.hgetall(stores[0].totals_key(relation))).items()}
            incoming = {t: sum(n.get(t, 0.0) for n in times16.values()) for t in (a, b, c)}
            factor = growth(clock.now, DEFAULT_HALF_LIFE_S)
            assert totals == pytest.approx({t: w * factor for t, w in incoming.items() if w}, rel=1e-12)
        ttl = await client.pttl(stores[0].key(a, AV))
        assert TTL_HALF_LIVES * DEFAULT_HALF_LIFE_S * 1000 - 60_000 < ttl <= TTL_HALF_LIVES * DEFAULT_HALF_LIFE_S * 1000
    finally:
        for conn in connections:
            await conn.aclose()


async def test_the_cap_holds_under_concurrent_writes(
    redis_service: RecommenderService, redis_conn: RedisConnection, namespace: str
) -> None:
    store = RedisCoEngagement(redis_conn, f"{namespace}capped:", cap=5)
    service = replace(redis_service, co_engagement=store)  # its clock stands still: equal weights tie exactly
    others = [f"p{n:03d}" for n in range(2, 18)]

    async def shopper(i: int) -> None:  # views one product, then the hub
        await service.record_event(f"capped{i}", others[i], V)
        await service.record_event(f"capped{i}", "p001", [V, C, A, P][i % 4])

    await asyncio.gather(*(shopper(i) for i in range(16)))
    hub = await redis_conn.client.zrange(store.key("p001", AV), 0, -1, withscores=True)
    assert len(hub) == 5
    # Backward links hub → product weigh 0.5 x the kind's weight: the four purchases, then of the four
    # carts the largest id (on a tie the smaller goes first), whatever order the writes landed in.
    assert {m.decode() for m, _ in hub} == {others[i] for i in (3, 7, 11, 15)} | {others[14]}
    for product_id in others:
        assert await redis_conn.client.zcard(store.key(product_id, AV)) == 1  # product → hub


async def test_a_score_halves_after_one_half_life(service: RecommenderService, clock: FakeClock) -> None:
    await service.record_event("early", "p001", V)
    await service.record_event("early", "p002", C)
    store = service.co_engagement
    assert isinstance(store, InMemoryCoEngagement | RedisCoEngagement)
    assert await store.counts("p001", AV, clock.now) == pytest.approx({"p002": 1.0})
    clock.advance(DEFAULT_HALF_LIFE_S)
    assert await store.counts("p001", AV, clock.now) == pytest.approx({"p002": 0.5})
    await service.record_event("late", "p001", V)
    await service.record_event("late", "p002", C)
    assert await store.counts("p001", AV, clock.now) == pytest.approx({"p002": 1.5})


async def test_dismissals_link_nothing_and_views_buy_nothing_together(service: RecommenderService) -> None:
    for product_id, kind in [("p001", D), ("p002", D), ("p003", V), ("p004", D), ("p005", C)]:
        await service.record_event("picky", product_id, kind)
    store = service.co_engagement
    assert isinstance(store, InMemoryCoEngagement | RedisCoEngagement)
    for product_id in ("p001", "p002", "p004"):
        assert await store.counts(product_id, AV, 0.0) == {}
    # The CLICK on p005 links p003, two events back (the dismissal counts in the distance), by default at 1/√2.
    forward = 1.0 / math.sqrt(2.0)
    assert await store.neighbours({"p003": 1.0}, AV, 10, START) == [("p005", pytest.approx(forward))]
    assert await store.neighbours({"p003": 1.0}, BT, 10, START) == []
    assert await store.neighbours({"p005": 1.0}, AV, 10, START) == [("p003", pytest.approx(0.15 * forward))]


async def test_through_the_service_normalised_a_niche_co_purchase_beats_the_best_seller(
    service: RecommenderService, redis_conn: RedisConnection, namespace: str
) -> None:
    tent, pegs, best = "p021", "p022", "p001"
    normalising = (
        InMemoryCoEngagement(exponent=0.5)
        if isinstance(service.co_engagement, InMemoryCoEngagement)
        else RedisCoEngagement(redis_conn, f"{namespace}normalised:", exponent=0.5)
    )
    service = replace(service, co_engagement=normalising)
    plan = [[tent, best]] * 3 + [[tent, pegs]] * 2 + [[f"p{n:03d}", best] for n in range(30, 50)]
    for i, products in enumerate(plan):
        for product_id in products:
            await service.record_event(f"buyer{i}", product_id, P)
    ranked = await normalising.neighbours({tent: 1.0}, BT, 5, START)
    assert [product_id for product_id, _ in ranked] == [pegs, best]
    counts = await normalising.counts(tent, BT, START)
    assert counts == pytest.approx({best: 9.0, pegs: 6.0})  # by raw counts (the default) the best-seller comes first


def test_the_server_links_events_under_its_settings(http: TestClient, settings: Settings) -> None:
    event = 'mutation($p: ID!) { recordEvent(userId: "w", productId: $p, kind: PURCHASE) { __typename } }'
    for product_id in ("p001", "p002"):
        assert http.post("/graphql", json={"query": event, "variables": {"p": product_id}}).status_code == 200

    async def stored() -> list[tuple[bytes, float]]:
        client = aioredis.Redis.from_url(settings.redis_url or "")
        try:
            return await client.zrange(
                f"{settings.co_engagement_key}co:{{p001}}:bought_together", 0, -1, withscores=True
            )
        finally:
            await client.aclose()

    [(member, _)] = asyncio.run(stored())
    assert member == b"p002"


@pytest.mark.parametrize(
    "bad",
    [
        {"co_engagement_key": "shop:{x}:"},
        {"co_engagement_half_life_s": 3600},
        {"co_engagement_window": 51},
        {"co_engagement_backward": 1.5},
        {"co_engagement_exponent": -0.1},
        {"co_engagement_cap": 0},
    ],
)
def test_settings_refuse_out_of_range(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Settings(**bad)
