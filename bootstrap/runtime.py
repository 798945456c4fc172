"""Composition root: settings in, a wired RecommenderService out. Nothing is built at import time.

Every port is a keyword argument with a production default (as in cosmicpython's bootstrap): pass
the in-memory adapters (adapters/memory.py) and the GraphQL layer runs with no Redis and no model.
Redis is opened only when a default adapter needs it.
"""

import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from adapters.batching_embedder import BatchingEmbedder
from adapters.bulk_load import LoadCheckpoints
from adapters.catalog_file import JsonCatalog
from adapters.cursor_signing import SignedCursors
from adapters.embedder import DIM, MODEL_NAME, FastEmbedEmbedder
from adapters.embedding_cache import CacheStats, LruEmbeddingCache, RedisEmbeddingCache
from adapters.memory_scenarios import InMemoryScenarioStore
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.replicas import ReplicatedProductIndex, SearchReads, open_replica
from adapters.redis.scenarios import RedisScenarioStore
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from bootstrap.settings import Settings
from domain.errors import StoreUnavailable
from domain.ports import CatalogSource, CursorCodec, Embedder, PopularityStore, ProductIndex, UserFeatureStore
from domain.service import RecommenderService

log = logging.getLogger("recommender")

Probe = Callable[[], dict[str, object]]


def index_config(settings: Settings, dim: int) -> IndexConfig:
    """Raises ValueError for combinations RediSearch would reject (EF_RUNTIME on FLAT, ...)."""
    return IndexConfig(
        name=settings.index_name,
        prefix=settings.key_prefix,
        dim=dim,
        algorithm=settings.algorithm,
        hnsw_m=settings.hnsw_m,
        hnsw_ef_construction=settings.ef_construction,
        hnsw_ef_runtime=settings.ef_runtime or IndexConfig.hnsw_ef_runtime,
        query_ef_runtime=settings.ef_runtime,
        hybrid_policy=settings.hybrid_policy,
        batch_size=settings.batch_size,
    )


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
            if self.redis is not None:
                checks["redis"] = await self.redis.ping()
            checks["index"] = await self.service.index.exists()
        except StoreUnavailable:
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
            redis_index = await _product_index(settings, client, embedder.dim, stack)
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
            days, half_life = settings.popularity_days, settings.popularity_half_life_s
            popularity = RedisPopularity(client, settings.popularity_key, days, half_life)
        service = RecommenderService(
            embedder=embedder,
            index=index,
            users=users,
            catalog=catalog or JsonCatalog(settings.catalog, embedder.model_name, embedder.dim),
            policy=settings.event_policy(),
            popularity=popularity,
            cursor_ttl_s=settings.cursor_ttl_s,
            scenarios=await _scenario_store(settings, client, stack),
        )
        await (prepare or _start_up(settings))(service)
        cursors = SignedCursors(settings.cursor_secret or secrets.token_urlsafe(32))
        yield Runtime(service, probes, client, url, cache_stats, cursors=cursors)


async def _scenario_store(
    settings: Settings, client: RedisConnection | None, stack: AsyncExitStack
) -> RedisScenarioStore | InMemoryScenarioStore:
    """On Redis, loaded before the first request and kept current for as long as the runtime lasts."""
    if client is None:
        return InMemoryScenarioStore()
    store = RedisScenarioStore(client, settings.scenario_key, settings.scenario_check_s)
    await stack.enter_async_context(store.watching())
    return store


async def _product_index(
    settings: Settings, client: RedisConnection, dim: int, stack: AsyncExitStack
) -> RedisProductIndex:
    """On the primary alone, or with the search-side reads on the replicas (README, "Scaling")."""
    config = index_config(settings, dim)
    if not settings.search_replica_urls:
        return RedisProductIndex(client, config)
    replicas = [open_replica(url, pipelined=settings.redis_pipelined_reads) for url in settings.search_replica_urls]
    search = SearchReads(client.reads, replicas, settings.search_replica_check_s)
    stack.push_async_callback(search.aclose)
    await search.probe_all()
    return ReplicatedProductIndex(client, config, search, settings.replica_wait_ms)


@dataclass
class CatalogLoader:
    """What `recommender load` writes to: the index (ensured, never reset) and its checkpoints."""

    index: RedisProductIndex
    checkpoints: LoadCheckpoints
    model_name: str = MODEL_NAME
    dim: int = DIM


@asynccontextmanager
async def open_loader(settings: Settings) -> AsyncIterator[CatalogLoader]:
    """No model is loaded: catalog files carry their vectors; their header names the model they fit."""
    async with open_redis(settings) as client:
        index = RedisProductIndex(client, index_config(settings, DIM))
        await index.ensure()
        yield CatalogLoader(index, LoadCheckpoints(client, index.name, settings.key_prefix))


def _start_up(settings: Settings) -> Callable[[RecommenderService], Awaitable[None]]:
    async def start(service: RecommenderService) -> None:
        if settings.reset:
            done = await service.reset_index()
            log.info("index %s recreated and seeded with %d from %s", done.index_name, done.seeded, settings.catalog)
        else:
            await service.index.ensure()

    return start


def build_embedder(
    settings: Settings, client: RedisConnection | None, model: Embedder | None = None
) -> tuple[Embedder, dict[str, Probe], CacheStats | None]:
    """model <- micro-batching <- Redis cache (optional) <- LRU; returns the outermost, the counters of
    each stage for /metrics.json, and the LRU's own counters."""
    embedder: Embedder = model or FastEmbedEmbedder(
        settings.model_dir,
        threads=settings.onnx_threads_per_worker(),
        spin=settings.onnx_spin,
        own_session=settings.onnx_own_session,
    )
    probes: dict[str, Probe] = {}
    if settings.embed_batch_max > 1:
        batching = BatchingEmbedder(embedder, settings.embed_batch_max, settings.embed_batch_window_ms)
        embedder, probes["embed_batching"] = batching, batching.stats.as_dict
    if settings.embed_cache_redis and client is not None:
        shared = RedisEmbeddingCache(embedder, client, settings.embed_cache_ttl_s)
        embedder, probes["embed_cache_redis"] = shared, shared.stats.as_dict
    if settings.embed_cache_size > 0:
        lru = LruEmbeddingCache(embedder, settings.embed_cache_size)
        embedder = lru
        probes["embed_cache_lru"] = lambda: {**lru.stats.as_dict(), "size": len(lru), "capacity": lru.capacity}
        return embedder, probes, lru.stats
    return embedder, probes, None
