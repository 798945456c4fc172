"""The index's searches: filtered KNN, BM25 keywords, a rating sort, and a filter over given ids.

Each is one FT.SEARCH that returns the stored vectors with the products (diversity needs them, and the
service computes each keyword hit's cosine distance to the query from them), so no search costs a second
round trip. RedisProductIndex holds one and hands it its reads; this module never calls back into the index.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from adapters.redis.codecs import PRODUCT_FIELDS, field_map, from_bytes, product_from_fields, to_bytes
from adapters.redis.connection import translated
from adapters.redis.index_fields import IndexFields
from adapters.redis.pipelined import HotPathReads
from adapters.redis.schema import IndexConfig, flat
from adapters.redis.search_query import MATCH_ALL, filter_clause, keyword_query, knn_query, pid_set
from domain.filters import ProductFilter
from domain.models import Vector
from domain.ports import SearchResult

# A few excluded ids and no other filter: an unfiltered KNN for k + |excluded| (the excluded dropped after)
# beats the negated TAG, which turns the search into a filtered one (bench.modes at 20k: similarProducts,
# which excludes the product itself, 2.5 ms negated vs ~1 ms over-fetched; a second page likewise).
OVERFETCH_MAX_EXCLUDED = 100


RATING_FLOORS = (4.8, 4.0)


def overfetch_cheaper(filters: ProductFilter) -> bool:
    excluded = filters.excluded_ids
    return 0 < len(excluded) <= OVERFETCH_MAX_EXCLUDED and replace(filters, excluded_ids=()).is_empty


def documents(raw: list[Any]) -> list[tuple[bytes, list[bytes]]]:
    """FT.SEARCH's RESP2 reply `[total, key, [field, value, ...], key, ...]` as (key, fields) pairs."""
    return list(zip(raw[1::2], raw[2::2], strict=True))


def product_id(config: IndexConfig, key: bytes) -> str:
    return key.decode()[len(config.prefix) :]


class IndexSearches:
    def __init__(self, config: IndexConfig, search_reads: HotPathReads, fields: IndexFields) -> None:
        self.config = config
        self._search_reads = search_reads  # replicas in rotation, or the primary
        self._fields = fields

    def describe(self, filters: ProductFilter) -> str:
        return self._clause(filters, self._negated(filters))

    @translated
    async def knn(
        self, vector: Vector, filters: ProductFilter, k: int, ef_runtime: int | None, with_vectors: bool
    ) -> SearchResult:
        negated = self._negated(filters) and not overfetch_cheaper(filters)
        clause, fetch = self._clause(filters, negated), self._fetch(filters, k, negated)
        returned = [*PRODUCT_FIELDS, "vector_score", *(["embedding"] if with_vectors else [])]
        options: list[list[Any]] = [
            ["PARAMS", 2, "vec", to_bytes(vector)],
            ["SORTBY", "vector_score", "ASC"],
            ["RETURN", len(returned), *returned],
            ["LIMIT", 0, fetch],
            ["DIALECT", 2],
        ]
        query = self.config.knn(clause, fetch, ef_runtime)
        raw = await self._search_reads.command("FT.SEARCH", self.config.name, query, *flat(options))
        return self._without_excluded(self._found(raw, "vector_score", clause, with_vectors), filters, k, negated)

    @translated
    async def keyword_search(self, words: Sequence[str], filters: ProductFilter, k: int) -> SearchResult:
        negated = self._negated(filters)
        clause, fetch = self._clause(filters, negated), self._fetch(filters, k, negated)
        # Products holding every word first: an intersection is cheap where a union of common words scores
        # thousands (100k: 0.37 vs 1.82 ms); only when fewer than k hold them all is the union searched.
        raw = await self._bm25(keyword_query(words, clause, every=True), fetch)
        if raw[0] < fetch and len(set(words)) > 1:
            raw = await self._bm25(keyword_query(words, clause), fetch)
        # WITHSCORES: [total, key, score, fields, key, score, fields, ...]
        scored = [[key, [b"bm25", score, *fields]] for key, score, fields in zip(*(iter(raw[1:]),) * 3, strict=True)]
        found = self._found([raw[0], *(x for pair in scored for x in pair)], "bm25", clause, True)
        return self._without_excluded(found, filters, k, negated)

    async def _bm25(self, query: str, fetch: int) -> Any:
        returned = [*PRODUCT_FIELDS, "embedding"]
        options: list[list[Any]] = [
            ["WITHSCORES"],
            ["SCORER", "BM25"],
            ["RETURN", len(returned), *returned],
            ["LIMIT", 0, fetch],
            ["DIALECT", 2],
        ]
        return await self._search_reads.command("FT.SEARCH", self.config.name, query, *flat(options))

    @translated
    async def top_rated(self, filters: ProductFilter, k: int) -> SearchResult:
        negated = self._negated(filters)
        clause, fetch = self._clause(filters, negated), self._fetch(filters, k, negated)
        # Sorting every product that passes costs 14.6 ms at 100k; when k of them are rated at least a floor,
        # the k best are among those (exactly), and a range finds them in ~3 ms. Floors down, then all.
        for floor in RATING_FLOORS:
            floored = f"@rating:[{floor} +inf]" if clause == MATCH_ALL else f"{clause} @rating:[{floor} +inf]"
            found = await self._sorted(floored, clause, ["SORTBY", "rating", "DESC"], fetch)
            if len(found.hits) >= fetch:
                return self._without_excluded(found, filters, k, negated)
        found = await self._sorted(clause, clause, ["SORTBY", "rating", "DESC"], fetch)
        return self._without_excluded(found, filters, k, negated)

    @translated
    async def among(self, product_ids: Sequence[str], filters: ProductFilter) -> SearchResult:
        clause = self._clause(filters, bool(self._fields.pid))
        by_rating = ["SORTBY", "rating", "DESC"]
        if not product_ids:
            return SearchResult([], clause)
        if self._fields.pid:
            ids = pid_set(product_ids)
            query = ids if clause == MATCH_ALL else f"{clause} {ids}"
            return await self._sorted(query, clause, by_rating, len(product_ids))
        keys = self._keys(product_ids, filters)  # an index from before the id TAG: the documents named by key
        if not keys:
            return SearchResult([], clause)
        return await self._sorted(clause, clause, ["INKEYS", len(keys), *keys, *by_rating], len(keys))

    @translated
    async def distances(self, product_ids: Sequence[str], filters: ProductFilter, vector: Vector) -> dict[str, float]:
        # A KNN over only these documents (INKEYS, where the other searches use a TAG set of ids: BENCHMARKS.md
        # compares the two; the excluded are simply left out of the list), by brute force where a filter
        # applies, returning each one's distance and nothing else.
        keys = self._keys(product_ids, filters)
        if not keys:
            return {}
        query = knn_query(self._clause(filters, False), len(keys), hybrid_policy="ADHOC_BF")
        options: list[list[Any]] = [
            ["INKEYS", len(keys), *keys],
            ["PARAMS", 2, "vec", to_bytes(vector)],
            ["RETURN", 1, "vector_score"],
            ["LIMIT", 0, len(keys)],
            ["DIALECT", 2],
        ]
        raw = await self._search_reads.command("FT.SEARCH", self.config.name, query, *flat(options))
        return {product_id(self.config, key): float(fields[1]) for key, fields in documents(raw)}

    def _keys(self, product_ids: Sequence[str], filters: ProductFilter) -> list[str]:
        """The keys of these products (each once), the excluded left out: for INKEYS."""
        excluded = set(filters.excluded_ids)
        return [self.config.prefix + pid for pid in dict.fromkeys(product_ids) if pid not in excluded]

    def _negated(self, filters: ProductFilter) -> bool:
        """Whether excluded ids go into the query as a negated `pid` set; else they are over-fetched and dropped
        (an index from before the id TAG, or a few ids with nothing else to filter)."""
        return bool(self._fields.pid)

    def _fetch(self, filters: ProductFilter, k: int, negated: bool) -> int:
        # Without the negation, the k best of the rest are among the k + |excluded| best of all.
        return k if negated or not filters.excluded_ids else k + len(filters.excluded_ids)

    def _without_excluded(self, found: SearchResult, filters: ProductFilter, k: int, negated: bool) -> SearchResult:
        if negated or not filters.excluded_ids:
            return found
        kept = [i for i, (p, _) in enumerate(found.hits) if p.id not in filters.excluded_ids][:k]
        vectors = [found.vectors[i] for i in kept] if found.vectors else []
        return SearchResult([found.hits[i] for i in kept], found.filter_clause, vectors)

    def _clause(self, filters: ProductFilter, negated: bool) -> str:
        return filter_clause(filters, price_ladder=bool(self._fields.ladder), exclusion=negated)

    async def _sorted(self, query: str, clause: str, sort: list[Any], k: int) -> SearchResult:
        returned = [*PRODUCT_FIELDS, "embedding"]
        options: list[list[Any]] = [sort, ["RETURN", len(returned), *returned], ["LIMIT", 0, k], ["DIALECT", 2]]
        raw = await self._search_reads.command("FT.SEARCH", self.config.name, query, *flat(options))
        return self._found(raw, "rating", clause, True)

    def _found(self, raw: list[Any], score: str, clause: str, with_vectors: bool) -> SearchResult:
        hits, vectors = [], []
        for key, fields_flat in documents(raw):
            fields = field_map(fields_flat)
            hits.append((product_from_fields(product_id(self.config, key), fields), float(fields[score])))
            if with_vectors:
                vectors.append(from_bytes(fields["embedding"]))
        return SearchResult(hits, clause, vectors)
