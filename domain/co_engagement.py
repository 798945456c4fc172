"""Co-engagement: which products shoppers engage with close together, as weighted links between products.

Writing. Each event links its product p with the products of the user's previous `window` events (the
history, newest first): q at sequence distance d (1 = the event just before) gets a forward link q → p of
weight w/d^a and a backward link p → q of weight b·w/d^a, where w is the event kind's weight (EventPolicy),
a the distance power and b the backward factor: "bought p after q" predicts p from q better than q from p.
Distance counts every event of the history as it happened, dismissals included; a product met twice in the
window is linked once, at its nearest distance (a repeat view says the shopper likes it, not that it pairs
twice as well).
ALSO_VIEWED links any engagement but DISMISS with any earlier such event; BOUGHT_TOGETHER links an
ADD_TO_CART or PURCHASE with earlier ADD_TO_CARTs and PURCHASEs only.

Reading. The neighbour lists of weighted seed products (one product for "related to this one"; a user's
recent products, the newest weighted most, for "recommended for you") are fused: a neighbour c of seed s
scores count(s → c) / total(c)^exponent, total(c) being everything ever linked into c (an exponent above 0
keeps a best-seller seen beside everything from topping every list), and these scores, weighted by the
seed, are summed. A seed is never its own or another seed's neighbour. The defaults (raw counts, no
per-seed scaling, backward 0.15, distance power 0.5, the newest seed weighing 1 and each older one 0.45
times the next) were chosen on the validation target of Amazon Beauty (docs/evaluation.md): dividing by
any power of the total lowered it there.

Decay, by forward decay: an increment made at time t is stored multiplied by growth(t) = 2^((t - L)/H)
(L a fixed landmark, H the half-life) and a count read at `now` is divided by growth(now), which is the
count decayed to `now` without ever rewriting a stored value. Stored values grow by 2 every half-life
after L and a double holds them for about 1000 half-lives: `growth` refuses times past that horizon.
"""

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from domain.events import Event, EventKind

# 2026-01-01T00:00:00Z. Every stored count is scaled relative to it: changing it invalidates them all.
LANDMARK_S = 1_767_225_600.0
MAX_HALF_LIVES = 1000.0  # 2^1000 is still a finite double with room for sums; 2^1024 is not
DEFAULT_WINDOW = 10
DEFAULT_BACKWARD = 0.15
DEFAULT_DISTANCE_POWER = 0.5
DEFAULT_EXPONENT = 0.0
DEFAULT_SEED_DECAY = 0.45
# Neighbours kept per product and relation; at most 128 keeps a sorted set in Redis' compact encoding.
DEFAULT_CAP = 100
DEFAULT_HALF_LIFE_S = 30 * 24 * 3600.0


class Relation(enum.Enum):
    ALSO_VIEWED = "ALSO_VIEWED"
    BOUGHT_TOGETHER = "BOUGHT_TOGETHER"


# The event kinds each relation links; an event links in every relation whose kinds hold its own.
RELATION_KINDS: Mapping[Relation, frozenset[EventKind]] = MappingProxyType(
    {
        Relation.ALSO_VIEWED: frozenset(EventKind) - {EventKind.DISMISS},
        Relation.BOUGHT_TOGETHER: frozenset({EventKind.ADD_TO_CART, EventKind.PURCHASE}),
    }
)


class Link(NamedTuple):  # a tuple: an import makes millions, and a frozen dataclass is slower to build
    source: str  # the product whose neighbour list gains `target`
    target: str
    relation: Relation
    weight: float


@dataclass(frozen=True)
class CoEngagementPolicy:
    """How events link; each is a setting (bootstrap.behaviour_settings)."""

    window: int = DEFAULT_WINDOW  # earlier events of the user an event links with
    backward: float = DEFAULT_BACKWARD  # weight of the backward link relative to the forward one
    distance_power: float = DEFAULT_DISTANCE_POWER  # a link at sequence distance d weighs 1/d^this

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"the co-engagement window must be at least 1, not {self.window}")
        if not 0.0 <= self.backward <= 1.0:
            raise ValueError(f"the backward factor must be between 0 and 1, not {self.backward}")
        if not 0.0 <= self.distance_power <= 2.0:
            raise ValueError(f"the distance power must be between 0 and 2, not {self.distance_power}")


def links(
    event: Event, previous: Sequence[Event], *, weights: Mapping[EventKind, float], policy: CoEngagementPolicy
) -> list[Link]:
    """The links `event` adds, given the user's history before it (newest first)."""
    found: list[Link] = []
    for relation, kinds in RELATION_KINDS.items():
        if event.kind not in kinds:
            continue
        nearest = _nearest(event.product_id, previous[: policy.window], kinds)
        for product_id, distance in nearest.items():
            weight = weights[event.kind] / math.pow(distance, policy.distance_power)
            found.extend(_pair(event.product_id, product_id, relation, weight, policy))
    return found


def _nearest(product_id: str, window: Sequence[Event], kinds: frozenset[EventKind]) -> dict[str, int]:
    """Each other product of the window with an event of `kinds`, at its smallest distance."""
    nearest: dict[str, int] = {}
    for distance, earlier in enumerate(window, start=1):
        if earlier.kind in kinds and earlier.product_id != product_id:
            nearest.setdefault(earlier.product_id, distance)
    return nearest


def _pair(later: str, earlier: str, relation: Relation, weight: float, policy: CoEngagementPolicy) -> list[Link]:
    forward = Link(earlier, later, relation, weight)
    if policy.backward == 0.0:
        return [forward]
    return [forward, Link(later, earlier, relation, weight * policy.backward)]


def incoming(links: Sequence[Link]) -> dict[tuple[Relation, str], float]:
    """What the links add to each target's total, per relation and target."""
    totals: dict[tuple[Relation, str], float] = {}
    for link in links:
        key = (link.relation, link.target)
        totals[key] = totals.get(key, 0.0) + link.weight
    return totals


def growth(at: float, half_life_s: float) -> float:
    """The forward-decay factor of time `at` (module docstring)."""
    half_lives = (at - LANDMARK_S) / half_life_s
    if half_lives > MAX_HALF_LIVES:
        raise ValueError(f"co-engagement counts cannot be kept past {MAX_HALF_LIVES:g} half-lives after the landmark")
    return math.pow(2.0, half_lives)


def fuse(
    seeds: Mapping[str, float],
    lists: Mapping[str, Sequence[tuple[str, float]]],
    totals: Mapping[str, float],
    *,
    exponent: float,
    n: int,
) -> list[tuple[str, float]]:
    """The n best neighbours of the seeds (module docstring), best first; `lists` holds each seed's neighbours
    with their counts, `totals` each neighbour's total (a missing total counts as the neighbour's own count;
    with exponent 0 no total is needed)."""
    fused: dict[str, float] = {}
    for seed, weight in seeds.items():
        if weight <= 0.0:
            continue
        for product_id, score in _normalised(lists.get(seed, ()), totals, exponent=exponent, seeds=seeds).items():
            fused[product_id] = fused.get(product_id, 0.0) + weight * score
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))[: max(n, 0)]


def _normalised(
    neighbours: Sequence[tuple[str, float]], totals: Mapping[str, float], *, exponent: float, seeds: Mapping[str, float]
) -> dict[str, float]:
    return {
        product_id: count if exponent == 0.0 else count / math.pow(max(totals.get(product_id, 0.0), count), exponent)
        for product_id, count in neighbours
        if count > 0.0 and product_id not in seeds
    }


def recent_seeds(
    history: Sequence[Event], *, relation: Relation, limit: int = DEFAULT_WINDOW, decay: float = DEFAULT_SEED_DECAY
) -> dict[str, float]:
    """The seeds of "recommended for you": the user's `limit` latest distinct products with an event of the
    relation's kinds (history newest first), the newest weighted 1 and each older one `decay` times less."""
    kinds = RELATION_KINDS[relation]
    recent = list(dict.fromkeys(e.product_id for e in history if e.kind in kinds))[:limit]
    return {product_id: math.pow(decay, rank) for rank, product_id in enumerate(recent)}
