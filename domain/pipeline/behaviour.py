"""What shoppers do, as a source: the co-engagement neighbours of the request's seed products (the product
itself for related products, the user's recent products for "recommended for you"), filtered and excluded inside
the index exactly like KNN candidates (one search over their ids plus the filter clause), so a deleted or
out-of-stock product never comes back through a neighbour list. Also the bonus they give a query's candidates.

A neighbour's behaviour score b is its fused co-engagement score (domain.co_engagement.fuse) divided by the best
neighbour's, before filtering: a later page, which filters out the served ids, scores the rest the same. For a
user's "recommended for you" the divisor is at least a floor (a fused count): a user whose recent products were bought
beside others only once or twice has weak evidence, and max-scaling alone would give its best neighbour the
full b = 1 that a neighbour bought beside them a hundred times gets.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from domain.co_engagement import Relation, recent_seeds
from domain.events import Event
from domain.filters import BlendSettings
from domain.models import Product, Reason, Strategy, Vector
from domain.pipeline.ranking import Adjustment
from domain.pipeline.sources import stored_vector
from domain.pipeline.stages import Entry, Pool, Retrieval, Scale, distance
from domain.ports import CoEngagementStore, ProductIndex

# The fewest ids a page's first search among the neighbours asks for (Behaviour.retrieve).
FIRST_READ = 20
DEPTH = 100  # neighbours read per request before filtering (the `behaviour_depth` setting's default)
REASONS = {Relation.ALSO_VIEWED: Reason.ALSO_VIEWED, Relation.BOUGHT_TOGETHER: Reason.BOUGHT_TOGETHER}


@dataclass(frozen=True)
class BehaviourWeights:
    """How much behaviour counts, and how it is read; every field is a setting (bootstrap.behaviour_settings)."""

    weight: float = 1.0  # w_b: the behaviour score's weight, the default of blend.behaviour_weight
    session_weight: float = 0.65  # w_s: the session cosine's weight in "recommended for you"
    query_bonus: float = 0.05  # with a query: a neighbour's distance is lowered by w_b · b · this
    seeds: int = 10  # the user's latest distinct products co-engagement starts from
    seed_decay: float = 0.45  # each older seed weighs this much of the one after it
    depth: int = DEPTH  # neighbours read before filtering
    floor: float = 16.0  # in "recommended for you", b divides by the larger of this and the best fused count


def max_scaled(neighbours: Sequence[tuple[str, float]], *, floor: float = 0.0) -> dict[str, float]:
    """Each neighbour's score divided by the best one's, or by `floor` when the best is lower: b in (0, 1]."""
    divisor = max(max((score for _, score in neighbours), default=0.0), floor)
    return {} if divisor <= 0.0 else {pid: score / divisor for pid, score in neighbours if score > 0.0}


def _distance(vector: Vector | None, target: Vector | None) -> float | None:
    return None if vector is None or target is None else distance(1.0 - float(np.dot(vector, target)))


@dataclass(frozen=True, slots=True)
class Behaviour:
    """The seeds' neighbours in one relation that pass the filters, scored by minus b, best first; declines when
    the request has no seeds. Without a co-engagement store every list is empty."""

    index: ProductIndex
    store: CoEngagementStore | None
    relation: Relation
    strategy: Strategy
    depth: int = DEPTH
    first_read: int = FIRST_READ
    floor: float = 0.0  # b's least divisor (module docstring)

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        """The best n that pass, asked for in order of b: the best max(2n, first_read) ids first, the rest only
        when fewer than n of those pass. Exact, as every id not asked for scores below every id that was; a
        list of hundreds then costs a search among a few dozen ids, where filtering all of them costs one
        document each (ids, fields and vector) for candidates the page never shows."""
        if not ask.seeds:
            return None
        scores = await self._scores(ask)
        ranked = sorted(scores, key=lambda pid: (-scores[pid], pid))
        first = max(2 * ask.n, self.first_read)
        entries, clause = await self._passing(ranked[:first], scores, ask)
        if len(entries) < ask.n and len(ranked) > first:
            entries, clause = await self._passing(ranked[first:], scores, ask, before=entries)
        return Pool(entries[: ask.n], clause, self.strategy, Scale.BEHAVIOUR)

    async def near(self, ask: Retrieval) -> tuple[dict[str, float], dict[str, float]]:
        """Every neighbour's b, and the distance to `ask.vector` of those that pass the filters: computed in the
        index, so no neighbour's fields or vector are read before it is chosen (`entries` reads those)."""
        scores = await self._scores(ask)
        if not scores or ask.vector is None:
            return scores, {}
        return scores, await self.index.distances(list(scores), ask.filters, ask.vector)

    async def entries(self, ids: list[str], scores: Mapping[str, float], ask: Retrieval) -> list[Entry]:
        """Those of `ids` that pass the filters, with their fields and vectors, best first."""
        return (await self._passing(ids, scores, ask))[0]

    async def _passing(
        self, ids: list[str], scores: Mapping[str, float], ask: Retrieval, *, before: Sequence[Entry] = ()
    ) -> tuple[list[Entry], str]:
        """`before` and those of `ids` that pass the filters, best first, with the clause the index ran."""
        if not ids:
            return list(before), self.index.describe(ask.filters)
        found = await self.index.among(ids, ask.filters)
        entries = [self._entry(p, scores[p.id], stored_vector(found, i), ask) for i, (p, _) in enumerate(found.hits)]
        entries = [*before, *entries]
        entries.sort(key=lambda e: (e.base, e.product.id))
        return entries, found.filter_clause

    async def _scores(self, ask: Retrieval) -> dict[str, float]:
        if self.store is None:
            return {}
        neighbours = await self.store.neighbours(dict(ask.seeds), self.relation, self.depth, ask.now)
        return max_scaled(neighbours, floor=self.floor)

    def _entry(self, product: Product, b: float, vector: Vector | None, ask: Retrieval) -> Entry:
        return Entry(product, -b, REASONS[self.relation], _distance(vector, ask.vector), vector)


@dataclass(frozen=True, slots=True)
class BehaviourBonus:
    """An adjuster: a query's candidates among the neighbours of the user's recent products gain factor · b."""

    scores: Mapping[str, float]
    factor: float

    @property
    def kind(self) -> Adjustment:
        return Adjustment.BEHAVIOUR

    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        return [self.factor * self.scores.get(e.product.id, 0.0) for e in entries]


@dataclass(frozen=True)
class UserBehaviour:
    """What a user's history brings a recommendation: the seeds, the weight asked for, a query's bonus."""

    store: CoEngagementStore
    weights: BehaviourWeights

    def weight(self, blend: BlendSettings) -> float:
        """blend.behaviour_weight, else the setting; 0 when blending is off (anonymous callers included)."""
        if not blend.enabled:
            return 0.0
        return self.weights.weight if blend.behaviour_weight is None else blend.behaviour_weight

    def seeds(self, history: Sequence[Event]) -> tuple[tuple[str, float], ...]:
        limit, decay = self.weights.seeds, self.weights.seed_decay
        return tuple(recent_seeds(history, relation=Relation.ALSO_VIEWED, limit=limit, decay=decay).items())

    async def bonus(self, ask: Retrieval) -> BehaviourBonus | None:
        """None without seeds (no history: nothing is read) or without a weight."""
        factor = ask.behaviour_weight * self.weights.query_bonus
        if not ask.seeds or factor <= 0.0:
            return None
        neighbours = await self.store.neighbours(dict(ask.seeds), Relation.ALSO_VIEWED, self.weights.depth, ask.now)
        scores = max_scaled(neighbours)  # the floor was chosen for the fusion, not for this bonus
        return BehaviourBonus(scores, factor) if scores else None
