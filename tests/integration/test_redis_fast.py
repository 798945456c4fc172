"""The lean command path: same replies as the client, and no connection ever returns to the pool half-used."""

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError, ResponseError

from adapters.embedded_redis import EmbeddedRedis, free_port
from adapters.redis_connection import connect
from adapters.redis_fast import fast_command

pytestmark = pytest.mark.anyio


async def test_replies_are_the_raw_replies(redis_client: aioredis.Redis, namespace: str) -> None:
    key = f"{namespace}h"
    await redis_client.hset(key, mapping={"a": "1", "b": "2"})
    flat = await fast_command(redis_client, "HGETALL", key)
    assert dict(zip(flat[::2], flat[1::2], strict=True)) == {b"a": b"1", b"b": b"2"}
    assert await fast_command(redis_client, "HGETALL", f"{namespace}missing") == []


async def test_an_error_reply_leaves_the_connection_usable(redis_client: aioredis.Redis) -> None:
    with pytest.raises(ResponseError):
        await fast_command(redis_client, "FT.SEARCH", "no-such-index", "*")
    assert await fast_command(redis_client, "ECHO", "after") == b"after"


async def test_a_cancelled_command_never_leaks_its_reply_to_the_next(redis_client: aioredis.Redis) -> None:
    # BLPOP blocks server-side; cancelling it mid-wait must not leave its reply for the next command.
    pending = asyncio.create_task(fast_command(redis_client, "BLPOP", "no-such-list", "0.3"))
    await asyncio.sleep(0.05)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    replies = await asyncio.gather(*(fast_command(redis_client, "ECHO", f"m{i}") for i in range(20)))
    assert replies == [f"m{i}".encode() for i in range(20)]
    await asyncio.sleep(0.35)  # past the BLPOP timeout: a stale nil reply would surface now
    assert await fast_command(redis_client, "ECHO", "late") == b"late"


async def test_a_connection_closed_by_the_server_is_replaced(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis") as server:
        client, admin = connect(server.url), connect(server.url)
        try:
            pooled_id = await fast_command(client, "CLIENT", "ID")  # the connection the pool will hand out again
            await admin.execute_command("CLIENT", "KILL", "ID", pooled_id)
            assert await fast_command(client, "ECHO", "again") == b"again"
            assert await fast_command(client, "CLIENT", "ID") != pooled_id
        finally:
            await client.aclose()
            await admin.aclose()


class _Connection:
    def __init__(self, fails: bool) -> None:
        self.fails = fails

    async def send_command(self, *args: object) -> None:
        if self.fails:
            raise ConnectionError("connection reset mid-command")

    async def read_response(self) -> bytes:
        return b"ok"


class _Pool:
    """Hands out a connection that breaks mid-command, then a good one (a race the real pool cannot stage)."""

    def __init__(self, failures: int) -> None:
        self.connections = [_Connection(fails=i < failures) for i in range(3)]
        self.released: list[_Connection] = []

    async def get_connection(self) -> _Connection:
        return self.connections.pop(0)

    async def release(self, connection: _Connection) -> None:
        self.released.append(connection)


@pytest.mark.parametrize(("failures", "succeeds"), [(0, True), (1, True), (2, False)])
async def test_one_retry_after_a_connection_error(failures: int, succeeds: bool) -> None:
    pool = _Pool(failures)
    client = type("Client", (), {"connection_pool": pool})()
    if succeeds:
        assert await fast_command(client, "PING") == b"ok"  # type: ignore[arg-type]
    else:
        with pytest.raises(ConnectionError):
            await fast_command(client, "PING")  # type: ignore[arg-type]
    assert len(pool.released) == min(failures + 1, 2)  # every connection taken went back


async def test_redis_down_is_a_connection_error() -> None:
    client = connect(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        with pytest.raises(ConnectionError):
            await fast_command(client, "PING")
    finally:
        await client.aclose()


async def test_service_resumes_after_a_redis_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    client = connect(server.url)
    try:
        assert await fast_command(client, "ECHO", "before") == b"before"
        server.stop()
        with pytest.raises(ConnectionError):
            await fast_command(client, "ECHO", "down")
        server = EmbeddedRedis(tmp_path / "redis", port=server.port).start()
        assert await fast_command(client, "ECHO", "after") == b"after"
    finally:
        await client.aclose()
        server.stop()
