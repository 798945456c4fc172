"""Timed KNN searches through the real index adapter, and how many true neighbours they found.

Ground truth is exact cosine by numpy brute force over the same vectors (all unit length, so a dot
product). Latency is the search stage as `timings.searchMs` reports it (`RedisProductIndex.search`:
the round trip plus reply parsing) and, when a sync conn is given, the bare `FT.SEARCH`.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import redis

from adapters.redis.codecs import to_bytes
from adapters.redis.index import RedisProductIndex
from adapters.redis.search_query import filter_clause
from domain.filters import ProductFilter

K = 10
EF_VALUES = (10, 20, 50, 100, 200, 400)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    """Row numbers of the k nearest vectors, nearest first."""
    scores = queries @ vectors.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1)


def truth_sets(truth: np.ndarray) -> list[set[int]]:
    return [set(t.tolist()) for t in truth]


def row_of(product_id: str) -> int:
    return int(product_id.lstrip("g")) - 1  # synthetic ids are g0000001, g0000002, ...


@dataclass
class Timings:
    adapter: list[float] = field(default_factory=list)  # RedisProductIndex.search, as searchMs reports it
    redis: list[float] = field(default_factory=list)  # the bare FT.SEARCH round trip (sync conn, ids only)

    def summary(self) -> dict[str, float]:
        return {
            "p50_ms": round(percentile(self.adapter, 50), 3),
            "p99_ms": round(percentile(self.adapter, 99), 3),
            "redis_p50_ms": round(percentile(self.redis, 50), 3),
            "redis_p99_ms": round(percentile(self.redis, 99), 3),
        }


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


def hit_rate(rows: list[list[int]], truth: list[set[int]]) -> float:
    wanted = sum(len(t) for t in truth)
    return sum(len(set(r) & t) for r, t in zip(rows, truth, strict=True)) / wanted if wanted else 1.0


def filtered_truth(vectors: np.ndarray, rows: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    """The exact top k among the products a filter keeps (all of them when it keeps k or fewer)."""
    if rows.size <= K:
        return [set(rows.tolist()) for _ in queries]
    return [set(rows[local].tolist()) for local in exact_top_k(vectors[rows], queries)]


def found_by_distance(rows: list[list[int]], queries: np.ndarray, vectors: np.ndarray, kth: np.ndarray) -> int:
    """Hits at least as near as the true k-th neighbour: model vectors have near-duplicates, so ids are ambiguous."""
    return sum(int((vectors[r] @ q >= t - 1e-6).sum()) for r, q, t in zip(rows, queries, kth, strict=True) if r)


def recall_by_distance(rows: list[list[int]], queries: np.ndarray, vectors: np.ndarray, truth: np.ndarray) -> float:
    kth = np.einsum("ij,ij->i", queries, vectors[truth[:, -1]])
    return found_by_distance(rows, queries, vectors, kth) / truth.size


def recall_row(algorithm: str, ef: int | None, value: float, times: Timings, count: int) -> dict[str, Any]:
    row = {"index": algorithm, "ef_runtime": ef, "count": count, "recall": round(value, 4), **times.summary()}
    print(f"  recall@10 {algorithm} EF_RUNTIME {ef}: {value:.4f}  adapter p50 {row['p50_ms']} ms", flush=True)
    return row
