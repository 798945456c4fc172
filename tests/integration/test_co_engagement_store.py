"""The co-engagement stores: one behaviour table run on the Redis store and on the in-memory fake."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from adapters.memory_co_engagement import InMemoryCoEngagement
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import RedisConnection
from adapters.redis.neighbour_cache import NeighbourCache
from domain.co_engagement import Link, Relation
from tests.clock import START

pytestmark = pytest.mark.anyio
AV, BT = Relation.ALSO_VIEWED, Relation.BOUGHT_TOGETHER
H = 7 * 24 * 3600.0
Store = InMemoryCoEngagement | RedisCoEngagement


def _av(*triples: tuple[str, str, float]) -> list[Link]:
    return [Link(source, target, AV, weight) for source, target, weight in triples]


@dataclass(frozen=True)
class Case:
    name: str
    writes: list[tuple[list[Link], float]]
    now: float
    counts: dict[str, dict[str, float]]  # source -> its ALSO_VIEWED counts decayed to `now`
    seeds: dict[str, float] = field(default_factory=dict)
    ranked: list[str] = field(default_factory=list)  # the fused neighbours of `seeds`, best first
    top: float = 0.0  # the first one's fused score
    options: dict[str, Any] = field(default_factory=dict)


TABLE = [
    Case(
        "increments add up",
        [(_av(("a", "b", 1.0), ("a", "c", 2.0)), START), (_av(("a", "b", 0.5)), START)],
        START,
        {"a": {"b": 1.5, "c": 2.0}},
        {"a": 1.0},
        ["c", "b"],
        2.0,
        {"exponent": 0.0},
    ),
    Case(
        "the cap keeps the highest; on a tie the smaller id goes first",
        [
            (_av(("a", "b", 1.0), ("a", "c", 2.0), ("a", "d", 3.0), ("a", "e", 1.0), ("a", "f", 0.5)), START),
            (_av(("a", "g", 5.0)), START),
        ],
        START,
        {"a": {"c": 2.0, "d": 3.0, "g": 5.0}},
        {"a": 1.0},
        ["g", "d", "c"],
        5.0,
        {"cap": 3, "exponent": 0.0},
    ),
    Case(
        "a count halves every half-life",
        [(_av(("a", "b", 1.0)), START), (_av(("a", "c", 1.0)), START + H)],
        START + 2 * H,
        {"a": {"b": 0.25, "c": 0.5}},
        {"a": 1.0},
        ["c", "b"],
        0.5,
        {"half_life_s": H, "exponent": 0.0},
    ),
    Case(
        "normalised, a niche partner ranks above a best-seller seen with everything",
        [(_av(("a", "niche", 2.0), ("a", "best", 4.0), ("x", "best", 100.0), ("y", "best", 100.0)), START)],
        START,
        {"a": {"niche": 2.0, "best": 4.0}},
        {"a": 1.0},
        ["niche", "best"],
        2.0 / 2.0**0.5,  # count / total^0.5; the best-seller: 4 / 204^0.5
        {"exponent": 0.5},
    ),
    Case(
        # Counts made long before the landmark are stored tiny (here 2^-650 of their weight): the totals must
        # keep them as doubles do, not round them to a fixed number of decimals (to 0, which normalises nothing).
        "normalised, counts made many half-lives before the landmark",
        [(_av(("a", "niche", 2.0), ("a", "best", 4.0), ("x", "best", 100.0), ("y", "best", 100.0)), START)],
        START,
        {"a": {"niche": 2.0, "best": 4.0}},
        {"a": 1.0},
        ["niche", "best"],
        2.0 / 2.0**0.5,
        {"exponent": 0.5, "half_life_s": 3600.0},
    ),
    Case(
        "seeds fuse by weight and never come back",
        [(_av(("a", "b", 1.0), ("a", "c", 2.0), ("b", "d", 1.0), ("b", "a", 9.0)), START)],
        START,
        {"a": {"b": 1.0, "c": 2.0}, "b": {"d": 1.0, "a": 9.0}},
        {"a": 1.0, "b": 0.4},
        ["c", "d"],
        2.0,
        {"exponent": 0.0},
    ),
    Case(
        "relations are kept apart",
        [([Link("a", "b", AV, 1.0), Link("a", "c", BT, 5.0)], START)],
        START,
        {"a": {"b": 1.0}},
        {"a": 1.0},
        ["b"],
        1.0,
    ),
]


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest, redis_conn: RedisConnection, namespace: str) -> Callable[..., Store]:
    def make(**options: Any) -> Store:
        if request.param == "memory":
            return InMemoryCoEngagement(**options)
        return RedisCoEngagement(redis_conn, f"{namespace}{uuid.uuid4().hex[:6]}:", **options)

    return make


@pytest.mark.parametrize("case", TABLE, ids=[case.name for case in TABLE])
async def test_behaviour_table(make_store: Callable[..., Store], case: Case) -> None:
    store = make_store(**case.options)
    for links, at in case.writes:
        await store.add_many([(links, at)])
    for source, expected in case.counts.items():
        assert await store.counts(source, AV, case.now) == pytest.approx(expected, rel=1e-9)
    got = await store.neighbours(case.seeds, AV, 10, case.now)
    assert [product_id for product_id, _ in got] == case.ranked
    assert got[0][1] == pytest.approx(case.top)  # raw counts by default, weighted by seed and summed


async def test_no_seeds_or_no_room_reads_nothing(make_store: Callable[..., Store]) -> None:
    store = make_store()
    await store.add_many([(_av(("a", "b", 1.0)), START)])
    assert await store.neighbours({}, AV, 10, START) == []
    assert await store.neighbours({"a": 1.0}, AV, 0, START) == []
    assert await store.neighbours({"unknown": 1.0}, AV, 10, START) == []


async def test_raw_counts_never_read_the_totals_normalised_ones_do(redis_conn: RedisConnection, namespace: str) -> None:
    raw = RedisCoEngagement(redis_conn, namespace)
    normalising = RedisCoEngagement(redis_conn, namespace, exponent=0.5)
    await raw.add_many([(_av(("a", "b", 1.0), ("a", "c", 2.0), ("x", "c", 8.0)), START)])

    async def hmgets() -> int:
        stats = await redis_conn.client.info("commandstats")
        return int(stats.get("cmdstat_hmget", {}).get("calls", 0))

    before = await hmgets()
    assert await raw.neighbours({"a": 1.0}, AV, 5, START) == [("c", 2.0), ("b", 1.0)]
    assert await hmgets() == before
    assert [c for c, _ in await normalising.neighbours({"a": 1.0}, AV, 5, START)] == ["b", "c"]  # 1/1 > 2/10^0.5
    assert await hmgets() == before + 1


async def test_scripts_lost_by_redis_are_loaded_again_and_count_once(
    redis_conn: RedisConnection, namespace: str
) -> None:
    store = RedisCoEngagement(redis_conn, namespace)
    await store.add_many([(_av(("a", "b", 1.0)), START)])
    await redis_conn.client.script_flush()  # as after a restart or a failover to a fresh replica
    await store.add_many([(_av(("a", "b", 1.0), ("a", "c", 2.0)), START)])
    assert await store.counts("a", AV, START) == pytest.approx({"b": 2.0, "c": 2.0})
    # b and c tie at a count of 2 each; the seed's weight scales them.
    assert await store.neighbours({"x": 1.0, "a": 0.5}, AV, 5, START) == [("b", 1.0), ("c", 1.0)]


async def test_a_fresh_store_loads_its_scripts_before_its_first_pipeline(
    redis_conn: RedisConnection, namespace: str
) -> None:
    """Otherwise a whole first batch of counts would be refused for want of the script and sent again."""

    async def refusals() -> int:
        errors = await redis_conn.client.info("errorstats")
        return int(errors.get("errorstat_NOSCRIPT", {}).get("count", 0))

    await redis_conn.client.script_flush()
    before = await refusals()
    store = RedisCoEngagement(redis_conn, namespace)
    await store.add_many([(_av(("a", "b", 1.0), ("a", "c", 2.0)), START)])
    assert await refusals() == before
    assert await store.counts("a", AV, START) == pytest.approx({"b": 1.0, "c": 2.0})


async def test_a_cached_list_shows_its_own_writes_at_once_and_another_workers_after_the_ttl(
    redis_conn: RedisConnection, namespace: str
) -> None:
    cached = RedisCoEngagement(redis_conn, namespace, cache=NeighbourCache(ttl_s=0.3))
    other = RedisCoEngagement(redis_conn, namespace)  # another worker: its writes do not reach `cached`'s copy
    await other.add_many([(_av(("a", "b", 1.0)), START)])
    zranges = await _command_calls(redis_conn, "zrange")
    assert await cached.neighbours({"a": 1.0}, AV, 5, START) == [("b", 1.0)]
    assert await cached.neighbours({"a": 1.0}, AV, 5, START) == [("b", 1.0)]
    assert await _command_calls(redis_conn, "zrange") == zranges + 1  # the second read came from the cache
    await other.add_many([(_av(("a", "c", 3.0)), START)])
    assert await cached.neighbours({"a": 1.0}, AV, 5, START) == [("b", 1.0)]  # another worker's write: not yet
    await cached.add_many([(_av(("a", "b", 1.0)), START)])
    assert await cached.neighbours({"a": 1.0}, AV, 5, START) == [("c", 3.0), ("b", 2.0)]  # its own: at once
    await other.add_many([(_av(("a", "d", 9.0)), START)])
    await asyncio.sleep(0.35)
    assert await cached.neighbours({"a": 1.0}, AV, 5, START) == [("d", 9.0), ("c", 3.0), ("b", 2.0)]


async def test_without_a_cache_every_read_goes_to_redis(redis_conn: RedisConnection, namespace: str) -> None:
    store, other = RedisCoEngagement(redis_conn, namespace), RedisCoEngagement(redis_conn, namespace)
    await other.add_many([(_av(("a", "b", 1.0)), START)])
    assert await store.neighbours({"a": 1.0}, AV, 5, START) == [("b", 1.0)]
    await other.add_many([(_av(("a", "c", 3.0)), START)])
    assert await store.neighbours({"a": 1.0}, AV, 5, START) == [("c", 3.0), ("b", 1.0)]


async def _command_calls(redis_conn: RedisConnection, command: str) -> int:
    stats = await redis_conn.client.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))
