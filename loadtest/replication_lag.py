"""Replication lag under write load: how long a write on the primary takes to be readable on a replica.

An embedded primary + replica (both with the Search module and an HNSW index over the product
hashes), `--writers` tasks rewriting whole products (the costly write: every HSET re-indexes the
document, vector included) as fast as they can, and a prober that writes a marker on the primary and
polls the replica until it reads it back. Prints the lag's percentiles (docs/scaling.md).

    python -m loadtest.replication_lag --duration 20 [--rate 200]
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import redis.asyncio as aioredis

from adapters.redis.schema import IndexConfig, create_command
from adapters.redis.topology import primary, replica, wait_in_sync

PREFIX = "lag:product:"


def product(rng: random.Random, n: int) -> dict[str, bytes | str]:
    vector = np.random.default_rng(n).standard_normal(384).astype(np.float32)
    vector /= np.linalg.norm(vector)
    return {"name": f"product {n}", "category": rng.choice(["a", "b", "c"]), "price": str(rng.uniform(1, 500)),
            "embedding": vector.tobytes()}  # fmt: skip


async def write_load(client: aioredis.Redis, stop: asyncio.Event, seed: int, counter: list[int], pause: float) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        await asyncio.sleep(pause)
        async with client.pipeline(transaction=False) as pipe:
            for _ in range(20):
                n = rng.randrange(5000)
                pipe.hset(f"{PREFIX}{n}", mapping=product(rng, n))  # type: ignore[arg-type]
            await pipe.execute()
        counter[0] += 20


async def probe(main: aioredis.Redis, standby: aioredis.Redis, stop: asyncio.Event) -> list[float]:
    lags = []
    while not stop.is_set():
        token = str(time.perf_counter_ns())
        started = time.perf_counter()
        await main.set("lag:marker", token)
        while await standby.get("lag:marker") != token.encode():
            await asyncio.sleep(0)  # yield to the writers; the replica is polled as fast as it answers
        lags.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)
    return lags


async def measure(main_url: str, standby_url: str, duration: float, writers: int, rate: float) -> None:
    main, standby = aioredis.Redis.from_url(main_url), aioredis.Redis.from_url(standby_url)
    await main.execute_command(*create_command(IndexConfig(name="lag:idx", prefix=PREFIX)))
    stop, written = asyncio.Event(), [0]
    tasks = [
        asyncio.ensure_future(write_load(main, stop, seed, written, writers * 20 / rate if rate else 0))
        for seed in range(writers)
    ]
    lagging = asyncio.ensure_future(probe(main, standby, stop))
    await asyncio.sleep(duration)
    stop.set()
    await asyncio.gather(*tasks)
    lags = sorted(await lagging)
    offsets = [int((await c.info("replication"))["master_repl_offset"]) for c in (main, standby)]
    print(
        f"{written[0] / duration:.0f} product writes/s from {writers} writers for {duration:.0f} s; {len(lags)} probes"
    )
    print(
        f"replication lag ms: p50 {statistics.median(lags):.2f}  p99 {lags[int(0.99 * (len(lags) - 1))]:.2f}  "
        f"max {lags[-1]:.2f}  (write + read round trips included; offsets after the run {offsets})"
    )
    await main.aclose()
    await standby.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0, help="product writes/s, about (0: as fast as they go)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        main = primary(Path(data) / "primary")
        with main, replica(Path(data) / "replica", main.port) as standby:
            wait_in_sync(standby.port)
            asyncio.run(measure(main.url, standby.url, args.duration, args.writers, args.rate))
            wait_in_sync(standby.port)


if __name__ == "__main__":
    main()
