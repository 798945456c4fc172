"""`import-events` on the real Redis and model: an import leaves exactly the keys a replay through
`recordEvent` leaves. A crashed import resumed is in test_event_import_resume.py; the event file's
checks and the command line in test_event_import_command.py."""

from dataclasses import replace
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from adapters.embedder import FastEmbedEmbedder
from adapters.event_file import PastEvent, read_events
from adapters.event_import import applied_prefix
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from domain.events import Event, EventKind
from gql.schema import Context, schema
from tests.clock import START, FakeClock
from tests.event_lines import UNKNOWN, event_lines, write_events
from tests.import_runs import import_all, runtime_in, snapshot

pytestmark = pytest.mark.anyio
RECORD = """mutation ($u: ID!, $p: ID!, $k: EventKind!) {
  recordEvent(userId: $u, productId: $p, kind: $k) { __typename } }"""


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
