"""Attribution and experiment counters on both stores (the fake must not drift from Redis).

Scenario pages are made as the scenario stage will make them: the real recommendation use case's page
with its scenario and variant set, then signed and counted by the same ServedPages stage the service uses.
"""

import asyncio
from dataclasses import replace

import pytest
import redis.asyncio as aioredis

from adapters.recommendation_ids import SignedRecommendationIds
from adapters.redis.experiments import RedisExperimentCounters
from domain.attributing import CLOCK_SKEW_S, ServedPages
from domain.events import EventKind
from domain.experiments import VariantCounts
from domain.filters import RecommendRequest
from domain.models import Recommendations
from domain.service import RecommenderService
from domain.times import HOUR_S
from tests.clock import FakeClock

pytestmark = pytest.mark.anyio


def scenario_pages(service: RecommenderService, scenario: str | None, variant: str | None) -> ServedPages:
    async def with_scenario(request: RecommendRequest) -> Recommendations:
        return replace(await service.recommend(request), scenario=scenario, variant=variant)

    assert service.ids is not None
    return ServedPages(with_scenario, service.ids, service.experiments, service.clock)


async def serve(service: RecommenderService, variant: str = "b", k: int = 5, scenario: str = "home") -> Recommendations:
    return await scenario_pages(service, scenario, variant)(RecommendRequest(query="warm jacket", k=k))


async def stats(service: RecommenderService, scenario: str = "home") -> dict[str, VariantCounts]:
    found = await service.scenario_stats(scenario, None, None)
    return {v.variant: v for v in found.variants}


async def event(service: RecommenderService, page: Recommendations, kind: EventKind, product: int = 0) -> bool:
    recorded = await service.record_event_from("u1", page.items[product].product.id, kind, page=page.recommendation_id)
    return recorded.conversion is not None


async def test_requests_and_impressions_add_up(service: RecommenderService) -> None:
    sizes = [3, 5, 8, 1, 10, 4, 7]
    for n, k in enumerate(sizes):
        await serve(service, "b" if n % 2 else "control", k=k)
    counts = await stats(service)
    assert counts["control"].requests == 4 and counts["control"].impressions == 3 + 8 + 10 + 7
    assert counts["b"].requests == 3 and counts["b"].impressions == 5 + 1 + 4


async def test_each_page_product_and_kind_counts_once_even_concurrently(service: RecommenderService) -> None:
    page = await serve(service)
    first = await asyncio.gather(*(event(service, page, EventKind.CLICK) for _ in range(20)))
    assert sum(first) == 1
    assert await event(service, page, EventKind.CLICK) is False  # repeated later: still once
    assert await event(service, page, EventKind.ADD_TO_CART) and await event(service, page, EventKind.PURCHASE)
    assert await event(service, page, EventKind.CLICK, product=1)  # another product of the page
    assert await event(service, await serve(service), EventKind.CLICK)  # the same product on another page
    b = (await stats(service))["b"]
    assert (b.requests, b.clicks, b.add_to_carts, b.purchases) == (2, 3, 1, 1)
    assert (await service.user_features("u1")).events == 20 + 1 + 2 + 1 + 1  # every event was recorded


async def test_events_that_are_not_attributable_are_recorded_unattributed(
    service: RecommenderService, clock: FakeClock
) -> None:
    page = await serve(service)
    plain = await service.recommend(RecommendRequest(query="warm jacket", k=5))  # no scenario
    on_page = page.items[0].product.id
    elsewhere = next(pid for pid in ("p001", "p002", "p003") if pid not in {c.product.id for c in page.items})
    assert page.recommendation_id is not None and plain.recommendation_id is not None
    tampered = page.recommendation_id[:-2] + ("AA" if page.recommendation_id[-2:] != "AA" else "BB")
    for product_id, kind, recommendation_id in [
        (on_page, EventKind.CLICK, tampered),
        (on_page, EventKind.CLICK, "not-an-id"),
        (on_page, EventKind.CLICK, plain.recommendation_id),  # a page without a scenario
        (elsewhere, EventKind.CLICK, page.recommendation_id),  # a product not on that page
        (on_page, EventKind.VIEW, page.recommendation_id),  # not a conversion kind
        (on_page, EventKind.CLICK, None),
    ]:
        recorded = await service.record_event_from("u2", product_id, kind, page=recommendation_id)
        assert recorded.conversion is None, (product_id, kind, recommendation_id)
    clock.advance(service.attribution_window_s + 1)
    assert not await event(service, page, EventKind.CLICK)  # expired
    assert (await service.user_features("u2")).events == 6
    assert (await stats(service))["b"].clicks == 0


async def test_an_id_of_another_server_is_not_ours(service: RecommenderService) -> None:
    page = await serve(service)
    foreign_ids = SignedRecommendationIds("another-servers-secret")
    foreign = ServedPages(lambda _: _same(page), foreign_ids, None, service.clock)
    other = await foreign(None)
    recorded = await service.record_event_from(
        "u3", page.items[0].product.id, EventKind.CLICK, page=other.recommendation_id
    )
    assert recorded.conversion is None


async def _same(page: Recommendations) -> Recommendations:
    return page


async def test_an_event_just_inside_the_window_counts(service: RecommenderService, clock: FakeClock) -> None:
    page = await serve(service)
    clock.advance(service.attribution_window_s - 1)
    assert await event(service, page, EventKind.PURCHASE)


async def test_an_event_counted_by_a_clock_running_behind_is_not_counted_again_at_the_end_of_the_window(
    service: RecommenderService, clock: FakeClock
) -> None:
    page = await serve(service)
    clock.advance(-30)  # the click reaches an instance whose clock runs half a minute behind the page's
    assert await event(service, page, EventKind.CLICK)
    clock.advance(30 + service.attribution_window_s - 10)  # the page's id is still good for ten seconds
    assert not await event(service, page, EventKind.CLICK)
    assert (await stats(service))["b"].clicks == 1


async def test_revenue_is_the_price_when_the_purchase_comes(service: RecommenderService) -> None:
    page = await serve(service, variant="control")
    bought = page.items[0].product
    await service.update_products([{"id": bought.id, "price": bought.price + 100.25}])
    assert await event(service, page, EventKind.PURCHASE)
    assert await event(service, page, EventKind.CLICK)  # clicks add no revenue
    assert (await stats(service))["control"].revenue == pytest.approx(bought.price + 100.25)


async def test_the_window_selects_hour_buckets(service: RecommenderService, clock: FakeClock) -> None:
    start = clock.now
    await serve(service, variant="control")  # hour 0
    clock.advance(5 * HOUR_S)
    await serve(service, variant="control")  # hour 5
    clock.advance(3 * 24 * HOUR_S)
    await serve(service, variant="control")  # day 3, hour 5
    hour0 = int(start // HOUR_S) * HOUR_S

    async def requests(from_: float | None, to: float | None) -> int:
        return (await service.scenario_stats("home", from_, to)).variants[0].requests

    assert await requests(None, None) == 3
    assert await requests(hour0, hour0 + HOUR_S - 1) == 1
    assert await requests(hour0 + HOUR_S, None) == 2
    assert await requests(None, start + 6 * HOUR_S) == 2
    assert await requests(start + 10 * HOUR_S, start + 20 * HOUR_S) == 0
    assert (await service.scenario_stats("nothing-here", None, None)).variants[0].requests == 0


async def test_counts_are_kept_apart_by_scenario(service: RecommenderService) -> None:
    await serve(service, scenario="home")
    await serve(service, scenario="cart")
    await serve(service, scenario="cart")
    assert (await stats(service, "home"))["b"].requests == 1 and (await stats(service, "cart"))["b"].requests == 2


async def test_redis_keys_and_positions(
    redis_service: RecommenderService, redis_client: aioredis.Redis, namespace: str
) -> None:
    page = await serve(redis_service, variant="b")
    assert await event(redis_service, page, EventKind.CLICK, product=2)
    hour = int(redis_service.clock() // HOUR_S)
    bucket = await redis_client.hgetall(f"{namespace}ab:{{home}}:{hour}")
    assert bucket == {b"b|requests": b"1", b"b|impressions": b"5", b"b|clicks": b"1", b"b|clicks@3": b"1"}
    ttl = await redis_client.ttl(f"{namespace}ab:{{home}}:{hour}")
    assert 30 * 24 * HOUR_S <= ttl <= 30 * 24 * HOUR_S + HOUR_S
    marks = [key async for key in redis_client.scan_iter(f"{namespace}ab:{{home}}:seen:*")]
    kept = redis_service.attribution_window_s + 2 * CLOCK_SKEW_S  # the page was served just now
    assert len(marks) == 1 and kept - 5 <= await redis_client.ttl(marks[0]) <= kept
    assert isinstance(redis_service.experiments, RedisExperimentCounters)


async def test_on_redis_a_mark_set_by_a_clock_running_behind_lasts_until_the_page_window_ends(
    redis_service: RecommenderService, redis_client: aioredis.Redis, namespace: str, clock: FakeClock
) -> None:
    """Redis expires the mark on its own clock, which the fake clock cannot move: its TTL is checked instead."""
    page = await serve(redis_service, variant="b")
    clock.advance(-30)  # as in the test above: the click reaches an instance half a minute behind
    assert await event(redis_service, page, EventKind.CLICK)
    [mark] = [key async for key in redis_client.scan_iter(f"{namespace}ab:{{home}}:seen:*")]
    kept = redis_service.attribution_window_s + 2 * CLOCK_SKEW_S + 30
    assert kept - 5 <= await redis_client.ttl(mark) <= kept


async def test_a_little_clock_skew_between_instances_is_allowed(service: RecommenderService, clock: FakeClock) -> None:
    page = await serve(service)
    clock.advance(-30)  # the event reaches an instance whose clock is behind
    assert await event(service, page, EventKind.CLICK)
    clock.advance(-200)  # far behind: not a page of the past it claims
    assert not await event(service, page, EventKind.PURCHASE)


class ConfiguredScenarios:
    """A scenario store that knows names only (the ScenarioNames port)."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)

    async def exists(self, name: str) -> bool:
        return name in self.names


async def test_events_of_a_deleted_scenario_still_count_but_say_so(service: RecommenderService) -> None:
    service = replace(service, scenario_names=ConfiguredScenarios("home"))
    kept, gone = await serve(service, scenario="home"), await serve(service, scenario="retired")
    on_kept = await service.record_event_from(
        "u4", kept.items[0].product.id, EventKind.CLICK, page=kept.recommendation_id
    )
    on_gone = await service.record_event_from(
        "u4", gone.items[0].product.id, EventKind.CLICK, page=gone.recommendation_id
    )
    assert on_kept.conversion is not None and on_kept.conversion.configured
    assert on_gone.conversion is not None and not on_gone.conversion.configured  # Prometheus: `other`
    assert (await stats(service, "retired"))["b"].clicks == 1
