"""PipelinedReads on a real Redis: commands in flight together, replies in order, breaks recovered."""

import asyncio
import random
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, ConnectionError, ResponseError, TimeoutError

from adapters.redis.connection import RedisConnection, connect, pipelined_reads_for
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.pipelined import PipelinedReads, pack

pytestmark = pytest.mark.anyio


def lane_of(conn: RedisConnection) -> PipelinedReads:
    assert conn.pipelined is not None
    return conn.pipelined


async def test_concurrent_commands_share_one_connection_and_keep_their_replies(redis_conn: RedisConnection) -> None:
    lane = lane_of(redis_conn)
    replies = await asyncio.gather(*(redis_conn.reads.command("ECHO", f"m{i}") for i in range(200)))
    assert replies == [f"m{i}".encode() for i in range(200)]
    assert lane.connections_opened == 1


@pytest.mark.parametrize("lane", ["pipelined", "pooled"])
async def test_several_reads_are_written_together_and_answered_in_order(redis_server: EmbeddedRedis, lane: str) -> None:
    """Both implementations: replies in order, an error reply raised. On the pipelined connection all of them are
    written before a command another task sends after the call, so none of them sees that command's write."""
    conn = connect(redis_server.url, pipelined=lane == "pipelined")
    try:
        assert await conn.reads.command("PING") == b"PONG"  # connected
        await conn.client.delete("several:k")
        assert await conn.reads.several(*(("ECHO", f"m{i}") for i in range(50))) == [
            f"m{i}".encode() for i in range(50)
        ]
        # gather starts the burst first; the write's task runs as soon as the burst waits for its replies.
        burst = conn.reads.several(*(("GET", "several:k") for _ in range(50)))
        replies, _ = await asyncio.gather(burst, conn.reads.command("SET", "several:k", "late"))
        assert replies == [None] * 50 if lane == "pipelined" else set(replies) <= {None, b"late"}
        assert await conn.reads.several() == []
        with pytest.raises(ResponseError, match="no-such-index"):
            await conn.reads.several(("PING",), ("FT.SEARCH", "no-such-index", "*"))
        assert await conn.reads.command("PING") == b"PONG"
    finally:
        await conn.client.delete("several:k")
        await conn.aclose()


async def test_a_connection_killed_mid_command_is_retried_on_a_new_one(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis") as server:
        conn, admin = connect(server.url), connect(server.url)
        try:
            lane_id = await conn.reads.command("CLIENT", "ID")
            # BLPOP holds the command in flight in Redis while the connection is killed under it.
            blocked = asyncio.create_task(conn.reads.command("BLPOP", "no-such-list", "0.2"))
            await asyncio.sleep(0.05)
            await admin.client.execute_command("CLIENT", "KILL", "ID", lane_id)
            assert await blocked is None  # the retry ran BLPOP again on a new connection: nil at its timeout
            assert lane_of(conn).connections_opened == 2
        finally:
            await conn.aclose()
            await admin.aclose()


async def test_an_unanswered_command_times_out_and_the_lane_recovers(redis_conn: RedisConnection) -> None:
    lane = lane_of(redis_conn)
    lane.timeout = 0.1
    with pytest.raises(TimeoutError):
        await lane.command("BLPOP", "no-such-list", "1")
    assert await lane.command("ECHO", "after") == b"after"  # not the late BLPOP reply: a new connection
    assert lane.connections_opened == 2


async def test_error_replies_are_the_clients_exception_classes(redis_conn: RedisConnection) -> None:
    with pytest.raises(ResponseError, match="no-such-index"):
        await lane_of(redis_conn).command("FT.SEARCH", "no-such-index", "*")
    assert await lane_of(redis_conn).command("PING") == b"PONG"


async def test_password_and_database_come_from_the_url(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis") as server:
        admin = connect(server.url)
        await admin.client.config_set("requirepass", "s3cret")
        base = server.url.removeprefix("redis://").split("/")[0]
        conn, wrong = connect(f"redis://:s3cret@{base}/3"), connect(f"redis://:nope@{base}/3")
        try:
            await conn.client.set("k", "in db 3")
            assert await conn.reads.command("GET", "k") == b"in db 3"
            with pytest.raises(AuthenticationError):
                await wrong.reads.command("GET", "k")
        finally:
            for c in (conn, wrong, admin):
                await c.aclose()


def test_a_client_is_usable_from_one_event_loop_after_another(redis_server: EmbeddedRedis) -> None:
    conn = connect(redis_server.url)
    assert asyncio.run(conn.reads.command("ECHO", "first loop")) == b"first loop"
    assert asyncio.run(conn.reads.command("ECHO", "second loop")) == b"second loop"
    asyncio.run(conn.aclose())


def test_tls_unix_socket_and_resp3_urls_stay_on_the_pool() -> None:
    assert pipelined_reads_for(aioredis.ConnectionPool.from_url("rediss://127.0.0.1:6380/0")) is None
    assert pipelined_reads_for(aioredis.ConnectionPool.from_url("unix:///tmp/redis.sock")) is None
    assert pipelined_reads_for(aioredis.ConnectionPool.from_url("redis://127.0.0.1:6380/0", protocol=3)) is None
    assert pipelined_reads_for(aioredis.ConnectionPool.from_url("redis://u:p@127.0.0.1:6380/2")) is not None
    assert connect("rediss://127.0.0.1:6380/0").pipelined is None
    assert connect("redis://127.0.0.1:6380/0", pipelined=False).pipelined is None  # the setting switched off


async def test_redis_down_is_a_connection_error_on_the_lane() -> None:
    lane = PipelinedReads(host="127.0.0.1", port=1)  # nothing listens on port 1
    with pytest.raises(ConnectionError):
        await lane.command("PING")


def test_pack_is_resp_bulk_strings() -> None:
    assert pack(("SET", "k€", b"\x00\xff", 3, 0.5)) == (
        b"*5\r\n$3\r\nSET\r\n$4\r\nk\xe2\x82\xac\r\n$2\r\n\x00\xff\r\n$1\r\n3\r\n$3\r\n0.5\r\n"
    )
    for refused in (True, None, ["list"]):
        with pytest.raises(TypeError):
            pack(("SET", "k", refused))


async def test_replies_never_cross_when_callers_are_cancelled_at_random(redis_conn: RedisConnection) -> None:
    # Many callers in flight on one connection, a third of them cancelled at random moments: every
    # caller that completes must get its own reply, whatever was dropped around it.
    rng = random.Random(7)

    async def echo(i: int) -> tuple[int, bytes]:
        return i, await redis_conn.reads.command("ECHO", f"reply-{i}")

    for _ in range(5):
        tasks = [asyncio.create_task(echo(i)) for i in range(300)]
        for task in rng.sample(tasks, 100):
            asyncio.get_running_loop().call_later(rng.uniform(0, 0.005), task.cancel)
        done = await asyncio.gather(*tasks, return_exceptions=True)
        completed = [outcome for outcome in done if not isinstance(outcome, BaseException)]
        assert completed and all(reply == f"reply-{i}".encode() for i, reply in completed)
        assert all(isinstance(outcome, tuple | asyncio.CancelledError) for outcome in done)
    assert lane_of(redis_conn).connections_opened == 1  # cancellations never cost the connection
