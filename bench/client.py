"""A lean HTTP/1.1 keep-alive load generator on asyncio streams (uvloop when installed).

Closed loop: each client sends a request, waits for the whole response, sends the next. It parses
only the status line, Content-Length and the `timings` object at the tail of the body, so it costs
the box little CPU next to the server it measures (the harness reports how much).
"""

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

TIMINGS_KEY = b'"timings":'


class BenchError(RuntimeError):
    pass


@dataclass
class Sample:
    latency_ms: float
    timings: dict[str, float]  # embedMs, searchMs, rerankMs, totalMs as the server measured them


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


class Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self._extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> "Connection":
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        assert self._reader is not None and self._writer is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\n{self._extra}Content-Length: {len(body)}\r\n\r\n"
        )
        self._writer.write(head.encode() + body)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = _content_length(raw)
        return status, await self._reader.readexactly(length)


def _content_length(head: bytes) -> int:
    at = head.lower().find(b"\r\ncontent-length:")
    if at < 0:
        raise BenchError("response without Content-Length")
    end = head.index(b"\r\n", at + 2)
    return int(head[at + len(b"\r\ncontent-length:") : end])


def tail_timings(body: bytes) -> dict[str, float]:
    at = body.rfind(TIMINGS_KEY)
    if at < 0:
        raise BenchError(body[:300].decode(errors="replace"))
    start = at + len(TIMINGS_KEY)
    return json.loads(body[start : body.index(b"}", start) + 1])  # type: ignore[no-any-return]


async def _client(
    conn: Connection, next_body: Callable[[], bytes], measure_from: float, until: float, outcome: Outcome
) -> None:
    clock = time.perf_counter
    while (start := clock()) < until:
        status, body = await conn.request("POST", "/graphql", next_body())
        done = clock()
        if status != 200 or b'"errors"' in body:
            outcome.errors += 1
            outcome.first_error = outcome.first_error or f"HTTP {status}: {body[:300]!r}"
            continue
        if start >= measure_from and done <= until:
            outcome.samples.append(Sample((done - start) * 1000.0, tail_timings(body)))


async def drive(
    host: str,
    port: int,
    clients: int,
    next_body: Callable[[], bytes],
    warmup_s: float,
    duration_s: float,
    headers: dict[str, str] | None = None,
) -> Outcome:
    """`clients` keep-alive connections; samples of requests started after warm-up and done in time."""
    connections = [await Connection(host, port, headers).open() for _ in range(clients)]
    outcome = Outcome()
    now = time.perf_counter()
    measure_from, until = now + warmup_s, now + warmup_s + duration_s
    try:
        await asyncio.gather(*(_client(c, next_body, measure_from, until, outcome) for c in connections))
    finally:
        for conn in connections:
            await conn.close()
    return outcome


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (a cheaper client leaves more CPU to the server)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def event_loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"
