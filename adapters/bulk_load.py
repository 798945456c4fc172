"""Resumable, pipelined bulk load of validated catalog records into the Redis index.

Records go out in batches as non-transactional pipelines, several in flight on their own connections,
so the client parses and encodes the next batch while Redis indexes the earlier ones. After each
batch the checkpoint moves to the last position such that it and every earlier record has been
acknowledged. Writes are keyed by product id, so a batch replayed after a crash rewrites the same
hashes: a resumed load has no duplicates, and as the checkpoint never passes an unacknowledged
batch, no gaps either.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from adapters.cancellation import raise_if_cancelled
from adapters.catalog_stream import Record
from adapters.redis.codecs import text
from adapters.redis.connection import RedisConnection, translated
from adapters.redis.schema import IndexConfig
from domain.models import Product, Vector


class ProductWriter(Protocol):
    """What a bulk load needs of an index: idempotent writes keyed by product id."""

    async def upsert(self, items: Sequence[tuple[Product, Vector]]) -> int: ...


@dataclass(frozen=True)
class Checkpoint:
    source: str  # fingerprint of the file being loaded
    position: int  # every record at or before this line (or product number) is in Redis
    loaded: int  # products written for this source so far, across resumes
    complete: bool = False


class LoadCheckpoints:
    """One checkpoint per index, in a hash beside (never under) the index's key prefix."""

    def __init__(self, redis: RedisConnection, config: IndexConfig) -> None:
        self.key = config.checkpoint_key
        self._redis = redis.client

    @translated
    async def read(self) -> Checkpoint | None:
        raw = await self._redis.hgetall(self.key)
        if not raw:
            return None
        fields = {text(k): text(v) for k, v in raw.items()}
        return Checkpoint(
            source=fields["source"],
            position=int(fields["position"]),
            loaded=int(fields["loaded"]),
            complete=fields.get("complete") == "1",
        )

    @translated
    async def save(self, checkpoint: Checkpoint) -> None:
        mapping = {
            "source": checkpoint.source,
            "position": checkpoint.position,
            "loaded": checkpoint.loaded,
            "complete": int(checkpoint.complete),
        }
        await self._redis.hset(self.key, mapping=mapping)  # type: ignore[arg-type]

    @translated
    async def clear(self) -> None:
        await self._redis.delete(self.key)


Committed = Callable[[int, int], Awaitable[None]]


async def bulk_load(
    index: ProductWriter,
    records: Iterable[Record],
    committed: Committed,
    batch_size: int = 500,
    in_flight: int = 2,
) -> int:
    """Write `records` in batches; `committed(position, count)` runs, in order, as each batch is acknowledged."""
    if batch_size < 1 or in_flight < 1:
        raise ValueError("batch_size and in_flight must be at least 1")
    pending: deque[tuple[asyncio.Task[int], int, int]] = deque()
    written = 0

    async def settle_oldest() -> None:
        nonlocal written
        task, position, count = pending.popleft()
        await task
        written += count
        await committed(position, count)
        raise_if_cancelled()

    def send(batch: list[Record]) -> None:
        items = [(record.product, record.vector) for record in batch]
        pending.append((asyncio.ensure_future(index.upsert(items)), batch[-1].position, len(batch)))

    try:
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) == batch_size:
                send(batch)
                batch = []
                if len(pending) >= in_flight:
                    await settle_oldest()
                else:
                    await asyncio.sleep(0)  # let the new pipeline start sending
        if batch:
            send(batch)
        while pending:
            await settle_oldest()
    finally:
        # On an error (a bad line, a lost connection) nothing past the checkpoint counts as loaded;
        # still let in-flight pipelines finish so no connection is dropped mid-reply.
        leftovers = [task for task, _, _ in pending]
        if leftovers:
            await asyncio.gather(*leftovers, return_exceptions=True)
    return written
