"""`import-events` on the real Redis and model: an import leaves exactly the keys a replay through
`recordEvent` leaves, and a crashed import resumed ends as an uninterrupted one. The event file's
checks and the command line are in test_event_import_command.py."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.embedder import FastEmbedEmbedder
from adapters.event_file import PastEvent, read_events
from adapters.event_import import ImportCheckpoint, ImportCheckpoints, applied_prefix, apply_events
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from bootstrap.runtime import Runtime, open_runtime
from bootstrap.settings import Settings
from domain.events import Event, EventKind
from domain.service import RecommenderService
from gql.schema import Context, schema
from tests.clock import START, FakeClock
from tests.event_lines import UNKNOWN, event_lines, write_events

pytestmark = pytest.mark.anyio
RECORD = """mutation ($u: ID!, $p: ID!, $k: EventKind!) {
  recordEvent(userId: $u, productId: $p, kind: $k) { __typename } }"""


@asynccontextmanager
async def runtime_in(
    redis_server: EmbeddedRedis, index: RedisProductIndex, root: str, embedder: FastEmbedEmbedder
) -> AsyncIterator[Runtime]:
    """The composition root's service (every store it wires), with its keys under `root`."""
    settings = Settings(
        redis_url=redis_server.url,
        index_name=index.name,
        key_prefix=index.config.prefix,
        user_prefix=f"{root}user:",
        popularity_key=root,
        co_engagement_key=root,
    )

    async def keep(service: RecommenderService) -> None:
        return None

    async with open_runtime(settings, embedder=embedder, prepare=keep) as runtime:
        yield runtime


async def snapshot(client: aioredis.Redis, root: str) -> dict[str, Any]:
    """Every key under `root`, by name without it, with its contents (TTLs only as present or not)."""
    found: dict[str, Any] = {}
    async for raw in client.scan_iter(match=f"{root}*", count=1000):
        key = raw.decode()
        kind = (await client.type(key)).decode()
        if kind == "hash":
            value: Any = await client.hgetall(key)
        elif kind == "list":
            value = await client.lrange(key, 0, -1)
        elif kind == "zset":
            value = await client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(await client.smembers(key))
        else:
            value = await client.get(key)
        found[key[len(root) :]] = (kind, value, await client.pttl(key) > 0)
    return found


async def import_all(
    runtime: Runtime, clock: FakeClock, events: list[PastEvent], root: str, **options: Any
) -> ImportCheckpoint:
    assert runtime.redis is not None
    service = replace(runtime.service, clock=clock)
    checkpoints = ImportCheckpoints(runtime.redis, f"{root}user:")
    return await apply_events(service, checkpoints, events, ImportCheckpoint("test", clock()), **options)


async def test_an_import_leaves_exactly_what_a_replay_through_record_event_leaves(
    tmp_path: Path,
    redis_server: EmbeddedRedis,
    redis_index: RedisProductIndex,
    redis_client: aioredis.Redis,
    namespace: str,
    embedder: FastEmbedEmbedder,
    clock: FakeClock,
) -> None:
    path = write_events(tmp_path / "events.jsonl", event_lines())
    events = read_events(path, clock())
    assert len(events) == 180 and any(e.at is None for e in events)
    imported, replayed = f"{namespace}a:", f"{namespace}b:"
    async with runtime_in(redis_server, redis_index, imported, embedder) as runtime:
        end = await import_all(runtime, clock, events, imported, batch_size=25, concurrency=8)
    unknown = sum(1 for e in events if e.product == UNKNOWN)
    assert (end.applied, end.unknown, end.complete) == (180 - unknown, unknown, True) and unknown > 0

    async with runtime_in(redis_server, redis_index, replayed, embedder) as runtime:
        context = Context(service=replace(runtime.service, clock=clock))
        for event in events:  # one at a time, in file order, each at its own time
            clock.now = START if event.at is None else event.at
            variables = {"u": event.user, "p": event.product, "k": event.kind.value}
            result = await schema.execute(RECORD, variable_values=variables, context_value=context)
            assert not result.errors and result.data is not None, result.errors
            expected = "ProductNotFound" if event.product == UNKNOWN else "EventRecorded"
            assert result.data["recordEvent"]["__typename"] == expected
    clock.now = START

    after_import, after_replay = await snapshot(redis_client, imported), await snapshot(redis_client, replayed)
    assert after_import == after_replay
    assert any(name.startswith("popular:") for name in after_import)
    assert any(name.startswith("co:{") for name in after_import) and "co:totals:also_viewed" in after_import
    assert sum(name.startswith("user:") for name in after_import) >= 2 * 12


class Crash(Exception):
    pass


@dataclass
class Crashing:
    """A real store, until a call of `method` would go past `survive` (each call spends `cost(args)`): then the
    process 'dies' before that call does anything."""

    store: Any
    method: str
    survive: int
    cost: Callable[[tuple[Any, ...]], int]

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.store, name)
        if name != self.method:
            return attribute

        async def crashing(*args: Any, **options: Any) -> Any:
            if self.survive < self.cost(args):
                raise Crash
            self.survive -= self.cost(args)
            return await attribute(*args, **options)

        return crashing


@dataclass
class CrashedImport:
    """An uninterrupted import and one that crashes, then resumes an hour later, each in a namespace of its own."""

    redis_server: EmbeddedRedis
    redis_index: RedisProductIndex
    redis_client: aioredis.Redis
    namespace: str
    embedder: FastEmbedEmbedder
    clock: FakeClock
    events: list[PastEvent]

    async def run(
        self, crash: Callable[[RecommenderService], RecommenderService], *, resume_size: int = 50
    ) -> tuple[ImportCheckpoint, dict[str, Any], dict[str, Any]]:
        """The checkpoint the crash left, every key after the resume (in batches of `resume_size`), every key
        after the uninterrupted import."""
        clock, events = self.clock, self.events
        whole, crashed = f"{self.namespace}whole:", f"{self.namespace}crashed:"
        async with runtime_in(self.redis_server, self.redis_index, whole, self.embedder) as runtime:
            await import_all(runtime, clock, events, whole, batch_size=50, concurrency=8)
        async with runtime_in(self.redis_server, self.redis_index, crashed, self.embedder) as runtime:
            assert runtime.redis is not None
            checkpoints = ImportCheckpoints(runtime.redis, f"{crashed}user:")
            service = replace(runtime.service, clock=clock)
            with pytest.raises(Crash):
                await apply_events(
                    crash(service), checkpoints, events, ImportCheckpoint("test", clock()), batch_size=50
                )
            saved = await checkpoints.read()
            assert saved is not None and not saved.complete and saved.position < events[-1].line
            clock.advance(3600.0)  # the resume runs later: events without a time keep the first run's start
            end = await apply_events(service, checkpoints, events, saved, batch_size=resume_size, resumed=True)
            assert end.complete and end.applied + end.unknown == len(events)
        clock.now = START
        return saved, await snapshot(self.redis_client, crashed), await snapshot(self.redis_client, whole)


@pytest.fixture
def crashed_import(
    redis_server: EmbeddedRedis,
    redis_index: RedisProductIndex,
    redis_client: aioredis.Redis,
    namespace: str,
    embedder: FastEmbedEmbedder,
    clock: FakeClock,
    tmp_path: Path,
) -> CrashedImport:
    events = read_events(write_events(tmp_path / "events.jsonl", event_lines()), clock())
    return CrashedImport(redis_server, redis_index, redis_client, namespace, embedder, clock, events)


@pytest.mark.parametrize("resume_size", [50, 13])
@pytest.mark.parametrize("survive", [0, 37, 130])
async def test_a_resumed_import_ends_as_an_uninterrupted_one(
    crashed_import: CrashedImport, survive: int, resume_size: int
) -> None:
    """A crash while a batch's users are written: the resume writes the others and sends every count, in
    batches of the crashed run's size or another."""

    def crash(service: RecommenderService) -> RecommenderService:
        return replace(service, users=Crashing(service.users, "record", survive, cost=lambda args: len(args[0])))

    saved, after, expected = await crashed_import.run(crash, resume_size=resume_size)
    assert saved.counting == 0 and saved.batch_end > saved.position
    assert after == expected


@pytest.mark.parametrize("resume_size", [50, 13])
async def test_a_crash_while_counts_are_sent_never_writes_a_user_twice(
    crashed_import: CrashedImport, resume_size: int
) -> None:
    """The second batch's users are all written when its counts are cut off: the resume moves past it, so its
    users end as in an uninterrupted import and its counts may fall short, never exceed."""

    def crash(service: RecommenderService) -> RecommenderService:
        return replace(service, popularity=Crashing(service.popularity, "add_many", 1, cost=lambda args: 1))

    saved, after, expected = await crashed_import.run(crash, resume_size=resume_size)
    events = crashed_import.events
    assert (saved.position, saved.counting) == (events[49].line, events[99].line)
    assert {k: v for k, v in after.items() if k.startswith("user:")} == {
        k: v for k, v in expected.items() if k.startswith("user:")
    }
    counts = [name for name in expected if name.startswith(("popular:", "co:"))]
    short = [name for name in counts if after.get(name) != expected[name]]
    assert any(name.startswith("popular:") for name in short)  # the cut-off batch's popularity is missing ...
    for name in short:  # ... and nothing is counted twice, in popularity or co-engagement
        kind, values, _ = expected[name]
        mine = after[name][1] if name in after else []
        counted = dict(mine) if kind == "zset" else {k: float(v) for k, v in mine.items()}
        wanted = values if kind == "zset" else [(k, float(v)) for k, v in values.items()]
        assert all(counted.get(member, 0.0) <= score * (1 + 1e-12) for member, score in wanted)


def _event(product: str, at: float, kind: EventKind = EventKind.CLICK) -> Event:
    return Event(product, kind, at)


def test_the_applied_prefix_is_read_from_the_history() -> None:
    past = [PastEvent(n, "u", f"p{n}", EventKind.CLICK, float(n)) for n in range(1, 6)]
    history = [_event("p3", 3.0), _event("p2", 2.0), _event("p1", 1.0), _event("old", 0.5)]
    assert applied_prefix(history, past, 0.0) == 3
    assert applied_prefix([_event("old", 0.5)], past, 0.0) == 0
    assert applied_prefix([], past, 0.0) == 0
    assert applied_prefix(history[:3], past, 0.0) == 3  # a user with no history before the import
    assert applied_prefix(history[:2], past, 0.0) == 0  # p3, p2 on top, but p1 missing: not these events
    assert applied_prefix([_event("p1", 1.0, EventKind.VIEW)], past, 0.0) == 0
