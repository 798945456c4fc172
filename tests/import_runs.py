"""Helpers of the import tests: a runtime whose every store writes under one root, every key under a root,
and an import through the service's own path."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import redis.asyncio as aioredis

from adapters.embedder import FastEmbedEmbedder
from adapters.event_file import PastEvent
from adapters.event_import import apply_events
from adapters.import_checkpoints import ImportCheckpoint, ImportCheckpoints
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from bootstrap.runtime import Runtime, open_runtime
from bootstrap.settings import Settings
from domain.service import RecommenderService
from tests.clock import FakeClock


@asynccontextmanager
async def runtime_in(
    redis_server: EmbeddedRedis, index: RedisProductIndex, root: str, embedder: FastEmbedEmbedder
) -> AsyncIterator[Runtime]:
    """The composition root's service (every store it wires), with its keys under `root`."""
    settings = Settings(redis_url=redis_server.url, index_name=index.name, key_prefix=index.config.prefix)
    settings = settings.namespaced(root)

    async def keep(service: RecommenderService) -> None:
        return None

    async with open_runtime(settings, embedder=embedder, prepare=keep) as runtime:
        yield runtime


async def snapshot(client: aioredis.Redis, root: str) -> dict[str, Any]:
    """Every key under `root`, by name without it, with its contents (TTLs only as present or not)."""
    found: dict[str, Any] = {}
    async for raw in client.scan_iter(match=f"{root}*", count=1000):
        key = raw.decode()
        kind = (await client.type(key)).decode()
        if kind == "hash":
            value: Any = await client.hgetall(key)
        elif kind == "list":
            value = await client.lrange(key, 0, -1)
        elif kind == "zset":
            value = await client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(await client.smembers(key))
        else:
            value = await client.get(key)
        found[key[len(root) :]] = (kind, value, await client.pttl(key) > 0)
    return found


async def import_all(
    runtime: Runtime, clock: FakeClock, events: list[PastEvent], root: str, **options: Any
) -> ImportCheckpoint:
    assert runtime.redis is not None
    service = replace(runtime.service, clock=clock)
    checkpoints = ImportCheckpoints(runtime.redis, f"{root}user:")
    return await apply_events(service, checkpoints, events, ImportCheckpoint("test", clock()), **options)
