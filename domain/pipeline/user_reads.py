"""The user's features and history, read while other stages run (the query embeds, the search goes out).

Why this stays correct: each read starts once, as a task, before anything waits; a stage that needs the
features awaits the same task, and a failed request cancels what is still running (or marks its failure
seen), so no read outlives its request or hides its own error.
"""

import asyncio
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from domain.events import DISMISSED, HISTORY_LENGTH, PURCHASED, SEEN, Event
from domain.filters import ExcludeSettings, ProductFilter
from domain.models import UserFeatures
from domain.ports import UserFeatureStore
from domain.session import decay_to


def excluded_ids(exclude: ExcludeSettings, history: Sequence[Event]) -> tuple[str, ...]:
    kinds = (SEEN if exclude.seen else set()) | (DISMISSED if exclude.dismissed else set())
    kinds |= PURCHASED if exclude.purchased else set()
    return (*exclude.product_ids, *(event.product_id for event in history if event.kind in kinds))


Reading = tuple[UserFeatures | None, list[Event] | None]  # what was read; None: that part was not asked for


@dataclass(slots=True)
class PendingReads:
    decay: Callable[[UserFeatures], UserFeatures]
    user_id: str
    reading: "asyncio.Future[Reading] | None"  # None: nothing to read, the user counts as new
    reads_features: bool
    _user: UserFeatures | None = None

    @property
    def features(self) -> bool:
        """Whether the features are being read (without them the user counts as new)."""
        return self.reads_features

    async def user(self) -> UserFeatures:
        """The user's features, decayed to now (read once, however many stages ask)."""
        if self._user is None:
            features = None if self.reading is None else (await self.reading)[0]
            self._user = UserFeatures(self.user_id) if features is None else self.decay(features)
        return self._user

    async def excluding(
        self, filters: ProductFilter, exclude: ExcludeSettings | None, served: tuple[str, ...]
    ) -> ProductFilter:
        """The filters, also excluding the served ids and what `exclude` names (from the history too)."""
        more = list(served)
        if exclude is not None:
            more += excluded_ids(exclude, await self.events())
        return replace(filters, excluded_ids=(*filters.excluded_ids, *more)) if more else filters

    async def events(self) -> list[Event]:
        """The user's history, newest first; empty when it was not read."""
        history = None if self.reading is None else (await self.reading)[1]
        return [] if history is None else history

    def abandon(self) -> None:
        """The request failed: stop the read, or mark its own failure seen (the request's error is raised)."""
        if self.reading is not None and not self.reading.cancel() and not self.reading.cancelled():
            self.reading.exception()

    @contextmanager
    def abandoned_on_error(self) -> Iterator[None]:
        """What a request does while the reads may still be running: if it fails, they are abandoned."""
        try:
            yield
        except BaseException:
            self.abandon()
            raise


@dataclass(frozen=True)
class UserReads:
    users: UserFeatureStore
    clock: Callable[[], float]  # seconds since the epoch
    half_life_s: float  # of the affinities

    def decayed(self, features: UserFeatures) -> UserFeatures:
        return decay_to(features, self.clock(), self.half_life_s)

    def start(
        self, user_id: str, *, features: bool, exclude: ExcludeSettings | None, history: bool = False
    ) -> PendingReads:
        """Start the one read a request needs: the features when `features`, the history when `history` or when
        `exclude` uses it; both at once when both are needed (one round trip, not two)."""
        uses_history = history or (exclude is not None and exclude.uses_history)
        reading = self._read(user_id, features=features, history=uses_history)
        started = None if reading is None else asyncio.ensure_future(reading)
        return PendingReads(self.decayed, user_id, started, features)

    def _read(self, user_id: str, *, features: bool, history: bool) -> Coroutine[Any, Any, Reading] | None:
        if features and history:
            return _features_and_history(self.users, user_id)
        if features:
            return _features_only(self.users, user_id)
        return _history_only(self.users, user_id) if history else None


async def _features_and_history(users: UserFeatureStore, user_id: str) -> Reading:
    found = await users.snapshot(user_id, HISTORY_LENGTH)  # one read of both
    return found.features, found.history


async def _features_only(users: UserFeatureStore, user_id: str) -> Reading:
    return await users.get(user_id), None


async def _history_only(users: UserFeatureStore, user_id: str) -> Reading:
    return None, await users.history(user_id, HISTORY_LENGTH)
