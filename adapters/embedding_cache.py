"""Query-embedding caches wrapping the Embedder port: an in-process LRU and a Redis cache shared by workers.

Both key on the *normalised* text and embed that normalised text on a miss, so a key always maps to
exactly the vector the model gives for it. Normalising (trim, collapse whitespace, lower-case) is
safe for all-MiniLM-L6-v2: its tokenizer is uncased and splits on whitespace, so the normalised text
has the same token ids (tests check the vectors on the real model).
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from cachetools import LRUCache
from redis.exceptions import RedisError

from adapters.embedding_stage import EmbeddingStage
from adapters.redis.codecs import from_bytes, to_bytes
from adapters.redis.connection import RedisConnection, store_errors
from domain.errors import StoreUnavailable
from domain.models import Vector
from domain.ports import Embedder

log = logging.getLogger("recommender.embedding_cache")

KEY_PREFIX = "emb:"
DEFAULT_TTL_S = 24 * 3600


def normalise_text(text: str) -> str:
    return " ".join(text.split()).lower()


def _frozen(vector: Vector) -> Vector:
    # Cached arrays are shared by every later request: make accidental in-place edits fail loudly.
    vector = np.asarray(vector, dtype=np.float32)
    vector.flags.writeable = False
    return vector


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    errors: int = 0  # store unreachable: counted as misses and served by the model

    def as_dict(self) -> dict[str, object]:
        looked_up = self.hits + self.misses
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / looked_up, 4) if looked_up else 0.0,
            "evictions": self.evictions,
            "errors": self.errors,
        }


class _CachingEmbedder(EmbeddingStage):
    """Looks every normalised text up, embeds the distinct misses in one inner call, stores them."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.stats = CacheStats()

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        keys = [normalise_text(text) for text in texts]
        found = await self._lookup(keys)
        missed = [key for key in keys if key not in found]
        self.stats.hits += len(keys) - len(missed)
        self.stats.misses += len(missed)
        missing = list(dict.fromkeys(missed))
        if missing:
            fresh = {key: _frozen(v) for key, v in zip(missing, await self.inner.embed(missing), strict=True)}
            await self._store(fresh)
            found.update(fresh)
        return [found[key] for key in keys]

    async def _lookup(self, keys: list[str]) -> dict[str, Vector]:
        raise NotImplementedError

    async def _store(self, vectors: dict[str, Vector]) -> None:
        raise NotImplementedError


class _CountingLru(LRUCache):  # type: ignore[type-arg]
    """cachetools' LRU, counting what it evicts for /metrics."""

    def __init__(self, capacity: int, stats: CacheStats) -> None:
        super().__init__(maxsize=capacity)
        self._stats = stats

    def popitem(self) -> Any:
        item = super().popitem()
        self._stats.evictions += 1
        return item


class LruEmbeddingCache(_CachingEmbedder):
    def __init__(self, inner: Embedder, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        super().__init__(inner)
        self.capacity = capacity
        self._entries = _CountingLru(capacity, self.stats)

    def __len__(self) -> int:
        return len(self._entries)

    async def _lookup(self, keys: list[str]) -> dict[str, Vector]:
        found = {}
        for key in keys:
            vector = self._entries.get(key)  # a hit becomes the most recently used
            if vector is not None:
                found[key] = vector
        return found

    async def _store(self, vectors: dict[str, Vector]) -> None:
        for key, vector in vectors.items():
            self._entries[key] = vector


class RedisEmbeddingCache(_CachingEmbedder):
    """`emb:<model>:<sha256 of the normalised text>` → float32 bytes, with a TTL; shared by all workers."""

    def __init__(
        self, inner: Embedder, redis: RedisConnection, ttl_s: int = DEFAULT_TTL_S, model_key: str | None = None
    ) -> None:
        if ttl_s < 1:
            raise ValueError("ttl_s must be >= 1")
        super().__init__(inner)
        self._redis = redis.client
        self.ttl_s = ttl_s
        # Part of the key: vectors of another model (or a quantised variant) never answer for this one.
        self.model_key = model_key or inner.model_name

    def key(self, normalised: str) -> str:
        return f"{KEY_PREFIX}{self.model_key}:{hashlib.sha256(normalised.encode()).hexdigest()}"

    async def _lookup(self, keys: list[str]) -> dict[str, Vector]:
        try:
            with store_errors():
                raw = await self._redis.mget([self.key(key) for key in keys])
        except (StoreUnavailable, RedisError) as exc:
            self._failed("read", exc)
            return {}
        size = self.dim * 4
        return {
            key: from_bytes(value, copy=False)  # read-only view of the reply
            for key, value in zip(keys, raw, strict=True)
            if isinstance(value, bytes) and len(value) == size
        }

    async def _store(self, vectors: dict[str, Vector]) -> None:
        try:
            with store_errors():
                async with self._redis.pipeline(transaction=False) as pipe:
                    for key, vector in vectors.items():
                        pipe.set(self.key(key), to_bytes(vector), ex=self.ttl_s)
                    await pipe.execute()
        except (StoreUnavailable, RedisError) as exc:
            self._failed("write", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        # A cache must not take the service down: the model answers instead.
        self.stats.errors += 1
        log.warning("embedding cache %s failed: %s", what, exc)
