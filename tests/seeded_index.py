"""One fixture shape for behaviour tables that must hold on both index implementations."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from adapters.memory import InMemoryProductIndex
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.redis.search_query import filter_clause
from domain.models import Product, Vector
from domain.ports import ProductIndex


@asynccontextmanager
async def seeded_index(
    kind: str, redis: RedisConnection, name: str, items: Sequence[tuple[Product, Vector]]
) -> AsyncIterator[ProductIndex]:
    """The in-memory fake (`kind` "memory") or the real Redis index under its own name and key prefix,
    holding `items`; emptied again afterwards."""
    index: ProductIndex
    if kind == "memory":
        index = InMemoryProductIndex(describe=filter_clause)  # reports the clause Redis would run
    else:
        index = RedisProductIndex(redis, IndexConfig(name=name, prefix=f"{name}:"))
    await index.recreate()
    await index.upsert(items)
    yield index
    await index.recreate()
