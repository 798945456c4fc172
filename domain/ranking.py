"""Affinity re-ranking: a log-scaled bonus so the first clicks count most and no category runs away."""

import math
from collections.abc import Iterable

from domain.models import Candidate, Product


def affinity_bonus(affinity: float, weight: float) -> float:
    return weight * math.log1p(max(affinity, 0.0))


def rerank(hits: Iterable[tuple[Product, float]], affinities: dict[str, float], weight: float) -> list[Candidate]:
    """score = distance - weight·ln(1 + max(aff, 0)); ascending, stable for equal scores."""
    candidates = []
    for product, distance in hits:
        bonus = affinity_bonus(affinities.get(product.category, 0.0), weight)
        candidates.append(Candidate(product, distance, distance - bonus, bonus))
    return sorted(candidates, key=lambda c: c.score)


def as_ranked(hits: Iterable[tuple[Product, float]]) -> list[Candidate]:
    """Candidates in the order Redis returned them, scored by distance alone."""
    return [Candidate(product, distance, distance) for product, distance in hits]
