"""From a pool to a page: the relevance floor, the adjusters' bonuses, a selector, the pins, and each item's
explanation."""

import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.models import Candidate, Explanation
from domain.pipeline.pins import Pins
from domain.pipeline.selectors import Selection, within_distance
from domain.pipeline.stages import Entry, Pool, Scale, Trace, ms_since


class Adjustment(enum.Enum):
    """What an adjuster's bonus is reported as in an item's explanation."""

    AFFINITY = "affinity"  # affinity_bonus: the user's category affinities
    BEHAVIOUR = "behaviour"  # added to affinity_bonus: with a query, the user's co-engagement with a candidate
    RULES = "rules"  # rule_adjustment: merchandising BOOST and BURY rules


class Adjuster(Protocol):
    @property
    def kind(self) -> Adjustment: ...

    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        """A bonus per entry, subtracted from its score."""
        ...


class Selector(Protocol):
    def choose(self, entries: Sequence[Entry], bonus: Sequence[float] | None) -> Selection: ...


Parts = dict[Adjustment, list[float]]


def _total(parts: Parts) -> list[float] | None:
    # One adjuster (the common case) is its own total; none leaves the pool's order and scores alone.
    if len(parts) < 2:
        return next(iter(parts.values()), None)
    return [sum(each) for each in zip(*parts.values(), strict=True)]


def _part(parts: Parts, kind: Adjustment, i: int) -> float:
    return parts[kind][i] if kind in parts else 0.0


@dataclass(frozen=True, slots=True)
class Ranking:
    selector: Selector
    adjusters: tuple[Adjuster, ...] = ()  # none: the pool's own order and scores
    max_distance: float | None = None
    session_weight: float = 0.0  # share of the session in the search vector, for the explanations
    pins: Pins | None = None  # PIN rules, placed after the selector

    def adjusts(self, kind: Adjustment) -> bool:
        return any(adjuster.kind is kind for adjuster in self.adjusters)

    def page(self, pool: Pool, trace: Trace) -> tuple[list[Candidate], bool]:
        """The page's candidates and whether more remain after them."""
        start = time.perf_counter()
        entries, pins = within_distance(pool.entries, self.max_distance), self.pins
        open_ended = len(entries) < len(pool.entries) and pool.scale is not Scale.DISTANCE  # see passed_over
        if pins is not None:  # the pinned products are placed apart, never chosen a second time
            pinned, ids = pins.entries(pool), pins.ids
            entries = [e for e in entries if e.product.id not in ids]
        parts = {adjuster.kind: adjuster.bonuses(entries) for adjuster in self.adjusters}
        chosen = self.selector.choose(entries, _total(parts))
        items = self._candidates(entries, chosen, parts)
        more = chosen.more or (open_ended and bool(items))  # a fetch the floor cut whole ends the list
        if pins is not None:
            items, more = pins.place(items, [self._candidate(e, {}, 0) for e in pinned], more)
        trace.rank_ms = ms_since(start)
        return items, more

    def passed_over(self, pool: Pool) -> tuple[str, ...]:
        """The ids the floor cut from a list not in distance order (keyword, hybrid, behaviour), which later pages
        skip. Items past the fetched ones may still pass the floor there, so a page that kept some stays open (the
        next may be empty); and without skipping them, the cut ones would fill every later fetch and hide those."""
        if self.max_distance is None or pool.scale is Scale.DISTANCE:
            return ()
        return tuple(e.product.id for e in pool.entries if e.distance is not None and e.distance > self.max_distance)

    def _candidates(self, entries: Sequence[Entry], chosen: Selection, parts: Parts) -> list[Candidate]:
        penalties = chosen.penalties or [0.0] * len(chosen.order)
        return [self._candidate(entries[i], parts, i, penalty=p) for i, p in zip(chosen.order, penalties, strict=True)]

    def _candidate(self, entry: Entry, parts: Parts, i: int, *, penalty: float = 0.0) -> Candidate:
        affinity = _part(parts, Adjustment.AFFINITY, i) + _part(parts, Adjustment.BEHAVIOUR, i)
        rule = _part(parts, Adjustment.RULES, i)
        explanation = Explanation(
            entry.reason,
            vector_distance=entry.distance,
            text_rank=entry.text_rank,
            session_weight=self.session_weight,
            affinity_bonus=affinity,
            diversity_penalty=penalty,
            rule_adjustment=rule,
        )
        distance = 0.0 if entry.distance is None else entry.distance
        return Candidate(entry.product, distance, entry.base - affinity - rule, affinity, explanation)
