"""Ctrl-C stops `load` and `import-events` even when a Redis call lost the cancellation.

On Python 3.11, `asyncio.wait_for` (inside redis-py) returns the result instead of raising when the cancel
lands as the reply arrives. The stores below do the same on purpose: they answer a call whose caller was
cancelled meanwhile. The run must still stop at its next commit, and say so by raising CancelledError.
"""

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.bulk_load import bulk_load
from adapters.catalog_stream import Record
from adapters.embedder import FastEmbedEmbedder
from adapters.event_file import read_events
from adapters.event_import import apply_events
from adapters.import_checkpoints import ImportCheckpoint, ImportCheckpoints
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.synthetic_catalog import synthetic_catalog
from tests.clock import FakeClock
from tests.event_lines import event_lines, write_events
from tests.import_runs import runtime_in

pytestmark = pytest.mark.anyio


@dataclass
class LostCancel:
    """From the `arm_at`-th call on, a call waits where a cancel can reach it, then answers anyway."""

    arm_at: int
    calls: int = 0
    waiting: asyncio.Event = field(default_factory=asyncio.Event)

    async def answer_through_a_cancel(self) -> None:
        self.calls += 1
        if self.calls < self.arm_at:
            return
        self.waiting.set()
        with contextlib.suppress(asyncio.CancelledError):  # lost, as 3.11's wait_for loses it
            await asyncio.sleep(0.01)


@dataclass
class Writer:
    lost: LostCancel
    written: int = 0

    async def upsert(self, items: Any) -> int:
        await self.lost.answer_through_a_cancel()
        self.written += len(items)
        return len(items)


async def test_a_load_stops_at_the_next_commit_when_a_write_lost_the_cancel() -> None:
    records = [Record(n, product, vector) for n, (product, vector) in enumerate(synthetic_catalog(200), start=1)]
    writer, commits = Writer(LostCancel(arm_at=3)), []

    async def committed(position: int, count: int) -> None:
        commits.append(position)

    run = asyncio.ensure_future(bulk_load(writer, records, committed, batch_size=10, in_flight=1))
    await writer.lost.waiting.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert commits == [10, 20, 30] and writer.written == 30  # the lost cancel's batch is committed, no later one


class Checkpoints(ImportCheckpoints):
    lost: LostCancel

    async def save(self, checkpoint: ImportCheckpoint) -> None:
        await super().save(checkpoint)
        await self.lost.answer_through_a_cancel()


async def test_an_import_stops_at_the_next_commit_when_a_checkpoint_write_lost_the_cancel(
    redis_server: EmbeddedRedis,
    redis_index: RedisProductIndex,
    namespace: str,
    embedder: FastEmbedEmbedder,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    events = read_events(write_events(tmp_path / "events.jsonl", event_lines()), clock())
    async with runtime_in(redis_server, redis_index, namespace, embedder) as runtime:
        assert runtime.redis is not None
        checkpoints = Checkpoints(runtime.redis, f"{namespace}user:")
        checkpoints.lost = LostCancel(arm_at=4)  # the start, then a batch's begin, its counts, its commit
        start = ImportCheckpoint("test", clock())
        run = asyncio.ensure_future(apply_events(runtime.service, checkpoints, events, start, batch_size=20))
        await checkpoints.lost.waiting.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        saved = await checkpoints.read()
    assert saved is not None and not saved.complete
    assert saved.position == events[19].line  # the first batch committed, and nothing after it
