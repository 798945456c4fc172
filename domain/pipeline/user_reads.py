"""The user's features and history, read while other stages run (the query embeds, the search goes out).

Why this stays correct: each read starts once, as a task, before anything waits; a stage that needs the
features awaits the same task, and a failed request cancels what is still running (or marks its failure
seen), so no read outlives its request or hides its own error.
"""

import asyncio
from collections.abc import Callable, Sequence
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


@dataclass(slots=True)
class PendingReads:
    decay: Callable[[UserFeatures], UserFeatures]
    user_id: str
    features: "asyncio.Future[UserFeatures] | None"  # None: not needed, the user counts as new
    history: "asyncio.Future[list[Event]] | None"
    _user: UserFeatures | None = None

    async def user(self) -> UserFeatures:
        """The user's features, decayed to now (read once, however many stages ask)."""
        if self._user is None:
            self._user = UserFeatures(self.user_id) if self.features is None else self.decay(await self.features)
        return self._user

    async def excluding(
        self, filters: ProductFilter, exclude: ExcludeSettings | None, served: tuple[str, ...]
    ) -> ProductFilter:
        """The filters, also excluding the served ids and what `exclude` names (from the history too)."""
        more = list(served)
        if exclude is not None:
            more += excluded_ids(exclude, [] if self.history is None else await self.history)
        return replace(filters, excluded_ids=(*filters.excluded_ids, *more)) if more else filters

    async def events(self) -> list[Event]:
        """The user's history, newest first; empty when it was not read."""
        return [] if self.history is None else await self.history

    def abandon(self) -> None:
        """The request failed: stop the reads, or mark their own failures seen (the request's error is raised)."""
        readings: tuple[asyncio.Future[Any] | None, ...] = (self.features, self.history)
        for reading in readings:
            if reading is not None and not reading.cancel() and not reading.cancelled():
                reading.exception()


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
        """Start the reads a request needs: the features when `features`, the history when `history` or when
        `exclude` uses it."""
        reading = asyncio.ensure_future(self.users.get(user_id)) if features else None
        uses_history = history or (exclude is not None and exclude.uses_history)
        events = asyncio.ensure_future(self.users.history(user_id, HISTORY_LENGTH)) if uses_history else None
        return PendingReads(self.decayed, user_id, reading, events)
