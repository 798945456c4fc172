"""Merchandising rules (domain.rules) as pipeline stages: HIDE as hidden filters of the search itself, BOOST and
BURY as an adjuster of the final score, PIN as a selector stage (domain.pipeline.pins). A rule outside its active
window does nothing; a request without rules runs none of this.

Contradictions: a product both hidden and pinned is hidden (the pins are looked up with the hiding filters); a
product both boosted and buried moves by the signed sum of the weights (BOOST 0.3 and BURY 0.1: up by 0.2).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from domain.filter_match import admits
from domain.filters import ProductFilter
from domain.models import Product, Reason, Vector
from domain.pipeline.pins import Pins, slots
from domain.pipeline.ranking import Adjustment
from domain.pipeline.sources import stored_vector
from domain.pipeline.stages import Entry, Pool, Retrieval, Source, Trace, distance, retrieve
from domain.ports import ProductIndex
from domain.rules import Rule, RuleAction

_SIGN = {RuleAction.BOOST: 1.0, RuleAction.BURY: -1.0}


def applies(rule: Rule, product: Product) -> bool:
    """The rule names the product, or its filter admits it."""
    return product.id in rule.product_ids or (rule.match is not None and admits(rule.match, product))


def hiding(filters: ProductFilter, rules: Sequence[Rule], now: float) -> ProductFilter:
    """The filters, also excluding what the active HIDE rules list and hiding what their filters match."""
    hides = [rule for rule in rules if rule.action is RuleAction.HIDE and rule.active_at(now)]
    if not hides:
        return filters
    ids = (*filters.excluded_ids, *(product_id for rule in hides for product_id in rule.product_ids))
    hidden = (*filters.hidden, *(rule.match for rule in hides if rule.match is not None))
    return replace(filters, excluded_ids=ids, hidden=hidden)


@dataclass(frozen=True, slots=True)
class RuleBoost:
    """Per product, the weights of the BOOST rules that apply to it minus those of the BURY rules: subtracted from
    its score, in the units of the pool's scale (a distance pool: BOOST 0.1 makes distance 0.42 rank as 0.32)."""

    rules: tuple[Rule, ...]  # active BOOST and BURY rules with a weight

    @property
    def kind(self) -> Adjustment:
        return Adjustment.RULES

    def bonuses(self, entries: Sequence[Entry]) -> list[float]:
        return [self.adjustment(entry.product) for entry in entries]

    def adjustment(self, product: Product) -> float:
        return sum(_SIGN[rule.action] * (rule.weight or 0.0) for rule in self.rules if applies(rule, product))


def rule_boost(rules: Sequence[Rule], now: float) -> RuleBoost | None:
    moving = tuple(rule for rule in rules if rule.action in _SIGN and rule.weight and rule.active_at(now))
    return RuleBoost(moving) if moving else None


def pins_wanted(rules: Sequence[Rule], now: float) -> list[tuple[int, str]]:
    """(position, product id) of each product the active PIN rules list, in rule order."""
    pins = [rule for rule in rules if rule.action is RuleAction.PIN and rule.position and rule.active_at(now)]
    return [(rule.position, product_id) for rule in pins if rule.position for product_id in rule.product_ids]


def _entry(product: Product, stored: Vector | None, vector: Vector | None) -> Entry:
    near = None if stored is None or vector is None else distance(1.0 - float(np.dot(stored, vector)))
    return Entry(product, 0.0, Reason.PINNED, near, stored)


@dataclass(frozen=True, slots=True)
class PinLookup:
    """The pinned products that pass the request's filters (so never a hidden, excluded or served one)."""

    index: ProductIndex

    async def pins(self, wanted: list[tuple[int, str]], ask: Retrieval, *, k: int) -> Pins | None:
        found = await self.index.among(list(dict.fromkeys(product_id for _, product_id in wanted)), ask.filters)
        passing = {p.id: _entry(p, stored_vector(found, i), ask.vector) for i, (p, _) in enumerate(found.hits)}
        placed = slots([(position, pid) for position, pid in wanted if pid in passing], k)
        return Pins(k, tuple((slot, passing[pid]) for slot, pid in placed)) if placed else None

    async def retrieve(
        self, source: Source, ask: Retrieval, trace: Trace, *, rules: Sequence[Rule], k: int
    ) -> tuple[Pool, Pins | None]:
        """The source's pool and, looked up meanwhile, the pins of the active PIN rules (none: no lookup)."""
        wanted = pins_wanted(rules, ask.now)
        if not wanted:
            return await retrieve(source, ask, trace), None
        pool, pins = await asyncio.gather(retrieve(source, ask, trace), self.pins(wanted, ask, k=k))
        return pool, pins
