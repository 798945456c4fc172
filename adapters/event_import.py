"""Apply past events through the service's own event use case, fast and resumable.

Every event goes through `RecordEvent` (domain.recording), the use case behind `recordEvent`, with its own
time, so an import has exactly the effects of live events: history, vectors, affinities, popularity and
co-engagement. Events naming a product the index does not hold are counted and left out (each batch's
products are read once, with their vectors).

Events go in batches of file lines. In a batch, each user's events are applied in one write (`replay`;
users run concurrently, bounded), and what they owe the shared counts is gathered from every user and sent
once the last user is written, in file order (`add_counts`): a popular product's list is one command for
the whole batch instead of one per event, and ends exactly as one event at a time leaves it. Then the
checkpoint moves past the batch's last line.

Why a resume neither repeats nor skips an event: a crash can leave the batch after the checkpoint half
applied.
- While its users are being written (no count of the batch is sent before the last user is done): each user
  of that batch has their newest history entries compared with their events of the batch; the longest prefix
  of those events found at the top of the history (same product, kind and time) was applied before the crash
  and is not written again, and its counts are worked out from the history below it, where the events
  before it still are (for a user with more than HISTORY_LENGTH - window events in the batch, the first of
  them link with what the capped history no longer holds: those few links are missing). Events without a
  time are given the import's start, kept in the checkpoint, so their times match on resume too.
- While its counts are being sent (the checkpoint says so before the first is sent): every user of the batch
  is written, so the resume moves past the batch: a count the crash cut off is missing, and the resume sends
  none of them again. So does an error while the counts are sent (one stops the import): that batch's counts
  may fall short.
- The batch a crashed run was in is cut on resume where that run cut it (the checkpoint keeps its last
  line), whatever `--batch-size` the resume is given.
- Like a live event's, a write is sent once more by the client when the connection drops before its reply;
  a count pipeline cut by that may count twice what Redis had already run of it.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from adapters.cancellation import raise_if_cancelled
from adapters.event_file import PastEvent
from adapters.import_checkpoints import ImportCheckpoint, ImportCheckpoints
from adapters.import_collector import import_collector
from domain.events import HISTORY_LENGTH, Event
from domain.recording import Owed, Products
from domain.service import RecommenderService

# Users whose events apply at once: each holds a pooled connection while its write is in flight.
DEFAULT_CONCURRENCY = 32
DEFAULT_BATCH_SIZE = 10_000
PRODUCT_READ = 500  # ids per product read
TIME_TOLERANCE_S = 1.0  # history entries keep their time at a coarser grain than a float


Saved = Callable[[ImportCheckpoint], Awaitable[None]]
Committed = Callable[[ImportCheckpoint, int], Awaitable[None]]


def _batches(events: Sequence[PastEvent], *, after: int, size: int, first_end: int = 0) -> list[list[PastEvent]]:
    """The events after line `after` in batches of `size`; the first ends on line `first_end` when that is past
    `after` (the batch a crashed run was in, so its users and counts are judged as that run cut them)."""
    pending = [event for event in events if event.line > after]
    head = [event for event in pending if event.line <= first_end]
    rest = pending[len(head) :]
    return ([head] if head else []) + [rest[start : start + size] for start in range(0, len(rest), size)]


def _by_user(batch: Sequence[PastEvent]) -> dict[str, list[PastEvent]]:
    users: dict[str, list[PastEvent]] = {}
    for event in batch:
        users.setdefault(event.user, []).append(event)
    return users


def _event(event: PastEvent, started_at: float) -> Event:
    return Event(event.product, event.kind, started_at if event.at is None else event.at)


def _same(stored: Event, event: Event) -> bool:
    return (stored.product_id, stored.kind) == (event.product_id, event.kind) and abs(
        stored.at - event.at
    ) <= TIME_TOLERANCE_S


def applied_prefix(history: Sequence[Event], events: Sequence[PastEvent], started_at: float) -> int:
    """How many of `events` (oldest first) are the newest entries of `history` (newest first, capped at
    HISTORY_LENGTH): the largest n whose last events, newest first, are the history's first entries."""
    for done in range(len(events), 0, -1):
        compared = min(done, len(history))
        if compared < done and len(history) < HISTORY_LENGTH:
            continue  # an uncapped history shorter than n cannot hold n applied events
        tail = [_event(event, started_at) for event in events[done - compared : done][::-1]]
        if all(_same(stored, event) for stored, event in zip(history, tail, strict=False)):
            return done
    return 0


class EventImport:
    def __init__(
        self,
        service: RecommenderService,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if batch_size < 1 or concurrency < 1:
            raise ValueError("batch_size and concurrency must be at least 1")
        self._service = service
        self._record = service.record_event_from
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)

    async def run(
        self,
        events: Sequence[PastEvent],
        start: ImportCheckpoint,
        *,
        saved: Saved,
        committed: Committed,
        resumed: bool = False,
    ) -> ImportCheckpoint:
        """Apply the events after `start.position`; `saved(checkpoint)` runs as a batch begins and before its
        counts are sent, `committed(checkpoint, events)` after each batch. `resumed`: `start` is a checkpoint an
        earlier run saved, so the next batch may be partly applied."""
        state, resuming = start, resumed
        first_end = start.batch_end if resumed else 0
        for batch in _batches(events, after=start.position, size=self._batch_size, first_end=first_end):
            state = replace(state, batch_end=batch[-1].line)
            await saved(state)
            products = await self._products({event.product for event in batch})
            users = _by_user([event for event in batch if event.product in products])
            if not (resuming and state.counting == batch[-1].line):  # else: written, counts sent or cut off
                done = await self._already_applied(users, state.started_at) if resuming else {}
                owed = await self._users(users, products=products, done=done, started_at=state.started_at)
                await saved(replace(state, counting=batch[-1].line))
                await self._record.add_counts([o for _, o in sorted(owed, key=lambda pair: pair[0])])
            applied = sum(len(user_events) for user_events in users.values())
            state = replace(state, position=batch[-1].line, applied=state.applied + applied, batch_end=0, counting=0)
            state = replace(state, unknown=state.unknown + len(batch) - applied)
            await committed(state, len(batch))
            raise_if_cancelled()
            resuming = False
        return replace(state, complete=True)

    async def _products(self, product_ids: set[str]) -> Products:
        ids = sorted(product_ids)
        found = await asyncio.gather(
            *(self._service.index.get_many(ids[at : at + PRODUCT_READ]) for at in range(0, len(ids), PRODUCT_READ))
        )
        return {pair[0].id: pair for part in found for pair in part if pair is not None}

    async def _already_applied(
        self, users: dict[str, list[PastEvent]], started_at: float
    ) -> dict[str, tuple[int, list[Event]]]:
        """Per user, how many of their events the history already holds, and the history below them."""

        async def one(user: str, events: list[PastEvent]) -> tuple[str, tuple[int, list[Event]]]:
            async with self._slots:
                history = await self._service.users.history(user, HISTORY_LENGTH)
            done = applied_prefix(history, events, started_at)
            return user, (done, history[done:])

        return dict(await asyncio.gather(*(one(user, events) for user, events in users.items())))

    async def _users(
        self,
        users: dict[str, list[PastEvent]],
        *,
        products: Products,
        done: dict[str, tuple[int, list[Event]]],
        started_at: float,
    ) -> list[tuple[int, Owed]]:
        """Write every user's events; what they owe, each with its line. When one user's write fails, the
        writes in flight finish and no other starts; the first error is raised as itself."""
        stop = asyncio.Event()

        async def one(events: list[PastEvent]) -> list[tuple[int, Owed]]:
            applied, below = done.get(events[0].user, (0, []))
            owed = self._record.owed([_event(e, started_at) for e in events[:applied]], below) if applied else []
            if applied < len(events):
                async with self._slots:
                    if stop.is_set():
                        return []
                    try:
                        pending = [_event(e, started_at) for e in events[applied:]]
                        owed += await self._record.replay(events[0].user, pending, products)
                    except BaseException:
                        stop.set()
                        raise
            return [(event.line, o) for event, o in zip(events, owed, strict=True)]

        outcomes = await asyncio.gather(*(one(events) for events in users.values()), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [pair for outcome in outcomes if not isinstance(outcome, BaseException) for pair in outcome]


async def apply_events(
    service: RecommenderService,
    checkpoints: ImportCheckpoints,
    events: Sequence[PastEvent],
    start: ImportCheckpoint,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
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
    with import_collector():
        end = await importer.run(events, start, saved=checkpoints.save, committed=committed, resumed=resumed)
    await checkpoints.save(end)
    return end
