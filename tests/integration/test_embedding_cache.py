"""Query-embedding caches on the real model and real Redis."""

import hashlib

import numpy as np
import pytest

from adapters.embedder import FastEmbedEmbedder
from adapters.embedding_cache import LruEmbeddingCache, RedisEmbeddingCache, normalise_text
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import free_port
from domain.models import Product, Vector

pytestmark = pytest.mark.anyio

VARIANTS = [
    ("warm jacket for winter", "  Warm   JACKET\tfor\nWinter "),
    ("noise cancelling headphones", "Noise Cancelling HEADPHONES"),
    ("café 25°c — ünïcode", "CAFÉ 25°C —   ÜNÏCODE"),
    ("trail running shoes, size 44!", "Trail Running Shoes,  Size 44!"),
]


def same(a: Vector, b: Vector) -> bool:
    return float(np.abs(a - b).max()) < 1e-6


@pytest.mark.parametrize(("plain", "variant"), VARIANTS)
def test_normalising_does_not_change_the_vector(embedder: FastEmbedEmbedder, plain: str, variant: str) -> None:
    # The model is uncased and splits on whitespace: case and spacing never reach it.
    assert normalise_text(variant) == plain
    [a, b] = embedder.embed_sync([variant, plain])
    assert same(a, b)


def test_catalog_texts_embed_the_same_normalised(
    embedder: FastEmbedEmbedder, catalog_items: list[tuple[Product, Vector]]
) -> None:
    texts = [p.embedding_text for p, _ in catalog_items]
    raw = np.stack(embedder.embed_sync(texts))
    normalised = np.stack(embedder.embed_sync([normalise_text(t) for t in texts]))
    assert float(np.abs(raw - normalised).max()) < 1e-6


async def test_lru_returns_the_model_vectors_and_counts(embedder: FastEmbedEmbedder) -> None:
    cache = LruEmbeddingCache(embedder, capacity=100)
    first = await cache.embed(["Warm jacket", "boots"])
    again = await cache.embed(["warm   JACKET", "boots", "tent"])
    assert same(first[0], embedder.embed_sync(["warm jacket"])[0])
    assert same(again[0], first[0]) and same(again[1], first[1])
    assert same(again[2], embedder.embed_sync(["tent"])[0])
    assert (cache.stats.hits, cache.stats.misses, len(cache)) == (2, 3, 3)


async def test_lru_evicts_the_least_recently_used_at_capacity(embedder: FastEmbedEmbedder) -> None:
    cache = LruEmbeddingCache(embedder, capacity=2)
    await cache.embed(["a tent"])
    await cache.embed(["a stove"])
    await cache.embed(["a tent"])  # now the stove is the least recently used
    await cache.embed(["a lamp"])
    assert len(cache) == 2 and cache.stats.evictions == 1
    hits = cache.stats.hits
    await cache.embed(["a tent"])
    assert cache.stats.hits == hits + 1
    await cache.embed(["a stove"])
    assert cache.stats.misses == 4  # tent, stove, lamp, stove again


async def test_cached_vectors_cannot_be_modified_in_place(embedder: FastEmbedEmbedder) -> None:
    cache = LruEmbeddingCache(embedder)
    [vector] = await cache.embed(["a kettle"])
    with pytest.raises(ValueError):
        vector[0] = 1.0


async def test_redis_cache_is_shared_between_instances(
    embedder: FastEmbedEmbedder, redis_conn: RedisConnection, namespace: str
) -> None:
    text = f"Ultralight tent {namespace}"  # unique per test run: no other test shares this key
    key = f"emb:{embedder.model_name}:{hashlib.sha256(normalise_text(text).encode()).hexdigest()}"
    try:
        writer = RedisEmbeddingCache(embedder, redis_conn, ttl_s=600)
        [stored] = await writer.embed([text])
        assert writer.key(normalise_text(text)) == key
        assert 0 < await redis_conn.client.ttl(key) <= 600
        assert await redis_conn.client.strlen(key) == 4 * embedder.dim

        reader = RedisEmbeddingCache(embedder, redis_conn, ttl_s=600)  # e.g. another worker
        [found] = await reader.embed([text.upper()])
        assert (reader.stats.hits, reader.stats.misses) == (1, 0)
        assert same(found, stored)
        assert same(found, embedder.embed_sync([text])[0])
    finally:
        await redis_conn.client.delete(key)


async def test_redis_cache_keys_include_the_model(embedder: FastEmbedEmbedder, redis_conn: RedisConnection) -> None:
    a = RedisEmbeddingCache(embedder, redis_conn)
    b = RedisEmbeddingCache(embedder, redis_conn, model_key="all-MiniLM-L6-v2-int8")
    assert a.key("tent") != b.key("tent")
    assert b.key("tent").startswith("emb:all-MiniLM-L6-v2-int8:")


async def test_unreachable_redis_cache_falls_back_to_the_model(embedder: FastEmbedEmbedder) -> None:
    client = connect(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        cache = RedisEmbeddingCache(embedder, client)
        [vector] = await cache.embed(["a lantern"])
    finally:
        await client.aclose()
    assert same(vector, embedder.embed_sync(["a lantern"])[0])
    assert cache.stats.errors == 2 and cache.stats.misses == 1  # the read and the write failed
