"""Filtered KNN at scale: every filter the API offers under every hybrid policy, latency and recall."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import redis

from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.redis.search_query import filter_clause
from bench.recall import K, Timings, filtered_truth, found_by_distance, hit_rate, row_of, timed_searches
from domain.filters import ProductFilter

MAX_MATCHES = 1_000_000  # RediSearch's default MAXSEARCHRESULTS


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


async def matching_rows(conn: RedisConnection, config: IndexConfig, filters: ProductFilter) -> np.ndarray:
    raw = await conn.client.execute_command(
        "FT.SEARCH", config.name, filter_clause(filters), "NOCONTENT", "LIMIT", 0, MAX_MATCHES, "DIALECT", 2
    )
    if raw[0] > len(raw) - 1:  # a truncated match set would make the "exact" filtered truth wrong
        raise RuntimeError(f"{filters} matches {raw[0]:,} products, more than the {MAX_MATCHES:,} read back")
    prefix = len(config.prefix)
    return np.array(sorted(row_of(key.decode()[prefix:]) for key in raw[1:]), dtype=np.int64)


def latency_row(label: str, policy: str, matches: int, times: Timings, recall_value: float) -> dict[str, Any]:
    row = {"filter": label, "policy": policy, "matches": matches, **times.summary(), "recall": round(recall_value, 4)}
    print(
        f"  {label:<22} {matches:>6} {policy:<12} adapter {row['p50_ms']:6.2f} / {row['p99_ms']:6.2f} ms"
        f"  redis {row['redis_p50_ms']:6.2f} / {row['redis_p99_ms']:6.2f} ms  recall {recall_value:.3f}",
        flush=True,
    )
    return row


def recall_against(
    kept: np.ndarray, vectors: np.ndarray, queries: np.ndarray, by_distance: bool
) -> Callable[[list[list[int]]], float]:
    """A function of one policy's hits giving its recall against the exact top k among `kept`.

    by_distance: a hit counts when it is as near as the filter's true k-th neighbour (model vectors have
    near-duplicates), else it must be one of the exact top-k ids."""
    if not by_distance:
        truth = filtered_truth(vectors, kept, queries)
        return lambda got: hit_rate(got, truth)
    if kept.size == 0:
        return lambda got: 1.0  # nothing to find: nothing missed
    wanted = min(K, kept.size)
    kth = np.array([np.sort(vectors[kept] @ q)[::-1][wanted - 1] for q in queries])
    return lambda got: found_by_distance(got, queries, vectors, kth) / (wanted * len(queries))


async def filtered_latency(
    conn: RedisConnection,
    raw: redis.Redis,
    config: IndexConfig,
    vectors: np.ndarray,
    queries: np.ndarray,
    query_ef: int | None,
    by_distance: bool,
) -> list[dict[str, Any]]:
    """One latency row per filter and hybrid policy, searching with `query_ef` (None: the index's)."""
    suffix = " (model vectors)" if by_distance else ""
    rows = []
    for case in FILTERS:
        kept = await matching_rows(conn, config, case.filters)
        recall_of = recall_against(kept, vectors, queries, by_distance)
        for policy, knobs in POLICIES:
            index = RedisProductIndex(conn, replace(config, query_ef_runtime=query_ef, **knobs))
            await index.ensure()  # decides whether price filters can use the ladder's tags, as the server does
            times, got = await timed_searches(index, queries, case.filters, raw)
            rows.append(latency_row(case.label + suffix, policy, int(kept.size), times, recall_of(got)))
    return rows
