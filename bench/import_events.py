"""`python -m bench.import_events`: the rate of `recommender import-events` with co-engagement on.

A private embedded Redis gets a synthetic catalog (random unit vectors, ids `g0000001`, ...) under the
default index name and key prefix; bench.co_engagement's synthetic shoppers (mixed kinds, Zipf popularity,
each keeping mostly to one category) are written as a JSON Lines file with `at` times over the last 30
days; then `recommender import-events FILE --redis-url URL --quiet` runs as a subprocess, timed end to end
(process start and validation included) and by its own report line (the applying alone). Goal ≥ 5,000
events/s.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.synthetic_catalog import synthetic_catalog
from bench.co_engagement import shoppers
from bootstrap.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


async def ingest(url: str, count: int) -> None:
    conn = connect(url)
    defaults = Settings()
    index = RedisProductIndex(conn, IndexConfig(name=defaults.index_name, prefix=defaults.key_prefix))
    await index.recreate()
    items = list(synthetic_catalog(count, seed=20))
    for begin in range(0, len(items), 5000):
        await index.upsert(items[begin : begin + 5000])
    await conn.aclose()


def write_events(path: Path, count: int, users: int, events: int) -> int:
    lines = 0
    with path.open("w") as out:
        for user, history in enumerate(shoppers(count, users, events, "mixed")):
            for event in history:
                product = f"g{int(event.product_id[1:]) % count + 1:07d}"
                at = datetime.fromtimestamp(event.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                out.write(json.dumps({"user": f"u{user}", "product": product, "kind": event.kind.value, "at": at}))
                out.write("\n")
                lines += 1
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000, help="catalog size")
    parser.add_argument("--users", type=int, default=1000, help="synthetic shoppers")
    parser.add_argument("--events", type=int, default=20_000, help="their events in all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recommender-import-") as work, EmbeddedRedis(Path(work)) as server:
        asyncio.run(ingest(server.url, args.products))
        path = Path(work) / "events.jsonl"
        lines = write_events(path, args.products, args.users, args.events)
        command = [sys.executable, "-m", "cli.main", "import-events", str(path), "--redis-url", server.url, "--quiet"]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=os.environ, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    print(done.stdout.strip(), done.stderr.strip(), sep="\n")
    print(f"{lines:,} events over {args.products:,} products and {args.users:,} shoppers")
    print(f"import-events end to end (process start included): {seconds:.1f}s, {lines / seconds:,.0f} events/s")
    print("goal >= 5,000 events/s", "(exit status", done.returncode, ")")


if __name__ == "__main__":
    main()
