"""Ingest at scale: the `recommender load` path timed until the index has caught up, and a sweep of
pipeline sizes and HNSW build parameters on a smaller catalog."""

import asyncio
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from adapters.bulk_load import Checkpoint, LoadCheckpoints, bulk_load
from adapters.catalog_stream import Header, JsonLinesCatalog, Record, fingerprint, write_jsonl
from adapters.embedder import DIM, MODEL_NAME
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig, create_command
from adapters.synthetic_catalog import random_unit_vectors, synthetic_catalog
from bench.recall import exact_top_k, hit_rate, timed_searches, truth_sets
from domain.filters import ProductFilter


async def ft_info(conn: RedisConnection, name: str) -> dict[str, Any]:
    raw = await conn.client.execute_command("FT.INFO", name)
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in zip(raw[::2], raw[1::2], strict=True)}


async def wait_indexed(conn: RedisConnection, name: str) -> None:
    """FT.CREATE over existing keys indexes them in the background; poll until it has finished."""
    while True:
        info = await ft_info(conn, name)
        if int(info["indexing"]) == 0 and float(info["percent_indexed"]) >= 1.0:
            return
        await asyncio.sleep(0.1)  # poll interval


def write_catalog(path: Path, count: int, seed: int) -> float:
    """A synthetic catalog with random unit vectors as JSON Lines; returns products written per second."""
    start = time.perf_counter()
    write_jsonl(path, Header(MODEL_NAME, DIM, random_vectors=True), synthetic_catalog(count, seed))
    return count / (time.perf_counter() - start)


def catalog_vectors(catalog: JsonLinesCatalog) -> np.ndarray:
    return np.stack([r.vector for r in catalog.records()])


async def ingest(
    conn: RedisConnection, config: IndexConfig, records: Iterable[Record], batch: int, pipelines: int, source: str
) -> tuple[int, float]:
    """The `recommender load` path (pipelines in flight, checkpoint per batch); returns (count, seconds)."""
    index = RedisProductIndex(conn, config)
    checkpoints = LoadCheckpoints(conn, config)
    loaded = 0

    async def committed(position: int, count: int) -> None:
        nonlocal loaded
        loaded += count
        await checkpoints.save(Checkpoint(source, position, loaded))

    start = time.perf_counter()
    written = await bulk_load(index, records, committed, batch_size=batch, in_flight=pipelines)
    await wait_indexed(conn, config.name)
    return written, time.perf_counter() - start


async def _no_checkpoint(position: int, count: int) -> None:
    return None


async def ingest_variant(
    conn: RedisConnection, catalog: JsonLinesCatalog, source: str, label: str, config: IndexConfig, **load: Any
) -> dict[str, Any]:
    await conn.client.flushall()
    batch, pipelines, index_after = load.get("batch", 500), load.get("pipelines", 2), load.get("index_after", False)
    if not index_after:
        await conn.client.execute_command(*create_command(config))
        count, seconds = await ingest(conn, config, catalog.records(), batch, pipelines, source)
        row: dict[str, Any] = {"rate": count / seconds}
    else:
        # Hashes first (no index covers the prefix yet), then FT.CREATE indexes them in the background.
        index = RedisProductIndex(conn, config)
        start = time.perf_counter()
        await bulk_load(index, catalog.records(), _no_checkpoint, batch_size=batch, in_flight=pipelines)
        written = time.perf_counter() - start
        await conn.client.execute_command(*create_command(config))
        await wait_indexed(conn, config.name)
        seconds = time.perf_counter() - start
        count = int((await ft_info(conn, config.name))["num_docs"])
        row = {"rate": count / seconds, "hashes_rate": count / written, "index_build_s": seconds - written}
    row |= {"variant": label, "count": count, "seconds": round(seconds, 2), "batch": batch, "pipelines": pipelines}
    print(f"  ingest {label:<44} {row['rate']:8,.0f}/s", flush=True)
    return row


def sweep_variants() -> list[tuple[str, IndexConfig, dict[str, Any]]]:
    base = IndexConfig(name="sweep:idx", prefix="sweep:", hnsw_ef_construction=200)
    flat = replace(base, algorithm="FLAT")
    return [
        ("HNSW M16 EFC200, batch 500 x 1 pipeline", base, {"pipelines": 1}),
        ("HNSW M16 EFC200, batch 500 x 2 pipelines", base, {}),
        ("HNSW M16 EFC200, batch 100 x 4 pipelines", base, {"batch": 100, "pipelines": 4}),
        ("HNSW M16 EFC200, batch 500 x 4 pipelines", base, {"pipelines": 4}),
        ("HNSW M16 EFC200, hashes first, then FT.CREATE", base, {"index_after": True}),
        ("HNSW M16 EFC100", replace(base, hnsw_ef_construction=100), {}),
        ("HNSW M16 EFC64", replace(base, hnsw_ef_construction=64), {}),
        ("HNSW M8 EFC64", replace(base, hnsw_m=8, hnsw_ef_construction=64), {}),
        ("FLAT", flat, {}),
        ("FLAT, batch 1000 x 4 pipelines", flat, {"batch": 1000, "pipelines": 4}),
    ]


async def sweep(conn: RedisConnection, path: Path) -> list[dict[str, Any]]:
    """Every ingest variant on the same small catalog; HNSW ones with their recall@10 at EF_RUNTIME 100."""
    catalog = JsonLinesCatalog(path, MODEL_NAME, DIM)
    source = fingerprint(path)
    queries = np.stack(random_unit_vectors(np.random.default_rng(7), 200, DIM))
    truth = truth_sets(exact_top_k(catalog_vectors(catalog), queries))
    rows = []
    for label, config, load in sweep_variants():
        row = await ingest_variant(conn, catalog, source, label, config, **load)
        if config.algorithm == "HNSW":
            index = RedisProductIndex(conn, replace(config, query_ef_runtime=100))
            _, found = await timed_searches(index, queries, ProductFilter())
            row["recall_at_ef100"] = round(hit_rate(found, truth), 4)
        rows.append(row)
    await conn.client.flushall()
    return rows
