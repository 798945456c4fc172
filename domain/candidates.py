"""Where a page's candidates come from: one search per strategy, each giving entries best first.

An entry's `base` is its score before affinity re-ranking, lower is better, on one scale per strategy:
the cosine distance for vector searches, minus the fused reciprocal-rank score for KEYWORD and HYBRID
(a keyword list alone is fused with itself only, so both read alike), minus the decayed engagement for
POPULAR and minus the rating for TOP_RATED.
"""

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from domain.filters import ProductFilter
from domain.fusion import RRF_K, rrf_scores
from domain.models import Product, Reason, Strategy, Vector
from domain.ports import PopularityStore, ProductIndex, SearchResult

# Popular products read before filtering: the filters keep those of the most engaged that pass.
POPULAR_DEPTH = 500


@dataclass(frozen=True)
class Entry:
    product: Product
    base: float
    reason: Reason
    distance: float | None = None
    vector: Vector | None = None
    text_rank: int | None = None


@dataclass(frozen=True)
class Pool:
    entries: list[Entry]
    clause: str
    strategy: Strategy


def _distance(vector: Vector, query: Vector) -> float:
    return float(min(max(1.0 - float(np.dot(vector, query)), 0.0), 2.0))


def _vector(result: SearchResult, i: int) -> Vector | None:
    return result.vectors[i] if result.vectors else None


def from_knn(result: SearchResult, reason: Reason) -> list[Entry]:
    return [
        Entry(p, min(max(d, 0.0), 2.0), reason, min(max(d, 0.0), 2.0), _vector(result, i))
        for i, (p, d) in enumerate(result.hits)
    ]


def _knn(
    index: ProductIndex, vector: Vector, filters: ProductFilter, n: int, ef: int | None, vectors: bool
) -> Awaitable[SearchResult]:
    return index.search(vector, filters, n, ef, with_vectors=vectors)


async def nearest(
    index: ProductIndex, vector: Vector, filters: ProductFilter, n: int, ef: int | None, reason: Reason, vectors: bool
) -> tuple[list[Entry], str]:
    result = await _knn(index, vector, filters, n, ef, vectors)
    return from_knn(result, reason), result.filter_clause


async def keyword(index: ProductIndex, words: Sequence[str], query: Vector, filters: ProductFilter, n: int) -> Pool:
    if not words:  # punctuation alone: nothing to match
        return Pool([], "*", Strategy.QUERY)
    result = await index.keyword_search(words, filters, n)
    entries = [
        Entry(p, -1.0 / (RRF_K + rank), Reason.MATCHES_KEYWORDS, _distance(v, query), v, rank)
        for rank, ((p, _), v) in enumerate(zip(result.hits, result.vectors, strict=True), start=1)
    ]
    return Pool(entries, result.filter_clause, Strategy.QUERY)


async def hybrid(
    index: ProductIndex,
    words: Sequence[str],
    query: Vector,
    filters: ProductFilter,
    n: int,
    ef: int | None,
    vectors: bool,
) -> Pool:
    """BM25 and KNN sent together (one round trip on the pipelined connection), fused by reciprocal rank.

    The KNN leg returns vectors only when diversity needs them (its distances come back anyway); the
    keyword leg always does, for its hits' distances to the query."""
    if not words:
        entries, clause = await nearest(index, query, filters, n, ef, Reason.MATCHES_QUERY, vectors)
        return Pool(entries, clause, Strategy.QUERY)
    knn, text = await asyncio.gather(
        _knn(index, query, filters, n, ef, vectors), index.keyword_search(words, filters, n)
    )
    by_id = {e.product.id: e for e in from_knn(knn, Reason.MATCHES_QUERY)}
    text_ranks = {p.id: rank for rank, (p, _) in enumerate(text.hits, start=1)}
    for (p, _), stored in zip(text.hits, text.vectors, strict=True):
        by_id.setdefault(p.id, Entry(p, 0.0, Reason.MATCHES_KEYWORDS, _distance(stored, query), stored))
    vector_ranks = {p.id: rank for rank, (p, _) in enumerate(knn.hits, start=1)}
    fused = rrf_scores([p.id for p, _ in knn.hits], [p.id for p, _ in text.hits])
    entries = []
    for pid, score in sorted(fused.items(), key=lambda pair: -pair[1]):
        t, v = text_ranks.get(pid), vector_ranks.get(pid)
        keywords_won = t is not None and (v is None or t < v)
        reason = Reason.MATCHES_KEYWORDS if keywords_won else Reason.MATCHES_QUERY
        entries.append(replace(by_id[pid], base=-score, reason=reason, text_rank=t))
    return Pool(entries[:n], knn.filter_clause, Strategy.QUERY)


async def popular(
    index: ProductIndex, popularity: PopularityStore | None, filters: ProductFilter, n: int, now: float
) -> Pool:
    """The most engaged products that pass the filters, topped up by the best rated; TOP_RATED with no events."""
    counts = dict(await popularity.top(now, POPULAR_DEPTH)) if popularity is not None else {}
    found = await index.among(list(counts), filters) if counts else SearchResult([], "*")
    ranked = sorted(range(len(found.hits)), key=lambda i: -counts[found.hits[i][0].id])
    entries = [
        Entry(found.hits[i][0], -counts[found.hits[i][0].id], Reason.POPULAR, None, _vector(found, i)) for i in ranked
    ]
    entries = entries[:n]
    if len(entries) < n:
        taken = (*filters.excluded_ids, *(e.product.id for e in entries))
        rated = await index.top_rated(replace(filters, excluded_ids=taken), n - len(entries))
        entries += [
            Entry(p, -rating, Reason.TOP_RATED, None, _vector(rated, i)) for i, (p, rating) in enumerate(rated.hits)
        ]
        clause = rated.filter_clause
    else:
        clause = found.filter_clause
    strategy = Strategy.POPULAR if entries and entries[0].reason is Reason.POPULAR else Strategy.TOP_RATED
    return Pool(entries, clause, strategy)
