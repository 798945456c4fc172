"""Working in-memory implementations of the ports, for unit tests and quick experiments.

They follow the Redis adapters' semantics (the same behaviour tables run against both), including
filter matching by the words the search index holds (domain.text).
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from adapters.memory_text import bm25, holds_all
from domain.filter_match import admits
from domain.filters import ProductFilter
from domain.models import IndexInfo, Product, Vector
from domain.popularity_windows import DEFAULT_WINDOWS, PopularityWindows, best
from domain.ports import SearchResult
from domain.times import DAY_S, HOUR_S
from domain.trending import Engagement
from domain.vectors import normalise


def describe(filters: ProductFilter) -> str:
    """The filter as the fake shows it: the fields that are set, or `*` for none."""
    given = {name: value for name, value in vars(filters).items() if value not in (None, False, ())}
    return " ".join(f"{name}={value!r}" for name, value in given.items()) or "*"


def matches(product: Product, filters: ProductFilter) -> bool:
    return admits(filters, product)


class InMemoryProductIndex:
    def __init__(self, name: str = "memory", describe: Callable[[ProductFilter], str] = describe) -> None:
        self._name = name
        # Tests that compare the fake with Redis pass Redis' own renderer, so both report the same clause.
        self._describe = describe
        self._products: dict[str, tuple[Product, Vector]] = {}

    @property
    def name(self) -> str:
        return self._name

    async def search(
        self,
        vector: Vector,
        filters: ProductFilter,
        k: int,
        ef_runtime: int | None = None,
        with_vectors: bool = False,
    ) -> SearchResult:
        # Exact search: `ef_runtime` has nothing to tune here, as on a FLAT Redis index.
        found = [(p, float(1.0 - np.dot(v, vector)), v) for p, v in self._products.values() if matches(p, filters)]
        found.sort(key=lambda hit: hit[1])
        return self._result(found[:k], filters, with_vectors)

    async def keyword_search(self, words: Sequence[str], filters: ProductFilter, k: int) -> SearchResult:
        passing = [(p, v) for p, v in self._products.values() if matches(p, filters)]
        # As on Redis: those holding every word when at least k do, else those holding any.
        every = [(p, v) for p, v in passing if holds_all(p, words)]
        passing = every if len(every) >= k else passing
        scores = bm25(words, [p for p, _ in self._products.values()], [p for p, _ in passing])
        found = [(p, scores[p.id], v) for p, v in passing if scores[p.id] > 0]
        found.sort(key=lambda hit: -hit[1])
        return self._result(found[:k], filters, True)

    async def top_rated(self, filters: ProductFilter, k: int) -> SearchResult:
        found = [(p, p.rating, v) for p, v in self._products.values() if matches(p, filters)]
        found.sort(key=lambda hit: -hit[1])
        return self._result(found[:k], filters, True)

    async def among(self, product_ids: Sequence[str], filters: ProductFilter) -> SearchResult:
        chosen = [self._products[i] for i in dict.fromkeys(product_ids) if i in self._products]
        found = [(p, p.rating, v) for p, v in chosen if matches(p, filters)]
        found.sort(key=lambda hit: -hit[1])  # best rated first, as Redis sorts them (ties in no promised order)
        return self._result(found, filters, True)

    async def distances(self, product_ids: Sequence[str], filters: ProductFilter, vector: Vector) -> dict[str, float]:
        chosen = [self._products[i] for i in dict.fromkeys(product_ids) if i in self._products]
        return {p.id: 1.0 - float(np.dot(v, vector)) for p, v in chosen if matches(p, filters)}

    def describe(self, filters: ProductFilter) -> str:
        return self._describe(filters)

    def _result(
        self, found: list[tuple[Product, float, Vector]], filters: ProductFilter, with_vectors: bool
    ) -> SearchResult:
        vectors = [v for _, _, v in found] if with_vectors else []
        return SearchResult([(p, score) for p, score, _ in found], self._describe(filters), vectors)

    async def get(self, product_id: str) -> Product | None:
        found = self._products.get(product_id)
        return None if found is None else found[0]

    async def get_vector(self, product_id: str) -> tuple[Product, Vector] | None:
        return self._products.get(product_id)

    async def set_vector(self, product_id: str, vector: Vector) -> bool:
        if product_id not in self._products:
            return False
        self._products[product_id] = (self._products[product_id][0], normalise(vector))
        return True

    async def upsert(self, items: Sequence[tuple[Product, Vector]]) -> int:
        for product, vector in items:
            self._products[product.id] = (product, normalise(vector))
        return len(items)

    async def get_many(self, product_ids: Sequence[str]) -> list[tuple[Product, Vector] | None]:
        return [self._products.get(product_id) for product_id in product_ids]

    async def replace_existing(self, items: Sequence[tuple[Product, Vector]]) -> list[str]:
        present = [(product, vector) for product, vector in items if product.id in self._products]
        await self.upsert(present)
        return [product.id for product, _ in present]

    async def delete(self, product_ids: Sequence[str]) -> list[str]:
        return [product_id for product_id in product_ids if self._products.pop(product_id, None) is not None]

    async def exists(self) -> bool:
        return True  # an in-memory index exists as long as its object does

    async def ensure(self) -> None:
        return None

    async def recreate(self) -> None:
        self._products.clear()

    async def list_products(self, limit: int) -> list[Product]:
        return sorted((p for p, _ in self._products.values()), key=lambda p: p.id)[:limit]

    async def categories(self) -> list[str]:
        return sorted({p.category for p, _ in self._products.values()})

    async def brands(self) -> list[str]:
        return sorted({p.brand for p, _ in self._products.values()})

    async def info(self) -> IndexInfo:
        size_mb = sum(v.nbytes for _, v in self._products.values()) / 2**20
        return IndexInfo(self._name, len(self._products), 0, size_mb)


class InMemoryPopularity:
    """The Redis store's semantics (the same behaviour table runs on both): counts summed per UTC day and hour;
    `top` sums the top n of each day in the window, each day decayed from its middle; trends take the top n of
    each recent hour and each one's exact baseline. No expiry: no read reaches past what Redis keeps."""

    def __init__(self, windows: PopularityWindows = DEFAULT_WINDOWS) -> None:
        self._windows = windows
        self._hour_counts: dict[int, dict[str, float]] = {}  # UTC hour -> product id -> summed weights
        self._day_counts: dict[int, dict[str, float]] = {}

    async def add_many(self, counts: Sequence[tuple[str, float, float]]) -> None:
        for product_id, weight, at in counts:
            for buckets, width in ((self._day_counts, DAY_S), (self._hour_counts, HOUR_S)):
                bucket = buckets.setdefault(int(at // width), {})
                bucket[product_id] = bucket.get(product_id, 0.0) + weight

    async def top(self, now: float, n: int) -> list[tuple[str, float]]:
        totals: dict[str, float] = {}
        for day in self._windows.top_days(now):
            factor = self._windows.day_factor(day, now)
            for product_id, count in _highest(self._day_counts.get(day, {}), n):
                totals[product_id] = totals.get(product_id, 0.0) + count * factor
        return best(totals, n)

    async def engagement(self, now: float, n: int, *, recent_hours: int, baseline_days: int) -> list[Engagement]:
        self._windows.check_reach(recent_hours=recent_hours, baseline_days=baseline_days)
        hour, today = int(now // HOUR_S), int(now // DAY_S)
        recent = _summed(_highest(self._hour_counts.get(hour - back, {}), n) for back in range(recent_hours))
        top = [pid for pid, _ in best(recent, n)]
        days = [self._day_counts.get(today - back, {}) for back in range(1, baseline_days + 1)]
        return [Engagement(pid, recent[pid], sum(day[pid] for day in days if pid in day)) for pid in top]


def _highest(bucket: dict[str, float], n: int) -> list[tuple[str, float]]:
    """What a sorted set's ZRANGE 0 n-1 REV gives: the n highest, ties the larger id first."""
    return sorted(bucket.items(), key=lambda pair: (pair[1], pair[0]), reverse=True)[:n]


def _summed(buckets: Iterable[Iterable[tuple[str, float]]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for bucket in buckets:
        for product_id, weight in bucket:
            totals[product_id] = totals.get(product_id, 0.0) + weight
    return totals


class HashingEmbedder:
    """Deterministic unit vectors from a text's hash: stable, fast, and meaningless (no semantics)."""

    def __init__(self, dim: int = 384) -> None:
        self._dim = dim

    @property
    def model_name(self) -> str:
        return "hashing"

    @property
    def dim(self) -> int:
        return self._dim

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        return [self.vector(text) for text in texts]

    def vector(self, text: str) -> Vector:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        return normalise(np.random.default_rng(seed).standard_normal(self._dim).astype(np.float32))


class StaticCatalog:
    def __init__(self, items: Sequence[tuple[Product, Vector]]) -> None:
        self._items = list(items)

    def load(self) -> list[tuple[Product, Vector]]:
        return list(self._items)
