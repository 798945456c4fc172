"""What the stages pass each other: a retrieval request, candidate entries, pools, and the request's trace."""

import enum
import time
from dataclasses import dataclass, field
from typing import Protocol

from domain.filters import ProductFilter
from domain.models import Product, Reason, Strategy, Timings, Vector


def distance(value: float) -> float:
    # Cosine distance of unit vectors is 0..2; float noise can put an exact match a hair below 0.
    return min(max(value, 0.0), 2.0)


class Scale(enum.Enum):
    """What an entry's `base` measures (lower is better on every scale)."""

    DISTANCE = "distance"  # the cosine distance to the search vector
    RANK = "rank"  # minus a fused reciprocal-rank score (keyword and hybrid)
    ENGAGEMENT = "engagement"  # minus the decayed engagement, or minus the rating
    BEHAVIOUR = "behaviour"  # minus the scaled co-engagement score, or its fusion with the session cosine


@dataclass(frozen=True, slots=True)
class Entry:
    product: Product
    base: float  # the score before adjusters, on the pool's scale
    reason: Reason
    distance: float | None = None  # to the search vector; None when none was compared
    vector: Vector | None = None
    text_rank: int | None = None  # 1-based rank in a keyword list
    # 0 for a pool's own entries; a top-up's entries (scored on their own source's scale) come one tier later,
    # and adjusters reorder entries within a tier only.
    tier: int = 0


@dataclass(frozen=True, slots=True)
class Pool:
    entries: list[Entry]  # best first
    clause: str  # the pre-filter as the store ran it
    strategy: Strategy
    scale: Scale = Scale.DISTANCE


@dataclass(frozen=True, slots=True)
class Retrieval:
    """What a source is asked for: at most `n` candidates passing `filters`."""

    filters: ProductFilter
    n: int
    vector: Vector | None = None  # the search vector, when there is one
    words: tuple[str, ...] = ()  # the query's keywords
    ef_runtime: int | None = None
    with_vectors: bool = False  # the entries' vectors (diversity needs them)
    now: float = 0.0  # seconds since the epoch
    # Whom and what the request is about, for sources that read behaviour rather than vectors.
    user_id: str | None = None
    product_id: str | None = None  # the product of an item-to-item request
    # The products co-engagement starts from, with their weights (the product itself, or the user's recent ones),
    # and the weight of behaviour against the session in a fused source.
    seeds: tuple[tuple[str, float], ...] = ()
    behaviour_weight: float = 0.0


class Source(Protocol):
    async def retrieve(self, ask: Retrieval) -> Pool | None:
        """Candidates best first; None when this source has nothing for the request (a chain tries the next)."""
        ...


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


@dataclass(slots=True)
class Trace:
    """How long each stage of one request took, filled in by the stages as they run."""

    start: float = field(default_factory=time.perf_counter)
    embed_ms: float = 0.0
    search_ms: float = 0.0
    rank_ms: float = 0.0

    def timings(self) -> Timings:
        return Timings(self.embed_ms, self.search_ms, self.rank_ms, ms_since(self.start))


async def retrieve(source: Source, ask: Retrieval, trace: Trace) -> Pool:
    """The source's pool, timed; every use case ends its sources with one that always answers."""
    start = time.perf_counter()
    pool = await source.retrieve(ask)
    trace.search_ms = ms_since(start)
    if pool is None:
        raise LookupError("no source answered: a fallback chain must end with one that always does")
    return pool
