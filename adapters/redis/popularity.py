"""PopularityStore on Redis: one sorted set per UTC day, `<prefix>popular:<day>`, member = product id,
score = the day's summed event weights.

Counts live outside the product hashes: any write to an indexed hash re-indexes the whole document,
vector included (BENCHMARKS.md, "Events, exclusion and replication", the `updateProducts` row). The
per-day increment is its own command after the user's event script rather than inside it: that script
names only the user's keys, which share one cluster slot, and a global key there would break it on a
cluster. A day's key expires after the window it counts in.

Reading takes the top of each day in the window (one pipelined round trip) and decays each day by its
age: count · 2^(-age / half-life). A product below the top `n` of every single day can be missed, which
is what a top-n over bounded reads can afford.
"""

import asyncio
import math

from adapters.redis.connection import RedisConnection, translated

DAY_S = 24 * 3600
DEFAULT_DAYS = 7
DEFAULT_HALF_LIFE_S = 2 * DAY_S


class RedisPopularity:
    def __init__(
        self,
        redis: RedisConnection,
        prefix: str = "recommender:",
        days: int = DEFAULT_DAYS,
        half_life_s: float = DEFAULT_HALF_LIFE_S,
    ) -> None:
        if days < 1 or not half_life_s > 0:
            raise ValueError("popularity needs at least one day and a positive half-life")
        self._client = redis.client
        self._reads = redis.reads
        self._prefix = prefix
        self._days = days
        self._half_life_s = half_life_s

    def key(self, day: int) -> str:
        return f"{self._prefix}popular:{day}"

    @translated
    async def add(self, product_id: str, weight: float, at: float) -> None:
        key = self.key(int(at // DAY_S))
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zincrby(key, weight, product_id)
            pipe.expire(key, (self._days + 1) * DAY_S)
            await pipe.execute()

    @translated
    async def top(self, now: float, n: int) -> list[tuple[str, float]]:
        today = int(now // DAY_S)
        days = [today - back for back in range(self._days)]
        replies = await asyncio.gather(
            *(self._reads.command("ZRANGE", self.key(day), 0, n - 1, "REV", "WITHSCORES") for day in days)
        )
        totals: dict[str, float] = {}
        for day, reply in zip(days, replies, strict=True):
            age = max(now - (day + 0.5) * DAY_S, 0.0)
            factor = math.pow(2.0, -age / self._half_life_s)
            for member, score in zip(reply[::2], reply[1::2], strict=True):
                product_id = member.decode()
                totals[product_id] = totals.get(product_id, 0.0) + float(score) * factor
        return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))[:n]
