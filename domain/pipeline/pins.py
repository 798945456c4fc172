"""PIN rules as a selector stage: products placed at fixed positions of the page, around what the selector chose.

A pinned product the pool already holds is moved there (never shown twice); one it does not hold was looked up by
id with the request's filters (so it passed them, the exclusions and the stock filter too).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.models import Candidate, Reason
from domain.pipeline.stages import Entry, Pool, Scale


def slots(wanted: Sequence[tuple[int, str]], k: int) -> list[tuple[int, str]]:
    """(position, product id) asked in rule order, as distinct 1-based slots on a page of k: a product keeps its
    first position; products asking for a taken position take the next free one, in rule order."""
    placed: list[tuple[int, str]] = []
    seen: set[str] = set()
    last = 0
    for position, product_id in sorted(wanted, key=lambda pair: pair[0]):  # stable: rule order within a position
        slot = max(position, last + 1)
        if product_id in seen or slot > k:
            continue
        seen.add(product_id)
        placed.append((slot, product_id))
        last = slot
    return placed


@dataclass(frozen=True, slots=True)
class Pins:
    k: int  # the page's size
    slots: tuple[tuple[int, Entry], ...]  # (1-based slot, the looked-up entry), slots ascending

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(entry.product.id for _, entry in self.slots)

    def entries(self, pool: Pool) -> list[Entry]:
        """Each pinned product as the pool scored it, else scored by its distance on a distance pool (0 else)."""
        own = {e.product.id: e for e in pool.entries if e.product.id in self.ids}
        chosen = []
        for _, found in self.slots:
            entry = own.get(found.product.id)
            if entry is None:
                d = found.distance
                entry = replace(found, base=d if pool.scale is Scale.DISTANCE and d is not None else 0.0)
            chosen.append(replace(entry, reason=Reason.PINNED, tier=0))
        return chosen

    def place(self, items: list[Candidate], pinned: list[Candidate], more: bool) -> tuple[list[Candidate], bool]:
        """The page with the pinned candidates at their slots (the page cut back to k); whether more remain."""
        page = list(items)
        for (slot, _), candidate in zip(self.slots, pinned, strict=True):
            page.insert(min(slot - 1, len(page)), candidate)
        return page[: self.k], more or len(page) > self.k
