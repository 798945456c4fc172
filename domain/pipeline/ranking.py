"""From a pool to a page: the relevance floor, the adjusters' bonuses, a selector, and each item's explanation."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.models import Candidate, Explanation
from domain.pipeline.selectors import Selection, within_distance
from domain.pipeline.stages import Entry, Pool, Trace, ms_since


class Adjuster(Protocol):
    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        """A bonus per entry, subtracted from its score."""
        ...


class Selector(Protocol):
    def choose(self, entries: Sequence[Entry], bonus: Sequence[float] | None) -> Selection: ...


@dataclass(frozen=True, slots=True)
class Ranking:
    selector: Selector
    adjuster: Adjuster | None = None  # None: the pool's own order and scores
    max_distance: float | None = None
    session_weight: float = 0.0  # share of the session in the search vector, for the explanations

    def page(self, pool: Pool, trace: Trace) -> tuple[list[Candidate], bool]:
        """The page's candidates and whether more remain after them."""
        start = time.perf_counter()
        entries = within_distance(pool.entries, self.max_distance)
        bonus = None if self.adjuster is None else self.adjuster.bonuses(entries)
        chosen = self.selector.choose(entries, bonus)
        order, bonuses = chosen.order, bonus or [0.0] * len(entries)
        penalties = chosen.penalties or [0.0] * len(order)
        items = [
            self._candidate(entries[i], bonus=bonuses[i], penalty=p) for i, p in zip(order, penalties, strict=True)
        ]
        trace.rank_ms = ms_since(start)
        return items, chosen.more

    def _candidate(self, entry: Entry, *, bonus: float, penalty: float) -> Candidate:
        explanation = Explanation(entry.reason, entry.distance, entry.text_rank, self.session_weight, bonus, penalty)
        distance = 0.0 if entry.distance is None else entry.distance
        return Candidate(entry.product, distance, entry.base - bonus, bonus, explanation)
