"""The popularity stores: one behaviour table run on the Redis store and on the in-memory fake (day buckets in the
window, each decayed by its age from its middle; the top of each day; trends over hour and day buckets)."""

import math
from collections.abc import Callable
from typing import Any

import pytest

from adapters.memory import InMemoryPopularity
from adapters.redis.connection import RedisConnection
from adapters.redis.popularity import RedisPopularity
from domain.popularity_windows import PopularityWindows
from domain.times import DAY_S, HOUR_S
from domain.trending import Engagement
from tests.clock import START

pytestmark = pytest.mark.anyio
Store = InMemoryPopularity | RedisPopularity
H = 2 * DAY_S  # the default half-life
MIDDLE = (START // DAY_S + 0.5) * DAY_S  # the middle of START's UTC day (START is at 05:46)


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest, redis_conn: RedisConnection, namespace: str) -> Callable[..., Store]:
    def make(**options: Any) -> Store:
        if request.param == "memory":
            return InMemoryPopularity(PopularityWindows(**options))
        return RedisPopularity(redis_conn, prefix=namespace, windows=PopularityWindows(**options))

    return make


def _decayed(count: float, day_of: float, now: float) -> float:
    age = max(now - (day_of // DAY_S + 0.5) * DAY_S, 0.0)
    return count * 2.0 ** (-age / H)


async def test_a_day_counts_as_of_its_middle_and_only_within_the_window(make_store: Callable[..., Store]) -> None:
    store = make_store()  # seven days
    await store.add_many([("fresh", 3.0, START), ("old", 50.0, START - 8 * DAY_S), ("edge", 2.0, START - 5 * DAY_S)])
    now = START + DAY_S + 12 * HOUR_S
    top = await store.top(now, 10)
    assert [pid for pid, _ in top] == ["fresh", "edge"]  # "old" fell out of the seven days
    assert [score for _, score in top] == pytest.approx(
        [_decayed(3.0, START, now), _decayed(2.0, START - 5 * DAY_S, now)]
    )
    # By hand: START is 05:46:40, so `now` is the next day at 17:46:40, 29 h 46 min 40 s after the middle of
    # START's day; with a 48 h half-life, 3 * 2^(-29.7778 / 48) = 1.9515.
    assert math.isclose(top[0][1], 1.951511724, rel_tol=1e-9)


async def test_each_day_gives_only_its_top_n(make_store: Callable[..., Store]) -> None:
    # Every day: one 6, then "a" and "c" tied at 5 (the larger id first, as a sorted set read highest first gives
    # them), then "b". "a" and "b" are never in a day's top 2, so they are missed, though "a" sums as much as "c".
    store = make_store()
    days = [START - back * DAY_S for back in range(3)]
    await store.add_many([pair for at in days for pair in (("a", 5.0, at), ("c", 5.0, at), ("b", 4.0, at))])
    await store.add_many([("z", 6.0, START), ("y", 6.0, START - DAY_S), ("x", 6.0, START - 2 * DAY_S)])
    top = await store.top(MIDDLE, 2)
    assert [pid for pid, _ in top] == ["c", "z"]


async def test_trends_read_hours_and_days_and_refuse_more_than_is_kept(make_store: Callable[..., Store]) -> None:
    store = make_store()  # 48 hours and 7 days kept
    await store.add_many([("p", 2.0, START), ("p", 1.0, START - 5 * HOUR_S), ("p", 4.0, START - 2 * DAY_S)])
    await store.add_many([("q", 1.0, START - 7 * HOUR_S)])  # before the six recent hours
    assert await store.engagement(START, 10, recent_hours=6, baseline_days=3) == [Engagement("p", 3.0, 4.0)]
    for hours, days in ((49, 3), (6, 8)):
        with pytest.raises(ValueError, match="trending reaches past"):
            await store.engagement(START, 10, recent_hours=hours, baseline_days=days)
