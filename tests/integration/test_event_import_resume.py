"""A crashed `import-events` resumed ends as an uninterrupted one (real Redis and model): a crash while a batch's
users are written, and one while its counts are sent, resumed in batches of the same size or another."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.embedder import FastEmbedEmbedder
from adapters.event_file import PastEvent, read_events
from adapters.event_import import apply_events
from adapters.import_checkpoints import ImportCheckpoint, ImportCheckpoints
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from domain.service import RecommenderService
from tests.clock import START, FakeClock
from tests.event_lines import event_lines, write_events
from tests.import_runs import import_all, runtime_in, snapshot

pytestmark = pytest.mark.anyio


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
