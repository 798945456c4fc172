"""HotPathReads through redis-py's own pool: what the pipelined connection (adapters.redis.pipelined) does not
speak (TLS, Unix sockets, RESP3, credential providers), or when that speedup is switched off."""

import asyncio
from typing import Any

import redis.asyncio as aioredis


class PooledReads:
    """HotPathReads on a connection from redis-py's pool, with none of the client's per-command layers.

    redis-py's Connection connects on demand and disconnects on any error or cancellation, so a
    connection never goes back to the pool with a reply pending.
    """

    def __init__(self, pool: aioredis.ConnectionPool) -> None:
        self.pool = pool

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        return list(await asyncio.gather(*(self.command(*args) for args in commands)))

    async def command(self, *args: Any) -> Any:
        connection = await self.pool.get_connection()  # connects when needed: may raise ConnectionError too
        try:
            await connection.send_command(*args)
            return await connection.read_response()
        finally:
            await self.pool.release(connection)
