"""How a scenario change reaches another instance, against what a version read per request would cost.

Two scenario stores on one (embedded) Redis, as two API instances hold them: one saves, the other follows
by pub/sub. Prints the time from the save until the other serves it, the round trip of the one read a
per-request version check would add, and the in-memory lookup a request makes instead:
    python -m bench.scenario_changes [--changes 300] [--reads 3000]
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.scenarios import VERSION, RedisScenarioStore
from domain.scenarios import Scenario, Settings

KEY = "bench:scenarios"


def _percentiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49]:.3g}, p99 {cuts[98]:.3g}"


def _timed(call: Callable[[], object], count: int, unit: float) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * unit)
    return out


async def measure(url: str, changes: int, reads: int) -> None:
    writer_conn, reader_conn = connect(url), connect(url)
    writer, reader = RedisScenarioStore(writer_conn, KEY), RedisScenarioStore(reader_conn, KEY, check_s=60.0)
    await writer.reload()
    following = asyncio.create_task(reader.watch())
    await asyncio.sleep(0.2)  # subscribed
    delays = []
    for i in range(changes):
        scenario = Scenario("home", Settings(k=1 + i % 50))
        start = time.perf_counter()
        await writer.save(scenario)
        while reader.serving("home") != scenario:
            await asyncio.sleep(0)
        delays.append((time.perf_counter() - start) * 1e3)
    round_trips = []
    for _ in range(reads):
        start = time.perf_counter()
        await reader_conn.client.hget(KEY, VERSION)
        round_trips.append((time.perf_counter() - start) * 1e6)
    following.cancel()
    print(f"saved on one instance until served by the other: {_percentiles(delays)} ms")
    print(f"a version read per request would add one round trip: {_percentiles(round_trips)} µs")
    print(
        f"the in-memory lookup a request makes: {_percentiles(_timed(lambda: reader.serving('home'), 10**5, 1e9))} ns"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--reads", type=int, default=3000)
    args = parser.parse_args()
    with EmbeddedRedis(Path(tempfile.mkdtemp())) as redis_server:
        asyncio.run(measure(redis_server.url, args.changes, args.reads))


if __name__ == "__main__":
    main()
