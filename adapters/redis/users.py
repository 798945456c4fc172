"""UserFeatureStore on Redis: one hash `user:{<id>}:features` and one list `user:{<id>}:events` per user.

The braces make the user id the keys' hash tag: both keys of a user live in one cluster slot, so the
script below, which names both in KEYS, stays valid on a cluster.

Hash fields: v (version), clicks, events, session_vec and dismissed_vec (float32 bytes), last_clicked_id,
last_clicked_category, and per category `aff:<category>` (the affinity as of its last change) and
`aft:<category>` (that time, epoch seconds). The list holds the latest HISTORY_LENGTH events, newest
first, as `<kind code>|<epoch ms>|<product id>`.

One event is one atomic write: the features are read (with their version) and changed by the domain's pure
math here, then one Lua script checks the version, writes the hash, pushes the event, trims the list and
refreshes both keys' idle TTL. A version that moved means another event of the user landed in between:
read again and redo. Doing the vector math in Lua instead would duplicate the domain's float32 EWMA in a
second language; doing it as WATCH/MULTI would take a pooled connection per attempt and four round trips.
"""

import asyncio
import random
from collections.abc import Callable, Mapping

from adapters.redis.codecs import field_map, from_bytes, to_bytes
from adapters.redis.connection import RedisConnection, translated
from domain.errors import RecommenderError
from domain.events import HISTORY_LENGTH, Event, EventKind
from domain.models import UserFeatures

AFFINITY_PREFIX = "aff:"
AFFINITY_TIME_PREFIX = "aft:"
MAX_ATTEMPTS = 200
DEFAULT_TTL_S = 30 * 24 * 3600.0
KIND_CODES = {EventKind.VIEW: "V", EventKind.CLICK: "C", EventKind.ADD_TO_CART: "A", EventKind.PURCHASE: "P"}
KIND_CODES[EventKind.DISMISS] = "D"
KINDS = {code: kind for kind, code in KIND_CODES.items()}

# KEYS: features hash, events list. ARGV: version read, TTL ms, event entry, history length, field/value...
_RECORD = """
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""


def _per_category(fields: Mapping[str, bytes], prefix: str) -> dict[str, float]:
    return {name[len(prefix) :]: float(value) for name, value in fields.items() if name.startswith(prefix)}


def _text(raw: bytes | None) -> str | None:
    return raw.decode() if raw else None


def features_from_hash(user_id: str, fields: Mapping[str, bytes]) -> UserFeatures:
    session, dismissed = fields.get("session_vec"), fields.get("dismissed_vec")
    return UserFeatures(
        user_id=user_id,
        clicks=int(fields.get("clicks", b"0")),
        events=int(fields.get("events", b"0")),
        session_vector=from_bytes(session) if session else None,
        dismissed_vector=from_bytes(dismissed) if dismissed else None,
        affinities=_per_category(fields, AFFINITY_PREFIX),
        affinity_times=_per_category(fields, AFFINITY_TIME_PREFIX),
        last_clicked_id=_text(fields.get("last_clicked_id")),
        last_clicked_category=_text(fields.get("last_clicked_category")),
    )


def features_to_hash(features: UserFeatures) -> dict[str, str | bytes]:
    mapping: dict[str, str | bytes] = {"clicks": str(features.clicks), "events": str(features.events)}
    if features.session_vector is not None:
        mapping["session_vec"] = to_bytes(features.session_vector)
    if features.dismissed_vector is not None:
        mapping["dismissed_vec"] = to_bytes(features.dismissed_vector)
    if features.last_clicked_id is not None:
        mapping["last_clicked_id"] = features.last_clicked_id
    if features.last_clicked_category is not None:
        mapping["last_clicked_category"] = features.last_clicked_category
    for category, weight in features.affinities.items():
        mapping[AFFINITY_PREFIX + category] = repr(weight)
    for category, at in features.affinity_times.items():
        mapping[AFFINITY_TIME_PREFIX + category] = repr(at)
    return mapping


def encode_event(event: Event) -> str:
    return f"{KIND_CODES[event.kind]}|{round(event.at * 1000)}|{event.product_id}"


def decode_event(raw: bytes) -> Event:
    code, at_ms, product_id = raw.decode().split("|", 2)
    return Event(product_id, KINDS[code], int(at_ms) / 1000.0)


class RedisUserFeatureStore:
    def __init__(self, redis: RedisConnection, prefix: str = "user:", ttl_s: float = DEFAULT_TTL_S) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError(f"the user key prefix must not contain braces (the user id is the hash tag): {prefix!r}")
        self._reads = redis.reads
        self._record = redis.client.register_script(_RECORD)
        self._delete = redis.client.delete
        self._prefix = prefix
        self._ttl_ms = max(1, round(ttl_s * 1000))

    def key(self, user_id: str) -> str:
        return f"{self._prefix}{{{user_id}}}:features"

    def events_key(self, user_id: str) -> str:
        return f"{self._prefix}{{{user_id}}}:events"

    @translated
    async def get(self, user_id: str) -> UserFeatures:
        # On every recommendation: the hot-path reads, and the flat reply paired up here.
        return features_from_hash(user_id, await self._fields(user_id))

    @translated
    async def record(self, event: Event, user_id: str, change: Callable[[UserFeatures], UserFeatures]) -> UserFeatures:
        keys = [self.key(user_id), self.events_key(user_id)]
        entry = encode_event(event)
        for attempt in range(MAX_ATTEMPTS):
            fields = await self._fields(user_id)
            version = int(fields.get("v", b"0"))
            updated = change(features_from_hash(user_id, fields))
            mapping = {"v": str(version + 1), **features_to_hash(updated)}
            args = [version, self._ttl_ms, entry, HISTORY_LENGTH, *(x for pair in mapping.items() for x in pair)]
            if await self._record(keys=keys, args=args):
                return updated
            # Another event of this user landed first: back off a little, then redo on its result.
            await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise RecommenderError(f"too many concurrent updates of user {user_id!r}; try again")

    @translated
    async def history(self, user_id: str, limit: int) -> list[Event]:
        raw = await self._reads.command("LRANGE", self.events_key(user_id), 0, limit - 1)
        return [decode_event(entry) for entry in raw]

    @translated
    async def delete(self, user_id: str) -> None:
        await self._delete(self.key(user_id), self.events_key(user_id))

    async def _fields(self, user_id: str) -> dict[str, bytes]:
        return field_map(await self._reads.command("HGETALL", self.key(user_id)))
