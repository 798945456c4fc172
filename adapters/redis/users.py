"""UserFeatureStore on Redis: per user a hash `user:{<id>}:features`, a string `user:{<id>}:vectors` and a
list `user:{<id>}:events`.

The braces make the user id the keys' hash tag: the three keys of a user live in one cluster slot, so the
scripts below, which name them all in KEYS, stay valid on a cluster.

The hash keeps to short fields and values so that Redis stores it as a listpack (with the default
`hash-max-listpack-value` 64 and `hash-max-listpack-entries` 128), far smaller than a hash table:
v (version), clicks, events, last_clicked_id, last_clicked_category, aft (the one time all affinities
are stored as of, epoch seconds) and per category `aff:<category>`. Every event decays all affinities to
its own time (domain.session.decay_to), so one time serves them all; a category whose time differs
anyway gets its own `aft:<category>`, so features round-trip exactly (a category without any time reads
back with the shared one; the domain gives every category a time at every event).

The vectors string holds the session and dismissed vectors at reduced precision (user_vectors says how
and why); without vectors there is no string. The list holds the latest HISTORY_LENGTH events,
newest first (user_history).

Users written by earlier versions (both vectors as float32 fields of the hash, a time per category) read
the same, and their first event rewrites them in this layout: the script replaces the whole hash.

One write (a live event, or all of one user's events in an import batch) is atomic: the features are read
(with their version; by the caller's `snapshot`, which also returns the latest events, or else here) by one
read-only script and changed by the domain's pure math here, event by event, each on the features as a
read would give them back (the session vector rounded to its stored precision), so a write of n events
stores what n writes of one store. Then one Lua script checks the version, rewrites the hash, sets the
vectors, pushes the events, trims the list and refreshes the keys' idle TTL. A version that moved
means another event of the user landed in between: read again and redo. Doing the vector math in Lua
instead would duplicate the domain's float32 EWMA in a second language; doing it as WATCH/MULTI would take
a pooled connection per attempt and four round trips.
"""

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from adapters.redis.codecs import field_map, from_bytes
from adapters.redis.connection import RedisConnection, translated
from adapters.redis.user_history import decode_event, encode_event
from adapters.redis.user_vectors import from_vectors_bytes, to_vectors_bytes
from domain.errors import RecommenderError
from domain.events import HISTORY_LENGTH, Event, UserSnapshot
from domain.models import UserFeatures, Vector

AFFINITY_PREFIX = "aff:"
AFFINITY_TIME = "aft"
AFFINITY_TIME_PREFIX = "aft:"
# The float32 vector fields of the hash before the vectors had their own key: read, never written.
LEGACY_VECTOR_FIELDS = ("session_vec", "dismissed_vec")
MAX_ATTEMPTS = 200
DEFAULT_TTL_S = 30 * 24 * 3600.0

# KEYS: features hash, vectors string. Both in one reply, read at one instant (a write lands between
# none of them), so the version read with the hash is the vectors' version too.
_READ = """#!lua flags=no-writes
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2])}
"""
# KEYS: features hash, vectors string, events list; ARGV: history length. The same, with the history: what a
# recommendation of a user with a history reads, in one round trip.
_READ_WITH_HISTORY = """#!lua flags=no-writes
local n = tonumber(ARGV[1])
local history = n > 0 and redis.call('LRANGE', KEYS[3], 0, n - 1) or {}
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]), history}
"""
# KEYS: features hash, events list, vectors string. ARGV: version read, TTL ms, history length, vectors
# ('' for none), n, n event entries (oldest first, at most the history length), field/value... The hash is
# replaced, not merged: fields of an older layout go, and a hash that grew past the listpack limits becomes
# a listpack again.
_RECORD = """
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[5])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 6 + n))
if ARGV[4] == '' then redis.call('DEL', KEYS[3]) else redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[2]) end
redis.call('LPUSH', KEYS[2], unpack(ARGV, 6, 5 + n))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""


def _per_category(fields: Mapping[str, bytes], prefix: str) -> dict[str, float]:
    return {name[len(prefix) :]: float(value) for name, value in fields.items() if name.startswith(prefix)}


def _text(raw: bytes | None) -> str | None:
    return raw.decode() if raw else None


def _affinity_times(fields: Mapping[str, bytes], affinities: Mapping[str, float]) -> dict[str, float]:
    shared = fields.get(AFFINITY_TIME)
    times = dict.fromkeys(affinities, float(shared)) if shared else {}
    return times | _per_category(fields, AFFINITY_TIME_PREFIX)


def _legacy_vectors(fields: Mapping[str, bytes]) -> tuple[Vector | None, Vector | None]:
    session, dismissed = (fields.get(name) for name in LEGACY_VECTOR_FIELDS)
    return (from_bytes(session) if session else None), (from_bytes(dismissed) if dismissed else None)


def features_from_hash(user_id: str, fields: Mapping[str, bytes], vectors: bytes | None = None) -> UserFeatures:
    """The features from the hash and the vectors string; without the string, from an older layout's hash."""
    session, dismissed = from_vectors_bytes(vectors) if vectors else _legacy_vectors(fields)
    affinities = _per_category(fields, AFFINITY_PREFIX)
    return UserFeatures(
        user_id=user_id,
        clicks=int(fields.get("clicks", b"0")),
        events=int(fields.get("events", b"0")),
        session_vector=session,
        dismissed_vector=dismissed,
        affinities=affinities,
        affinity_times=_affinity_times(fields, affinities),
        last_clicked_id=_text(fields.get("last_clicked_id")),
        last_clicked_category=_text(fields.get("last_clicked_category")),
    )


def features_to_hash(features: UserFeatures) -> dict[str, str]:
    """The hash's fields; the vectors go to their own key (to_vectors_bytes)."""
    mapping = {"clicks": str(features.clicks), "events": str(features.events)}
    if features.last_clicked_id is not None:
        mapping["last_clicked_id"] = features.last_clicked_id
    if features.last_clicked_category is not None:
        mapping["last_clicked_category"] = features.last_clicked_category
    for category, weight in features.affinities.items():
        mapping[AFFINITY_PREFIX + category] = repr(weight)
    times = features.affinity_times
    shared = max(times.values(), default=None)
    if shared is not None:
        mapping[AFFINITY_TIME] = repr(shared)
    for category, at in times.items():
        if at != shared:
            mapping[AFFINITY_TIME_PREFIX + category] = repr(at)
    return mapping


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

    def vectors_key(self, user_id: str) -> str:
        return f"{self._prefix}{{{user_id}}}:vectors"

    def events_key(self, user_id: str) -> str:
        return f"{self._prefix}{{{user_id}}}:events"

    def keys(self, user_id: str) -> list[str]:
        return [self.key(user_id), self.vectors_key(user_id), self.events_key(user_id)]

    @translated
    async def get(self, user_id: str) -> UserFeatures:
        # On every recommendation: one hot-path read of both keys.
        fields, vectors = await self._read(user_id)
        return features_from_hash(user_id, fields, vectors)

    @translated
    async def record(
        self,
        events: Sequence[Event],
        user_id: str,
        change: Callable[[UserFeatures, Event], UserFeatures],
        *,
        seen: UserSnapshot | None = None,
    ) -> UserFeatures:
        if not events:
            raise ValueError("record needs at least one event")
        keys = [self.key(user_id), self.events_key(user_id), self.vectors_key(user_id)]
        entries = [encode_event(event) for event in events[-HISTORY_LENGTH:]]  # older ones would be trimmed away
        for attempt in range(MAX_ATTEMPTS):
            if seen is None:
                fields, vectors = await self._read(user_id)
                seen = UserSnapshot(features_from_hash(user_id, fields, vectors), [], _version(fields))
            version, updated = seen.version, _changed(seen.features, events, change)
            mapping = {"v": str(version + len(events)), **features_to_hash(updated)}
            packed = to_vectors_bytes(updated.session_vector, updated.dismissed_vector)
            head: list[str | bytes | int] = [version, self._ttl_ms, HISTORY_LENGTH, packed, len(entries), *entries]
            if await self._record(keys=keys, args=[*head, *(x for pair in mapping.items() for x in pair)]):
                return updated
            # Another event of this user landed first: back off a little, then redo on its result.
            seen = None
            await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise RecommenderError(f"too many concurrent updates of user {user_id!r}; try again")

    @translated
    async def history(self, user_id: str, limit: int) -> list[Event]:
        if limit < 1:  # LRANGE 0 -1 would read them all
            return []
        raw = await self._reads.command("LRANGE", self.events_key(user_id), 0, limit - 1)
        return [decode_event(entry) for entry in raw]

    @translated
    async def snapshot(self, user_id: str, limit: int) -> UserSnapshot:
        keys = (self.key(user_id), self.vectors_key(user_id), self.events_key(user_id))
        flat, vectors, raw = await self._reads.command("EVAL", _READ_WITH_HISTORY, 3, *keys, limit)
        fields = field_map(flat)
        history = [decode_event(entry) for entry in raw]
        return UserSnapshot(features_from_hash(user_id, fields, vectors), history, _version(fields))

    @translated
    async def delete(self, user_id: str) -> None:
        await self._delete(*self.keys(user_id))

    async def _read(self, user_id: str) -> tuple[dict[str, bytes], bytes | None]:
        flat, vectors = await self._reads.command("EVAL", _READ, 2, self.key(user_id), self.vectors_key(user_id))
        return field_map(flat), vectors


def _as_stored(features: UserFeatures) -> UserFeatures:
    """The features as a write and a read would give them back: the vectors at their stored precision (every
    other field round-trips exactly)."""
    packed = to_vectors_bytes(features.session_vector, features.dismissed_vector)
    session, dismissed = from_vectors_bytes(packed) if packed else (None, None)
    return replace(features, session_vector=session, dismissed_vector=dismissed)


def _changed(
    features: UserFeatures, events: Sequence[Event], change: Callable[[UserFeatures, Event], UserFeatures]
) -> UserFeatures:
    """`change` for each event in turn, each after the first on what a write of the one before would have
    stored: the same features as one write per event."""
    for position, event in enumerate(events):
        features = change(_as_stored(features) if position else features, event)
    return features


def _version(fields: Mapping[str, bytes]) -> int:
    return int(fields.get("v", b"0"))
