"""What the core needs from the outside world. Adapters implement these; tests use working fakes."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from domain.attribution import Conversion, PageClaim, ServedPage
from domain.co_engagement import Link, Relation
from domain.events import Event, UserSnapshot
from domain.experiments import VariantCounts
from domain.filters import ProductFilter
from domain.models import IndexInfo, Product, UserFeatures, Vector
from domain.pipeline.pager import PageState
from domain.scenarios import Scenario
from domain.trending import Engagement


@dataclass(frozen=True)
class SearchResult:
    # (product, cosine distance) nearest first for vector searches; (product, the search's own score, best
    # first) for the others (BM25 score, rating)
    hits: list[tuple[Product, float]]
    filter_clause: str  # the pre-filter as the store ran it, for display and debugging
    vectors: list[Vector] = field(default_factory=list)  # each hit's stored vector, when asked for


class Embedder(Protocol):
    @property
    def model_name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        """Unit-length vectors, one per text, in order."""
        ...


class ProductIndex(Protocol):
    @property
    def name(self) -> str: ...

    async def search(
        self,
        vector: Vector,
        filters: ProductFilter,
        k: int,
        ef_runtime: int | None = None,
        with_vectors: bool = False,
    ) -> SearchResult:
        """The k nearest products passing `filters`; `ef_runtime` tunes an approximate index for this
        search only (an exact index ignores it); `with_vectors` returns their vectors in the same reply."""
        ...

    async def keyword_search(self, words: Sequence[str], filters: ProductFilter, k: int) -> SearchResult:
        """The k best BM25 matches in name or description, with their vectors: among the products holding
        every one of `words` when at least k do, else among those holding any."""
        ...

    async def top_rated(self, filters: ProductFilter, k: int) -> SearchResult:
        """The k highest-rated products passing `filters` (no vector search), with their vectors."""
        ...

    async def among(self, product_ids: Sequence[str], filters: ProductFilter) -> SearchResult:
        """Those of these products that pass `filters`, in any order, with their vectors."""
        ...

    async def distances(self, product_ids: Sequence[str], filters: ProductFilter, vector: Vector) -> dict[str, float]:
        """Those of `product_ids` that pass `filters`, each with its cosine distance to `vector` (no product read)."""
        ...

    def describe(self, filters: ProductFilter) -> str:
        """The pre-filter as this store would run it (as in a SearchResult), without searching."""
        ...

    async def get(self, product_id: str) -> Product | None: ...

    async def get_vector(self, product_id: str) -> tuple[Product, Vector] | None: ...

    async def set_vector(self, product_id: str, vector: Vector) -> bool:
        """Replace an existing product's vector; False (and no write) when the product does not exist."""
        ...

    async def upsert(self, items: Sequence[tuple[Product, Vector]]) -> int: ...

    async def get_many(self, product_ids: Sequence[str]) -> list[tuple[Product, Vector] | None]:
        """Each product with its vector, in order; None where there is none."""
        ...

    async def replace_existing(self, items: Sequence[tuple[Product, Vector]]) -> list[str]:
        """Write each product that still exists (none is created); the ids written."""
        ...

    async def delete(self, product_ids: Sequence[str]) -> list[str]:
        """Delete these products; the ids that existed."""
        ...

    async def exists(self) -> bool: ...

    async def ensure(self) -> None:
        """Create the index if it is missing, keeping whatever documents exist."""
        ...

    async def recreate(self) -> None:
        """Drop the index and its documents, then create it empty."""
        ...

    async def list_products(self, limit: int) -> list[Product]: ...

    async def categories(self) -> list[str]: ...

    async def brands(self) -> list[str]: ...

    async def info(self) -> IndexInfo: ...


class UserFeatureStore(Protocol):
    async def get(self, user_id: str) -> UserFeatures: ...

    async def record(
        self,
        events: Sequence[Event],
        user_id: str,
        change: Callable[[UserFeatures, Event], UserFeatures],
        *,
        seen: UserSnapshot | None = None,
    ) -> UserFeatures:
        """Apply `change` for each of `events` (oldest first, at least one) in turn and put them first in the
        user's history, in one atomic write: concurrent events of one user never lose each other's effect. Each
        change after the first starts from the features as the store would read them back, so n events at once
        leave what n writes of one leave. Refreshes the user's idle expiry. `seen`: the user as read just before
        (`snapshot`); the first attempt changes it instead of reading again; a write that landed since is found
        by its version and redone on the newer state."""
        ...

    async def snapshot(self, user_id: str, limit: int) -> UserSnapshot:
        """Features, the latest `limit` events and the version at one instant, in one read: what an event's write
        and a request of a user with a history need."""
        ...

    async def history(self, user_id: str, limit: int) -> list[Event]:
        """The user's latest events, newest first (at most domain.events.HISTORY_LENGTH are kept)."""
        ...

    async def delete(self, user_id: str) -> None: ...


class PopularityStore(Protocol):
    """Decaying engagement counts per product, kept outside the product hashes (writing those re-indexes)."""

    async def add_many(self, counts: Sequence[tuple[str, float, float]]) -> None:
        """(product id, weight, time) counts, added in order: many events at once end exactly as one at a time."""
        ...

    async def top(self, now: float, n: int) -> list[tuple[str, float]]:
        """At most n (product id, decayed count), highest first."""
        ...

    async def engagement(self, now: float, n: int, *, recent_hours: int, baseline_days: int) -> list[Engagement]:
        """The n products most engaged with over the last `recent_hours` whole UTC hours (the current one
        included), most first, each with that engagement and its engagement over the `baseline_days` whole
        UTC days before the current one (domain.trending); ValueError when the store keeps less than that."""
        ...


class CoEngagementStore(Protocol):
    """Per product and relation, a bounded, decaying list of the products engaged with close to it."""

    async def add_many(self, events: Sequence[tuple[Sequence[Link], float]]) -> None:
        """Each event's links (domain.co_engagement.links) with its time, added in order, each list trimmed to its
        cap after each event: many events at once end exactly as one at a time."""
        ...

    async def neighbours(
        self, seeds: Mapping[str, float], relation: Relation, n: int, now: float
    ) -> list[tuple[str, float]]:
        """At most n (product id, fused score) of the weighted seeds' neighbours, best first, seeds left out
        (domain.co_engagement.fuse)."""
        ...


class ScenarioStore(Protocol):
    """Named scenarios: saved, read and listed in the store; served from a copy in memory that the store keeps
    current, so that serving a request costs no read when nothing changed."""

    def serving(self, name: str) -> Scenario | None:
        """The scenario as the last change left it (no I/O); None when there is none of that name."""
        ...

    async def get(self, name: str) -> Scenario | None: ...

    async def list(self) -> list[Scenario]:
        """Every scenario, by name."""
        ...

    async def save(self, scenario: Scenario) -> None:
        """Create or replace; every instance serves it from its next request on."""
        ...

    async def delete(self, name: str) -> bool:
        """False when there was none of that name."""
        ...


class CatalogSource(Protocol):
    def load(self) -> list[tuple[Product, Vector]]:
        """Every product with its stored vector; raises CatalogError naming the bad product and field."""
        ...


class CursorCodec(Protocol):
    """Page states as opaque cursors, for the API (the domain takes and returns the states themselves)."""

    def encode(self, state: PageState) -> str: ...

    def decode(self, cursor: str) -> PageState:
        """The state a cursor of this server carries; InvalidInput("after") for anything else."""
        ...


class RecommendationIds(Protocol):
    """Served pages as opaque, signed ids (the API hands them out; events bring them back)."""

    def issue(self, page: ServedPage) -> str: ...

    def claim(self, recommendation_id: str, product_id: str) -> PageClaim | None:
        """The page's claim to have served this product; None when the id is not one of ours, was altered,
        or the product was not on that page."""
        ...


class ExperimentCounters(Protocol):
    """Per-hour counts of each scenario's variants: pages, items shown, attributed events, revenue."""

    async def count_page(self, scenario: str, variant: str, items: int, at: float) -> None: ...

    async def count_conversion(self, conversion: Conversion, keep_s: float) -> bool:
        """Count it unless this (page, product, kind) was counted before; True when it was counted now.
        The first count and its dedupe mark are one atomic write; the mark is kept `keep_s` after the event."""
        ...

    async def totals(self, scenario: str, hours: Sequence[int]) -> dict[str, VariantCounts]:
        """Each variant's counts summed over these hours (hours since the epoch)."""
        ...


class ScenarioNames(Protocol):
    """Which scenarios are configured now (the scenario store)."""

    async def exists(self, name: str) -> bool: ...
