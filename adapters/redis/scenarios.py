"""ScenarioStore on Redis: one hash `<key>` (field = scenario name, value = its JSON; and the field `:version`,
a counter no scenario name can collide with), and a channel `<key>:changed`. One key: every change is one
transaction on one cluster slot, and one HGETALL reads every scenario with the version they are at.

Requests are served from a copy in memory, so a request naming a scenario costs no Redis command. A change
is one transaction (write the hash, bump the version, publish on the channel): the instance that made it
reloads before answering, and every other instance reloads when the message arrives (`watch`, a task of the
app's lifespan). Pub/sub delivers at most once and not while a connection is down, so `watch` also reads the
version whenever the channel was quiet for `check_s`, and reloads when it moved: a lost message costs at
most that delay, and a quiet instance one HGET per `check_s`, not one per request (BENCHMARKS.md,
"Scenarios: serving a change without a read per request").
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError, TimeoutError

from adapters import scenario_json
from adapters.redis.connection import RedisConnection, translated
from domain.errors import StoreUnavailable
from domain.scenarios import Scenario

log = logging.getLogger("recommender.scenarios")
DEFAULT_CHECK_S = 5.0
STOP_RETRY_S = 0.1
VERSION = ":version"  # a hash field; scenario names hold no colon


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisScenarioStore:
    def __init__(self, redis: RedisConnection, key: str = "recommender:scenarios", check_s: float = DEFAULT_CHECK_S):
        if not check_s > 0:
            raise ValueError("the version check needs a positive interval")
        self._client = redis.client
        self._key, self._channel = key, f"{key}:changed"
        self._check_s = check_s
        self._serving: dict[str, Scenario] = {}
        self._version: int | None = None  # None: nothing loaded yet

    async def exists(self, name: str) -> bool:
        """Whether a scenario of that name is configured now (the A/B counters' bounded labels)."""
        return self.serving(name) is not None

    def serving(self, name: str) -> Scenario | None:
        return self._serving.get(name)

    @translated
    async def get(self, name: str) -> Scenario | None:
        raw = await self._client.hget(self._key, name)
        return None if raw is None else _decoded(name, raw)

    @translated
    async def list(self) -> list[Scenario]:
        stored = await self._client.hgetall(self._key)
        stored.pop(VERSION.encode(), None)
        return _all(stored)

    @translated
    async def save(self, scenario: Scenario) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(self._key, scenario.name, scenario_json.dumps(scenario))
            await self._changed(pipe, scenario.name)
        await self.reload()

    @translated
    async def delete(self, name: str) -> bool:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hdel(self._key, name)
            removed, *_ = await self._changed(pipe, name)
        await self.reload()
        return bool(removed)

    async def _changed(self, pipe: Pipeline, name: str) -> Sequence[object]:
        pipe.hincrby(self._key, VERSION, 1)
        pipe.publish(self._channel, name)
        return await pipe.execute()

    @translated
    async def reload(self) -> None:
        stored = await self._client.hgetall(self._key)
        version = stored.pop(VERSION.encode(), None)
        self._serving = {scenario.name: scenario for scenario in _all(stored)}
        self._version = int(version or 0)

    async def reload_if_changed(self) -> None:
        version = await self._client.hget(self._key, VERSION)
        if int(version or 0) != self._version:
            await self.reload()

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Loaded, then kept current by a task (`watch`) for as long as the context lasts."""
        await self.reload()
        task = asyncio.create_task(self.watch(), name="scenario-changes")
        try:
            yield
        finally:
            # On Python 3.11 a cancellation landing as a redis-py command completes can be lost (its
            # asyncio.wait_for swallows it), and the task would run on: cancel until it has ended.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=STOP_RETRY_S)

    async def watch(self) -> None:
        """Keep the copy current until cancelled; Redis being away (or a bug) is waited out, never fatal."""
        while True:
            try:
                await self._follow()
            except (ConnectionError, TimeoutError, StoreUnavailable) as exc:
                log.warning("scenario changes not followed (%s); retrying in %.1f s", exc, self._check_s)
            except Exception:
                log.exception("scenario changes not followed; retrying in %.1f s", self._check_s)
            await asyncio.sleep(self._check_s)

    async def _follow(self) -> None:
        async with self._client.pubsub() as pubsub:
            await pubsub.subscribe(self._channel)
            await self.reload()  # subscribed first: no change slips between this read and the messages
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=self._check_s)
                if message is not None:
                    await self.reload()
                else:
                    await self.reload_if_changed()


def _all(stored: Mapping[bytes | str, bytes | str]) -> list[Scenario]:
    found = (_decoded(_text(name), raw) for name, raw in stored.items())
    return sorted((scenario for scenario in found if scenario is not None), key=lambda s: s.name)


def _decoded(name: str, raw: bytes | str) -> Scenario | None:
    try:
        return scenario_json.loads(raw)
    except ValueError as exc:  # written by something else: skipped, never served half-read
        log.warning("scenario %r skipped: %s", name, exc)
        return None
