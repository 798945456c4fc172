"""Neighbour lists a worker read recently, reused for a few seconds instead of read again.

Every recommendation of a user with a history reads the lists of their recent products, and a popular
product is a recent product of many users at once: the same few hundred lists are read again and again.
A list is kept as stored (its counts not yet decayed, so reuse needs no clock), at most `ttl_s` seconds
(cachetools' TTLCache). The worker's own writes forget the lists they touch at once; another worker's writes
show after at most `ttl_s`, and what they can hide is the newest links of a shopper who is on another worker
at that moment, into products of their own history. 0 turns the cache off.
"""

from collections.abc import Iterable

from cachetools import TTLCache

Pairs = list[tuple[str, float]]  # (neighbour id, stored score), as ZRANGE ... WITHSCORES returns them
DEFAULT_TTL_S = 10.0
DEFAULT_SIZE = 4096  # lists; a list is at most `cap` (100 by default) pairs


class NeighbourCache:
    def __init__(self, ttl_s: float = DEFAULT_TTL_S, size: int = DEFAULT_SIZE) -> None:
        if ttl_s < 0 or size < 1:
            raise ValueError("a neighbour cache needs a TTL of at least 0 and a size of at least 1")
        self._lists: TTLCache[str, Pairs] | None = TTLCache(maxsize=size, ttl=ttl_s) if ttl_s > 0 else None

    def get(self, key: str) -> Pairs | None:
        return None if self._lists is None else self._lists.get(key)

    def put(self, key: str, pairs: Pairs) -> None:
        if self._lists is not None:
            self._lists[key] = pairs

    def forget(self, keys: Iterable[str]) -> None:
        if self._lists is not None:
            for key in keys:
                self._lists.pop(key, None)
