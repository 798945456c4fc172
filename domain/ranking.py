"""Affinity re-ranking: a log-scaled bonus so the first clicks count most and no category runs away."""

import math
from collections.abc import Iterable

from domain.models import Candidate, Product


def affinity_bonus(affinity: float, weight: float) -> float:
    return weight * math.log1p(max(affinity, 0.0))


def _distance(value: float) -> float:
    # Cosine distance of unit vectors is 0..2; float noise can put an exact match a hair below 0.
    return min(max(value, 0.0), 2.0)


def rerank(hits: Iterable[tuple[Product, float]], affinities: dict[str, float], weight: float) -> list[Candidate]:
    """score = distance - weight·ln(1 + max(aff, 0)); ascending, stable for equal scores."""
    candidates = []
    for product, raw_distance in hits:
        distance = _distance(raw_distance)
        bonus = affinity_bonus(affinities.get(product.category, 0.0), weight)
        candidates.append(Candidate(product, distance, distance - bonus, bonus))
    return sorted(candidates, key=lambda c: c.score)


def as_ranked(hits: Iterable[tuple[Product, float]]) -> list[Candidate]:
    """Candidates in the order Redis returned them, scored by distance alone."""
    return [Candidate(product, _distance(d), _distance(d)) for product, d in hits]
