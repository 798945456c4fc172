"""Maximal marginal relevance over an over-fetched pool, with per-category and per-brand caps.

Each step picks the candidate maximising (1 - w)·relevance - w·(highest cosine similarity to an item
already picked); w = 0 keeps the relevance order, w = 1 spreads as far as the pool allows. The first pick
is always the most relevant candidate (nothing is picked yet, so nothing can penalise it).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from domain.errors import InvalidInput
from domain.models import Product, Vector
from domain.validation import check_range

DEFAULT_WEIGHT = 0.5
# MMR only reorders what it is given: the pool must be larger than the page. 4k (at least k + 30, at most
# 300) left room for 6-8 categories in the top 10 of the 60-product catalog at weight 1.
POOL_FACTOR, POOL_EXTRA, MAX_POOL = 4, 30, 300


@dataclass(frozen=True)
class DiversitySettings:
    weight: float = DEFAULT_WEIGHT
    max_per_category: int | None = None
    max_per_brand: int | None = None

    def __post_init__(self) -> None:
        check_range("diversity.weight", self.weight, 0.0, 1.0)
        for name in ("max_per_category", "max_per_brand"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidInput(f"diversity.{name}", f"must be at least 1, got {value}")


def pool_size(k: int) -> int:
    return min(max(POOL_FACTOR * k, k + POOL_EXTRA), MAX_POOL)


@dataclass(frozen=True)
class Picked:
    index: int  # position in the pool
    penalty: float  # w · highest similarity to the items picked before it


@dataclass
class _Counts:
    """How many of each category and brand are picked so far."""

    categories: Counter[str] = field(default_factory=Counter)
    brands: Counter[str] = field(default_factory=Counter)

    def add(self, product: Product) -> None:
        self.categories[product.category] += 1
        self.brands[product.brand] += 1

    def within_caps(self, product: Product, settings: DiversitySettings) -> bool:
        cap_c, cap_b = settings.max_per_category, settings.max_per_brand
        over_c = cap_c is not None and self.categories[product.category] >= cap_c
        return not over_c and (cap_b is None or self.brands[product.brand] < cap_b)


def _close_capped(
    open_: npt.NDArray[np.bool_], products: Sequence[Product], *, settings: DiversitySettings, counts: _Counts
) -> None:
    for i in np.flatnonzero(open_):  # close whatever a cap now excludes
        if not counts.within_caps(products[int(i)], settings):
            open_[i] = False


def select(
    products: Sequence[Product],
    relevance: Sequence[float],
    vectors: Sequence[Vector],
    *,
    k: int,
    settings: DiversitySettings,
) -> list[Picked]:
    """At most k pool positions in MMR order; candidates over a cap are passed over."""
    if not products:
        return []
    w = settings.weight
    matrix = np.asarray(np.stack(vectors), dtype=np.float32)
    rel = np.asarray(relevance, dtype=np.float64)
    closest = np.full(len(products), -np.inf)  # highest similarity to anything picked so far
    open_ = np.ones(len(products), dtype=bool)
    counts, picked = _Counts(), list[Picked]()
    while len(picked) < k:
        _close_capped(open_, products, settings=settings, counts=counts)
        if not open_.any():
            break
        penalty = np.where(np.isfinite(closest), w * np.maximum(closest, 0.0), 0.0)
        gain = np.where(open_, (1.0 - w) * rel - penalty, -np.inf)
        # The first pick is the best match even at w = 1, where every gain ties at 0.
        best = int(np.flatnonzero(open_)[0]) if not picked else int(np.argmax(gain))
        picked.append(Picked(best, float(penalty[best])))
        open_[best] = False
        counts.add(products[best])
        closest = np.maximum(closest, matrix @ matrix[best])
    return picked
