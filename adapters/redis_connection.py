"""One way to open a Redis client, shared by the server, the CLI and the tests."""

from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from adapters.redis_lane import RedisLane

# Fast failure while Redis is away: one retry after this pause (also used by adapters.redis_fast).
RETRY_PAUSE_S = 0.02


class LaneRedis(aioredis.Redis):
    """The redis-py client plus a pipelined lane for the hot-path reads (see adapters.redis_lane).

    `lane` is None when the URL needs what the lane does not do (TLS, Unix sockets, credential
    providers, RESP3): the hot path then goes through the pool like every other command.
    """

    lane: RedisLane | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        if self.lane is not None:
            self.lane.close()
        await super().aclose(close_connection_pool)


def lane_for(pool: aioredis.ConnectionPool) -> RedisLane | None:
    kwargs: dict[str, Any] = pool.connection_kwargs
    if pool.connection_class is not Connection:  # TLS and Unix sockets stay on the pool
        return None
    if kwargs.get("credential_provider") is not None or str(kwargs.get("protocol", 2)) != "2":
        return None
    return RedisLane(
        host=kwargs.get("host", "localhost"),
        port=int(kwargs.get("port", 6379)),
        username=kwargs.get("username"),
        password=kwargs.get("password"),
        db=int(kwargs.get("db", 0)),
        timeout=kwargs.get("socket_timeout"),
        connect_timeout=kwargs.get("socket_connect_timeout"),
    )


def connect(url: str) -> LaneRedis:
    """RESP2 explicitly (the adapters parse FT.SEARCH's flat RESP2 replies); bytes, since embeddings are binary.

    While Redis is away a request fails fast (one quick retry) so clients get SERVICE_UNAVAILABLE in
    well under a second instead of hanging; each new command reconnects, so service resumes by itself.
    """
    client = cast(
        LaneRedis,
        LaneRedis.from_url(
            url,
            protocol=2,
            socket_timeout=5,
            socket_connect_timeout=1,
            retry=Retry(ExponentialBackoff(cap=0.1, base=RETRY_PAUSE_S), retries=1),
            retry_on_error=[ConnectionError, TimeoutError],
            health_check_interval=10,
        ),
    )
    client.lane = lane_for(client.connection_pool)
    return client
