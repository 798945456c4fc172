"""Embedding throughput in-process: one call per text vs micro-batched, and what a cache hit costs.

    .venv/bin/python -m bench.embedding [--threads 2] [--seconds 5] [--concurrency 8]

Closed loops of `concurrency` callers, each embedding one fresh text per call, for a fixed time:
- unbatched: every call runs the model on its own (concurrent calls share the ONNX threads);
- batched: calls go through BatchingEmbedder, which coalesces what is waiting into one model call.
"""

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from adapters.batching_embedder import BatchingEmbedder
from adapters.embedder import SPIN_MODES, FastEmbedEmbedder, default_model_dir
from adapters.embedding_cache import LruEmbeddingCache, RedisEmbeddingCache
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from bench.queries import fresh_text
from domain.models import Vector

OUT_DIR = Path(__file__).resolve().parent.parent / "bench-results"
Embed = Callable[[list[str]], Awaitable[list[Vector]]]


async def closed_loop(embed: Embed, concurrency: int, seconds: float, counter: "itertools.count[int]") -> float:
    """Texts per second embedded by `concurrency` callers, one fresh text per call."""
    done = 0
    until = time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal done
        while time.perf_counter() < until:
            await embed([fresh_text(next(counter))])
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


async def per_call_us(embed: Embed, texts: list[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            await embed([text])
    return (time.perf_counter() - start) / (rounds * len(texts)) * 1e6


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    model = FastEmbedEmbedder(default_model_dir(), threads=args.threads, spin=args.spin)
    counter = itertools.count(1_000_000)
    await closed_loop(model.embed, 1, 1.0, counter)  # warm-up
    result: dict[str, Any] = {"onnx_threads": args.threads, "spin": args.spin, "seconds": args.seconds}
    result["single_1_caller_texts_per_s"] = round(await closed_loop(model.embed, 1, args.seconds, counter), 1)
    result["unbatched_texts_per_s"] = round(await closed_loop(model.embed, args.concurrency, args.seconds, counter), 1)
    batching = BatchingEmbedder(model, max_batch=args.max_batch, window_ms=args.window_ms)
    result["batched_texts_per_s"] = round(await closed_loop(batching.embed, args.concurrency, args.seconds, counter), 1)
    result["batching"] = batching.stats.as_dict() | {"concurrency": args.concurrency, "window_ms": args.window_ms}
    result["batching_gain"] = round(result["batched_texts_per_s"] / result["unbatched_texts_per_s"], 2)

    repeated = [fresh_text(i) for i in range(8)]
    lru = LruEmbeddingCache(model)
    await lru.embed(repeated)
    result["model_call_us"] = round(1e6 / result["single_1_caller_texts_per_s"], 1)
    result["lru_hit_us"] = round(await per_call_us(lru.embed, repeated, 500), 2)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp)) as server:
        client = connect(server.url)
        shared = RedisEmbeddingCache(model, client)
        await shared.embed(repeated)
        result["redis_hit_us"] = round(await per_call_us(shared.embed, repeated, 100), 1)
        await client.aclose()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.embedding", description=__doc__)
    p.add_argument("--threads", type=int, default=2, help="ONNX intra-op threads")
    p.add_argument("--spin", choices=SPIN_MODES, default="run", help="as `serve --onnx-spin`")
    p.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--max-batch", type=int, default=32)
    p.add_argument("--window-ms", type=float, default=0.0)
    args = p.parse_args(argv)
    result = asyncio.run(measure(args))
    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"embedding-{args.threads}t.json"
    out.write_text(json.dumps(result, indent=2))
    for name, value in result.items():
        print(f"{name:<30} {value}")
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
