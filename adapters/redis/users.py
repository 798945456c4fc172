"""UserFeatureStore on one Redis hash per user: `user:<id>:features`.

Fields: session_vec (float32 bytes), clicks, last_clicked_id, last_clicked_category, and one
`aff:<category>` float per clicked category. Updates are optimistic transactions (WATCH/MULTI/EXEC)
retried on conflict, so concurrent clicks of one user are all counted and the EWMA sees each one.
"""

import asyncio
import random
from collections.abc import Callable, Mapping
from typing import cast

from redis.exceptions import WatchError

from adapters.redis.codecs import field_map, from_bytes, to_bytes
from adapters.redis.connection import RedisConnection, translated
from domain.errors import RecommenderError
from domain.models import UserFeatures

AFFINITY_PREFIX = "aff:"
MAX_ATTEMPTS = 200


def features_from_hash(user_id: str, fields: Mapping[str, bytes]) -> UserFeatures:
    session = fields.get("session_vec")
    last_id = fields.get("last_clicked_id")
    last_category = fields.get("last_clicked_category")
    return UserFeatures(
        user_id=user_id,
        clicks=int(fields.get("clicks", b"0")),
        session_vector=from_bytes(session) if session else None,
        affinities={
            name[len(AFFINITY_PREFIX) :]: float(value)
            for name, value in fields.items()
            if name.startswith(AFFINITY_PREFIX)
        },
        last_clicked_id=last_id.decode() if last_id else None,
        last_clicked_category=last_category.decode() if last_category else None,
    )


def features_to_hash(features: UserFeatures) -> dict[str, str | bytes]:
    mapping: dict[str, str | bytes] = {"clicks": str(features.clicks)}
    if features.session_vector is not None:
        mapping["session_vec"] = to_bytes(features.session_vector)
    if features.last_clicked_id is not None:
        mapping["last_clicked_id"] = features.last_clicked_id
    if features.last_clicked_category is not None:
        mapping["last_clicked_category"] = features.last_clicked_category
    for category, weight in features.affinities.items():
        mapping[AFFINITY_PREFIX + category] = repr(weight)
    return mapping


class RedisUserFeatureStore:
    def __init__(self, redis: RedisConnection, prefix: str = "user:") -> None:
        self._redis = redis.client
        self._reads = redis.reads
        self._prefix = prefix

    def key(self, user_id: str) -> str:
        return f"{self._prefix}{user_id}:features"

    @translated
    async def get(self, user_id: str) -> UserFeatures:
        # On every recommendation: the hot-path reads, and the flat reply paired up here.
        return features_from_hash(user_id, field_map(await self._reads.command("HGETALL", self.key(user_id))))

    @translated
    async def update(self, user_id: str, change: Callable[[UserFeatures], UserFeatures]) -> UserFeatures:
        key = self.key(user_id)
        for attempt in range(MAX_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    raw = cast(dict[bytes, bytes], await pipe.hgetall(key))
                    current = {k.decode(): v for k, v in raw.items()}
                    updated = change(features_from_hash(user_id, current))
                    pipe.multi()
                    pipe.hset(key, mapping=features_to_hash(updated))  # type: ignore[arg-type]
                    await pipe.execute()
                    return updated
                except WatchError:
                    # Another click of this user landed first: back off a little, then redo on its result.
                    await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise RecommenderError(f"too many concurrent updates of user {user_id!r}; try again")

    @translated
    async def delete(self, user_id: str) -> None:
        await self._redis.delete(self.key(user_id))
