"""Micro-batching on the real model: the same vectors as one-by-one embedding, in fewer model calls."""

import asyncio

import numpy as np
import pytest

from adapters.batching_embedder import BatchingEmbedder
from adapters.embedder import FastEmbedEmbedder

pytestmark = pytest.mark.anyio

TEXTS = [
    "warm jacket for winter",
    "boots",
    "noise cancelling headphones for long flights and noisy open-plan offices",
    "A much longer sentence about waterproof hiking boots with a grippy outsole, for muddy autumn trails.",
    "coffee",
    "café 25°C — ünïcode and emoji 🔥",
    "trail running shoes",
    "a tent for two people that packs small and survives a storm on an exposed ridge",
    "yoga mat",
    "cast iron pan",
    "kids backpack",
    "bluetooth speaker for the beach",
]


def max_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(np.abs(np.stack(a) - np.stack(b)).max())


async def test_concurrent_calls_get_exactly_the_unbatched_vectors(embedder: FastEmbedEmbedder) -> None:
    batching = BatchingEmbedder(embedder, max_batch=32)
    batched = await asyncio.gather(*(batching.embed([text]) for text in TEXTS))
    alone = [embedder.embed_sync([text])[0] for text in TEXTS]
    assert max_diff([v for [v] in batched], alone) < 1e-6
    # All calls were queued before the first batch started: one model call carried them all.
    assert batching.stats.batches == 1
    assert batching.stats.as_dict()["largest"] == len(TEXTS)
    assert batching.stats.calls == len(TEXTS)


async def test_batches_never_exceed_max_batch(embedder: FastEmbedEmbedder) -> None:
    batching = BatchingEmbedder(embedder, max_batch=5)
    results = await asyncio.gather(*(batching.embed([text]) for text in TEXTS))
    assert max_diff([v for [v] in results], embedder.embed_sync(TEXTS)) < 1e-6
    assert dict(batching.stats.sizes) == {5: 2, 2: 1}


async def test_multi_text_calls_and_duplicates_keep_their_order(embedder: FastEmbedEmbedder) -> None:
    batching = BatchingEmbedder(embedder, max_batch=32)
    calls = [TEXTS[:3], [TEXTS[1], TEXTS[1]], TEXTS[2:6], [TEXTS[0]]]
    results = await asyncio.gather(*(batching.embed(texts) for texts in calls))
    for texts, vectors in zip(calls, results, strict=True):
        assert max_diff(vectors, embedder.embed_sync(texts)) < 1e-6
    # Duplicates across calls are embedded once: TEXTS[0..5] are the distinct texts.
    assert dict(batching.stats.sizes) == {6: 1}
    assert batching.stats.texts == sum(len(texts) for texts in calls)


async def test_calls_arriving_during_a_batch_form_the_next_one(embedder: FastEmbedEmbedder) -> None:
    batching = BatchingEmbedder(embedder, max_batch=32)
    first = asyncio.ensure_future(batching.embed([TEXTS[0]]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first batch is now running in the model's thread
    rest = await asyncio.gather(*(batching.embed([text]) for text in TEXTS[1:]))
    await first
    assert sorted(batching.stats.sizes.elements()) == [1, len(TEXTS) - 1]
    assert max_diff([v for [v] in rest], [embedder.embed_sync([t])[0] for t in TEXTS[1:]]) < 1e-6


async def test_an_empty_call_costs_no_model_call(embedder: FastEmbedEmbedder) -> None:
    batching = BatchingEmbedder(embedder)
    assert await batching.embed([]) == []
    assert batching.stats.batches == 0


def test_settings_are_checked(embedder: FastEmbedEmbedder) -> None:
    with pytest.raises(ValueError):
        BatchingEmbedder(embedder, max_batch=0)
    with pytest.raises(ValueError):
        BatchingEmbedder(embedder, window_ms=-1)
