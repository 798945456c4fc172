"""ProductIndex on Redis Search: one HASH per product, one index over every field.

A recommendation is a single FT.SEARCH: the filter clause pre-selects documents and the HNSW KNN
ranks them, in one round trip. Every read goes through the connection's hot-path reads (one reply
shape, raw RESP2, one retry rule); writes and the index's lifecycle through the redis-py client.
"""

import contextlib
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from redis.exceptions import ResponseError

from adapters.redis.codecs import (
    PRODUCT_FIELDS,
    STORED_FIELDS,
    field_map,
    product_from_fields,
    product_mapping,
    stored_product,
    to_bytes,
)
from adapters.redis.codecs import text as _text
from adapters.redis.connection import RedisConnection, translated
from adapters.redis.index_fields import IndexFields
from adapters.redis.index_searches import IndexSearches, product_id
from adapters.redis.pipelined import HotPathReads
from adapters.redis.schema import IndexConfig, attributes, create_command, flat, vector_attributes
from adapters.redis.search_query import MATCH_ALL
from domain.filters import ProductFilter
from domain.models import IndexInfo, Product, Vector
from domain.ports import SearchResult

log = logging.getLogger("recommender")

INGEST_BATCH = 500

# A patch or a new embedding of an existing product is written, but never creates a hash for a product deleted
# meanwhile (one holding nothing but an embedding would count as a broken document).
_SET_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  return 1
end
return 0
"""


class RedisProductIndex:
    def __init__(self, redis: RedisConnection, config: IndexConfig, search_reads: HotPathReads | None = None) -> None:
        self._client = redis.client
        self._reads = redis.reads
        # FT.SEARCH, the listing and the facets: replicas when configured (adapters/redis/replicas.py).
        self._search_reads = search_reads or redis.reads
        self.config = config
        self._set_if_exists = redis.client.register_script(_SET_IF_EXISTS)
        # Whether the price ladder's and the id's TAG fields can be used, decided by ensure() and recreate();
        # None until then, or while Redis still indexes older hashes: the exact fallbacks serve meanwhile.
        self._fields = IndexFields(redis.reads, config.name)
        self._searches = IndexSearches(config, self._search_reads, self._fields)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def price_ladder(self) -> bool | None:
        """Whether price filters run on the ladder's tags (False: plain NUMERIC ranges; None: not decided yet)."""
        return self._fields.ladder

    @property
    def id_tags(self) -> bool | None:
        """Whether excluded ids are negated in the pre-filter (False: over-fetched and dropped; None: not decided)."""
        return self._fields.pid

    def key(self, product_id: str) -> str:
        return f"{self.config.prefix}{product_id}"

    def describe(self, filters: ProductFilter) -> str:
        return self._searches.describe(filters)

    # The searches return their coroutine as it is: no second coroutine frame on the request's hot path.
    def search(
        self,
        vector: Vector,
        filters: ProductFilter,
        k: int,
        ef_runtime: int | None = None,
        with_vectors: bool = False,
    ) -> Coroutine[Any, Any, SearchResult]:
        return self._searches.knn(vector, filters, k, ef_runtime, with_vectors)

    def keyword_search(self, words: Sequence[str], filters: ProductFilter, k: int) -> Coroutine[Any, Any, SearchResult]:
        return self._searches.keyword_search(words, filters, k)

    def top_rated(self, filters: ProductFilter, k: int) -> Coroutine[Any, Any, SearchResult]:
        return self._searches.top_rated(filters, k)

    def among(self, product_ids: Sequence[str], filters: ProductFilter) -> Coroutine[Any, Any, SearchResult]:
        return self._searches.among(product_ids, filters)

    def distances(
        self, product_ids: Sequence[str], filters: ProductFilter, vector: Vector
    ) -> Coroutine[Any, Any, dict[str, float]]:
        return self._searches.distances(product_ids, filters, vector)

    async def get(self, product_id: str) -> Product | None:
        found = await self.get_vector(product_id)
        return None if found is None else found[0]

    async def get_vector(self, product_id: str) -> tuple[Product, Vector] | None:
        return (await self.get_many([product_id]))[0]

    @translated
    async def get_many(self, product_ids: Sequence[str]) -> list[tuple[Product, Vector] | None]:
        # One `several`: an import reads thousands of products, and a read apiece costs more than its reply.
        replies = await self._reads.several(*(("HMGET", self.key(pid), *STORED_FIELDS) for pid in product_ids))
        return [stored_product(pid, values) for pid, values in zip(product_ids, replies, strict=True)]

    @translated
    async def replace_existing(self, items: Sequence[tuple[Product, Vector]]) -> list[str]:
        written: list[str] = []
        for start in range(0, len(items), INGEST_BATCH):
            batch = items[start : start + INGEST_BATCH]
            async with self._client.pipeline(transaction=False) as pipe:
                for product, vector in batch:
                    args = [x for pair in product_mapping(product, vector).items() for x in pair]
                    await self._set_if_exists(keys=[self.key(product.id)], args=args, client=pipe)
                done = await pipe.execute()
            written += [product.id for (product, _), ok in zip(batch, done, strict=True) if ok]
        return written

    @translated
    async def delete(self, product_ids: Sequence[str]) -> list[str]:
        async with self._client.pipeline(transaction=False) as pipe:
            for product_id in product_ids:
                pipe.delete(self.key(product_id))
            done = await pipe.execute()
        return [product_id for product_id, count in zip(product_ids, done, strict=True) if count]

    @translated
    async def set_vector(self, product_id: str, vector: Vector) -> bool:
        return bool(await self._set_if_exists(keys=[self.key(product_id)], args=["embedding", to_bytes(vector)]))

    @translated
    async def upsert(self, items: Sequence[tuple[Product, Vector]]) -> int:
        for start in range(0, len(items), INGEST_BATCH):
            async with self._client.pipeline(transaction=False) as pipe:
                for product, vector in items[start : start + INGEST_BATCH]:
                    pipe.hset(self.key(product.id), mapping=product_mapping(product, vector))  # type: ignore[arg-type]
                await pipe.execute()
        return len(items)

    @translated
    async def exists(self) -> bool:
        try:
            await self._reads.command("FT.INFO", self.config.name)
        except ResponseError as exc:
            # Only "no such index" means missing; any other error (a module or ACL problem) must not
            # lead ensure() to create an index over it.
            if "unknown index" in str(exc).lower() or "no such index" in str(exc).lower():
                return False
            raise
        return True

    @translated
    async def ensure(self) -> None:
        if not await self.exists():
            # Hashes under the prefix may predate the ladder: the check below looks at them once indexed.
            await self._create()
        else:
            # FT.CREATE's vector parameters are fixed for the index's life: say so rather than ignore them.
            actual = await self.vector_attributes()
            wanted = vector_attributes(self.config)
            differing = {name: actual.get(name) for name, value in wanted.items() if actual.get(name) != value}
            if differing:
                log.warning("index %s keeps %s (configured %s) until it is recreated", self.name, differing, wanted)
        await self._fields.decide()

    @translated
    async def recreate(self) -> None:
        self._fields.stop()
        with contextlib.suppress(ResponseError):  # no index yet
            await self._client.execute_command("FT.DROPINDEX", self.config.name, "DD")
        # DD removes indexed documents only; sweep the prefix for any that failed to index. A load's checkpoint
        # goes too: it places products that are gone now, and `--resume` would skip them.
        async for key in self._client.scan_iter(match=self._glob(), count=1000):
            await self._client.delete(key)
        await self._client.delete(self.config.checkpoint_key)
        await self._create()
        self._fields.all_present()

    @translated
    async def list_products(self, limit: int) -> list[Product]:
        # FT.AGGREGATE can sort by the key itself, which FT.SEARCH cannot: a stable order by id.
        fields = ["@__key", *(f"@{name}" for name in PRODUCT_FIELDS)]
        options: list[list[Any]] = [
            ["LOAD", len(fields), *fields],
            ["SORTBY", 2, "@__key", "ASC", "MAX", limit],
            ["DIALECT", 2],
        ]
        raw = await self._search_reads.command("FT.AGGREGATE", self.config.name, MATCH_ALL, *flat(options))
        rows = [field_map(row) for row in raw[1:]]
        return [product_from_fields(product_id(self.config, row["__key"]), row) for row in rows]

    async def categories(self) -> list[str]:
        return await self._tag_values("category")

    async def brands(self) -> list[str]:
        return await self._tag_values("brand")

    @translated
    async def vector_attributes(self) -> dict[str, str]:
        """The vector field's parameters as FT.INFO reports them (algorithm, M, ef_construction, ...)."""
        fields_of = attributes(await self._ft_info())
        return next((fields for fields in fields_of if fields.get("attribute") == "embedding"), {})

    @translated
    async def info(self) -> IndexInfo:
        info = await self._ft_info()
        return IndexInfo(
            index_name=self.config.name,
            num_docs=int(_text(info["num_docs"])),
            indexing_failures=int(_text(info["hash_indexing_failures"])),
            vector_index_size_mb=float(_text(info["vector_index_sz_mb"])),
        )

    async def _ft_info(self) -> dict[str, Any]:
        return field_map(await self._reads.command("FT.INFO", self.config.name))

    @translated
    async def _tag_values(self, field: str) -> list[str]:
        values = await self._search_reads.command("FT.TAGVALS", self.config.name, field)
        return sorted(v.decode() for v in values)

    def _glob(self) -> str:
        # The prefix is configuration, not user input, but escape glob characters all the same.
        escaped = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in self.config.prefix)
        return escaped + "*"

    async def _create(self) -> None:
        await self._client.execute_command(*create_command(self.config))
