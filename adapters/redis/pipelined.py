"""The hot-path reads (HGETALL of a user's features, FT.SEARCH, HMGET, FT.INFO), raw RESP2 replies.

Two implementations of one small interface, chosen once by `connection.connect`:

`PipelinedReads`: one connection per event loop on which any number of commands are in flight. Through
redis-py's pool each command takes a connection, checks its health, wraps the write in `asyncio.wait_for`
(a new task per command when a socket timeout is set), reads under a timeout and gives the connection
back: on this machine class ~0.18 ms of client CPU per command, of which the socket round trip is
~0.1 ms. Here a command is packed, written, and its future queued; replies arrive in order and resolve
the futures in turn (parsed by hiredis, as redis-py does). Redis runs one connection's commands in order.

Why this stays correct:
- A caller cancelled while waiting leaves its future in the queue; its reply is read and dropped, so
  it can never be taken for the next command's reply.
- A lost connection fails every command in flight with redis-py's ConnectionError; the next command
  opens a new connection (one attempt at a time, shared by the callers that arrive meanwhile).
- A command not answered within the socket timeout aborts the connection (Redis is hung or the
  network is gone) and raises redis-py's TimeoutError; what else was in flight fails as above.
- Error replies become redis-py's own exception classes, so both implementations raise the same
  (ResponseError, and BusyLoadingError while Redis loads its data).

`PooledReads` (adapters.redis.pooled): redis-py's own pool and Connection, for what the pipelined one does
not speak (TLS, Unix sockets, RESP3, credential providers) or when the speedup is switched off.

Only for reads that are safe to send again (`connection.RetryingReads` retries once) and never for
blocking commands: a BLPOP would hold every command queued behind it on the pipelined connection.
"""

import asyncio
from collections import deque
from typing import Any, Protocol

import hiredis
from redis.exceptions import ConnectionError, InvalidResponse, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError


class HotPathReads(Protocol):
    async def command(self, *args: Any) -> Any:
        """The raw RESP2 reply of one read (no response callbacks: HGETALL gives a flat list); an error
        reply raises redis-py's exception for it."""
        ...

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Several reads' replies, in order: on the pipelined connection all are written before any reply is
        awaited, so they go ahead of whatever another task sends next."""
        ...


def _error_reply(message: str) -> RedisError:
    """An error reply as the redis-py exception its own parsers would raise.

    Uses redis-py's private error table (`redis._parsers.base`), so that both implementations raise the
    same classes; covered by the pinned redis range in pyproject.toml and by the test that runs the same
    reads through PipelinedReads and PooledReads. Imported here only, on first use.
    """
    from redis._parsers.base import BaseParser

    error: RedisError = BaseParser.parse_error(message)
    return error


def pack(args: tuple[Any, ...]) -> bytes:
    """One command in RESP: an array of bulk strings (str as UTF-8, numbers as their repr)."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int | float) and not isinstance(arg, bool):
            arg = repr(arg).encode()
        elif not isinstance(arg, bytes | bytearray | memoryview):
            raise TypeError(f"cannot send {type(arg).__name__} to Redis")
        parts.append(b"$%d\r\n" % len(arg))
        parts.append(bytes(arg))
        parts.append(b"\r\n")
    return b"".join(parts)


class _Replies(asyncio.Protocol):
    """The connection: writes commands, hands each parsed reply to the oldest waiting future."""

    def __init__(self) -> None:
        self.reader = hiredis.Reader(protocolError=InvalidResponse, replyError=_error_reply)
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        if self.closed or self.transport is None:
            raise ConnectionError("Connection closed.")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        self.transport.write(packed)
        return future

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            while (reply := self.reader.gets()) is not False:
                future = self.waiting.popleft()
                if not future.done():  # done: its caller was cancelled or timed out; the reply is dropped
                    future.set_result(reply)
        except (InvalidResponse, IndexError):  # garbage, or a reply nobody asked for: trust nothing after it
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(ConnectionError("Connection closed by server."))

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.abort()  # connection_lost follows and fails whatever is still waiting
        self.closed = True


class PipelinedReads:
    """HotPathReads on one pipelined connection per event loop, with the credentials of a redis:// URL."""

    def __init__(
        self,
        *,
        host: str = "localhost",
        port: int = 6379,
        username: str | None = None,
        password: str | None = None,
        db: int = 0,
        timeout: float | None = 5.0,
        connect_timeout: float | None = 1.0,
    ) -> None:
        self.host, self.port = host, port
        self.username, self.password, self.db = username, password, db
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self._replies: _Replies | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()  # one connection attempt at a time; the callers behind it reuse its result
        self.connections_opened = 0
        self.commands = 0
        self.timeouts = 0
        self.most_in_flight = 0  # commands waiting on the connection at once, at most

    async def command(self, *args: Any) -> Any:
        return (await self.several(args))[0]

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        replies = await self._connected()
        futures = [replies.send(pack(args)) for args in commands]
        self.commands += len(futures)
        self.most_in_flight = max(self.most_in_flight, len(replies.waiting))
        try:
            async with asyncio.timeout(self.timeout):
                answers = await asyncio.gather(*futures, return_exceptions=True)
        except TimeoutError as exc:  # the builtin one, from asyncio.timeout
            self.timeouts += 1
            replies.abort()
            raise RedisTimeoutError("Timeout reading from socket") from exc
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        return answers

    def stats(self) -> dict[str, object]:
        """For /metrics: more than one connection opened means reconnects (Redis restarted, a timeout)."""
        return {
            "connections_opened": self.connections_opened,
            "commands": self.commands,
            "timeouts": self.timeouts,
            "most_in_flight": self.most_in_flight,
        }

    def close(self) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and running is self._loop and self._replies is not None:
            self._replies.abort()
        else:
            self._forget_other_loop()
        self._replies = None

    async def _connected(self) -> _Replies:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a lane serves one loop; a connection of a finished loop is not reusable
            self._forget_other_loop()
            self._loop = loop
        if self._replies is not None and not self._replies.closed:
            return self._replies
        async with self._lock:
            if self._replies is None or self._replies.closed:
                self._replies = await self._open()
            return self._replies

    def _forget_other_loop(self) -> None:
        if self._replies is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._replies.abort)
        self._replies = None
        self._lock = asyncio.Lock()

    async def _open(self) -> _Replies:
        loop = asyncio.get_running_loop()
        where = f"{self.host}:{self.port}"
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, replies = await loop.create_connection(_Replies, self.host, self.port)
        except TimeoutError as exc:  # the builtin one, from asyncio.timeout
            raise RedisTimeoutError(f"Timeout connecting to {where}") from exc
        except OSError as exc:
            raise ConnectionError(f"Error connecting to {where}: {exc}") from exc
        self.connections_opened += 1
        try:
            async with asyncio.timeout(self.connect_timeout):
                await self._handshake(replies)
        except BaseException as exc:
            replies.abort()
            if isinstance(exc, TimeoutError):
                raise RedisTimeoutError(f"Timeout authenticating to {where}") from exc
            raise
        return replies

    async def _handshake(self, replies: _Replies) -> None:
        steps: list[tuple[Any, ...]] = []
        if self.password is not None:
            steps.append(("AUTH", self.username, self.password) if self.username else ("AUTH", self.password))
        if self.db:
            steps.append(("SELECT", self.db))
        for step in steps:
            reply = await replies.send(pack(step))
            if isinstance(reply, Exception):
                raise reply
