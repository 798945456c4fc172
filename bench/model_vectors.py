"""Recall and filtered search on products embedded by the model: clustered like a real catalog, so far
easier for HNSW than uniform random vectors (the hard case the main run measures)."""

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import redis

from adapters.catalog_stream import Header, JsonLinesCatalog, write_jsonl
from adapters.embedder import DIM, MODEL_NAME
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig, create_command
from adapters.synthetic_catalog import ADJECTIVES, CATEGORIES, synthetic_catalog
from bench.filtered import filtered_latency
from bench.ingest import catalog_vectors, ingest
from bench.recall import EF_VALUES, exact_top_k, recall_by_distance, recall_row, timed_searches
from domain.filters import ProductFilter


def query_texts(count: int, seed: int) -> list[str]:
    """Shopper-like queries built from the generator's vocabulary ("featherweight tent for thru-hikes")."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(count):
        category = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
        noun, use = rng.choice(category.nouns), rng.choice(category.uses)
        texts.append(f"{rng.choice(ADJECTIVES).lower()} {noun} for {use}")
    return texts


def embedded_catalog(path: Path, count: int, seed: int, embed: Callable[[Sequence[str]], list[Any]]) -> float | None:
    """Embed a synthetic catalog once (minutes on two cores) and keep it; returns products/s, None if kept."""
    if path.exists():
        return None
    start = time.perf_counter()
    write_jsonl(path, Header(MODEL_NAME, DIM), synthetic_catalog(count, seed, embed=embed))
    rate = count / (time.perf_counter() - start)
    print(f"  embedded {count:,} products at {rate:,.0f}/s -> {path}", flush=True)
    return rate


async def model_recall(conn: RedisConnection, raw: redis.Redis, args: argparse.Namespace) -> dict[str, Any]:
    """Ingest and recall per EF_RUNTIME for each (M, EF_CONSTRUCTION) in args.model_builds, then the filter
    table on the last build; returns {"recall": rows, "latency": rows, "embed_rate": products/s or None}."""
    from adapters.embedder import FastEmbedEmbedder  # loads the model: only when asked
    from bootstrap.settings import Settings

    embedder = FastEmbedEmbedder(Settings().model_dir)
    path = args.out / f"model-{args.model_count}-seed{args.seed + 2}.jsonl"
    out: dict[str, Any] = {
        "recall": [],
        "embed_rate": embedded_catalog(path, args.model_count, args.seed + 2, embedder.embed_sync),
    }
    catalog = JsonLinesCatalog(path, MODEL_NAME, DIM)
    vectors = catalog_vectors(catalog)
    queries = np.stack(embedder.embed_sync(query_texts(args.queries, args.seed)))
    truth = exact_top_k(vectors, queries)
    for m, ef_construction in args.model_builds:
        await conn.client.flushall()
        config = IndexConfig(name="model:idx", prefix="model:", hnsw_m=m, hnsw_ef_construction=ef_construction)
        await conn.client.execute_command(*create_command(config))
        count, seconds = await ingest(conn, config, catalog.records(), args.batch, args.pipelines, "model")
        label = f"HNSW M{m} EFC{ef_construction} (model vectors)"
        print(f"  {label}: ingest {count / seconds:,.0f}/s", flush=True)
        for ef in EF_VALUES:
            index = RedisProductIndex(conn, replace(config, query_ef_runtime=ef))
            times, rows = await timed_searches(index, queries, ProductFilter())
            row = recall_row(label, ef, recall_by_distance(rows, queries, vectors, truth), times, count)
            out["recall"].append(row | {"ingest_rate": round(count / seconds)})
    # The last build stays loaded: filtered search on vectors shaped like a real catalog's.
    some = queries[: args.filtered_queries]
    out["latency"] = await filtered_latency(conn, raw, config, vectors, some, args.query_ef, by_distance=True)
    await conn.client.flushall()
    return out
