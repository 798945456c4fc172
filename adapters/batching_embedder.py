"""Micro-batching: embed calls that arrive together share one model call.

The model's cost per call is dominated by fixed overhead for short queries, so eight concurrent
requests embedded as one batch cost little more than one. While a batch runs (in a worker thread),
new calls queue up and go together as the next batch; an idle embedder starts at once, optionally
after a short window that lets near-simultaneous calls join.

One instance serves one event loop (each server worker builds its own).
"""

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from adapters.embedding_stage import EmbeddingStage
from domain.models import Vector
from domain.ports import Embedder


@dataclass
class _Pending:
    texts: list[str]
    future: asyncio.Future[list[Vector]]
    queued_at: float


@dataclass
class BatchStats:
    calls: int = 0  # embed() calls answered
    texts: int = 0  # texts across those calls
    batches: int = 0  # model calls made
    sizes: Counter[int] = field(default_factory=Counter)  # distinct texts per model call -> how many calls

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "texts": self.texts,
            "batches": self.batches,
            "largest": max(self.sizes, default=0),
            "mean_size": round(sum(n * c for n, c in self.sizes.items()) / self.batches, 2) if self.batches else 0.0,
            "sizes": {str(n): c for n, c in sorted(self.sizes.items())},
        }


class BatchingEmbedder(EmbeddingStage):
    def __init__(self, inner: Embedder, max_batch: int = 32, window_ms: float = 0.0) -> None:
        if max_batch < 1 or window_ms < 0:
            raise ValueError("max_batch must be >= 1 and window_ms >= 0")
        super().__init__(inner)
        self.max_batch = max_batch
        self.window = window_ms / 1000.0
        self.stats = BatchStats()
        self._queue: list[_Pending] = []
        self._drainer: asyncio.Task[None] | None = None

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        pending = _Pending(list(texts), loop.create_future(), loop.time())
        self._queue.append(pending)
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        return await pending.future

    async def _drain(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._queue:
                await self._gather_window()
                batch = self._take()
                await self._run(batch)
        except asyncio.CancelledError:  # loop shutting down: nobody may wait forever
            for pending in [*batch, *self._queue]:
                pending.future.cancel()
            self._queue.clear()
            raise
        finally:
            self._drainer = None

    async def _gather_window(self) -> None:
        # Calls that waited through a running batch go at once; a fresh call may wait up to the
        # window for company. sleep(0) still lets calls that are already runnable join.
        wait = 0.0
        if self._queued_texts() < self.max_batch:
            wait = max(0.0, self._queue[0].queued_at + self.window - asyncio.get_running_loop().time())
        await asyncio.sleep(wait)

    def _queued_texts(self) -> int:
        return sum(len(p.texts) for p in self._queue)

    def _take(self) -> list[_Pending]:
        batch: list[_Pending] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_batch):
            pending = self._queue.pop(0)
            batch.append(pending)
            size += len(pending.texts)
        return batch

    async def _run(self, batch: list[_Pending]) -> None:
        unique = list(dict.fromkeys(text for pending in batch for text in pending.texts))
        try:
            vectors = await self.inner.embed(unique)
        except Exception as exc:  # every caller of the batch sees the model's failure
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        by_text = dict(zip(unique, vectors, strict=True))
        self.stats.batches += 1
        self.stats.sizes[len(unique)] += 1
        for pending in batch:
            self.stats.calls += 1
            self.stats.texts += len(pending.texts)
            if not pending.future.done():  # the caller may have gone (cancelled request)
                pending.future.set_result([by_text[text] for text in pending.texts])
