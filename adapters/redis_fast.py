"""Hot-path reads without the client's per-command layers.

`Redis.execute_command` wraps each command in a retry helper, event dispatch, observability hooks and
pool bookkeeping, and the recommendation path sends two per request. A client made by
`redis_connection.connect` carries a lane (`adapters.redis_lane`): one pipelined connection per event
loop, on which concurrent requests' commands are in flight together. Otherwise (TLS URLs, or any
other client) a connection is taken from the client's own pool, the command is packed, sent and parsed
by redis-py's `Connection` (which connects on demand and disconnects on any error or cancellation, so
a connection never goes back to the pool with a reply pending), and the connection is returned.

A connection error or timeout is retried once after a short pause, as the client's `Retry(retries=1)`
does (see `redis_connection.connect`), so a connection broken by a Redis restart costs one retry, not
a failed request; a second failure propagates as redis-py's ConnectionError / TimeoutError, which the
API reports as SERVICE_UNAVAILABLE. Only for reads, which are safe to send twice.
"""

import asyncio
from functools import partial
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError, TimeoutError

from adapters.redis_connection import RETRY_PAUSE_S, LaneRedis


async def fast_command(client: aioredis.Redis, *args: Any) -> Any:
    """The raw RESP reply of one command (no response callbacks: HGETALL gives a flat list)."""
    lane = client.lane if isinstance(client, LaneRedis) else None
    send = lane.command if lane is not None else partial(_pooled, client.connection_pool)
    try:
        return await send(*args)
    except (ConnectionError, TimeoutError):
        await asyncio.sleep(RETRY_PAUSE_S)
        return await send(*args)


async def _pooled(pool: aioredis.ConnectionPool, *args: Any) -> Any:
    connection = await pool.get_connection()  # connects when needed: may raise ConnectionError too
    try:
        await connection.send_command(*args)
        return await connection.read_response()
    finally:
        await pool.release(connection)
