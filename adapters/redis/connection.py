"""The one way in to Redis: open a connection, retry a read once, report an unreachable store as such.

Every adapter over Redis takes the `RedisConnection` that `connect` returns: its redis-py `client` for
writes and transactions, its `reads` for the hot-path reads. Redis being away (refused, reset, timed out,
still loading its data) leaves an adapter only as the domain's `StoreUnavailable`, via `store_errors`.
"""

import asyncio
import functools
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from adapters.redis.pipelined import HotPathReads, PipelinedReads
from adapters.redis.pooled import PooledReads
from adapters.redis.sentinel import is_sentinel_url, sentinel_client
from domain.errors import StoreUnavailable

# Fast failure while Redis is away: one retry after this pause, so a connection broken by a Redis restart
# costs one retry rather than a failed request, and clients get SERVICE_UNAVAILABLE well under a second
# after that instead of hanging. Each new command reconnects, so service resumes by itself.
RETRY_PAUSE_S = 0.02
# BusyLoadingError (Redis loading its data) is a ConnectionError too: retried, then unavailable.
UNREACHABLE = (ConnectionError, TimeoutError)

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def store_errors() -> Iterator[None]:
    """Redis being unreachable becomes StoreUnavailable; every other error passes unchanged."""
    try:
        yield
    except UNREACHABLE as exc:
        raise StoreUnavailable(f"Redis unavailable: {exc}") from exc


def translated(method: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """`store_errors` around a coroutine method of an adapter."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with store_errors():
            return await method(*args, **kwargs)

    return wrapper


class RetryingReads:
    """A read that fails to reach Redis is sent once more after RETRY_PAUSE_S (reads are safe to repeat)."""

    def __init__(self, inner: HotPathReads) -> None:
        self.inner = inner

    async def command(self, *args: Any) -> Any:
        try:
            return await self.inner.command(*args)
        except UNREACHABLE:
            await asyncio.sleep(RETRY_PAUSE_S)
            return await self.inner.command(*args)

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        try:
            return await self.inner.several(*commands)
        except UNREACHABLE:
            await asyncio.sleep(RETRY_PAUSE_S)
            return await self.inner.several(*commands)


@dataclass
class RedisConnection:
    client: aioredis.Redis
    reads: HotPathReads  # retried once; pipelined or pooled as `connect` decided
    pipelined: PipelinedReads | None  # for its counters on /metrics; None when the reads use the pool

    @translated
    async def ping(self) -> bool:
        return bool(await self.client.ping())

    async def aclose(self) -> None:
        if self.pipelined is not None:
            self.pipelined.close()
        await self.client.aclose()


def pipelined_reads_for(pool: aioredis.ConnectionPool) -> PipelinedReads | None:
    """None when the pool's URL needs what PipelinedReads does not speak (TLS, Unix sockets, credential
    providers, RESP3)."""
    kwargs: dict[str, Any] = pool.connection_kwargs
    if pool.connection_class is not Connection:
        return None
    if kwargs.get("credential_provider") is not None or str(kwargs.get("protocol", 2)) != "2":
        return None
    return PipelinedReads(
        host=kwargs.get("host", "localhost"),
        port=int(kwargs.get("port", 6379)),
        username=kwargs.get("username"),
        password=kwargs.get("password"),
        db=int(kwargs.get("db", 0)),
        timeout=kwargs.get("socket_timeout"),
        connect_timeout=kwargs.get("socket_connect_timeout"),
    )


def hot_path_reads(pool: aioredis.ConnectionPool, pipelined: bool) -> tuple[HotPathReads, PipelinedReads | None]:
    """The reads for the hot path over `pool`'s server: pipelined when asked and the URL allows, else the
    pool itself; the pipelined reader is also returned (for its counters and to close it)."""
    lane = pipelined_reads_for(pool) if pipelined else None
    return (lane if lane is not None else PooledReads(pool)), lane


def connect(url: str, *, pipelined: bool = True) -> RedisConnection:
    """Open a connection to `url`; `pipelined` (the `redis_pipelined_reads` setting) sends the hot-path
    reads on one pipelined connection where the URL allows it, else through redis-py's pool.

    RESP2 explicitly (the adapters parse FT.SEARCH's flat RESP2 replies); bytes, since embeddings are binary.
    """
    options: dict[str, Any] = {
        "protocol": 2,
        "socket_timeout": 5,
        "socket_connect_timeout": 1,
        "retry": Retry(ExponentialBackoff(cap=0.1, base=RETRY_PAUSE_S), retries=1),
        "retry_on_error": list(UNREACHABLE),
        "health_check_interval": 10,
    }
    # redis+sentinel://: the primary Sentinel names, looked up again on every new connection (failover).
    client = sentinel_client(url, **options) if is_sentinel_url(url) else aioredis.Redis.from_url(url, **options)
    reads, lane = hot_path_reads(client.connection_pool, pipelined)
    return RedisConnection(client, RetryingReads(reads), lane)
