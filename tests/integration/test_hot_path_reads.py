"""The hot-path reads on a real Redis, through both implementations: the same replies and errors as the
client, one retry, no connection ever returned to the pool half-used, and Redis away as StoreUnavailable."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError, ResponseError

from adapters.memory import HashingEmbedder
from adapters.redis.connection import RedisConnection, RetryingReads, connect
from adapters.redis.embedded import EmbeddedRedis, free_port
from adapters.redis.index import RedisProductIndex
from adapters.redis.pooled import PooledReads
from adapters.redis.schema import IndexConfig
from adapters.redis.users import RedisUserFeatureStore
from domain.errors import StoreUnavailable
from domain.events import Event, EventKind
from domain.filters import ProductFilter

pytestmark = pytest.mark.anyio

WAYS = {"pipelined": True, "pooled": False}


@pytest.fixture(params=list(WAYS))
async def conn(request: pytest.FixtureRequest, redis_server: EmbeddedRedis) -> AsyncIterator[RedisConnection]:
    connection = connect(redis_server.url, pipelined=WAYS[request.param])
    assert (connection.pipelined is not None) == WAYS[request.param]
    yield connection
    await connection.aclose()


def _hits(reply: list[object]) -> tuple[object, frozenset[tuple[object, object]]]:
    """An FT.SEARCH reply as (total, {(document id, its fields)})."""
    rest = reply[1:]
    return reply[0], frozenset((rest[i], repr(rest[i + 1])) for i in range(0, len(rest), 2))


async def test_both_ways_give_identical_replies(
    redis_index: RedisProductIndex, redis_server: EmbeddedRedis, namespace: str
) -> None:
    pipelined, pooled = connect(redis_server.url), connect(redis_server.url, pipelined=False)
    vector = HashingEmbedder().vector("q").tobytes()
    reads = [
        ("HGETALL", f"{namespace}product:p001"),
        ("HGETALL", f"{namespace}missing"),
        ("HMGET", f"{namespace}product:p001", "name", "no-such-field"),
        ("FT.SEARCH", redis_index.name, "@category:{outerwear}", "RETURN", 1, "name", "LIMIT", 0, 20),
        ("FT.SEARCH", redis_index.name, "(*)=>[KNN 3 @embedding $vec AS d]", "PARAMS", 2, "vec", vector, "DIALECT", 2),
    ]  # not FT.INFO: its counters move between two calls
    try:
        for args in reads:
            replies = [await pipelined.reads.command(*args), await pooled.reads.command(*args)]
            if args[0] == "FT.SEARCH":  # equal scores may come back in either order: compare the hits as a set
                replies = [_hits(reply) for reply in replies]
            assert replies[0] == replies[1], args[0]
        errors = []
        for connection in (pipelined, pooled):
            for bad in [("FT.SEARCH", "no-such-index", "*"), ("FT.SEARCH", redis_index.name, "@name:(")]:
                with pytest.raises(ResponseError) as caught:
                    await connection.reads.command(*bad)
                errors.append((type(caught.value), str(caught.value)))
        assert errors[:2] == errors[2:]
    finally:
        await pipelined.aclose()
        await pooled.aclose()


async def test_replies_are_the_raw_replies(conn: RedisConnection, namespace: str) -> None:
    key = f"{namespace}h"
    await conn.client.hset(key, mapping={"a": "1", "b": "2"})
    flat = await conn.reads.command("HGETALL", key)
    assert dict(zip(flat[::2], flat[1::2], strict=True)) == {b"a": b"1", b"b": b"2"}
    assert await conn.reads.command("HGETALL", f"{namespace}missing") == []


async def test_an_error_reply_leaves_the_connection_usable(conn: RedisConnection) -> None:
    with pytest.raises(ResponseError):
        await conn.reads.command("FT.SEARCH", "no-such-index", "*")
    assert await conn.reads.command("ECHO", "after") == b"after"


async def test_a_cancelled_command_never_leaks_its_reply_to_the_next(conn: RedisConnection) -> None:
    # BLPOP blocks server-side; cancelling it mid-wait must not leave its reply for the next command.
    pending = asyncio.create_task(conn.reads.command("BLPOP", "no-such-list", "0.3"))
    await asyncio.sleep(0.05)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    replies = await asyncio.gather(*(conn.reads.command("ECHO", f"m{i}") for i in range(20)))
    assert replies == [f"m{i}".encode() for i in range(20)]
    await asyncio.sleep(0.35)  # past the BLPOP timeout: a stale nil reply would surface now
    assert await conn.reads.command("ECHO", "late") == b"late"


@pytest.mark.parametrize("pipelined", [True, False])
async def test_a_connection_closed_by_the_server_is_replaced(tmp_path: Path, pipelined: bool) -> None:
    with EmbeddedRedis(tmp_path / "redis") as server:
        conn, admin = connect(server.url, pipelined=pipelined), connect(server.url)
        try:
            used_id = await conn.reads.command("CLIENT", "ID")  # the connection the next read would use again
            await admin.client.execute_command("CLIENT", "KILL", "ID", used_id)
            assert await conn.reads.command("ECHO", "again") == b"again"
            assert await conn.reads.command("CLIENT", "ID") != used_id
        finally:
            await conn.aclose()
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
    reads = RetryingReads(PooledReads(pool))  # type: ignore[arg-type]
    if succeeds:
        assert await reads.command("PING") == b"ok"
    else:
        with pytest.raises(ConnectionError):
            await reads.command("PING")
    assert len(pool.released) == min(failures + 1, 2)  # every connection taken went back


@pytest.mark.parametrize("pipelined", [True, False])
async def test_redis_down_is_a_connection_error(pipelined: bool) -> None:
    conn = connect(f"redis://127.0.0.1:{free_port()}/0", pipelined=pipelined)  # nothing listens there
    try:
        with pytest.raises(ConnectionError):
            await conn.reads.command("PING")
    finally:
        await conn.aclose()


async def test_every_adapter_reports_redis_away_as_store_unavailable() -> None:
    conn = connect(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    index = RedisProductIndex(conn, IndexConfig(name="down", prefix="down:"))
    users = RedisUserFeatureStore(conn)
    calls = [
        conn.ping(),
        index.search(HashingEmbedder().vector("q"), ProductFilter(), 3),
        index.get("p1"),
        index.set_vector("p1", HashingEmbedder().vector("p1")),
        index.exists(),
        index.ensure(),
        index.recreate(),
        index.info(),
        index.categories(),
        index.list_products(5),
        users.get("u"),
        users.record([Event("p1", EventKind.VIEW, 0.0)], "u", lambda features, _: features),
        users.history("u", 5),
        users.delete("u"),
    ]
    try:
        for call in calls:
            with pytest.raises(StoreUnavailable):
                await call
    finally:
        await conn.aclose()


async def test_service_resumes_after_a_redis_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    conn = connect(server.url)
    try:
        assert await conn.reads.command("ECHO", "before") == b"before"
        server.stop()
        with pytest.raises(ConnectionError):
            await conn.reads.command("ECHO", "down")
        server = EmbeddedRedis(tmp_path / "redis", port=server.port).start()
        assert await conn.reads.command("ECHO", "after") == b"after"
    finally:
        await conn.aclose()
        server.stop()
