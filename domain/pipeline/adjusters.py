"""Adjusters: bonuses subtracted from the entries' scores. Today the category-affinity re-rank: a log-scaled
bonus, so the first clicks count most and no category runs away."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from domain.pipeline.ranking import Adjustment
from domain.pipeline.stages import Entry


def affinity_bonus(affinity: float, weight: float) -> float:
    return weight * math.log1p(max(affinity, 0.0))


@dataclass(frozen=True, slots=True)
class AffinityBoost:
    """weight · ln(1 + max(affinity of the product's category, 0)), the user's decayed affinities."""

    affinities: dict[str, float]
    weight: float

    @property
    def kind(self) -> Adjustment:
        return Adjustment.AFFINITY

    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        affinities, weight = self.affinities, self.weight
        return [affinity_bonus(affinities.get(e.product.category, 0.0), weight) for e in entries]
