"""Affinity re-ranking: a log-scaled bonus so the first clicks count most and no category runs away."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.candidates import Entry
from domain.diversity import DiversitySettings, select
from domain.models import Candidate, Explanation, Product


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


@dataclass(frozen=True)
class PageRequest:
    k: int
    affinities: dict[str, float] | None = None  # None: no re-ranking
    rerank_weight: float = 0.0
    diversity: DiversitySettings | None = None
    max_distance: float | None = None
    session_weight: float = 0.0
    # True when an entry's base is a cosine distance (vector searches): MMR's relevance is 1 - score.
    # False for fused, popularity and rating scores: relevance then falls linearly with the rank.
    by_distance: bool = True


def _candidate(entry: Entry, bonus: float, penalty: float, session_weight: float) -> Candidate:
    explanation = Explanation(entry.reason, entry.distance, entry.text_rank, session_weight, bonus, penalty)
    distance = 0.0 if entry.distance is None else entry.distance
    return Candidate(entry.product, distance, entry.base - bonus, bonus, explanation)


def _ranked(positions: range, entries: Sequence[Entry], bonus: list[float], page: PageRequest) -> list[int]:
    # Only re-ranking reorders a pool: it comes best first, and a POPULAR pool tops up with TOP_RATED items
    # whose scores (ratings) are on another scale than the popular ones'.
    if page.affinities is None:
        return list(positions)
    return sorted(positions, key=lambda i: entries[i].base - bonus[i])


def assemble(entries: Sequence[Entry], page: PageRequest) -> tuple[list[Candidate], bool]:
    """The page's candidates (at most k) and whether more remain after them.

    Without diversity the k best entries are re-ranked among themselves, as the plain path always did;
    with it the whole over-fetched pool is re-ranked and MMR picks k from it.
    """
    if page.max_distance is not None:
        limit = page.max_distance
        entries = [e for e in entries if e.distance is None or e.distance <= limit]
    weight = page.rerank_weight
    bonus = [
        0.0 if page.affinities is None else affinity_bonus(page.affinities.get(e.product.category, 0.0), weight)
        for e in entries
    ]
    if page.diversity is None:
        order = _ranked(range(min(page.k, len(entries))), entries, bonus, page)
        items = [_candidate(entries[i], bonus[i], 0.0, page.session_weight) for i in order]
        return items, len(entries) > page.k
    order = _ranked(range(len(entries)), entries, bonus, page)
    pool = [entries[i] for i in order]
    by_distance = page.by_distance
    relevance = [
        1.0 - (e.base - bonus[i]) if by_distance else 1.0 - j / max(len(pool), 1)
        for j, (i, e) in enumerate(zip(order, pool, strict=True))
    ]
    vectors = [e.vector for e in pool]
    if any(v is None for v in vectors):
        raise ValueError("diversity needs the candidates' vectors")
    picked = select([e.product for e in pool], relevance, [v for v in vectors if v is not None], page.k, page.diversity)
    items = [_candidate(pool[p.index], bonus[order[p.index]], p.penalty, page.session_weight) for p in picked]
    return items, len(pool) > len(picked)
