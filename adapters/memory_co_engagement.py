"""A working in-memory CoEngagementStore with the Redis store's semantics (the same behaviour table runs on
both): forward-decayed counts, each list trimmed to its `cap` highest after a write (ties: the smaller id
goes first, as in a sorted set), totals per relation and target. No expiry: there is no clock to follow."""

from collections import defaultdict
from collections.abc import Mapping, Sequence

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


class InMemoryCoEngagement:
    def __init__(
        self, *, cap: int = DEFAULT_CAP, half_life_s: float = DEFAULT_HALF_LIFE_S, exponent: float = DEFAULT_EXPONENT
    ) -> None:
        self._cap = cap
        self._half_life_s = half_life_s
        self._exponent = exponent
        self._lists: defaultdict[tuple[str, Relation], dict[str, float]] = defaultdict(dict)
        self._totals: defaultdict[Relation, dict[str, float]] = defaultdict(dict)

    async def add_many(self, events: Sequence[tuple[Sequence[Link], float]]) -> None:
        for links, at in events:
            self._add(links, at)

    def _add(self, links: Sequence[Link], at: float) -> None:
        if not links:
            return
        factor = growth(at, self._half_life_s)
        for link in links:
            neighbours = self._lists[(link.source, link.relation)]
            neighbours[link.target] = neighbours.get(link.target, 0.0) + link.weight * factor
        for key in {(link.source, link.relation) for link in links}:
            self._trim(self._lists[key])
        for (relation, target), weight in incoming(links).items():
            self._totals[relation][target] = self._totals[relation].get(target, 0.0) + weight * factor

    async def neighbours(
        self, seeds: Mapping[str, float], relation: Relation, n: int, now: float
    ) -> list[tuple[str, float]]:
        scale = 1.0 / growth(now, self._half_life_s)
        lists = {s: [(c, count * scale) for c, count in self._lists.get((s, relation), {}).items()] for s in seeds}
        known = self._totals[relation]
        totals = {c: known[c] * scale for pairs in lists.values() for c, _ in pairs if c in known}
        return fuse(seeds, lists, totals, exponent=self._exponent, n=n)

    def _trim(self, neighbours: dict[str, float]) -> None:
        over = len(neighbours) - self._cap
        if over > 0:
            for product_id in sorted(neighbours, key=lambda c: (neighbours[c], c))[:over]:
                del neighbours[product_id]

    async def counts(self, product_id: str, relation: Relation, now: float) -> dict[str, float]:
        """One list's counts decayed to `now`, for tests that compare with Redis."""
        scale = 1.0 / growth(now, self._half_life_s)
        return {c: count * scale for c, count in self._lists.get((product_id, relation), {}).items()}
