"""Selectors: which entries make the page, in which order. A relevance floor drops the distant ones; then either
the k best (re-ordered by their adjusted scores) or maximal marginal relevance over the whole pool."""

from collections.abc import Sequence
from dataclasses import dataclass

from domain.diversity import DiversitySettings, pool_size, select
from domain.pipeline.stages import Entry


def within_distance(entries: list[Entry], max_distance: float | None) -> list[Entry]:
    """The relevance floor: entries farther than `max_distance` from the search vector go (unmeasured ones stay)."""
    if max_distance is None:
        return entries
    return [e for e in entries if e.distance is None or e.distance <= max_distance]


@dataclass(frozen=True, slots=True)
class Selection:
    order: list[int]  # positions in the pool, page order
    penalties: list[float] | None  # the diversity penalty of each, when diversity chose
    more: bool  # whether entries remain after the page


def _by_score(positions: range, entries: Sequence[Entry], bonus: Sequence[float] | None) -> list[int]:
    # Only adjusters reorder a pool: it comes best first, and a POPULAR pool tops up with TOP_RATED items whose
    # scores (ratings) are on another scale than the popular ones' (a later tier, never moved above them).
    if bonus is None:
        return list(positions)
    return sorted(positions, key=lambda i: (entries[i].tier, entries[i].base - bonus[i]))


@dataclass(frozen=True, slots=True)
class TopK:
    """The k best entries, re-ordered among themselves by their adjusted scores; `whole_pool`: the k best by
    adjusted score over the whole pool, so an adjuster can lift an entry from beyond k (merchandising rules)."""

    k: int
    whole_pool: bool = False

    def choose(self, entries: Sequence[Entry], bonus: Sequence[float] | None) -> Selection:
        reach = len(entries) if self.whole_pool else min(self.k, len(entries))
        order = _by_score(range(reach), entries, bonus)[: self.k]
        return Selection(order, None, len(entries) > self.k)


@dataclass(frozen=True, slots=True)
class Diverse:
    """MMR picks k from the whole pool ordered by adjusted score; `by_distance`: relevance is 1 - score (the pool
    is scored by cosine distance), else it falls linearly with the rank."""

    k: int
    settings: DiversitySettings
    by_distance: bool

    def choose(self, entries: Sequence[Entry], bonus: Sequence[float] | None) -> Selection:
        order = _by_score(range(len(entries)), entries, bonus)
        size = max(len(order), 1)
        relevance = [
            1.0 - (entries[i].base - (bonus[i] if bonus else 0.0)) if self.by_distance else 1.0 - j / size
            for j, i in enumerate(order)
        ]
        vectors = [entries[i].vector for i in order]
        if any(v is None for v in vectors):
            raise ValueError("diversity needs the candidates' vectors")
        pool = [entries[i].product for i in order]
        picked = select(pool, relevance, [v for v in vectors if v is not None], k=self.k, settings=self.settings)
        return Selection([order[p.index] for p in picked], [p.penalty for p in picked], len(order) > len(picked))


def fetch_size(k: int, diversity: DiversitySettings | None, *, wide: bool = False) -> int:
    """Candidates to retrieve: one more than the page (to know whether more remain), or, for MMR or when rules
    move scores (`wide`), the larger pool they choose from."""
    return k + 1 if diversity is None and not wide else pool_size(k)


def selector_for(
    k: int, diversity: DiversitySettings | None, *, by_distance: bool, wide: bool = False
) -> TopK | Diverse:
    return TopK(k, whole_pool=wide) if diversity is None else Diverse(k, diversity, by_distance)
