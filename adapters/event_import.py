"""Apply past events through the service's own event method, fast and resumable.

Every event goes through `RecommenderService.record_event` (with its own time), so an import has exactly
the effects of live events: history, vectors, affinities, popularity and whatever else that method writes.
Events naming a product the index does not hold are counted and left out (looked up once, before the first
batch).
Events go in batches of file lines; inside a batch each user's events run in file order and different
users run concurrently (bounded). After a batch is done the checkpoint moves past its last line.

Why a resume neither repeats nor skips an event: a crash can leave the batch after the checkpoint half
applied. On resume, each user of that batch has their newest history entries compared with their events
of the batch; the longest prefix of those events found at the top of the history (same product, kind and
time) was applied before the crash and is skipped. Events without a time are given the import's start,
kept in the checkpoint, so their times match on resume too. An event cut off inside the service's event
method (the process killed between the user's write and the popularity count) is not repeated, and its
popularity count may be missing: at most one event per user in flight, the same window a live event has.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from adapters.event_file import PastEvent
from adapters.redis.codecs import text
from adapters.redis.connection import RedisConnection, translated
from domain.errors import ProductNotFound
from domain.events import HISTORY_LENGTH, Event
from domain.service import RecommenderService

# Users whose events apply at once. Each event in flight may hold two pooled connections at a time (its
# popularity and co-engagement writes go together) and redis-py's pool holds 100 by default.
DEFAULT_CONCURRENCY = 32
TIME_TOLERANCE_S = 1.0  # history entries keep their time at a coarser grain than a float


@dataclass(frozen=True)
class ImportCheckpoint:
    source: str  # fingerprint of the file
    started_at: float  # the time of events without one
    position: int = 0  # every event on or before this line is applied
    applied: int = 0
    unknown: int = 0  # events naming a product the index does not hold (not applied)
    complete: bool = False


class ImportCheckpoints:
    """One checkpoint per user namespace, in a hash beside (never under) the users' keys."""

    def __init__(self, redis: RedisConnection, user_prefix: str) -> None:
        self.key = f"events-import:{user_prefix}"
        self._redis = redis.client

    @translated
    async def read(self) -> ImportCheckpoint | None:
        raw = {text(k): text(v) for k, v in (await self._redis.hgetall(self.key)).items()}
        if not raw:
            return None
        counts = {name: int(raw[name]) for name in ("position", "applied", "unknown")}
        return ImportCheckpoint(raw["source"], float(raw["started_at"]), **counts, complete=raw["complete"] == "1")

    @translated
    async def save(self, checkpoint: ImportCheckpoint) -> None:
        mapping: dict[str, str | int] = {
            "source": checkpoint.source,
            "started_at": repr(checkpoint.started_at),
            "position": checkpoint.position,
            "applied": checkpoint.applied,
            "unknown": checkpoint.unknown,
            "complete": int(checkpoint.complete),
        }
        await self._redis.hset(self.key, mapping=mapping)  # type: ignore[arg-type]


Committed = Callable[[ImportCheckpoint, int], Awaitable[None]]


def _batches(events: Sequence[PastEvent], after: int, size: int) -> list[list[PastEvent]]:
    pending = [event for event in events if event.line > after]
    return [pending[start : start + size] for start in range(0, len(pending), size)]


def _by_user(batch: Sequence[PastEvent]) -> dict[str, list[PastEvent]]:
    users: dict[str, list[PastEvent]] = {}
    for event in batch:
        users.setdefault(event.user, []).append(event)
    return users


def _same(stored: Event, event: PastEvent, at: float) -> bool:
    return stored.product_id == event.product and stored.kind is event.kind and abs(stored.at - at) <= TIME_TOLERANCE_S


def applied_prefix(history: Sequence[Event], events: Sequence[PastEvent], started_at: float) -> int:
    """How many of `events` (oldest first) are the newest entries of `history` (newest first, capped at
    HISTORY_LENGTH): the largest n whose last events, newest first, are the history's first entries."""
    for done in range(len(events), 0, -1):
        compared = min(done, len(history))
        if compared < done and len(history) < HISTORY_LENGTH:
            continue  # an uncapped history shorter than n cannot hold n applied events
        tail = events[done - compared : done][::-1]
        times = [started_at if event.at is None else event.at for event in tail]
        if all(_same(stored, event, at) for stored, event, at in zip(history, tail, times, strict=False)):
            return done
    return 0


class EventImport:
    def __init__(
        self, service: RecommenderService, *, batch_size: int = 2000, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        if batch_size < 1 or concurrency < 1:
            raise ValueError("batch_size and concurrency must be at least 1")
        self._service = service
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)

    async def run(
        self, events: Sequence[PastEvent], start: ImportCheckpoint, committed: Committed, *, resumed: bool = False
    ) -> ImportCheckpoint:
        """Apply the events after `start.position`; `committed(checkpoint, events)` runs after each batch.
        `resumed`: `start` is a checkpoint an earlier run saved, so the next batch may be partly applied."""
        state, resuming = start, resumed
        known = await self._known_products({event.product for event in events if event.line > start.position})
        for batch in _batches(events, start.position, self._batch_size):
            users = _by_user([event for event in batch if event.product in known])
            skips = await self._already_applied(users, state.started_at) if resuming else {}
            outcomes = await self._users(users, skips, state)
            applied = sum(a for a, _ in outcomes)
            unknown = len(batch) - sum(len(user_events) for user_events in users.values()) + sum(u for _, u in outcomes)
            state = replace(state, position=batch[-1].line, applied=state.applied + applied)
            state = replace(state, unknown=state.unknown + unknown)
            await committed(state, len(batch))
            resuming = False
        return replace(state, complete=True)

    async def _users(
        self, users: dict[str, list[PastEvent]], skips: dict[str, int], state: ImportCheckpoint
    ) -> list[tuple[int, int]]:
        # When one user's event fails, the others finish the event they are in and stop: no event is cut
        # off between its writes by the import itself. The first error is raised as itself.
        stop = asyncio.Event()
        outcomes = await asyncio.gather(
            *(self._user(evs, skips.get(u, 0), state, stop) for u, evs in users.items()), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]

    async def _known_products(self, product_ids: set[str]) -> set[str]:
        ids, chunk = sorted(product_ids), 500
        found = await asyncio.gather(
            *(self._service.index.get_many(ids[start : start + chunk]) for start in range(0, len(ids), chunk))
        )
        return {pair[0].id for part in found for pair in part if pair is not None}

    async def _already_applied(self, users: dict[str, list[PastEvent]], started_at: float) -> dict[str, int]:
        async def one(user: str, events: list[PastEvent]) -> tuple[str, int]:
            async with self._slots:
                history = [event for event, _ in await self._service.recent_events(user, HISTORY_LENGTH)]
            return user, applied_prefix(history, events, started_at)

        return dict(await asyncio.gather(*(one(user, events) for user, events in users.items())))

    async def _user(
        self, events: list[PastEvent], skip: int, state: ImportCheckpoint, stop: asyncio.Event
    ) -> tuple[int, int]:
        """One user's events in order; returns (applied, unknown products)."""
        applied = unknown = 0
        async with self._slots:
            for event in events[skip:]:
                if stop.is_set():
                    break
                at = state.started_at if event.at is None else event.at
                try:
                    await self._service.record_event(event.user, event.product, event.kind, at=at)
                    applied += 1
                except ProductNotFound:  # deleted since the import began
                    unknown += 1
                except BaseException:
                    stop.set()
                    raise
        return applied + skip, unknown


async def apply_events(
    service: RecommenderService,
    checkpoints: ImportCheckpoints,
    events: Sequence[PastEvent],
    start: ImportCheckpoint,
    *,
    batch_size: int = 2000,
    concurrency: int = DEFAULT_CONCURRENCY,
    resumed: bool = False,
    progress: Callable[[int], object] = lambda count: None,
) -> ImportCheckpoint:
    """The import path of every caller: apply `events` from `start` on, saving the checkpoint after each
    batch (`progress` gets the batch's size) and once more, complete, at the end."""

    async def committed(state: ImportCheckpoint, count: int) -> None:
        await checkpoints.save(state)
        progress(count)

    await checkpoints.save(start)
    importer = EventImport(service, batch_size=batch_size, concurrency=concurrency)
    end = await importer.run(events, start, committed, resumed=resumed)
    await checkpoints.save(end)
    return end
