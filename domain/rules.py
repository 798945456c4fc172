"""Merchandising rules: what a shop's merchandisers ask of a page beyond relevance (pin, boost, bury, hide).

A rule applies to the products that match its filter or are listed by id (either is enough), and only while
it is active. The pipeline applies them: HIDE inside the search's pre-filter, BOOST and BURY as an adjuster
of the final score, PIN as a selector of positions.
"""

import enum
from dataclasses import dataclass

from domain.filters import ProductFilter


class RuleAction(enum.Enum):
    BOOST = "BOOST"  # move matching products up by `weight`, in the units of the final score
    BURY = "BURY"  # move them down by `weight`
    PIN = "PIN"  # place the listed products at `position` (1-based)
    HIDE = "HIDE"  # never show them


@dataclass(frozen=True)
class Rule:
    action: RuleAction
    match: ProductFilter | None = None
    product_ids: tuple[str, ...] = ()
    weight: float | None = None  # BOOST and BURY
    position: int | None = None  # PIN, 1-based
    active_from: float | None = None  # seconds since the epoch; None: no lower bound
    active_until: float | None = None  # seconds since the epoch; None: no upper bound

    def active_at(self, now: float) -> bool:
        if self.active_from is not None and now < self.active_from:
            return False
        return self.active_until is None or now < self.active_until
