"""What personalisation costs a request: the bench's query with blend and rerank on, rerank only, neither.

    .venv/bin/python -m bench.personalisation [--rounds 3 --duration 5]

One server (1 worker x 2 ONNX threads, its own Redis), the bench user with three clicks, 1 keep-alive
client, the 8 repeating (cached) query texts. With blending the search waits for the user's features
(two Redis round trips); with rerank only the features are read while the search runs (one round
trip); with neither they are not read. Prints client p50/p90 and the server's `totalMs` p50 (the
service alone: cache lookup, Redis reads, search, re-rank), per round, the three variants in turn.
"""

import argparse
import itertools
import tempfile
from pathlib import Path

import numpy as np

from bench import client, queries
from bench.run import prepare_user
from bench.serve_process import ServeProcess

BLEND_ON = "blend: {enabled: true, weight: 0.3}"
RERANK_ON = "rerank: {enabled: true, weight: 0.15}"
VARIANTS = {
    "blend + rerank": queries.DOCUMENT,
    "rerank only": queries.DOCUMENT.replace(BLEND_ON, "blend: {enabled: false}"),
    "neither": queries.DOCUMENT.replace(BLEND_ON, "blend: {enabled: false}").replace(
        RERANK_ON, "rerank: {enabled: false}"
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per variant and round")
    args = parser.parse_args(argv)
    if len(set(VARIANTS.values())) != len(VARIANTS):
        raise SystemExit("the bench document no longer spells blend/rerank as expected")
    with (
        tempfile.TemporaryDirectory() as folder,
        ServeProcess(Path(folder) / "redis", "--workers", "1", "--onnx-threads", "2", "--no-access-log") as server,
    ):
        prepare_user(server.port)
        print("1 client, cached texts: client p50 / p90 ms, server totalMs p50")
        for round_no in range(1, args.rounds + 1):
            for name, document in VARIANTS.items():
                bodies = queries.body_source(True, itertools.count(), document)  # cached: the 8 repeating texts
                drive = client.drive("127.0.0.1", server.port, 1, bodies, 1.0, args.duration)
                outcome = client.run_loop(drive)
                if outcome.errors or not outcome.samples:
                    raise SystemExit(f"{name}: {outcome.errors} errors, first: {outcome.first_error}")
                latency = np.array([s.latency_ms for s in outcome.samples])
                total = np.array([s.timings["totalMs"] for s in outcome.samples])
                print(
                    f"  round {round_no}  {name:<15} {np.percentile(latency, 50):6.2f} / "
                    f"{np.percentile(latency, 90):6.2f}   {np.percentile(total, 50):5.2f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
