"""`make bench-scale`: ingest rate, memory per product, HNSW recall@10 and search latency at 100k.

Everything runs against a private embedded Redis in a temporary folder:

1. A synthetic catalog (random unit vectors, realistic categories/brands/prices/texts) is written as
   JSON Lines and ingested through the same reader and pipelined loader as `recommender load`.
2. A sweep on a smaller catalog compares ingest variants: pipeline size, pipelines in flight,
   EF_CONSTRUCTION / M, FLAT, and loading the hashes first then creating the index.
3. Recall@10 of HNSW at several EF_RUNTIME values against exact numpy brute force; a FLAT index over
   the same keys cross-checks the ground truth and gives FLAT's latency.
4. Search-stage latency (the adapter's FT.SEARCH round trip, as `timings.searchMs` reports it) for
   unfiltered and filtered queries under each hybrid policy, with recall against exact filtered truth.
5. Ingest rate and recall@10 per (M, EF_CONSTRUCTION) on products embedded by the model (embedded once,
   cached in --out): random unit vectors are the hard case for HNSW (no clusters), model vectors the real one.

The parts live in bench.ingest, bench.recall, bench.filtered and bench.model_vectors; this module runs
them in order and writes bench-results/scale-<time>.json (`--report FILE` reprints its tables).
"""

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import redis

from adapters.catalog_stream import JsonLinesCatalog, fingerprint
from adapters.embedder import DIM, MODEL_NAME
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig, create_command
from adapters.synthetic_catalog import random_unit_vectors
from bench.filtered import filtered_latency, latency_row
from bench.ingest import catalog_vectors, ft_info, ingest, sweep, wait_indexed, write_catalog
from bench.model_vectors import model_recall
from bench.recall import EF_VALUES, exact_top_k, hit_rate, recall_row, timed_searches, truth_sets
from bench.scale_report import markdown
from domain.filters import ProductFilter

MODEL_BUILDS = ((16, 200), (16, 100), (16, 64), (8, 64))  # (M, EF_CONSTRUCTION) compared on model vectors


@dataclass
class Results:
    machine: dict[str, Any] = field(default_factory=dict)
    ingest: list[dict[str, Any]] = field(default_factory=list)
    memory: dict[str, Any] = field(default_factory=dict)
    recall: list[dict[str, Any]] = field(default_factory=list)
    latency: list[dict[str, Any]] = field(default_factory=list)


def machine_facts() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


async def search_version(conn: RedisConnection) -> int:
    for module in await conn.client.execute_command("MODULE", "LIST"):
        fields = module if isinstance(module, dict) else dict(zip(module[::2], module[1::2], strict=True))
        if fields[b"name"] == b"search":
            return int(fields[b"ver"])
    return 0


async def used_memory(conn: RedisConnection) -> int:
    return int((await conn.client.info("memory"))["used_memory"])


async def main_ingest(
    conn: RedisConnection, catalog: JsonLinesCatalog, config: IndexConfig, args: argparse.Namespace, results: Results
) -> int:
    """The main catalog into an empty Redis: the ingest rate and the memory it took."""
    await conn.client.flushall()
    before = await used_memory(conn)
    await conn.client.execute_command(*create_command(config))
    source = fingerprint(catalog.path)
    count, seconds = await ingest(conn, config, catalog.records(), args.batch, args.pipelines, source)
    grew = await used_memory(conn) - before
    vector_mb = float((await ft_info(conn, config.name))["vector_index_sz_mb"])
    variant = f"main: HNSW M{config.hnsw_m} EFC{config.hnsw_ef_construction}, batch {args.batch} x {args.pipelines}"
    results.ingest.append(
        {"variant": variant + " pipelines", "count": count, "seconds": round(seconds, 2), "rate": count / seconds}
    )
    results.memory = {
        "count": count,
        "used_memory_delta_mb": round(grew / 2**20, 1),
        "bytes_per_product": round(grew / count),
        "vector_index_mb": vector_mb,
        "vector_index_bytes_per_product": round(vector_mb * 2**20 / count),
    }
    print(f"  main ingest {count:,} in {seconds:.1f}s = {count / seconds:,.0f}/s; memory {results.memory}", flush=True)
    return count


async def main_run(
    conn: RedisConnection, raw: redis.Redis, path: Path, args: argparse.Namespace, results: Results
) -> None:
    """Random unit vectors: ingest and memory, recall@10 per EF_RUNTIME against FLAT and numpy, filters."""
    catalog = JsonLinesCatalog(path, MODEL_NAME, DIM)
    config = IndexConfig(
        name="scale:idx",
        prefix="scale:",
        hnsw_m=args.hnsw_m,
        hnsw_ef_construction=args.ef_construction,
        hnsw_ef_runtime=args.ef_runtime,
    )
    count = await main_ingest(conn, catalog, config, args, results)
    vectors = catalog_vectors(catalog)
    queries = np.stack(random_unit_vectors(np.random.default_rng(11), args.queries, DIM))
    truth = truth_sets(exact_top_k(vectors, queries))

    flat = replace(config, name="scale:flat", algorithm="FLAT")
    start = time.perf_counter()
    await conn.client.execute_command(*create_command(flat))
    await wait_indexed(conn, flat.name)
    print(f"  FLAT index over the same keys built in {time.perf_counter() - start:.1f}s", flush=True)
    flat_times, flat_rows = await timed_searches(RedisProductIndex(conn, flat), queries, ProductFilter(), raw)
    flat_recall = hit_rate(flat_rows, truth)  # FLAT is exact: anything under 1.0 means the truth is wrong
    results.recall.append(recall_row("FLAT", None, flat_recall, flat_times, count))
    for ef in EF_VALUES:
        index = RedisProductIndex(conn, replace(config, query_ef_runtime=ef))
        times, rows = await timed_searches(index, queries, ProductFilter(), raw)
        results.recall.append(recall_row("HNSW", ef, hit_rate(rows, truth), times, count))
    results.latency.append(latency_row("unfiltered (FLAT)", "-", count, flat_times, flat_recall))

    some = queries[: args.filtered_queries]
    results.latency += await filtered_latency(conn, raw, config, vectors, some, args.query_ef, by_distance=False)
    index = RedisProductIndex(conn, replace(config, query_ef_runtime=args.query_ef))
    times, got = await timed_searches(index, queries, ProductFilter(), raw)
    results.latency.append(latency_row("unfiltered", "HNSW", count, times, hit_rate(got, truth)))


async def run(args: argparse.Namespace) -> Results:
    results = Results(machine=machine_facts())
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        main_path, sweep_path = work / "main.jsonl", work / "sweep.jsonl"
        rate = write_catalog(main_path, args.count, args.seed)
        print(f"generated {args.count:,} products at {rate:,.0f}/s", flush=True)
        write_catalog(sweep_path, args.sweep_count, args.seed + 1)
        with EmbeddedRedis(work / "redis") as server:
            conn = connect(server.url)
            raw = redis.Redis(host="127.0.0.1", port=server.port)
            try:
                results.machine["redis"] = (await conn.client.info("server"))["redis_version"]
                results.machine["search"] = await search_version(conn)
                if args.sweep_count:
                    print(f"ingest sweep on {args.sweep_count:,} products:", flush=True)
                    results.ingest += await sweep(conn, sweep_path)
                if args.count:
                    print(f"main run on {args.count:,} products:", flush=True)
                    await main_run(conn, raw, main_path, args, results)
                if args.model_count:
                    print(f"recall on {args.model_count:,} products embedded with the model:", flush=True)
                    model = await model_recall(conn, raw, args)
                    results.recall += model["recall"]
                    results.latency += model["latency"]
                    if model["embed_rate"] is not None:
                        results.machine["model_embed_rate"] = round(model["embed_rate"])
            finally:
                raw.close()
                await conn.aclose()
    results.machine["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    return results


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--report", type=Path, help="print the markdown tables of an earlier results file and stop")
    p.add_argument("--count", type=int, default=100_000, help="products in the main run (0 skips it)")
    p.add_argument("--sweep-count", type=int, default=10_000, help="products per ingest variant (0 skips the sweep)")
    p.add_argument("--model-count", type=int, default=20_000, help="model-embedded products for recall (0 skips)")
    p.add_argument(
        "--model-builds",
        type=lambda text: tuple(tuple(int(n) for n in build.split("x")) for build in text.split(",")),
        default=MODEL_BUILDS,
        help="(M x EF_CONSTRUCTION) builds compared on model vectors, e.g. 16x100,8x64 (default: four)",
    )
    p.add_argument("--queries", type=int, default=500, help="query vectors for recall and unfiltered latency")
    p.add_argument("--filtered-queries", type=int, default=200, help="query vectors per filter and policy")
    p.add_argument("--hnsw-m", type=int, default=IndexConfig.hnsw_m)
    p.add_argument("--ef-construction", type=int, default=IndexConfig.hnsw_ef_construction)
    p.add_argument("--ef-runtime", type=int, default=IndexConfig.hnsw_ef_runtime, help="the index's EF_RUNTIME")
    p.add_argument("--query-ef", type=int, default=None, help="EF_RUNTIME per query in the latency runs")
    p.add_argument("--batch", type=int, default=500, help="products per pipeline in the main run")
    p.add_argument("--pipelines", type=int, default=2, help="pipelines in flight in the main run")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("bench-results"))
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if args.report:
        print(markdown(json.loads(args.report.read_text())))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run(args))
    path = args.out / f"scale-{time.strftime('%Y%m%d-%H%M%S')}.json"
    document = {"args": {k: str(v) for k, v in vars(args).items()}, **vars(results)}
    path.write_text(json.dumps(document, indent=2))
    print(markdown(document))
    print(f"results in {path}")


if __name__ == "__main__":
    main()
