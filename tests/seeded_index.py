"""One fixture shape for behaviour tables that must hold on both index implementations."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from adapters.memory import InMemoryProductIndex
from adapters.redis_index import IndexConfig, RedisProductIndex
from domain.models import Product, Vector
from domain.ports import ProductIndex


@asynccontextmanager
async def seeded_index(
    kind: str, client: aioredis.Redis, name: str, items: Sequence[tuple[Product, Vector]]
) -> AsyncIterator[ProductIndex]:
    """The in-memory fake (`kind` "memory") or the real Redis index under its own name and key prefix,
    holding `items`; emptied again afterwards."""
    index: ProductIndex
    if kind == "memory":
        index = InMemoryProductIndex()
    else:
        index = RedisProductIndex(client, IndexConfig(name=name, prefix=f"{name}:"))
    await index.recreate()
    await index.upsert(items)
    yield index
    await index.recreate()
