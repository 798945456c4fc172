"""`scenarioStats` over a 30-day window: 721 hour buckets of three variants, read and summed.

Starts an embedded Redis, fills the buckets as serving and attribution would (every counter, position
fields included), then times the stats use case. `python -m bench.experiment_stats`.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.experiments import RedisExperimentCounters
from domain.scenario_stats import ScenarioStatsQuery
from domain.times import DAY_S, HOUR_S

NOW = 1_765_000_000.0
FIELDS = ("requests", "impressions", "clicks", "add_to_carts", "purchases", "revenue", "clicks@1", "clicks@2")


async def fill(counters: RedisExperimentCounters, client: object, days: int, variants: int) -> None:
    hour = int(NOW // HOUR_S)
    names = ["control", *(f"v{n}" for n in range(1, variants))]
    async with client.pipeline(transaction=False) as pipe:  # type: ignore[attr-defined]
        for h in range(hour - days * 24, hour + 1):
            pipe.hset(counters.bucket("home", h), mapping={f"{v}|{f}": 7 for v in names for f in FIELDS})
        await pipe.execute()


async def measure(url: str, days: int, variants: int, repeats: int) -> None:
    connection = connect(url)
    counters = RedisExperimentCounters(connection, prefix="bench:", keep_days=days)
    await fill(counters, connection.client, days, variants)
    query = ScenarioStatsQuery(counters, lambda: NOW, days)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        found = await query("home", NOW - days * DAY_S, None)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"{days * 24 + 1} buckets x {variants} variants: control requests {found.variants[0].requests}")
    print(f"p50 {statistics.median(times):.1f} ms, p90 {times[int(0.9 * len(times))]:.1f} ms, max {times[-1]:.1f} ms")
    await connection.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, EmbeddedRedis(Path(data)) as redis:
        asyncio.run(measure(redis.url, args.days, args.variants, args.repeats))


if __name__ == "__main__":
    main()
