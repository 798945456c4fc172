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
"""

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import redis
import redis.asyncio as aioredis

from adapters.bulk_load import Checkpoint, LoadCheckpoints, bulk_load
from adapters.catalog_stream import Header, JsonLinesCatalog, Record, fingerprint, write_jsonl
from adapters.embedder import DIM, MODEL_NAME
from adapters.redis.codecs import to_bytes
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig, create_command
from adapters.redis.search_query import filter_clause
from adapters.synthetic_catalog import ADJECTIVES, CATEGORIES, random_unit_vectors, synthetic_catalog
from domain.filters import ProductFilter

K = 10
EF_VALUES = (10, 20, 50, 100, 200, 400)
MAX_MATCHES = 1_000_000  # RediSearch's default MAXSEARCHRESULTS
MODEL_BUILDS = ((16, 200), (16, 100), (16, 64), (8, 64))  # (M, EF_CONSTRUCTION) compared on model vectors


@dataclass(frozen=True)
class FilterCase:
    label: str
    filters: ProductFilter


# Filters of the kinds the API offers, from ~4 % of the catalog down to ~0.2 % (shares printed with
# the results; brand names come from the generator's fixed brand pools), plus a broad one to show what
# forcing brute force costs.
FILTERS = (
    FilterCase("TAG", ProductFilter(category="climbing")),
    FilterCase(
        "TAG+TAG+NUMERIC", ProductFilter(category="outerwear", brand="trailfjord", min_price=150, max_price=400)
    ),
    FilterCase("TAG+NUMERIC+TEXT", ProductFilter(category="footwear", max_price=90, text_match="rock plate")),
    FilterCase(
        "TAG+TAG+NUMERIC+TEXT",
        ProductFilter(category="kitchen", brand="northfjord", min_rating=4.5, text_match="gooseneck spout"),
    ),
    FilterCase("broad TAG (in stock)", ProductFilter(in_stock_only=True)),
)
POLICIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("auto", {}),
    ("ADHOC_BF", {"hybrid_policy": "ADHOC_BF"}),
    ("BATCHES", {"hybrid_policy": "BATCHES"}),
    ("BATCHES/50", {"hybrid_policy": "BATCHES", "batch_size": 50}),
    ("BATCHES/500", {"hybrid_policy": "BATCHES", "batch_size": 500}),
)


@dataclass
class Results:
    machine: dict[str, Any] = field(default_factory=dict)
    ingest: list[dict[str, Any]] = field(default_factory=list)
    memory: dict[str, Any] = field(default_factory=dict)
    recall: list[dict[str, Any]] = field(default_factory=list)
    latency: list[dict[str, Any]] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def machine_facts() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


async def search_version(client: aioredis.Redis) -> int:
    for module in await client.execute_command("MODULE", "LIST"):
        fields = module if isinstance(module, dict) else dict(zip(module[::2], module[1::2], strict=True))
        if fields[b"name"] == b"search":
            return int(fields[b"ver"])
    return 0


async def used_memory(client: aioredis.Redis) -> int:
    return int((await client.info("memory"))["used_memory"])


async def ft_info(client: aioredis.Redis, name: str) -> dict[str, Any]:
    raw = await client.execute_command("FT.INFO", name)
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in zip(raw[::2], raw[1::2], strict=True)}


async def wait_indexed(client: aioredis.Redis, name: str) -> None:
    """FT.CREATE over existing keys indexes them in the background; poll until it has finished."""
    while True:
        info = await ft_info(client, name)
        if int(info["indexing"]) == 0 and float(info["percent_indexed"]) >= 1.0:
            return
        await asyncio.sleep(0.1)


def write_catalog(path: Path, count: int, seed: int) -> float:
    start = time.perf_counter()
    write_jsonl(path, Header(MODEL_NAME, DIM, random_vectors=True), synthetic_catalog(count, seed))
    return count / (time.perf_counter() - start)


async def ingest(
    redis_conn: RedisConnection, config: IndexConfig, records: Iterable[Record], batch: int, pipelines: int, source: str
) -> tuple[int, float]:
    """The `recommender load` path (pipelines in flight, checkpoint per batch); returns (count, seconds)."""
    client = redis_conn.client
    index = RedisProductIndex(redis_conn, config)
    checkpoints = LoadCheckpoints(redis_conn, config.name, config.prefix)
    loaded = 0

    async def committed(position: int, count: int) -> None:
        nonlocal loaded
        loaded += count
        await checkpoints.save(Checkpoint(source, position, loaded))

    start = time.perf_counter()
    written = await bulk_load(index, records, committed, batch_size=batch, in_flight=pipelines)
    await wait_indexed(client, config.name)
    return written, time.perf_counter() - start


async def ingest_variant(
    redis_conn: RedisConnection, catalog: JsonLinesCatalog, source: str, label: str, config: IndexConfig, **load: Any
) -> dict[str, Any]:
    client = redis_conn.client
    await client.flushall()
    batch, pipelines, index_after = load.get("batch", 500), load.get("pipelines", 2), load.get("index_after", False)
    if not index_after:
        await client.execute_command(*create_command(config))
        count, seconds = await ingest(redis_conn, config, catalog.records(), batch, pipelines, source)
        row: dict[str, Any] = {"rate": count / seconds}
    else:
        # Hashes first (no index covers the prefix yet), then FT.CREATE indexes them in the background.
        index = RedisProductIndex(redis_conn, config)
        start = time.perf_counter()
        await bulk_load(index, catalog.records(), _no_checkpoint, batch_size=batch, in_flight=pipelines)
        written = time.perf_counter() - start
        await client.execute_command(*create_command(config))
        await wait_indexed(client, config.name)
        seconds = time.perf_counter() - start
        count = int((await ft_info(client, config.name))["num_docs"])
        row = {"rate": count / seconds, "hashes_rate": count / written, "index_build_s": seconds - written}
    row |= {"variant": label, "count": count, "seconds": round(seconds, 2), "batch": batch, "pipelines": pipelines}
    print(f"  ingest {label:<44} {row['rate']:8,.0f}/s", flush=True)
    return row


async def _no_checkpoint(position: int, count: int) -> None:
    return None


async def sweep(redis_conn: RedisConnection, path: Path, results: Results) -> None:
    client = redis_conn.client
    catalog = JsonLinesCatalog(path, MODEL_NAME, DIM)
    source = fingerprint(path)
    base = IndexConfig(name="sweep:idx", prefix="sweep:", hnsw_ef_construction=200)
    variants: list[tuple[str, IndexConfig, dict[str, Any]]] = [
        ("HNSW M16 EFC200, batch 500 x 1 pipeline", base, {"pipelines": 1}),
        ("HNSW M16 EFC200, batch 500 x 2 pipelines", base, {}),
        ("HNSW M16 EFC200, batch 100 x 4 pipelines", base, {"batch": 100, "pipelines": 4}),
        ("HNSW M16 EFC200, batch 500 x 4 pipelines", base, {"pipelines": 4}),
        ("HNSW M16 EFC200, hashes first, then FT.CREATE", base, {"index_after": True}),
        ("HNSW M16 EFC100", replace(base, hnsw_ef_construction=100), {}),
        ("HNSW M16 EFC64", replace(base, hnsw_ef_construction=64), {}),
        ("HNSW M8 EFC64", replace(base, hnsw_m=8, hnsw_ef_construction=64), {}),
        ("FLAT", replace(base, algorithm="FLAT"), {}),
        ("FLAT, batch 1000 x 4 pipelines", replace(base, algorithm="FLAT"), {"batch": 1000, "pipelines": 4}),
    ]
    vectors = np.stack([r.vector for r in catalog.records()])
    queries = np.stack(random_unit_vectors(np.random.default_rng(7), 200, DIM))
    truth = exact_top_k(vectors, queries)
    for label, config, load in variants:
        row = await ingest_variant(redis_conn, catalog, source, label, config, **load)
        if config.algorithm == "HNSW":
            index = RedisProductIndex(redis_conn, replace(config, query_ef_runtime=100))
            _, rows = await timed_searches(index, queries, ProductFilter())
            row["recall_at_ef100"] = round(hit_rate(rows, [set(t.tolist()) for t in truth]), 4)
        results.ingest.append(row)
    await client.flushall()


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    """Row numbers of the k nearest vectors by cosine (all are unit length, so by dot product)."""
    scores = queries @ vectors.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1)


def row_of(product_id: str) -> int:
    return int(product_id.lstrip("g")) - 1  # synthetic ids are g0000001, g0000002, ...


@dataclass
class Timings:
    adapter: list[float] = field(default_factory=list)  # RedisProductIndex.search, as searchMs reports it
    redis: list[float] = field(default_factory=list)  # the bare FT.SEARCH round trip (sync client, ids only)


async def timed_searches(
    index: RedisProductIndex, queries: np.ndarray, filters: ProductFilter, raw: redis.Redis | None = None
) -> tuple[Timings, list[list[int]]]:
    timings, rows = Timings(), []
    query_text = index.config.knn(filter_clause(filters), K)
    for query in queries:
        start = time.perf_counter()
        result = await index.search(query, filters, K)
        timings.adapter.append((time.perf_counter() - start) * 1000.0)
        rows.append([row_of(p.id) for p, _ in result.hits])
        if raw is not None:
            start = time.perf_counter()
            raw.execute_command(
                "FT.SEARCH", index.name, query_text, "PARAMS", 2, "vec", to_bytes(query),
                "SORTBY", "vector_score", "ASC", "NOCONTENT", "LIMIT", 0, K, "DIALECT", 2,
            )  # fmt: skip
            timings.redis.append((time.perf_counter() - start) * 1000.0)
    return timings, rows


async def matching_rows(client: aioredis.Redis, config: IndexConfig, filters: ProductFilter) -> np.ndarray:
    raw = await client.execute_command(
        "FT.SEARCH", config.name, filter_clause(filters), "NOCONTENT", "LIMIT", 0, MAX_MATCHES, "DIALECT", 2
    )
    if raw[0] > len(raw) - 1:  # a truncated match set would make the "exact" filtered truth wrong
        raise RuntimeError(f"{filters} matches {raw[0]:,} products, more than the {MAX_MATCHES:,} read back")
    prefix = len(config.prefix)
    return np.array(sorted(row_of(key.decode()[prefix:]) for key in raw[1:]), dtype=np.int64)


def filtered_truth(vectors: np.ndarray, rows: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    """The exact top k among the products a filter keeps (all of them when it keeps k or fewer)."""
    if rows.size <= K:
        return [set(rows.tolist()) for _ in queries]
    return [set(rows[local].tolist()) for local in exact_top_k(vectors[rows], queries)]


def latency_row(label: str, policy: str, matches: int, times: Timings, recall_value: float) -> dict[str, Any]:
    row = {
        "filter": label,
        "policy": policy,
        "matches": matches,
        "p50_ms": round(percentile(times.adapter, 50), 3),
        "p99_ms": round(percentile(times.adapter, 99), 3),
        "redis_p50_ms": round(percentile(times.redis, 50), 3),
        "redis_p99_ms": round(percentile(times.redis, 99), 3),
        "recall": round(recall_value, 4),
    }
    print(
        f"  {label:<22} {matches:>6} {policy:<12} adapter {row['p50_ms']:6.2f} / {row['p99_ms']:6.2f} ms"
        f"  redis {row['redis_p50_ms']:6.2f} / {row['redis_p99_ms']:6.2f} ms  recall {recall_value:.3f}",
        flush=True,
    )
    return row


def recall_row(algorithm: str, ef: int | None, value: float, times: Timings) -> dict[str, Any]:
    row = {
        "index": algorithm,
        "ef_runtime": ef,
        "recall": round(value, 4),
        "p50_ms": round(percentile(times.adapter, 50), 3),
        "p99_ms": round(percentile(times.adapter, 99), 3),
        "redis_p50_ms": round(percentile(times.redis, 50), 3),
        "redis_p99_ms": round(percentile(times.redis, 99), 3),
    }
    print(f"  recall@10 {algorithm} EF_RUNTIME {ef}: {value:.4f}  adapter p50 {row['p50_ms']} ms", flush=True)
    return row


def hit_rate(rows: list[list[int]], truth: list[set[int]]) -> float:
    wanted = sum(len(t) for t in truth)
    return sum(len(set(r) & t) for r, t in zip(rows, truth, strict=True)) / wanted if wanted else 1.0


def query_texts(count: int, seed: int) -> list[str]:
    """Shopper-like queries built from the generator's vocabulary ("featherweight tent for thru-hikes")."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(count):
        category = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
        noun, use = rng.choice(category.nouns), rng.choice(category.uses)
        texts.append(f"{rng.choice(ADJECTIVES).lower()} {noun} for {use}")
    return texts


async def model_recall(
    redis_conn: RedisConnection, raw: redis.Redis, args: argparse.Namespace, results: Results
) -> None:
    """Recall on the model's own vectors: clustered like a real catalog, so much easier than random ones.

    Embedding takes minutes on two cores, so the catalog is kept in --out and reused by later runs.
    """
    client = redis_conn.client
    from adapters.embedder import FastEmbedEmbedder, default_model_dir

    embedder = FastEmbedEmbedder(default_model_dir())
    path = args.out / f"model-{args.model_count}-seed{args.seed + 2}.jsonl"
    if not path.exists():
        start = time.perf_counter()
        catalog_items = synthetic_catalog(args.model_count, args.seed + 2, embed=embedder.embed_sync)
        write_jsonl(path, Header(MODEL_NAME, DIM), catalog_items)
        rate = args.model_count / (time.perf_counter() - start)
        results.machine["model_embed_rate"] = round(rate)
        print(f"  embedded {args.model_count:,} products at {rate:,.0f}/s -> {path}", flush=True)
    catalog = JsonLinesCatalog(path, MODEL_NAME, DIM)
    vectors = np.stack([r.vector for r in catalog.records()])
    queries = np.stack(embedder.embed_sync(query_texts(args.queries, args.seed)))
    truth = exact_top_k(vectors, queries)
    for m, ef_construction in args.model_builds:
        await client.flushall()
        config = IndexConfig(name="model:idx", prefix="model:", hnsw_m=m, hnsw_ef_construction=ef_construction)
        await client.execute_command(*create_command(config))
        count, seconds = await ingest(redis_conn, config, catalog.records(), args.batch, args.pipelines, "model")
        label = f"HNSW M{m} EFC{ef_construction} (model vectors)"
        print(f"  {label}: ingest {count / seconds:,.0f}/s", flush=True)
        for ef in EF_VALUES:
            index = RedisProductIndex(redis_conn, replace(config, query_ef_runtime=ef))
            times, rows = await timed_searches(index, queries, ProductFilter())
            row = recall_row(label, ef, recall_by_distance(rows, queries, vectors, truth), times)
            results.recall.append(row | {"count": count, "ingest_rate": round(count / seconds)})
    # The last build stays loaded: filtered search on vectors shaped like a real catalog's.
    await filtered_latency(redis_conn, raw, config, vectors, queries, args, results, by_distance=True)
    await client.flushall()


async def filtered_latency(
    redis_conn: RedisConnection,
    raw: redis.Redis,
    config: IndexConfig,
    vectors: np.ndarray,
    queries: np.ndarray,
    args: argparse.Namespace,
    results: Results,
    by_distance: bool,
) -> None:
    """Every filter under every hybrid policy. by_distance: a hit is as near as the filter's true k-th
    neighbour (model vectors have near-duplicates), else it must be one of the exact top-k ids."""
    client = redis_conn.client
    suffix = " (model vectors)" if by_distance else ""
    case_queries = queries[: args.filtered_queries]
    for case in FILTERS:
        kept = await matching_rows(client, config, case.filters)
        if by_distance:
            truth = [np.sort(vectors[kept] @ q)[::-1][: min(K, kept.size)] for q in case_queries]
        else:
            truth_sets = filtered_truth(vectors, kept, case_queries)
        for policy, knobs in POLICIES:
            index = RedisProductIndex(redis_conn, replace(config, query_ef_runtime=args.query_ef, **knobs))
            await index.ensure()  # decides whether price filters run on the ladder
            times, got = await timed_searches(index, case_queries, case.filters, raw)
            if by_distance:
                found = sum(
                    int((vectors[r] @ q >= t[-1] - 1e-6).sum())
                    for r, q, t in zip(got, case_queries, truth, strict=True)
                    if r
                )
                wanted = sum(t.size for t in truth)
                recall_value = found / wanted if wanted else 1.0  # nothing to find: nothing missed
            else:
                recall_value = hit_rate(got, truth_sets)
            results.latency.append(latency_row(case.label + suffix, policy, int(kept.size), times, recall_value))


def recall_by_distance(rows: list[list[int]], queries: np.ndarray, vectors: np.ndarray, truth: np.ndarray) -> float:
    """Share of hits at least as near as the true k-th neighbour: near-duplicate texts make ids ambiguous."""
    kth = np.einsum("ij,ij->i", queries, vectors[truth[:, -1]])
    found = sum(int((vectors[r] @ q >= t - 1e-6).sum()) for r, q, t in zip(rows, queries, kth, strict=True) if r)
    return found / truth.size


async def main_run(
    redis_conn: RedisConnection, raw: redis.Redis, path: Path, args: argparse.Namespace, results: Results
) -> None:
    client = redis_conn.client
    catalog = JsonLinesCatalog(path, MODEL_NAME, DIM)
    config = IndexConfig(
        name="scale:idx",
        prefix="scale:",
        hnsw_m=args.hnsw_m,
        hnsw_ef_construction=args.ef_construction,
        hnsw_ef_runtime=args.ef_runtime,
    )
    await client.flushall()
    before = await used_memory(client)
    await client.execute_command(*create_command(config))
    count, seconds = await ingest(redis_conn, config, catalog.records(), args.batch, args.pipelines, fingerprint(path))
    after = await used_memory(client)
    info = await ft_info(client, config.name)
    results.ingest.append(
        {
            "variant": f"main: HNSW M{config.hnsw_m} EFC{config.hnsw_ef_construction}, batch {args.batch} "
            f"x {args.pipelines} pipelines",
            "count": count,
            "seconds": round(seconds, 2),
            "rate": count / seconds,
        }
    )
    results.memory = {
        "count": count,
        "used_memory_delta_mb": round((after - before) / 2**20, 1),
        "bytes_per_product": round((after - before) / count),
        "vector_index_mb": float(info["vector_index_sz_mb"]),
        "vector_index_bytes_per_product": round(float(info["vector_index_sz_mb"]) * 2**20 / count),
    }
    print(f"  main ingest {count:,} in {seconds:.1f}s = {count / seconds:,.0f}/s; memory {results.memory}", flush=True)

    vectors = np.stack([r.vector for r in catalog.records()])
    queries = np.stack(random_unit_vectors(np.random.default_rng(11), args.queries, DIM))
    truth = exact_top_k(vectors, queries)

    flat = replace(config, name="scale:flat", algorithm="FLAT")
    start = time.perf_counter()
    await client.execute_command(*create_command(flat))
    await wait_indexed(client, flat.name)
    print(f"  FLAT index over the same keys built in {time.perf_counter() - start:.1f}s", flush=True)
    flat_times, flat_rows = await timed_searches(RedisProductIndex(redis_conn, flat), queries, ProductFilter(), raw)
    flat_recall = hit_rate(flat_rows, [set(t.tolist()) for t in truth])
    results.recall.append(recall_row("FLAT", None, flat_recall, flat_times))
    for ef in EF_VALUES:
        index = RedisProductIndex(redis_conn, replace(config, query_ef_runtime=ef))
        times, rows = await timed_searches(index, queries, ProductFilter(), raw)
        results.recall.append(recall_row("HNSW", ef, hit_rate(rows, [set(t.tolist()) for t in truth]), times))
    results.latency.append(latency_row("unfiltered (FLAT)", "-", count, flat_times, flat_recall))

    await filtered_latency(redis_conn, raw, config, vectors, queries, args, results, by_distance=False)
    index = RedisProductIndex(redis_conn, replace(config, query_ef_runtime=args.query_ef))
    times, got = await timed_searches(index, queries, ProductFilter(), raw)
    results.latency.append(
        latency_row("unfiltered", "HNSW", count, times, hit_rate(got, [set(t.tolist()) for t in truth]))
    )


async def run(args: argparse.Namespace) -> Results:
    results = Results(machine=machine_facts())
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        main_path, sweep_path = work / "main.jsonl", work / "sweep.jsonl"
        rate = write_catalog(main_path, args.count, args.seed)
        print(f"generated {args.count:,} products at {rate:,.0f}/s", flush=True)
        write_catalog(sweep_path, args.sweep_count, args.seed + 1)
        with EmbeddedRedis(work / "redis") as server:
            redis_conn = connect(server.url)
            client = redis_conn.client
            try:
                info = await client.info("server")
                results.machine["redis"] = info["redis_version"]
                results.machine["search"] = await search_version(client)
                if args.sweep_count:
                    print(f"ingest sweep on {args.sweep_count:,} products:", flush=True)
                    await sweep(redis_conn, sweep_path, results)
                raw = redis.Redis(host="127.0.0.1", port=server.port)
                if args.count:
                    print(f"main run on {args.count:,} products:", flush=True)
                    await main_run(redis_conn, raw, main_path, args, results)
                if args.model_count:
                    print(f"recall on {args.model_count:,} products embedded with the model:", flush=True)
                    await model_recall(redis_conn, raw, args, results)
                raw.close()
            finally:
                await redis_conn.aclose()
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


def markdown(results: dict[str, Any]) -> str:
    """The tables of BENCHMARKS.md, "Scale", from a results file."""
    lines = ["| Ingest variant | Products | Products/s | recall@10 (EF 100) |", "|---|---:|---:|---:|"]
    for row in results["ingest"]:
        recall_value = row.get("recall_at_ef100")
        shown = "" if recall_value is None else f"{recall_value:.3f}"
        lines.append(f"| {row['variant']} | {row['count']:,} | {row['rate']:,.0f} | {shown} |")
    memory = results.get("memory") or {}
    if memory:  # absent when the main run was skipped (--count 0)
        lines += [
            "",
            f"Memory: {memory['used_memory_delta_mb']} MB `used_memory` for {memory['count']:,} products = "
            f"{memory['bytes_per_product']:,} bytes/product, of which the vector index "
            f"{memory['vector_index_bytes_per_product']:,}.",
        ]
    lines += [
        "",
        "| Index | EF_RUNTIME | recall@10 | p50 ms | p99 ms | Redis p50 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["recall"]:
        lines.append(
            f"| {row['index']} | {row['ef_runtime'] or '-'} | {row['recall']:.4f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} | {row['redis_p50_ms']:.2f} |"
        )
    lines += [
        "",
        "| Filter | Matches | Policy | p50 ms | p99 ms | Redis p50 / p99 ms | recall@10 |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in results["latency"]:
        lines.append(
            f"| {row['filter']} | {row['matches']:,} | {row['policy']} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['redis_p50_ms']:.2f} / {row['redis_p99_ms']:.2f} | {row['recall']:.3f} |"
        )
    return "\n".join(lines)


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
