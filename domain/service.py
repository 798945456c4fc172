"""Use cases. Each takes plain values, talks to the ports and returns domain objects."""

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from domain import catalog_updates
from domain.attributing import Attribution, ServedPages
from domain.attribution import DEFAULT_WINDOW_S
from domain.catalog_updates import ProductsDeleted, ProductsUpdated, ProductsUpserted
from domain.co_engagement import CoEngagementPolicy
from domain.errors import InvalidInput, ProductNotFound
from domain.events import HISTORY_LENGTH, Event, EventKind, EventPolicy
from domain.experiments import ScenarioStats
from domain.filters import RecommendRequest, SimilarRequest
from domain.models import IndexInfo, Product, Recommendations, UserFeatures, Vector
from domain.pipeline.behaviour import BehaviourWeights, UserBehaviour
from domain.pipeline.pager import DEFAULT_CURSOR_TTL_S, Pager
from domain.pipeline.rules import PinLookup
from domain.pipeline.sources import similar_product_knn
from domain.pipeline.user_reads import UserReads
from domain.ports import (
    CatalogSource,
    CoEngagementStore,
    Embedder,
    ExperimentCounters,
    PopularityStore,
    ProductIndex,
    RecommendationIds,
    ScenarioNames,
    ScenarioStore,
    UserFeatureStore,
)
from domain.recommend import Recommend, RecommendSources, recommend_sources
from domain.recording import RecordEvent
from domain.related import RelatedProducts, RelatedRequest, related_sources
from domain.scenario_stats import DEFAULT_KEEP_DAYS, ScenarioStatsQuery
from domain.scenario_validation import check_name, check_scenario
from domain.scenarios import NO_SCENARIO, Scenario, Served
from domain.session import decay_to
from domain.similar import SimilarProducts
from domain.trending import FacetField, FacetTrend, TrendPolicy
from domain.trending_facets import TrendingFacets
from domain.validation import check_id, check_text

MAX_REFRESH_TEXT_CHARS = 2048
MAX_LIST_LIMIT = 1000


@dataclass(frozen=True)
class IndexStatus:
    info: IndexInfo
    model: str
    dim: int


@dataclass(frozen=True)
class IndexReset:
    index_name: str
    seeded: int


@dataclass(frozen=True)
class EmbeddingRefreshed:
    product_id: str
    embed_ms: float


@dataclass
class RecommenderService:
    embedder: Embedder
    index: ProductIndex
    users: UserFeatureStore
    catalog: CatalogSource
    policy: EventPolicy = field(default_factory=EventPolicy)
    clock: Callable[[], float] = time.time  # seconds since the epoch: event times and affinity decay
    popularity: PopularityStore | None = None  # None: no engagement counts (no-text requests get TOP_RATED)
    cursor_ttl_s: float = DEFAULT_CURSOR_TTL_S  # how long a page's state may be continued
    co_engagement: CoEngagementStore | None = None  # None: events link no products
    co_engagement_policy: CoEngagementPolicy = field(default_factory=CoEngagementPolicy)
    trend_policy: TrendPolicy = field(default_factory=TrendPolicy)
    behaviour: BehaviourWeights = field(default_factory=BehaviourWeights)  # how co-engagement is read and weighed
    # Experiments: None ids means pages carry no id and no event is attributed (services built without a secret).
    ids: RecommendationIds | None = None
    experiments: ExperimentCounters | None = None  # None: nothing is counted (scenarioStats reads zeros)
    scenario_names: ScenarioNames | None = None  # None: a scenario named by one of our ids counts as configured
    attribution_window_s: float = DEFAULT_WINDOW_S
    experiment_days: int = DEFAULT_KEEP_DAYS  # how long the hour buckets are kept
    scenarios: ScenarioStore | None = None  # None: no scenarios (a request naming one is refused)

    # The use cases, composed from the ports in __post_init__ (bound as attributes: no extra call per request).
    recommend: Callable[[RecommendRequest], Awaitable[Recommendations]] = field(init=False, repr=False)
    similar_products: Callable[[SimilarRequest], Awaitable[Recommendations]] = field(init=False, repr=False)
    trending_facets: Callable[[FacetField, int], Awaitable[list[FacetTrend]]] = field(init=False, repr=False)
    related_products: Callable[[RelatedRequest], Awaitable[Recommendations]] = field(init=False, repr=False)
    record_event_from: RecordEvent = field(init=False, repr=False)  # recordEvent, with its page (attribution)
    sources: RecommendSources = field(init=False, repr=False)

    def __post_init__(self) -> None:
        reads = UserReads(self.users, self.clock, self.policy.half_life_s)
        pager = Pager(self.cursor_ttl_s)
        store, weights = self.co_engagement, self.behaviour
        self.sources = sources = recommend_sources(self.index, self.popularity, store, weights)
        behaviour = None if store is None else UserBehaviour(store, weights)
        pins = PinLookup(self.index)
        self.recommend = self._served(Recommend(self.embedder, reads, sources, pager, pins=pins, behaviour=behaviour))
        similar = SimilarProducts(self.index, reads, similar_product_knn(self.index), pager, pins=pins)
        self.similar_products = self._served(similar)
        self.trending_facets = TrendingFacets(self.index, self.popularity, self.clock, self.trend_policy)
        related = related_sources(self.index, store, depth=weights.depth)
        self.related_products = self._served(RelatedProducts(self.index, reads, related, pager, pins=pins))
        self.record_event_from = RecordEvent(
            self.index,
            self.users,
            self.policy,
            self.clock,
            popularity=self.popularity,
            co_engagement=store,
            co_engagement_policy=self.co_engagement_policy,
            attribution=self._attribution(),
        )

    def _attribution(self) -> Attribution | None:
        if self.ids is None or self.experiments is None:
            return None
        return Attribution(self.ids, self.experiments, self.attribution_window_s, self.scenario_names)

    def _served(self, use_case: Callable[..., Awaitable[Recommendations]]) -> Callable[..., Awaitable[Recommendations]]:
        """Sign each page's id and count scenario pages; as it is without ids. Wraps the outermost stage:
        the page's scenario and variant must be set when it runs."""
        if self.ids is None:
            return use_case
        return ServedPages(use_case, self.ids, self.experiments, self.clock)

    async def record_click(self, user_id: str, product_id: str) -> UserFeatures:
        return await self.record_event(user_id, product_id, EventKind.CLICK)

    async def record_event(
        self, user_id: str, product_id: str, kind: EventKind, *, at: float | None = None
    ) -> UserFeatures:
        """`at` (seconds since the epoch, default now) dates an event that happened earlier."""
        return (await self.record_event_from(user_id, product_id, kind, at=at)).features

    async def scenario_stats(self, name: str, start: float | None, end: float | None) -> ScenarioStats:
        """A scenario's counts between `start` and `end` (seconds since the epoch; see stats_hours)."""
        return await ScenarioStatsQuery(self.experiments, self.clock, self.experiment_days)(name, start, end)

    async def user_features(self, user_id: str) -> UserFeatures:
        return self._decayed(await self.users.get(check_id("user_id", user_id)))

    async def recent_events(self, user_id: str, limit: int) -> list[tuple[Event, Product | None]]:
        """The user's latest events with their products (None for a product deleted since)."""
        if not 1 <= limit <= HISTORY_LENGTH:
            raise InvalidInput("limit", f"must be between 1 and {HISTORY_LENGTH}, got {limit}")
        events = await self.users.history(check_id("user_id", user_id), limit)
        found = await self.index.get_many(list(dict.fromkeys(e.product_id for e in events)))
        products = {pair[0].id: pair[0] for pair in found if pair is not None}
        return [(event, products.get(event.product_id)) for event in events]

    async def reset_user(self, user_id: str) -> None:
        await self.users.delete(check_id("user_id", user_id))

    async def refresh_embedding(self, product_id: str, text: str) -> EmbeddingRefreshed:
        check_id("product_id", product_id)
        text = check_text("text", text, MAX_REFRESH_TEXT_CHARS)
        vector, embed_ms = await self._embed_one(text)
        if not await self.index.set_vector(product_id, vector):
            raise ProductNotFound(product_id)
        return EmbeddingRefreshed(product_id, embed_ms)

    async def reset_index(self) -> IndexReset:
        items = self.catalog.load()  # parsed before anything is dropped: a bad file changes nothing
        await self.index.recreate()
        return IndexReset(self.index.name, await self.index.upsert(items))

    async def index_status(self) -> IndexStatus:
        return IndexStatus(await self.index.info(), self.embedder.model_name, self.embedder.dim)

    async def list_products(self, limit: int) -> list[Product]:
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIST_LIMIT}, got {limit}")
        return await self.index.list_products(limit)

    async def categories(self) -> list[str]:
        return await self.index.categories()

    async def brands(self) -> list[str]:
        return await self.index.brands()

    async def upsert_products(self, items: Sequence[Mapping[str, object]]) -> ProductsUpserted:
        return await catalog_updates.upsert_products(self.index, self.embedder, items)

    async def update_products(self, patches: Sequence[Mapping[str, object]]) -> ProductsUpdated:
        return await catalog_updates.update_products(self.index, self.embedder, patches)

    async def delete_products(self, ids: Sequence[object]) -> ProductsDeleted:
        return await catalog_updates.delete_products(self.index, ids)

    def served_by(self, scenario: str | None, user_id: str) -> Served:
        """What serves a request naming `scenario` (None: none) for this user; no I/O."""
        if scenario is None:
            return NO_SCENARIO
        found = None if self.scenarios is None else self.scenarios.serving(scenario)
        if found is None:
            raise InvalidInput("scenario", f"no scenario named {scenario!r}")
        return found.serving(user_id)

    async def upsert_scenario(self, scenario: Scenario) -> Scenario:
        """Checked whole, then saved with its time; nothing is saved when any part is bad."""
        store = self._scenario_store()
        saved = replace(check_scenario(scenario, self.sources.kinds), updated_at=self.clock())
        await store.save(saved)
        return saved

    async def delete_scenario(self, name: str) -> bool:
        return await self._scenario_store().delete(check_name("name", name))

    async def scenario(self, name: str) -> Scenario | None:
        return None if self.scenarios is None else await self.scenarios.get(check_name("name", name))

    async def list_scenarios(self) -> list[Scenario]:
        return [] if self.scenarios is None else await self.scenarios.list()

    def _scenario_store(self) -> ScenarioStore:
        if self.scenarios is None:
            raise InvalidInput("scenario", "this server keeps no scenarios")
        return self.scenarios

    def _decayed(self, features: UserFeatures) -> UserFeatures:
        return decay_to(features, self.clock(), self.policy.half_life_s)

    async def _embed_one(self, text: str) -> tuple[Vector, float]:
        start = time.perf_counter()
        [vector] = await self.embedder.embed([text])
        return vector, (time.perf_counter() - start) * 1000.0
