"""Composition root: settings in, a wired RecommenderService out. Nothing is built at import time.

Every port is a keyword argument with a production default (as in cosmicpython's bootstrap): pass
the in-memory adapters (adapters/memory.py) and the GraphQL layer runs with no Redis and no model.
Redis is opened only when a default adapter needs it.
"""

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from adapters.bulk_load import LoadCheckpoints
from adapters.catalog_file import JsonCatalog
from adapters.cursor_signing import SignedCursors
from adapters.embedder import DIM, MODEL_NAME
from adapters.embedding_cache import CacheStats
from adapters.recommendation_ids import SignedRecommendationIds
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.experiments import RedisExperimentCounters
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.replicas import ReplicatedProductIndex
from adapters.redis.users import RedisUserFeatureStore
from bootstrap.settings import Settings
from bootstrap.stores import Probe, build_embedder, co_engagement_store, index_config, product_index, scenario_store
from domain.errors import StoreUnavailable
from domain.popularity_windows import PopularityWindows
from domain.ports import (
    CatalogSource,
    CoEngagementStore,
    CursorCodec,
    Embedder,
    ExperimentCounters,
    PopularityStore,
    ProductIndex,
    ScenarioNames,
    UserFeatureStore,
)
from domain.service import RecommenderService

log = logging.getLogger("recommender")
# Kubernetes' probes give up after 1 s by default; a Redis that answers PING takes well under a millisecond.
READINESS_TIMEOUT_S = 0.8


@dataclass
class Runtime:
    service: RecommenderService
    probes: dict[str, Probe] = field(default_factory=dict)
    # None when no Redis was opened (every port given): readiness then asks the index alone.
    redis: RedisConnection | None = None
    redis_url: str | None = None
    # The query-vector LRU's counters (None when it is off): metrics read hits and misses from it directly.
    embedding_cache: CacheStats | None = None
    cursors: CursorCodec | None = None  # None: no page cursors

    def metrics(self) -> dict[str, object]:
        """Counters of this process (one worker): embedding batches, cache hits/misses, the Redis reads."""
        return {"pid": os.getpid(), **{name: probe() for name, probe in self.probes.items()}}

    async def readiness(self) -> dict[str, bool]:
        # A Runtime exists only once the model has loaded, so "model" is true whenever it can answer.
        checks = {"index": False, "model": True}
        if self.redis is not None:
            checks["redis"] = False
        try:
            # A Redis that accepts connections but does not answer (hung, swapping, stopped) would hold the probe
            # for the socket timeout twice over; a load balancer should hear "not ready" before its own timeout.
            async with asyncio.timeout(READINESS_TIMEOUT_S):
                if self.redis is not None:
                    checks["redis"] = await self.redis.ping()
                checks["index"] = await self.service.index.exists()
        except (StoreUnavailable, TimeoutError):
            pass
        return checks


@contextmanager
def redis_url(settings: Settings) -> Iterator[str]:
    """The configured Redis URL, or that of an embedded Redis started for as long as the context lasts."""
    if settings.redis_url is not None:
        yield settings.redis_url
        return
    with EmbeddedRedis(settings.data_dir, settings.redis_port) as embedded:
        log.info("embedded Redis with Search on %s (data in %s)", embedded.url, settings.data_dir)
        yield embedded.url


@asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[RedisConnection]:
    async with open_redis_at(settings) as (client, _):
        yield client


@asynccontextmanager
async def open_redis_at(settings: Settings) -> AsyncIterator[tuple[RedisConnection, str]]:
    with redis_url(settings) as url:
        client = connect(url, pipelined=settings.redis_pipelined_reads)
        try:
            yield client, url
        finally:
            await client.aclose()


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    index: ProductIndex | None = None,
    users: UserFeatureStore | None = None,
    catalog: CatalogSource | None = None,
    popularity: PopularityStore | None = None,
    co_engagement: CoEngagementStore | None = None,
    experiments: ExperimentCounters | None = None,
    scenario_names: ScenarioNames | None = None,
    prepare: Callable[[RecommenderService], Awaitable[None]] | None = None,
) -> AsyncIterator[Runtime]:
    """Connect (or start) Redis when a default adapter needs it, load the model, prepare the index.

    `prepare` replaces the start-up step (reset and seed, or ensure the index) when given.
    """
    async with AsyncExitStack() as stack:
        needs_redis = index is None or users is None or settings.embed_cache_redis
        client, url = await stack.enter_async_context(open_redis_at(settings)) if needs_redis else (None, None)
        embedder, probes, cache_stats = build_embedder(settings, client, embedder)
        if index is None:
            assert client is not None
            redis_index = await product_index(settings, client, embedder.dim, stack)
            probes["price_filters"] = lambda: {"ladder": redis_index.price_ladder}
            if isinstance(redis_index, ReplicatedProductIndex):
                probes["search_reads"] = redis_index.stats
            index = redis_index
        if client is not None and client.pipelined is not None:
            probes["redis_lane"] = client.pipelined.stats
        if users is None:
            assert client is not None
            users = RedisUserFeatureStore(client, settings.user_prefix, settings.user_ttl_s)
        if popularity is None and client is not None:
            windows = PopularityWindows(days=settings.popularity_days, half_life_s=settings.popularity_half_life_s)
            popularity = RedisPopularity(client, settings.popularity_key, windows)
        if co_engagement is None and client is not None and settings.co_engagement:
            co_engagement = co_engagement_store(settings, client)
        if experiments is None and client is not None:  # without Redis, as popularity: nothing counted
            experiments = RedisExperimentCounters(client, settings.experiment_key, settings.experiment_days)
        secret = settings.cursor_secret or secrets.token_urlsafe(32)
        scenarios = await scenario_store(settings, client, stack)
        service = RecommenderService(
            embedder=embedder,
            index=index,
            users=users,
            catalog=catalog or JsonCatalog(settings.catalog, embedder.model_name, embedder.dim),
            policy=settings.event_policy(),
            popularity=popularity,
            cursor_ttl_s=settings.cursor_ttl_s,
            co_engagement=co_engagement,
            co_engagement_policy=settings.co_engagement_policy(),
            behaviour=settings.behaviour_weights(),
            ids=SignedRecommendationIds(secret),
            experiments=experiments,
            scenario_names=scenario_names or scenarios,
            attribution_window_s=settings.attribution_window_s,
            experiment_days=settings.experiment_days,
            scenarios=scenarios,
        )
        await (prepare or _start_up(settings))(service)
        cursors = SignedCursors(secret)
        yield Runtime(service, probes, client, url, cache_stats, cursors=cursors)


@dataclass
class CatalogLoader:
    """What `recommender load` writes to: the index (never reset; created by the load once its file is
    valid) and its checkpoints."""

    index: RedisProductIndex
    checkpoints: LoadCheckpoints
    model_name: str = MODEL_NAME
    dim: int = DIM


@asynccontextmanager
async def open_loader(settings: Settings) -> AsyncIterator[CatalogLoader]:
    """No model is loaded: catalog files carry their vectors; their header names the model they fit."""
    async with open_redis(settings) as client:
        index = RedisProductIndex(client, index_config(settings, DIM))
        yield CatalogLoader(index, LoadCheckpoints(client, index.config))


def _start_up(settings: Settings) -> Callable[[RecommenderService], Awaitable[None]]:
    async def start(service: RecommenderService) -> None:
        if settings.reset:
            done = await service.reset_index()
            log.info("index %s recreated and seeded with %d from %s", done.index_name, done.seeded, settings.catalog)
        else:
            await service.index.ensure()

    return start
