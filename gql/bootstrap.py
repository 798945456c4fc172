"""Composition root: settings in, a wired RecommenderService out. Nothing is built at import time."""

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from adapters.batching_embedder import BatchingEmbedder
from adapters.catalog_file import JsonCatalog
from adapters.embedder import FastEmbedEmbedder, default_model_dir
from adapters.embedding_cache import LruEmbeddingCache, RedisEmbeddingCache
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from domain.errors import StoreUnavailable
from domain.ports import Embedder
from domain.service import RecommenderService

log = logging.getLogger("recommender")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8084
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    index_name: str = "recommend:idx"
    key_prefix: str = "product:"
    user_prefix: str = "user:"
    catalog: Path = Path("catalog.json")
    reset: bool = True
    model_dir: Path = field(default_factory=default_model_dir)
    data_dir: Path = Path(".data/redis")
    redis_port: int | None = None
    # Index (README, "Scale"). M / EF_CONSTRUCTION / algorithm apply when the index is created;
    # ef_runtime, hybrid_policy and batch_size are also written into every KNN query when set.
    algorithm: str = "HNSW"
    hnsw_m: int = IndexConfig.hnsw_m
    ef_construction: int = IndexConfig.hnsw_ef_construction
    ef_runtime: int | None = None
    hybrid_policy: str | None = None
    batch_size: int | None = None
    graphiql: bool = True
    introspection: bool = True
    # Admin operations (resetIndex, refreshEmbedding) need this as a Bearer token when it is set.
    admin_token: str | None = field(default_factory=lambda: os.environ.get("RECOMMENDER_ADMIN_TOKEN") or None)
    max_body_bytes: int = 64 * 1024
    max_search_fields: int = 4
    # Query path (README, "Performance"). Processes share the cores: ONNX threads x workers <= cores.
    workers: int = 1
    onnx_threads: int | None = None  # None: the available cores divided among the workers
    onnx_spin: str = "run"  # how idle ONNX pool threads wait: adapters.embedder.SPIN_MODES
    embed_batch_max: int = 32  # texts per model call; 1 turns micro-batching off
    embed_batch_window_ms: float = 0.0  # how long an idle batcher waits for company
    embed_cache_size: int = 10_000  # in-process LRU of query vectors; 0 turns it off
    embed_cache_redis: bool = False  # also share query vectors between workers in Redis
    embed_cache_ttl_s: int = 24 * 3600
    access_log: bool = True  # uvicorn's line per request; costs CPU under load


def index_config(settings: Settings, dim: int) -> IndexConfig:
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
    index: RedisProductIndex
    redis: RedisConnection
    embedded: EmbeddedRedis | None
    probes: dict[str, Callable[[], dict[str, object]]] = field(default_factory=dict)

    def metrics(self) -> dict[str, object]:
        """Counters of this process (one worker): embedding batches, cache hits/misses, the Redis lane."""
        return {"pid": os.getpid(), **{name: probe() for name, probe in self.probes.items()}}

    async def readiness(self) -> dict[str, bool]:
        # A Runtime exists only once the model has loaded, so "model" is true whenever it can answer.
        checks = {"redis": False, "index": False, "model": True}
        try:
            checks["redis"] = await self.redis.ping()
            checks["index"] = await self.index.exists()
        except StoreUnavailable:
            pass
        return checks


@asynccontextmanager
async def open_runtime(settings: Settings, embedder: Embedder | None = None) -> AsyncIterator[Runtime]:
    """Start (or connect to) Redis, load the model, prepare the index; undo it all on exit."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.data_dir, settings.redis_port).start()
        url = embedded.url
        log.info("embedded Redis with Search on %s (data in %s)", url, settings.data_dir)
    client = connect(url)
    try:
        embedder, probes = build_embedder(settings, client, embedder)
        if client.pipelined is not None:
            probes["redis_lane"] = client.pipelined.stats
        index = RedisProductIndex(client, index_config(settings, embedder.dim))
        probes["price_filters"] = lambda: {"ladder": index.price_ladder}
        service = RecommenderService(
            embedder=embedder,
            index=index,
            users=RedisUserFeatureStore(client, settings.user_prefix),
            catalog=JsonCatalog(settings.catalog, embedder.model_name, embedder.dim),
        )
        if settings.reset:
            seeded = await service.reset_index()
            log.info("index %s recreated and seeded with %d products from %s", index.name, seeded, settings.catalog)
        else:
            await index.ensure()
        yield Runtime(service, index, client, embedded, probes)
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()


def onnx_threads(settings: Settings) -> int:
    return settings.onnx_threads or max(1, len(os.sched_getaffinity(0)) // max(1, settings.workers))


def build_embedder(
    settings: Settings, client: RedisConnection, model: Embedder | None = None
) -> tuple[Embedder, dict[str, Callable[[], dict[str, object]]]]:
    """model <- micro-batching <- Redis cache (optional) <- LRU; returns the outermost and its counters."""
    embedder: Embedder = model or FastEmbedEmbedder(
        settings.model_dir, threads=onnx_threads(settings), spin=settings.onnx_spin
    )
    probes: dict[str, Callable[[], dict[str, object]]] = {}
    if settings.embed_batch_max > 1:
        batching = BatchingEmbedder(embedder, settings.embed_batch_max, settings.embed_batch_window_ms)
        embedder, probes["embed_batching"] = batching, batching.stats.as_dict
    if settings.embed_cache_redis:
        shared = RedisEmbeddingCache(embedder, client, settings.embed_cache_ttl_s)
        embedder, probes["embed_cache_redis"] = shared, shared.stats.as_dict
    if settings.embed_cache_size > 0:
        lru = LruEmbeddingCache(embedder, settings.embed_cache_size)
        embedder = lru
        probes["embed_cache_lru"] = lambda: {**lru.stats.as_dict(), "size": len(lru), "capacity": lru.capacity}
    return embedder, probes
