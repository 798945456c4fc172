"""CoEngagementStore on Redis: a sorted set of neighbours per product and relation, a hash of totals per relation.

Keys (`<prefix>` is the `co_engagement_key` setting, `<relation>` is `also_viewed` or `bought_together`):
- `<prefix>co:{<product id>}:<relation>`: sorted set, member = a neighbour's id, score = the forward-decayed
  sum of the weights of the links product → neighbour (domain.co_engagement). At most `cap` members: every
  write ends with ZREMRANGEBYRANK of whatever is below the top `cap` (nothing to do, and O(1), while the
  set is smaller). Forward decay makes a recent link outweigh an old one of the same weight, so what the cap
  pushes out is the weakest once decayed. Expires after TTL_HALF_LIVES half-lives without a write: a deleted
  or long-forgotten product's lists go by themselves.
- `<prefix>co:totals:<relation>`: hash, field = product id, value = the forward-decayed sum of every link
  into that product, the popularity a neighbour's count is divided by when read with an exponent above 0.
  Kept even when the exponent is 0, so normalisation can be switched on without rebuilding. One hash rather
  than a key per product: a read needs the totals of up to a few hundred neighbours at once, which one HMGET
  fetches; keys per product would be as many commands. No expiry (one small field per product ever linked).

Nothing is ever rewritten for decay: stored values carry growth(at) and reads divide by growth(now).

Writing: one pipeline of EVALSHA, one per list the events touch (their increments in event order, the trim
after each event, the expiry) and one per relation's totals, rather than three plain commands per list and
one per total: a purchase after ten earlier products touches 22 lists and is 24 commands instead of 106,
which is most of the client's time. An import sends a whole batch's events at once (`add_many`), so a list
many of them touch is one command for them all, and ends exactly as one call per event leaves it. Each
script names one key, so on a cluster none spans two products' slots (the braces make the product id the
hash tag). The pipeline runs after the user's event script without a transaction: a failure part-way leaves
some of the events' lists counted (the client sends a pipeline once more only when the connection
drops before its reply).

Reading: every seed's list the worker has not read in the last few seconds (adapters.redis.neighbour_cache) in
one pipelined burst of ZRANGE, then, only when normalising (exponent above 0), one HMGET of their neighbours'
totals.
"""

from collections.abc import Mapping, Sequence

from adapters.redis.connection import RedisConnection, translated
from adapters.redis.keyed_scripts import Call, KeyedScripts, packed
from adapters.redis.neighbour_cache import NeighbourCache, Pairs
from domain.co_engagement import (
    DEFAULT_CAP,
    DEFAULT_EXPONENT,
    DEFAULT_HALF_LIFE_S,
    Link,
    Relation,
    fuse,
    growth,
    incoming,
)

TTL_HALF_LIVES = 8  # a list unwritten this long holds counts worth under 1/256 of what they were
MAX_TTL_S = 10 * 365 * 24 * 3600.0  # a half-life long enough to mean "no decay" still gets a valid expiry
KEY_NAMES = {Relation.ALSO_VIEWED: "also_viewed", Relation.BOUGHT_TOGETHER: "bought_together"}

# One list: KEYS[1]; ARGV: cap, TTL ms, then in one argument, per event, n and its n neighbour, increment pairs
# (adapters.redis.keyed_scripts). Each event's increments, then the trim (nothing to do, and O(1), while the
# set is under the cap); the expiry once.
_ADD = """
local cap, words = tonumber(ARGV[1]), {}
for word in string.gmatch(ARGV[3], '%S+') do words[#words + 1] = word end
local i = 1
while i <= #words do
  local last = i + 2 * tonumber(words[i])
  for j = i + 1, last, 2 do redis.call('ZINCRBY', KEYS[1], words[j + 1], words[j]) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1)
  i = last + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
"""
# One relation's totals: KEYS[1]; ARGV[1]: product, increment pairs in one argument, added in order. Added as
# doubles and written back with 17 significant digits (exact), as the fake adds them: HINCRBYFLOAT would add in
# long double and write 17 decimals, so a total of counts made many half-lives before the landmark became 0.
_TOTALS = """
local product
for word in string.gmatch(ARGV[1], '%S+') do
  if product then
    local total = tonumber(redis.call('HGET', KEYS[1], product) or '0') + tonumber(word)
    redis.call('HSET', KEYS[1], product, string.format('%.17g', total))
    product = nil
  else
    product = word
  end
end
return 0
"""


class RedisCoEngagement:
    def __init__(
        self,
        redis: RedisConnection,
        prefix: str = "recommender:",
        *,
        cap: int = DEFAULT_CAP,
        half_life_s: float = DEFAULT_HALF_LIFE_S,
        exponent: float = DEFAULT_EXPONENT,
        cache: NeighbourCache | None = None,
    ) -> None:
        """`cache`: None reads every list every time."""
        if "{" in prefix or "}" in prefix:
            raise ValueError(
                f"the co-engagement key prefix must not contain braces (the id is the hash tag): {prefix!r}"
            )
        if cap < 1 or not half_life_s > 0 or not 0.0 <= exponent <= 1.0:
            raise ValueError("co-engagement needs a cap of at least 1, a positive half-life and an exponent in [0, 1]")
        self._scripts = KeyedScripts(redis.client)
        self._reads = redis.reads
        self._prefix = prefix
        self._cap = cap
        self._half_life_s = half_life_s
        self._exponent = exponent
        self._cache = cache or NeighbourCache(ttl_s=0)
        self._ttl_ms = round(min(TTL_HALF_LIVES * half_life_s, MAX_TTL_S) * 1000)

    def key(self, product_id: str, relation: Relation) -> str:
        return f"{self._prefix}co:{{{product_id}}}:{KEY_NAMES[relation]}"

    def totals_key(self, relation: Relation) -> str:
        return f"{self._prefix}co:totals:{KEY_NAMES[relation]}"

    @translated
    async def add_many(self, events: Sequence[tuple[Sequence[Link], float]]) -> None:
        lists: dict[tuple[str, Relation], list[str | float]] = {}
        totals: dict[Relation, list[str | float]] = {}
        for links, at in events:
            factor = growth(at, self._half_life_s)
            pairs: dict[tuple[str, Relation], list[str | float]] = {}
            for source, target, relation, weight in links:
                pairs.setdefault((source, relation), []).extend((target, weight * factor))
            for key, words in pairs.items():
                lists.setdefault(key, []).extend((str(len(words) // 2), *words))
            for (relation, target), weight in incoming(links).items():
                totals.setdefault(relation, []).extend((target, weight * factor))
        if not lists:
            return
        keys = [self.key(source, relation) for source, relation in lists]
        calls: list[Call] = [
            (_ADD, key, (self._cap, self._ttl_ms, packed(words)))
            for key, words in zip(keys, lists.values(), strict=True)
        ]
        calls += [(_TOTALS, self.totals_key(relation), (packed(words),)) for relation, words in totals.items()]
        try:
            await self._scripts.run(calls)
        finally:
            self._cache.forget(keys)  # this worker's next read sees what it just wrote

    @translated
    async def neighbours(
        self, seeds: Mapping[str, float], relation: Relation, n: int, now: float
    ) -> list[tuple[str, float]]:
        ids = list(seeds)
        if not ids or n < 1:
            return []
        scale = 1.0 / growth(now, self._half_life_s)
        stored = await self._lists([self.key(seed, relation) for seed in ids])
        lists = {seed: [(pid, score * scale) for pid, score in pairs] for seed, pairs in zip(ids, stored, strict=True)}
        candidates = list(dict.fromkeys(c for pairs in lists.values() for c, _ in pairs if c not in seeds))
        # Totals only when the read normalises by them: raw counts need no second round trip.
        totals = await self._totals(relation, candidates, scale) if candidates and self._exponent > 0 else {}
        return fuse(seeds, lists, totals, exponent=self._exponent, n=n)

    async def _lists(self, keys: list[str]) -> list[Pairs]:
        """Each key's stored pairs: those not in the cache in one pipelined burst of ZRANGE."""
        found = {key: pairs for key in keys if (pairs := self._cache.get(key)) is not None}
        missing = [key for key in keys if key not in found]
        if missing:
            # Written at once, ahead of whatever the request's other searches send next.
            replies = await self._reads.several(*(("ZRANGE", key, 0, -1, "WITHSCORES") for key in missing))
            for key, reply in zip(missing, replies, strict=True):
                found[key] = _pairs(reply)
                self._cache.put(key, found[key])
        return [found[key] for key in keys]

    @translated
    async def counts(self, product_id: str, relation: Relation, now: float) -> dict[str, float]:
        """One list's counts decayed to `now` (not normalised), read from Redis: for inspection and tests."""
        reply = await self._reads.command("ZRANGE", self.key(product_id, relation), 0, -1, "WITHSCORES")
        scale = 1.0 / growth(now, self._half_life_s)
        return {pid: score * scale for pid, score in _pairs(reply)}

    async def _totals(self, relation: Relation, product_ids: list[str], scale: float) -> dict[str, float]:
        reply = await self._reads.command("HMGET", self.totals_key(relation), *product_ids)
        return {pid: float(value) * scale for pid, value in zip(product_ids, reply, strict=True) if value is not None}


def _pairs(reply: list[bytes]) -> Pairs:
    """A flat ZRANGE ... WITHSCORES reply as (member, score) pairs."""
    return [(member.decode(), float(score)) for member, score in zip(reply[::2], reply[1::2], strict=True)]
