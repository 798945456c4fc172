"""ExperimentCounters on Redis: one hash per scenario per UTC hour, `<prefix>ab:{<scenario>}:<hour>`.

Fields are `<variant>|<counter>`: requests, impressions, clicks, add_to_carts, purchases (integers),
revenue (a float), and `<variant>|<counter>@<position>` for attributed events by the item's position.
A bucket expires `keep_days` after its hour. An attributed event first sets its dedupe mark
`<prefix>ab:{<scenario>}:seen:<page>:<product>:<kind>` (NX, until the page's attribution window has ended:
the id is refused after that anyway), and only a mark it set counts; mark and counts are one script, so a
repeated or concurrent event never counts twice and a counted one never lacks its mark. Both keys
carry the scenario as hash tag: one cluster slot per scenario.

Reading a window sums its buckets inside Redis, in one script over every bucket key (a 30-day window is
720 buckets, one cluster slot): only the sums travel. Sending the 720 HGETALLs in a pipeline and summing
here cost more than the 50 ms budget of the read, most of it in building and parsing the replies
(BENCHMARKS.md, "Experiments"). Lua numbers are doubles: counts stay exact below 2^53.
"""

import math
from collections.abc import Sequence

from adapters.redis.connection import RedisConnection, translated
from domain.attribution import Conversion
from domain.experiments import VariantCounts
from domain.times import DAY_S, HOUR_S

COUNTS = ("requests", "impressions", "clicks", "add_to_carts", "purchases")

# KEYS: mark, bucket. ARGV: mark TTL, bucket TTL, counter field, position field, revenue field, revenue.
_COUNT_ONCE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
if tonumber(ARGV[6]) ~= 0 then redis.call('HINCRBYFLOAT', KEYS[2], ARGV[5], ARGV[6]) end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""
# KEYS: the window's buckets. Returns [field, sum, ...] over them, position fields left out.
_SUM_BUCKETS = """
local sums, order = {}, {}
for i = 1, #KEYS do
  local flat = redis.call('HGETALL', KEYS[i])
  for j = 1, #flat, 2 do
    local name = flat[j]
    if not string.find(name, '@', 1, true) then
      if sums[name] == nil then sums[name] = 0; order[#order + 1] = name end
      sums[name] = sums[name] + tonumber(flat[j + 1])
    end
  end
end
local out = {}
for _, name in ipairs(order) do out[#out + 1] = name; out[#out + 1] = string.format('%.17g', sums[name]) end
return out
"""


def add_fields(totals: dict[str, dict[str, float]], bucket: dict[bytes, bytes]) -> None:
    for name, value in bucket.items():
        variant, _, counter = name.decode().partition("|")
        if counter in COUNTS or counter == "revenue":
            into = totals.setdefault(variant, {})
            into[counter] = into.get(counter, 0.0) + float(value)


def variant_counts(variant: str, fields: dict[str, float]) -> VariantCounts:
    counts = {name: int(fields.get(name, 0)) for name in COUNTS}
    return VariantCounts(variant, **counts, revenue=round(fields.get("revenue", 0.0), 6))


class RedisExperimentCounters:
    def __init__(self, redis: RedisConnection, prefix: str = "recommender:", keep_days: int = 30) -> None:
        if keep_days < 1:
            raise ValueError("experiment counters are kept at least one day")
        self._client = redis.client
        self._prefix = prefix
        self._keep_s = keep_days * DAY_S
        self._count_once = self._client.register_script(_COUNT_ONCE)
        self._sum_buckets = self._client.register_script(_SUM_BUCKETS)

    def bucket(self, scenario: str, hour: int) -> str:
        return f"{self._prefix}ab:{{{scenario}}}:{hour}"

    def mark(self, conversion: Conversion) -> str:
        c = conversion
        return f"{self._prefix}ab:{{{c.scenario}}}:seen:{c.page}:{c.product_id}:{c.kind.value}"

    def _ttl(self, at: float) -> int:
        """Seconds a bucket written at `at` lives: until `keep_days` after its hour ends (relative, so a
        store whose clock differs from the service's keeps it as long)."""
        return int((at // HOUR_S + 1) * HOUR_S - at) + self._keep_s

    @translated
    async def count_page(self, scenario: str, variant: str, items: int, at: float) -> None:
        hour = int(at // HOUR_S)
        key = self.bucket(scenario, hour)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, f"{variant}|requests", 1)
            pipe.hincrby(key, f"{variant}|impressions", items)
            pipe.expire(key, self._ttl(at))
            await pipe.execute()

    @translated
    async def count_conversion(self, conversion: Conversion, keep_s: float) -> bool:
        hour = int(conversion.at // HOUR_S)
        field = f"{conversion.variant}|{conversion.counter}"
        ttls: list[str | int] = [max(math.ceil(keep_s), 1), self._ttl(conversion.at)]
        fields = [field, f"{field}@{conversion.position}", f"{conversion.variant}|revenue", repr(conversion.revenue)]
        keys = [self.mark(conversion), self.bucket(conversion.scenario, hour)]
        counted = await self._count_once(keys=keys, args=[*ttls, *fields])
        return bool(counted)

    @translated
    async def totals(self, scenario: str, hours: Sequence[int]) -> dict[str, VariantCounts]:
        if not hours:
            return {}
        flat = await self._sum_buckets(keys=[self.bucket(scenario, hour) for hour in hours])
        summed: dict[str, dict[str, float]] = {}
        add_fields(summed, dict(zip(flat[::2], flat[1::2], strict=True)))
        return {variant: variant_counts(variant, fields) for variant, fields in summed.items()}
