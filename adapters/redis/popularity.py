"""PopularityStore on Redis: one sorted set per UTC day, `<prefix>popular:<day>`, and one per UTC hour,
`<prefix>popular:h:<hour>`; member = product id, score = the day's (hour's) summed event weights.

Counts live outside the product hashes: any write to an indexed hash re-indexes the whole document,
vector included (docs/benchmarks-history.md, "Events, exclusion and replication", the `updateProducts` row). The
per-day increment is its own call after the user's event script rather than inside it: that script
names only the user's keys, which share one cluster slot, and a global key there would break it on a
cluster. One script per day's (hour's) key adds all its counts of a write (every count of an import batch,
adapters.redis.keyed_scripts). A day's key expires after the window it counts in.

Reading takes the top of each day in the window (one pipelined round trip) and decays each day by its
age: count · 2^(-age / half-life). A product below the top `n` of every single day can be missed, which
is what a top-n over bounded reads can afford.

Trending (domain.trending) reads the hour sets of the recent window for its candidates (the top of each
hour, one pipelined round trip), then each candidate's baseline from the day sets with one ZMSCORE per
day (a second round trip): the baseline is exact for every candidate, not only for the top of each day.
An hour's key expires after the hours kept; a day's key after the longer of popularity's days and the
days a trend baseline may reach back (`baseline_days`), so a short popularity window leaves trending whole.
"""

import asyncio
from collections.abc import Sequence
from typing import Any

from adapters.redis.connection import RedisConnection, translated
from adapters.redis.keyed_scripts import KeyedScripts, packed
from domain.popularity_windows import DEFAULT_WINDOWS, PopularityWindows, best
from domain.times import DAY_S, HOUR_S
from domain.trending import Engagement

# One day's or hour's counts: KEYS[1]; ARGV: TTL s, then product, weight pairs in one argument
# (adapters.redis.keyed_scripts), added in order.
_ADD = """
local product
for word in string.gmatch(ARGV[2], '%S+') do
  if product then redis.call('ZINCRBY', KEYS[1], word, product); product = nil else product = word end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 0
"""


class RedisPopularity:
    def __init__(
        self, redis: RedisConnection, prefix: str = "recommender:", windows: PopularityWindows = DEFAULT_WINDOWS
    ) -> None:
        self._scripts = KeyedScripts(redis.client)
        self._reads = redis.reads
        self._prefix = prefix
        self._windows = windows

    def key(self, day: int) -> str:
        return f"{self._prefix}popular:{day}"

    def hour_key(self, hour: int) -> str:
        return f"{self._prefix}popular:h:{hour}"

    @translated
    async def add_many(self, counts: Sequence[tuple[str, float, float]]) -> None:
        day_ttl_s, hour_ttl_s = (self._windows.kept_days + 1) * DAY_S, (self._windows.hours + 1) * HOUR_S
        keys: dict[str, tuple[int, list[str | float]]] = {}
        for product_id, weight, at in counts:
            for key, ttl_s in ((self.key(int(at // DAY_S)), day_ttl_s), (self.hour_key(int(at // HOUR_S)), hour_ttl_s)):
                keys.setdefault(key, (ttl_s, []))[1].extend((product_id, weight))
        await self._scripts.run([(_ADD, key, (ttl_s, packed(words))) for key, (ttl_s, words) in keys.items()])

    @translated
    async def top(self, now: float, n: int) -> list[tuple[str, float]]:
        days = self._windows.top_days(now)
        replies = await asyncio.gather(
            *(self._reads.command("ZRANGE", self.key(day), 0, n - 1, "REV", "WITHSCORES") for day in days)
        )
        totals: dict[str, float] = {}
        for day, reply in zip(days, replies, strict=True):
            factor = self._windows.day_factor(day, now)
            for member, score in zip(reply[::2], reply[1::2], strict=True):
                product_id = member.decode()
                totals[product_id] = totals.get(product_id, 0.0) + float(score) * factor
        return best(totals, n)

    @translated
    async def engagement(self, now: float, n: int, *, recent_hours: int, baseline_days: int) -> list[Engagement]:
        self._windows.check_reach(recent_hours=recent_hours, baseline_days=baseline_days)
        hour = int(now // HOUR_S)
        recent = _summed(
            await asyncio.gather(
                *(
                    self._reads.command("ZRANGE", self.hour_key(hour - back), 0, n - 1, "REV", "WITHSCORES")
                    for back in range(recent_hours)
                )
            )
        )
        top = [pid for pid, _ in best(recent, n)]
        if not top:
            return []
        baseline = await self._baseline(top, today=int(now // DAY_S), days=baseline_days)
        return [Engagement(pid, recent[pid], total) for pid, total in zip(top, baseline, strict=True)]

    async def _baseline(self, ids: Sequence[str], *, today: int, days: int) -> list[float]:
        """Each product's summed engagement over the `days` whole days before `today`."""
        replies = await asyncio.gather(
            *(self._reads.command("ZMSCORE", self.key(today - back), *ids) for back in range(1, days + 1))
        )
        return [sum(float(reply[i]) for reply in replies if reply[i] is not None) for i in range(len(ids))]


def _summed(replies: Sequence[Any]) -> dict[str, float]:
    """The WITHSCORES replies of several sorted sets, summed per member."""
    totals: dict[str, float] = {}
    for reply in replies:
        for member, score in zip(reply[::2], reply[1::2], strict=True):
            product_id = member.decode()
            totals[product_id] = totals.get(product_id, 0.0) + float(score)
    return totals
