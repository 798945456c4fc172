"""A working in-memory UserFeatureStore with the Redis store's semantics (the same behaviour tables run on both):
one atomic write per call (a live event, or an import's events of one user), a version per user so a write
based on an older snapshot is redone on the newer state, the latest HISTORY_LENGTH events newest first."""

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

from domain.events import HISTORY_LENGTH, Event, UserSnapshot
from domain.models import UserFeatures


class InMemoryUserFeatureStore:
    """No expiry: an idle user stays until deleted (the Redis store's TTL has no clock to follow here)."""

    def __init__(self) -> None:
        self._users: dict[str, UserFeatures] = {}
        self._history: defaultdict[str, list[Event]] = defaultdict(list)
        self._versions: defaultdict[str, int] = defaultdict(int)
        self._lock = asyncio.Lock()

    async def get(self, user_id: str) -> UserFeatures:
        return self._features(user_id)

    def _features(self, user_id: str) -> UserFeatures:
        return self._users.get(user_id, UserFeatures(user_id))

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
        async with self._lock:
            updated = self._features(user_id)
            if seen is not None and seen.version == self._versions[user_id]:  # nothing landed since
                updated = seen.features
            for event in events:  # features are kept as they are, so no rounding between events
                updated = change(updated, event)
            self._versions[user_id] += len(events)
            self._users[user_id] = replace(updated, affinities=dict(updated.affinities))
            self._history[user_id][:0] = [_as_stored(event) for event in events[::-1]]
            del self._history[user_id][HISTORY_LENGTH:]
            return updated

    async def history(self, user_id: str, limit: int) -> list[Event]:
        return self._history[user_id][: max(limit, 0)]

    async def snapshot(self, user_id: str, limit: int) -> UserSnapshot:
        return UserSnapshot(self._features(user_id), await self.history(user_id, limit), self._versions[user_id])

    async def delete(self, user_id: str) -> None:
        self._users.pop(user_id, None)
        self._history.pop(user_id, None)
        self._versions.pop(user_id, None)


def _as_stored(event: Event) -> Event:
    """The event as the Redis store's history keeps it: its time to the millisecond."""
    return replace(event, at=round(event.at * 1000) / 1000.0)
