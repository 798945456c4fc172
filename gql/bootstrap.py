"""Composition root: settings in, a wired RecommenderService out. Nothing is built at import time."""

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as aioredis

from adapters.catalog_file import JsonCatalog
from adapters.embedded_redis import EmbeddedRedis
from adapters.embedder import FastEmbedEmbedder, default_model_dir
from adapters.redis_connection import connect
from adapters.redis_index import IndexConfig, RedisProductIndex
from adapters.redis_users import RedisUserFeatureStore
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
    graphiql: bool = True


@dataclass
class Runtime:
    service: RecommenderService
    index: RedisProductIndex
    redis: aioredis.Redis
    embedded: EmbeddedRedis | None

    async def readiness(self) -> dict[str, bool]:
        checks = {"redis": False, "index": False, "model": self.service.embedder is not None}
        try:
            checks["redis"] = bool(await self.redis.ping())
            checks["index"] = await self.index.exists()
        except (aioredis.ConnectionError, aioredis.TimeoutError):
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
        embedder = embedder or FastEmbedEmbedder(settings.model_dir)
        index = RedisProductIndex(
            client, IndexConfig(name=settings.index_name, prefix=settings.key_prefix, dim=embedder.dim)
        )
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
        yield Runtime(service, index, client, embedded)
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()
