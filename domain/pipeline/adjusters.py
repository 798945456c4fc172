"""Adjusters: bonuses subtracted from the entries' scores. Today the category-affinity re-rank: a log-scaled
bonus, so the first clicks count most and no category runs away."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from domain.pipeline.ranking import Adjuster
from domain.pipeline.stages import Entry


def affinity_bonus(affinity: float, weight: float) -> float:
    return weight * math.log1p(max(affinity, 0.0))


@dataclass(frozen=True, slots=True)
class AffinityBoost:
    """weight · ln(1 + max(affinity of the product's category, 0)), the user's decayed affinities."""

    affinities: dict[str, float]
    weight: float

    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        affinities, weight = self.affinities, self.weight
        return [affinity_bonus(affinities.get(e.product.category, 0.0), weight) for e in entries]


@dataclass(frozen=True, slots=True)
class Summed:
    """Several adjusters as one: each entry's bonuses added up."""

    adjusters: tuple[Adjuster, ...]

    @classmethod
    def of(cls, *adjusters: "Adjuster | None") -> "Adjuster | None":
        """The adjusters given (None ones left out) as one; None when none is given."""
        present = tuple(a for a in adjusters if a is not None)
        return None if not present else present[0] if len(present) == 1 else cls(present)

    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        return [sum(column) for column in zip(*(a.bonuses(entries) for a in self.adjusters), strict=True)]
