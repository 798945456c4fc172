"""The adapters the composition root builds from the settings: the index, the embedder chain, the stores of
co-engagement and scenarios."""

from collections.abc import Callable
from contextlib import AsyncExitStack

from adapters.batching_embedder import BatchingEmbedder
from adapters.embedder import FastEmbedEmbedder
from adapters.embedding_cache import CacheStats, LruEmbeddingCache, RedisEmbeddingCache
from adapters.memory_scenarios import InMemoryScenarioStore
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.neighbour_cache import NeighbourCache
from adapters.redis.replicas import ReplicatedProductIndex, SearchReads, open_replica
from adapters.redis.scenarios import RedisScenarioStore
from adapters.redis.schema import IndexConfig
from bootstrap.settings import Settings
from domain.ports import Embedder

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


def co_engagement_store(settings: Settings, client: RedisConnection) -> RedisCoEngagement:
    return RedisCoEngagement(
        client,
        settings.co_engagement_key,
        cap=settings.co_engagement_cap,
        half_life_s=settings.co_engagement_half_life_s,
        exponent=settings.co_engagement_exponent,
        cache=NeighbourCache(settings.co_engagement_cache_s),
    )


async def scenario_store(
    settings: Settings, client: RedisConnection | None, stack: AsyncExitStack
) -> RedisScenarioStore | InMemoryScenarioStore:
    """On Redis, loaded before the first request and kept current for as long as the runtime lasts."""
    if client is None:
        return InMemoryScenarioStore()
    store = RedisScenarioStore(client, settings.scenario_key, settings.scenario_check_s)
    await stack.enter_async_context(store.watching())
    return store


async def product_index(
    settings: Settings, client: RedisConnection, dim: int, stack: AsyncExitStack
) -> RedisProductIndex:
    """On the primary alone, or with the search-side reads on the replicas (docs/scaling.md)."""
    config = index_config(settings, dim)
    if not settings.search_replica_urls:
        return RedisProductIndex(client, config)
    replicas = [open_replica(url, pipelined=settings.redis_pipelined_reads) for url in settings.search_replica_urls]
    search = SearchReads(client.reads, replicas, settings.search_replica_check_s)
    stack.push_async_callback(search.aclose)
    await search.probe_all()
    return ReplicatedProductIndex(client, config, search, settings.replica_wait_ms)


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
