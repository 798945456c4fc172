"""What an idle gap costs the next request: the cached `recommendations` request in process (real Redis,
real model, the whole ASGI app, no socket), sent back to back, after a few ms of sleep, or right after
a model call (the uncached path's situation: the event loop waits ~4 ms for the embedding, then runs
the rest of the request).

`total` is the request; `outside` is the part outside the service (`total - timings.totalMs`: the
ASGI app, Strawberry and graphql-core, JSON), `search` the service's Redis search stage. On this VM an
idle vCPU comes back slower (caches, wake-up), which is part of why the uncached 1-client row's
`http+gql` is larger than the cached one's. `python -m bench.idle_cost [--requests 300 --rounds 2]`.
"""

import argparse
import asyncio
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path

import uvloop

from bench import queries
from bench.graphql_path import asgi_call
from bootstrap.runtime import Settings
from serving.app import create_app

VARIANTS = ("back to back", "after 4 ms idle", "after a model call")


async def measure(requests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="idle-cost-") as workdir:
        app = create_app(Settings(access_log=False, data_dir=Path(workdir) / "redis"))
        async with app.router.lifespan_context(app):
            embedder = app.state.runtime.service.embedder
            fresh = itertools.count()
            print(f"{'variant':20s} {'total p50':>10s} {'outside':>8s} {'search':>7s}  (ms, {requests} requests)")
            for _ in range(rounds):
                for variant in VARIANTS:
                    bodies = queries.body_source(True, itertools.count())
                    total, outside, search = [], [], []
                    for _ in range(requests):
                        if variant == "after 4 ms idle":
                            await asyncio.sleep(0.004)
                        elif variant == "after a model call":
                            await embedder.embed([queries.fresh_text(next(fresh))])
                        call = asgi_call(app, bodies())
                        start = time.perf_counter()
                        sent = await call()
                        elapsed = (time.perf_counter() - start) * 1000.0
                        timings = json.loads(sent[1]["body"])["data"]["recommendations"]["timings"]
                        total.append(elapsed)
                        outside.append(elapsed - timings["totalMs"])
                        search.append(timings["searchMs"])
                        await asyncio.sleep(0.0005)  # a client's turnaround, also in the back-to-back case
                    print(
                        f"{variant:20s} {statistics.median(total):10.2f} {statistics.median(outside):8.2f} "
                        f"{statistics.median(search):7.2f}"
                    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    uvloop.run(measure(args.requests, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
