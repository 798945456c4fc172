"""Sources over the search vector and the query's words: nearest products (to a query, a session or a product)
and BM25 keyword matches."""

from dataclasses import dataclass

import numpy as np

from domain.filters import EVERYTHING
from domain.models import Reason, Strategy, Vector
from domain.pipeline.fusion import RRF_K
from domain.pipeline.stages import Entry, Pool, Retrieval, Scale, distance
from domain.ports import ProductIndex, SearchResult


def stored_vector(result: SearchResult, i: int) -> Vector | None:
    return result.vectors[i] if result.vectors else None


def nearest_entries(result: SearchResult, reason: Reason) -> list[Entry]:
    entries = []
    for i, (product, raw) in enumerate(result.hits):
        d = distance(raw)
        entries.append(Entry(product, d, reason, d, stored_vector(result, i)))
    return entries


@dataclass(frozen=True, slots=True)
class Knn:
    """The products nearest the search vector; declines when the request has no vector (no session yet)."""

    index: ProductIndex
    reason: Reason
    strategy: Strategy

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        if ask.vector is None:
            return None
        result = await self.index.search(ask.vector, ask.filters, ask.n, ask.ef_runtime, with_vectors=ask.with_vectors)
        return Pool(nearest_entries(result, self.reason), result.filter_clause, self.strategy)


def query_knn(index: ProductIndex) -> Knn:
    return Knn(index, Reason.MATCHES_QUERY, Strategy.QUERY)


def session_knn(index: ProductIndex) -> Knn:
    return Knn(index, Reason.SIMILAR_TO_SESSION, Strategy.SESSION)


def similar_product_knn(index: ProductIndex) -> Knn:
    return Knn(index, Reason.SIMILAR_TO_PRODUCT, Strategy.SIMILAR_PRODUCT)


@dataclass(frozen=True, slots=True)
class Keyword:
    """BM25 matches of the query's words, scored by minus their reciprocal rank (a list fused with itself alone
    reads like a hybrid one), each with its cosine distance to the query vector."""

    index: ProductIndex

    async def retrieve(self, ask: Retrieval) -> Pool:
        if not ask.words:  # punctuation alone: nothing to match
            return Pool([], self.index.describe(EVERYTHING), Strategy.QUERY, Scale.RANK)
        result = await self.index.keyword_search(ask.words, ask.filters, ask.n)
        query = ask.vector
        entries = []
        for rank, ((product, _), stored) in enumerate(zip(result.hits, result.vectors, strict=True), start=1):
            d = None if query is None else distance(1.0 - float(np.dot(stored, query)))
            entries.append(Entry(product, -1.0 / (RRF_K + rank), Reason.MATCHES_KEYWORDS, d, stored, rank))
        return Pool(entries, result.filter_clause, Strategy.QUERY, Scale.RANK)
