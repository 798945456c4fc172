"""The user store's keys on real Redis: the layout it writes, users written by earlier versions, TTLs and
deletion (the behaviour through the service is in test_events)."""

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
import redis.asyncio as aioredis

from adapters.memory_users import InMemoryUserFeatureStore
from adapters.redis.codecs import to_bytes
from adapters.redis.connection import RedisConnection
from adapters.redis.users import RedisUserFeatureStore
from domain.events import HISTORY_LENGTH, Event, EventKind, EventPolicy
from domain.models import Product, UserFeatures, Vector
from domain.ports import UserFeatureStore
from domain.session import apply_event, decay_to
from domain.vectors import normalise

pytestmark = pytest.mark.anyio
DAY = 24 * 3600.0
NOW = 1_765_000_000.0
POLICY = EventPolicy()


def _applying(product: Product, vector: Vector) -> Callable[[UserFeatures, Event], UserFeatures]:
    return lambda features, event: apply_event(features, product, vector, event, POLICY)


def _unit(seed: int) -> Vector:
    return normalise(np.random.default_rng(seed).standard_normal(384).astype(np.float32))


async def _write_earlier_layout(client: aioredis.Redis, users: RedisUserFeatureStore, user_id: str) -> None:
    """A user as earlier versions stored them: float32 vectors in the hash, a time per category, and
    history entries `<kind>|<epoch ms>|<product id>`."""
    await client.hset(
        users.key(user_id),
        mapping={
            "v": "7",
            "clicks": "3",
            "events": "7",
            "session_vec": to_bytes(_unit(1)),
            "dismissed_vec": to_bytes(_unit(2)),
            "last_clicked_id": "p002",
            "last_clicked_category": "outerwear",
            "aff:outerwear": repr(4.5),
            "aft:outerwear": repr(NOW - 3 * DAY),
            "aff:footwear": repr(2.0),
            "aft:footwear": repr(NOW - DAY),
            "aff:legacy": repr(1.0),  # from before affinities had times: taken as fresh
        },
    )
    await client.rpush(
        users.events_key(user_id), f"C|{round((NOW - DAY) * 1000)}|p002", f"V|{round((NOW - 3 * DAY) * 1000)}|p001"
    )


async def test_a_user_of_the_earlier_layout_reads_the_same_and_moves_on_its_next_event(
    redis_conn: RedisConnection, namespace: str
) -> None:
    users = RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:")
    client = redis_conn.client
    await _write_earlier_layout(client, users, "old")
    before = await users.get("old")
    assert (before.clicks, before.events, before.last_clicked_id) == (3, 7, "p002")
    assert before.session_vector is not None and np.array_equal(before.session_vector, _unit(1))
    assert before.dismissed_vector is not None and np.array_equal(before.dismissed_vector, _unit(2))
    assert before.affinity_times == {"outerwear": NOW - 3 * DAY, "footwear": NOW - DAY}
    assert [(e.kind, e.at) for e in await users.history("old", 5)] == [
        (EventKind.CLICK, NOW - DAY),
        (EventKind.VIEW, NOW - 3 * DAY),
    ]

    product, event = Product("p009", "n", "d", "footwear", "b", 1.0, 4.0, True), Event("p009", EventKind.PURCHASE, NOW)

    change = _applying(product, _unit(3))
    after = await users.record([event], "old", change)
    expected = change(before, event)
    fields = await client.hgetall(users.key("old"))
    assert not {b"session_vec", b"dismissed_vec", b"aft:outerwear", b"aft:footwear"} & set(fields)
    assert fields[b"v"] == b"8" and fields[b"aft"] == repr(NOW).encode()
    assert await client.object("encoding", users.key("old")) == b"listpack"
    read = await users.get("old")
    assert read.affinities == expected.affinities == after.affinities
    later = NOW + 5 * DAY  # one stored time decays as the domain's time per category would
    expected_later = decay_to(expected, later, POLICY.half_life_s).affinities
    assert decay_to(read, later, POLICY.half_life_s).affinities == pytest.approx(expected_later, rel=1e-12)
    assert expected_later["outerwear"] == pytest.approx(4.5 / 2 ** (8 / 7), rel=1e-12)
    assert expected.session_vector is not None and read.session_vector is not None
    assert float(np.dot(read.session_vector, expected.session_vector)) > 0.9999
    assert read.dismissed_vector is not None and float(np.dot(read.dismissed_vector, _unit(2))) > 0.9998
    history = await users.history("old", 5)
    assert [(e.product_id, e.kind) for e in history] == [
        ("p009", EventKind.PURCHASE),
        ("p002", EventKind.CLICK),
        ("p001", EventKind.VIEW),
    ]
    assert history[0].at == NOW


async def test_every_key_of_a_user_has_the_ttl_and_delete_removes_them_all(
    redis_conn: RedisConnection, namespace: str
) -> None:
    users = RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:", ttl_s=600)
    client = redis_conn.client
    product = Product("p1", "n", "d", "c" * 60, "b", 1.0, 4.0, True)  # a long category still fits a listpack
    for n, kind in enumerate([*EventKind] * 12):
        event = Event(product.id, kind, NOW + n)
        await users.record([event], "t", _applying(product, _unit(n)))
    keys = users.keys("t")
    assert keys == [
        f"{namespace}user:{{t}}:features",
        f"{namespace}user:{{t}}:vectors",
        f"{namespace}user:{{t}}:events",
    ]
    assert [0 < await client.pttl(key) <= 600_000 for key in keys] == [True, True, True]
    assert await client.object("encoding", keys[0]) == b"listpack"
    assert await client.llen(keys[2]) == HISTORY_LENGTH
    await users.delete("t")
    assert await client.exists(*keys) == 0
    assert await users.get("t") == UserFeatures("t")


async def test_without_vectors_the_vectors_key_is_absent(redis_conn: RedisConnection, namespace: str) -> None:
    users = RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:")
    await users.record([Event("p1", EventKind.VIEW, NOW)], "plain", lambda features, _: features)
    assert await redis_conn.client.exists(users.vectors_key("plain")) == 0
    assert (await users.get("plain")).session_vector is None and await users.history("plain", 5)


@pytest.mark.parametrize("limit", [1, 5, HISTORY_LENGTH])
async def test_a_snapshot_reads_features_and_history_in_one_read_equal_to_the_two_reads(
    redis_conn: RedisConnection, namespace: str, limit: int
) -> None:
    users = RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:")
    product = Product("p1", "n", "d", "tents", "b", 1.0, 4.0, True)
    for n, kind in enumerate([EventKind.VIEW, EventKind.CLICK, EventKind.DISMISS, EventKind.PURCHASE] * 3):
        event = Event(f"p{n}", kind, NOW + n)
        await users.record([event], "both", _applying(product, _unit(n)))
    found = await users.snapshot("both", limit)
    features, history = found.features, found.history
    alone = await users.get("both")
    assert features.session_vector is not None and alone.session_vector is not None
    np.testing.assert_array_equal(features.session_vector, alone.session_vector)
    assert (features.clicks, features.events, features.affinities) == (alone.clicks, alone.events, alone.affinities)
    assert history == await users.history("both", limit) and len(history) == min(limit, 12)
    nobody = await users.snapshot("nobody", limit)
    assert (nobody.features, nobody.history, nobody.version) == (UserFeatures("nobody"), [], 0)


@pytest.fixture(params=["memory", "redis"])
def either_store(request: pytest.FixtureRequest, redis_conn: RedisConnection, namespace: str) -> UserFeatureStore:
    if request.param == "memory":
        return InMemoryUserFeatureStore()
    return RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:")


def _one_more_click(features: UserFeatures, _: Event) -> UserFeatures:
    return replace(features, clicks=features.clicks + 1)


async def test_an_event_written_on_a_snapshot_loses_no_write_that_landed_since(either_store: UserFeatureStore) -> None:
    users = either_store
    await users.record([Event("p1", EventKind.CLICK, NOW)], "s", _one_more_click)
    seen = await users.snapshot("s", 5)
    assert (seen.features.clicks, [e.product_id for e in seen.history]) == (1, ["p1"])
    after = await users.record([Event("p2", EventKind.CLICK, NOW + 1)], "s", _one_more_click, seen=seen)
    assert after.clicks == 2
    stale = seen  # another event of the user landed after this snapshot was read
    await users.record([Event("p3", EventKind.CLICK, NOW + 2)], "s", _one_more_click)
    final = await users.record([Event("p4", EventKind.CLICK, NOW + 3)], "s", _one_more_click, seen=stale)
    assert final.clicks == 4 and (await users.get("s")).clicks == 4
    assert [e.product_id for e in await users.history("s", 5)] == ["p4", "p3", "p2", "p1"]
    assert (await users.snapshot("s", 2)).history == (await users.history("s", 2))


async def test_an_event_written_on_a_fresh_snapshot_reads_nothing_more(
    redis_conn: RedisConnection, namespace: str
) -> None:
    users = RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:")
    lane = redis_conn.pipelined
    assert lane is not None
    seen = await users.snapshot("r", 5)
    before = lane.commands
    await users.record([Event("p1", EventKind.CLICK, NOW)], "r", _one_more_click, seen=seen)
    assert lane.commands == before  # only the write script, on the client's own connection
    await users.record([Event("p2", EventKind.CLICK, NOW + 1)], "r", _one_more_click)
    assert lane.commands == before + 1  # without a snapshot, the record reads first


async def test_a_write_of_many_events_stores_what_one_write_per_event_stores(either_store: UserFeatureStore) -> None:
    """An import writes each user's events of a batch at once; the session vector between them is taken as the
    store keeps it (float16 on Redis), so the stored user is the same, bit for bit."""
    users = either_store
    kinds = [EventKind.VIEW, EventKind.CLICK, EventKind.DISMISS, EventKind.PURCHASE, EventKind.ADD_TO_CART]
    products = {f"p{n}": Product(f"p{n}", "n", "d", f"c{n % 3}", "b", 1.0, 4.0, True) for n in range(7)}
    events = [Event(f"p{n % 7}", kinds[n % 5], NOW + 3600 * n) for n in range(HISTORY_LENGTH + 9)]

    def change(features: UserFeatures, event: Event) -> UserFeatures:
        return apply_event(features, products[event.product_id], _unit(int(event.product_id[1:])), event, POLICY)

    await users.record(events[:4], "many", change)  # a user with a history already
    await users.record(events[4:], "many", change)
    for event in events:
        await users.record([event], "one", change)
    many, one = await users.snapshot("many", HISTORY_LENGTH), await users.snapshot("one", HISTORY_LENGTH)
    assert many.history == one.history and len(many.history) == HISTORY_LENGTH
    assert many.history[0] == events[-1]
    for name in ("session_vector", "dismissed_vector"):
        mine, theirs = getattr(many.features, name), getattr(one.features, name)
        assert mine is not None and theirs is not None and np.array_equal(mine, theirs), name
    plain = {"session_vector": None, "dismissed_vector": None}
    assert replace(many.features, user_id="one", **plain) == replace(one.features, **plain)


async def test_history_times_are_kept_to_the_millisecond_and_no_limit_reads_nothing(
    either_store: UserFeatureStore,
) -> None:
    users = either_store
    events = [Event("p1", EventKind.VIEW, NOW + 0.0004), Event("p2", EventKind.CLICK, NOW + 1.2346)]
    await users.record(events, "ms", _one_more_click)
    assert [e.at for e in await users.history("ms", 5)] == [(NOW * 1000 + 1235) / 1000, NOW]
    for limit in (0, -1):
        assert await users.history("ms", limit) == [] and (await users.snapshot("ms", limit)).history == []
    assert (await users.snapshot("ms", 1)).history == (await users.history("ms", 1))
