"""The scenario store: one behaviour table on the in-memory fake and on Redis, then what only Redis does
(another instance's changes, dirty data)."""

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest
import redis.asyncio as aioredis

from adapters.memory_scenarios import InMemoryScenarioStore
from adapters.redis.connection import RedisConnection
from adapters.redis.scenarios import RedisScenarioStore
from domain.diversity import DiversitySettings
from domain.filters import BlendSettings, ExcludeSettings, ProductFilter, RerankSettings
from domain.ports import ScenarioStore
from domain.rules import Rule, RuleAction
from domain.scenarios import Scenario, Settings, Variant
from domain.source_kinds import SourceKind

pytestmark = pytest.mark.anyio

FULL = Settings(
    sources=(SourceKind.SESSION, SourceKind.POPULAR),
    filters=ProductFilter(category="bags", min_price=10.0, in_stock_only=True),
    exclude=ExcludeSettings(seen=True, product_ids=("p001", "p002")),
    blend=BlendSettings(weight=0.4, dismissed_weight=0.1),
    rerank=RerankSettings(enabled=False),
    diversity=DiversitySettings(weight=0.3, max_per_brand=2),
    k=12,
    rules=(
        Rule(RuleAction.HIDE, match=ProductFilter(brand="voltwave")),
        Rule(RuleAction.BOOST, product_ids=("p003",), weight=0.5, active_from=100.0, active_until=200.0),
        Rule(RuleAction.PIN, product_ids=("p004",), position=2),
    ),
)
HOME = Scenario("home", FULL, "the home page", (Variant("b", 0.5, Settings(k=3, rules=())),), updated_at=1234.5)


@pytest.fixture
async def redis_store(redis_conn: RedisConnection, namespace: str) -> RedisScenarioStore:
    store = RedisScenarioStore(redis_conn, f"{namespace}scenarios", check_s=0.05)
    await store.reload()
    return store


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> ScenarioStore:
    if request.param == "memory":
        return InMemoryScenarioStore()
    return request.getfixturevalue("redis_store")  # type: ignore[no-any-return]


async def test_save_get_list_delete_and_serve(store: ScenarioStore) -> None:
    assert await store.list() == [] and await store.get("home") is None and store.serving("home") is None
    await store.save(HOME)
    await store.save(Scenario("cart"))
    assert await store.get("home") == HOME  # every setting, rule and variant as saved
    assert store.serving("home") == HOME  # the instance that saved serves it at once
    assert [s.name for s in await store.list()] == ["cart", "home"]
    changed = replace(HOME, settings=Settings(k=5))
    await store.save(changed)
    assert store.serving("home") == changed
    assert await store.delete("home") is True and await store.delete("home") is False
    assert store.serving("home") is None and [s.name for s in await store.list()] == ["cart"]


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.01)
    return False


async def test_another_instance_serves_a_change_once_it_is_published(
    redis_conn: RedisConnection, namespace: str, redis_store: RedisScenarioStore
) -> None:
    other = RedisScenarioStore(redis_conn, f"{namespace}scenarios", check_s=30.0)  # only pub/sub can be in time
    async with other.watching():
        await redis_store.save(HOME)
        assert await _until(lambda: other.serving("home") == HOME)
        await redis_store.delete("home")
        assert await _until(lambda: other.serving("home") is None)


async def test_a_missed_message_is_caught_by_the_version_check(
    redis_conn: RedisConnection, namespace: str, redis_store: RedisScenarioStore
) -> None:
    other = RedisScenarioStore(redis_conn, f"{namespace}scenarios")
    await other.reload()
    await redis_store.save(HOME)  # `other` is not subscribed: the message is lost to it
    assert other.serving("home") is None
    await other.reload_if_changed()
    assert other.serving("home") == HOME


async def test_watching_ends_with_its_context_however_busy_redis_is(redis_store: RedisScenarioStore) -> None:
    for _ in range(50):  # each stop lands at another point of the watch loop
        async with redis_store.watching():
            await redis_store.save(HOME)
    assert redis_store.serving("home") == HOME


async def test_dirty_data_is_skipped_not_served(
    redis_store: RedisScenarioStore, redis_client: aioredis.Redis, namespace: str
) -> None:
    await redis_store.save(HOME)
    await redis_client.hset(
        f"{namespace}scenarios", mapping={"junk": "{not json", "bad": '{"name": "bad", "settings": {"k": "x"}}'}
    )
    await redis_client.hset(f"{namespace}scenarios", "worse", '{"name": "worse", "settings": {"blend": {"weight": 7}}}')
    await redis_store.reload()
    assert [s.name for s in await redis_store.list()] == ["home"]
    assert redis_store.serving("junk") is None and await redis_store.get("worse") is None
