"""Search reads spread over replicas that load the Search module, the primary as the fallback.

FT.SEARCH, the product listing, categories and brands are read-only and tolerate the replication
window, so they go round-robin to the replicas named by `--search-replica-url`. A replica is in the
rotation only while it answers and is in sync:

- a probe (`INFO replication` + `INFO persistence`, in the background, every `check_s`) admits it when
  it is not loading and its link to the primary is up with no full sync in progress (or when it was
  promoted and is a primary itself);
- a read that cannot reach it (refused, reset, timed out, LOADING) takes it out at once and the same
  read goes to the primary, so no request fails because a replica died;
- a replica that is out is probed again after a backoff (BACKOFF_FIRST_S doubling up to BACKOFF_MAX_S).

Writes, user features and the product reads behind a click stay on the primary (the other readers of
`RedisConnection`). A new replica starts out of the rotation: it serves nothing before a probe passes.
"""

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from adapters.redis.connection import UNREACHABLE, RedisConnection, hot_path_reads, translated
from adapters.redis.index import RedisProductIndex
from adapters.redis.pipelined import HotPathReads
from adapters.redis.schema import IndexConfig
from domain.models import Product, Vector

BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 5.0
# A replica is a spare: a dead host must cost a request little before the primary answers instead.
CONNECT_TIMEOUT_S = 0.25
READ_TIMEOUT_S = 2.0


def parse_info(raw: bytes | str) -> dict[str, str]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))
    return {name: value.strip() for name, value in pairs}


def in_sync(info: dict[str, str]) -> bool:
    """Serves current data: not loading, and either replicating over a live link or itself a primary."""
    if info.get("loading") != "0":
        return False
    if info.get("role") == "master":
        return True
    return info.get("master_link_status") == "up" and info.get("master_sync_in_progress") == "0"


class Replica:
    """One replica's reader and its place in the rotation."""

    def __init__(self, url: str, reads: HotPathReads, closers: Sequence[Any] = ()) -> None:
        self.url = url
        self.reads = reads
        self.usable = False
        self.commands = 0
        self.failures = 0  # consecutive: sets the backoff
        self.outages = 0  # times taken out of the rotation
        self.next_check = 0.0
        self._probe: asyncio.Task[None] | None = None
        self._closers = closers

    def take_out(self) -> None:
        if self.usable:
            self.outages += 1
        self.usable = False
        self.failures += 1
        self.next_check = time.monotonic() + min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** (self.failures - 1))

    def check_due(self, check_s: float) -> None:
        """Start a background probe when one is due; the request that noticed does not wait for it."""
        if time.monotonic() < self.next_check or (self._probe is not None and not self._probe.done()):
            return
        self.next_check = time.monotonic() + check_s  # a probe that fails sets the backoff instead
        self._probe = asyncio.ensure_future(self.probe())

    async def probe(self) -> None:
        try:
            info = parse_info(await self.reads.command("INFO", "replication"))
            info |= parse_info(await self.reads.command("INFO", "persistence"))
        except (*UNREACHABLE, ResponseError):
            self.take_out()
            return
        if in_sync(info):
            self.usable, self.failures = True, 0
        else:
            self.take_out()

    async def aclose(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError, *UNREACHABLE):
                await self._probe
        for closer in self._closers:
            await closer()

    def stats(self) -> dict[str, object]:
        return {"usable": self.usable, "commands": self.commands, "outages": self.outages}


class SearchReads:
    """HotPathReads for the search-side reads: the next usable replica, else the primary."""

    def __init__(self, primary: HotPathReads, replicas: Sequence[Replica], check_s: float = 1.0) -> None:
        self.primary = primary
        self.replicas = list(replicas)
        self.check_s = check_s
        self.primary_commands = 0
        self.fallbacks = 0  # reads a replica was chosen for but could not answer
        self._turn = 0

    async def probe_all(self) -> None:
        """At start-up, so that replicas in sync take reads from the first request on."""
        await asyncio.gather(*(replica.probe() for replica in self.replicas))

    def usable(self) -> int:
        return sum(replica.usable for replica in self.replicas)

    def _next(self) -> Replica | None:
        for _ in range(len(self.replicas)):
            replica = self.replicas[self._turn % len(self.replicas)]
            self._turn += 1
            replica.check_due(self.check_s)
            if replica.usable:
                return replica
        return None

    async def command(self, *args: Any) -> Any:
        return (await self.several(args))[0]

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        replica = self._next()
        if replica is not None:
            try:
                replies = await replica.reads.several(*commands)
            except UNREACHABLE:
                replica.take_out()
                self.fallbacks += 1
            else:
                replica.commands += len(commands)
                return replies
        self.primary_commands += len(commands)
        return await self.primary.several(*commands)

    def stats(self) -> dict[str, object]:
        """Which server answered the search reads (for /metrics.json)."""
        return {
            "primary": self.primary_commands,
            "fallbacks": self.fallbacks,
            "replicas": {replica.url: replica.stats() for replica in self.replicas},
        }

    async def aclose(self) -> None:
        for replica in self.replicas:
            await replica.aclose()


def open_replica(url: str, *, pipelined: bool = True) -> Replica:
    """A replica's reader: short timeouts and no retry of its own (the primary is the retry)."""
    client = aioredis.Redis.from_url(
        url, protocol=2, socket_timeout=READ_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S
    )
    reads, lane = hot_path_reads(client.connection_pool, pipelined)

    async def close_lane() -> None:
        if lane is not None:
            lane.close()

    return Replica(url, reads, (close_lane, client.aclose))


class ReplicatedProductIndex(RedisProductIndex):
    """After a catalog write, `WAIT` (bounded by `wait_ms`) for the replicas in the rotation to have it.

    The write itself is done and acknowledged by the primary either way: a replica that does not confirm
    in time only widens the window in which a search there shows the old product (counted in `stats`).
    """

    def __init__(self, redis: RedisConnection, config: IndexConfig, search: SearchReads, wait_ms: int) -> None:
        super().__init__(redis, config, search)
        self._search = search
        self._wait_ms = wait_ms
        self.waits = 0
        self.wait_shortfalls = 0

    async def set_vector(self, product_id: str, vector: Vector) -> bool:
        done = await super().set_vector(product_id, vector)
        await self._replicated()
        return done

    async def upsert(self, items: Sequence[tuple[Product, Vector]]) -> int:
        count = await super().upsert(items)
        await self._replicated()
        return count

    async def replace_existing(self, items: Sequence[tuple[Product, Vector]]) -> list[str]:
        written = await super().replace_existing(items)  # price, rating, stock and text changes
        await self._replicated()
        return written

    async def delete(self, product_ids: Sequence[str]) -> list[str]:
        deleted = await super().delete(product_ids)
        await self._replicated()
        return deleted

    @translated
    async def _replicated(self) -> None:
        wanted = self._search.usable()
        if self._wait_ms <= 0 or wanted == 0:
            return
        self.waits += 1
        acked = int(await self._client.execute_command("WAIT", wanted, self._wait_ms))
        if acked < wanted:
            self.wait_shortfalls += 1

    def stats(self) -> dict[str, object]:
        return {**self._search.stats(), "waits": self.waits, "wait_shortfalls": self.wait_shortfalls}
