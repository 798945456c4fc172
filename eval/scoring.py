"""Leave-one-out next-item scores: HR@k and NDCG@k over full-catalog rankings, and catalog coverage.

A user's ranking is a list of product ids, best first, from which the user's input history has been
removed. HR@k is 1 when the target is in the top k; NDCG@k is 1 / log2(rank + 2) for a hit at 0-based
rank (one relevant item, so the ideal DCG is 1). Both are averaged over every user scored, a user whose
ranking misses the target counting 0. The same code scores the service and the popularity baseline
that checks this harness against the published table.
"""

import math
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

CUTOFFS = (5, 10, 20)
DEPTH = max(CUTOFFS)
T = TypeVar("T", bound=Hashable)


def hit_rank(ranked: Sequence[T], target: T) -> int | None:
    """0-based rank of the target in the first DEPTH items, None when it is not there."""
    for rank, item in enumerate(ranked[:DEPTH]):
        if item == target:
            return rank
    return None


def top_excluding(order: Iterable[T], excluded: Collection[T], k: int = DEPTH) -> list[T]:
    """The first k items of a global order that are not excluded (a user's history removed)."""
    found: list[T] = []
    for item in order:
        if item not in excluded:
            found.append(item)
            if len(found) == k:
                break
    return found


@dataclass
class Scores:
    ranks: list[int | None] = field(default_factory=list)

    def add(self, ranked: Sequence[T], target: T) -> None:
        self.ranks.append(hit_rank(ranked, target))

    @property
    def users(self) -> int:
        return len(self.ranks)

    def metrics(self) -> dict[str, float]:
        n = max(self.users, 1)
        hits = [rank for rank in self.ranks if rank is not None]
        result = {}
        for k in CUTOFFS:
            result[f"HR@{k}"] = sum(rank < k for rank in hits) / n
        for k in CUTOFFS:
            result[f"NDCG@{k}"] = sum(1.0 / math.log2(rank + 2) for rank in hits if rank < k) / n
        return result


def coverage(lists: Iterable[Sequence[T]], catalog_size: int, k: int = 10) -> float:
    """Distinct items in all top-k lists, as a share of the catalog."""
    shown = {item for ranked in lists for item in ranked[:k]}
    return len(shown) / catalog_size if catalog_size else 0.0


def popularity_order(sequences: Iterable[Sequence[int]]) -> list[int]:
    """Item ids by interaction count, most first; ties by the smaller id (a fixed, documented order)."""
    counts = np.bincount(np.fromiter((item for items in sequences for item in items), dtype=np.int64))
    order = np.argsort(-counts, kind="stable")
    return [int(item) for item in order if counts[item] > 0]
