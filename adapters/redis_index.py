"""ProductIndex on Redis Search: one HASH per product, one index over every field.

A recommendation is a single FT.SEARCH: the filter clause pre-selects documents and the HNSW KNN
ranks them, in one round trip.
"""

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from adapters.price_ladder import GE_FIELD, LE_FIELD, ladder_fields
from adapters.redis_fast import fast_command
from adapters.redis_query import MATCH_ALL, filter_clause, knn_query
from domain.filters import ProductFilter
from domain.models import IndexInfo, Product, Vector
from domain.ports import SearchResult

log = logging.getLogger("recommender")

PRODUCT_FIELDS = ("name", "description", "category", "brand", "price", "rating", "in_stock")
INGEST_BATCH = 500

# Replace the vector only if the product exists: a refresh racing a delete must not leave a hash
# holding nothing but an embedding (which the index would count as a broken document).
_SET_VECTOR_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'embedding', ARGV[1])
  return 1
end
return 0
"""


ALGORITHMS = ("HNSW", "FLAT")
HYBRID_POLICIES = ("ADHOC_BF", "BATCHES")


@dataclass(frozen=True)
class IndexConfig:
    name: str = "recommend:idx"
    prefix: str = "product:"
    dim: int = 384
    # FLAT is exact and ingests 5-8x faster, but every unfiltered query scans all vectors.
    algorithm: str = "HNSW"
    hnsw_m: int = 16
    # 100 rather than Redis' 200: 1.6-1.7x the ingest rate, and recall@10 still 1.000 at EF_RUNTIME 100
    # on the model's vectors (BENCHMARKS.md, "Scale").
    hnsw_ef_construction: int = 100
    # Candidates HNSW keeps while searching; Redis' default of 10 misses true neighbours even on a
    # 60-product catalog once k approaches it. 200: recall@10 0.98 on 100k model-embedded products,
    # where 100 gave 0.96 (BENCHMARKS.md, "Scale"), for ~0.2 ms more per search.
    hnsw_ef_runtime: int = 200
    # Per-query knobs, written into the KNN clause only when set; None leaves the index's EF_RUNTIME
    # and RediSearch's own choice between ad-hoc brute force and batches in charge.
    query_ef_runtime: int | None = None
    hybrid_policy: str | None = None
    batch_size: int | None = None

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {self.algorithm!r}")
        if self.hybrid_policy is not None and self.hybrid_policy not in HYBRID_POLICIES:
            raise ValueError(f"hybrid policy must be one of {', '.join(HYBRID_POLICIES)}, not {self.hybrid_policy!r}")
        for label, value in [
            ("M", self.hnsw_m),
            ("EF_CONSTRUCTION", self.hnsw_ef_construction),
            ("EF_RUNTIME", self.hnsw_ef_runtime),
            ("EF_RUNTIME", self.query_ef_runtime),
            ("BATCH_SIZE", self.batch_size),
        ]:
            if value is not None and value < 1:
                raise ValueError(f"{label} must be at least 1, not {value}")
        # RediSearch rejects both combinations at query time; refuse them before anything starts.
        if self.algorithm == "FLAT" and self.query_ef_runtime is not None:
            raise ValueError("EF_RUNTIME applies to HNSW only")
        if self.hybrid_policy == "ADHOC_BF" and self.batch_size is not None:
            raise ValueError("BATCH_SIZE applies to HYBRID_POLICY BATCHES only")

    def knn(self, clause: str, k: int, ef_runtime: int | None = None) -> str:
        """`ef_runtime` (one search's own) wins over the configured one; a FLAT index, exact, takes neither."""
        ef = None if self.algorithm == "FLAT" else ef_runtime or self.query_ef_runtime
        return knn_query(clause, k, ef_runtime=ef, hybrid_policy=self.hybrid_policy, batch_size=self.batch_size)


def to_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes) -> Vector:
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def product_mapping(product: Product, vector: Vector) -> dict[str, str | bytes]:
    return {
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "price": repr(product.price),
        "rating": repr(product.rating),
        "in_stock": "true" if product.in_stock else "false",
        **ladder_fields(product.price),
        "embedding": to_bytes(vector),
    }


def product_from_fields(product_id: str, fields: dict[str, bytes]) -> Product:
    def text(name: str) -> str:
        return fields[name].decode()

    return Product(
        id=product_id,
        name=text("name"),
        description=text("description"),
        category=text("category"),
        brand=text("brand"),
        price=float(text("price")),
        rating=float(text("rating")),
        in_stock=text("in_stock") == "true",
    )


def field_map(flat: Sequence[bytes]) -> dict[str, bytes]:
    """A flat RESP2 `[field, value, ...]` reply (HGETALL, an FT.SEARCH document) as {field: value}."""
    return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _documents(raw: list[Any]) -> list[tuple[bytes, list[bytes]]]:
    """FT.SEARCH's RESP2 reply `[total, key, [field, value, ...], key, ...]` as (key, fields) pairs."""
    return list(zip(raw[1::2], raw[2::2], strict=True))


class RedisProductIndex:
    def __init__(self, client: aioredis.Redis, config: IndexConfig) -> None:
        self._redis = client
        self.config = config
        self._set_vector = client.register_script(_SET_VECTOR_IF_EXISTS)
        # Whether price filters may use the ladder's TAG fields: known once this index is created or checked.
        self._price_ladder: bool | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def price_ladder(self) -> bool | None:
        """Whether price filters run on the ladder's tags (False: plain NUMERIC ranges; None: not checked yet)."""
        return self._price_ladder

    def key(self, product_id: str) -> str:
        return f"{self.config.prefix}{product_id}"

    def _id_of(self, key: bytes) -> str:
        return key.decode()[len(self.config.prefix) :]

    async def search(
        self, vector: Vector, filters: ProductFilter, k: int, ef_runtime: int | None = None
    ) -> SearchResult:
        if self._price_ladder is None and (filters.min_price is not None or filters.max_price is not None):
            self._price_ladder = await self._has_price_ladder()
        clause = filter_clause(filters, price_ladder=bool(self._price_ladder))
        returned = [*PRODUCT_FIELDS, "vector_score"]
        options: list[list[Any]] = [
            ["PARAMS", 2, "vec", to_bytes(vector)],
            ["SORTBY", "vector_score", "ASC"],
            ["RETURN", len(returned), *returned],
            ["LIMIT", 0, k],
            ["DIALECT", 2],
        ]
        query = self.config.knn(clause, k, ef_runtime)
        raw = await fast_command(self._redis, "FT.SEARCH", self.config.name, query, *_flat(options))
        hits = []
        for key, flat in _documents(raw):
            fields = field_map(flat)
            hits.append((product_from_fields(self._id_of(key), fields), float(fields["vector_score"])))
        return SearchResult(hits, clause)

    async def get(self, product_id: str) -> Product | None:
        found = await self.get_vector(product_id)
        return None if found is None else found[0]

    async def get_vector(self, product_id: str) -> tuple[Product, Vector] | None:
        values = await self._redis.hmget(self.key(product_id), [*PRODUCT_FIELDS, "embedding"])
        if any(value is None for value in values):
            return None
        fields = cast(dict[str, bytes], dict(zip([*PRODUCT_FIELDS, "embedding"], values, strict=True)))
        return product_from_fields(product_id, fields), from_bytes(fields["embedding"])

    async def set_vector(self, product_id: str, vector: Vector) -> bool:
        return bool(await self._set_vector(keys=[self.key(product_id)], args=[to_bytes(vector)]))

    async def upsert(self, items: Sequence[tuple[Product, Vector]]) -> int:
        for start in range(0, len(items), INGEST_BATCH):
            async with self._redis.pipeline(transaction=False) as pipe:
                for product, vector in items[start : start + INGEST_BATCH]:
                    pipe.hset(self.key(product.id), mapping=product_mapping(product, vector))  # type: ignore[arg-type]
                await pipe.execute()
        return len(items)

    async def exists(self) -> bool:
        try:
            await self._redis.execute_command("FT.INFO", self.config.name)
        except ResponseError:
            return False
        return True

    async def ensure(self) -> None:
        if not await self.exists():
            # Hashes under the prefix may predate the ladder: left unknown, checked once they are indexed.
            await self._create()
            return
        self._price_ladder = await self._has_price_ladder()
        # FT.CREATE's vector parameters are fixed for the index's life: say so rather than ignore them.
        actual = await self.vector_attributes()
        wanted = vector_attributes(self.config)
        differing = {name: actual.get(name) for name, value in wanted.items() if actual.get(name) != value}
        if differing:
            log.warning("index %s keeps %s (configured %s) until it is recreated", self.name, differing, wanted)

    async def recreate(self) -> None:
        with contextlib.suppress(ResponseError):  # no index yet
            await self._redis.execute_command("FT.DROPINDEX", self.config.name, "DD")
        # DD removes indexed documents only; sweep the prefix for any that failed to index.
        async for key in self._redis.scan_iter(match=self._glob(), count=1000):
            await self._redis.delete(key)
        await self._create()
        self._price_ladder = True  # empty: every product from now on is written with the ladder fields

    async def list_products(self, limit: int) -> list[Product]:
        # FT.AGGREGATE can sort by the key itself, which FT.SEARCH cannot: a stable order by id.
        fields = ["@__key", *(f"@{name}" for name in PRODUCT_FIELDS)]
        options: list[list[Any]] = [
            ["LOAD", len(fields), *fields],
            ["SORTBY", 2, "@__key", "ASC", "MAX", limit],
            ["DIALECT", 2],
        ]
        raw = await self._redis.execute_command("FT.AGGREGATE", self.config.name, MATCH_ALL, *_flat(options))
        rows = [field_map(row) for row in raw[1:]]
        return [product_from_fields(self._id_of(row["__key"]), row) for row in rows]

    async def categories(self) -> list[str]:
        return await self._tag_values("category")

    async def brands(self) -> list[str]:
        return await self._tag_values("brand")

    async def _ft_info(self) -> dict[str, Any]:
        raw = await self._redis.execute_command("FT.INFO", self.config.name)
        # redis-py parses FT.INFO into a dict on some clients and leaves the flat list on others.
        return {_text(k): v for k, v in raw.items()} if isinstance(raw, dict) else field_map(raw)

    async def vector_attributes(self) -> dict[str, str]:
        """The vector field's parameters as FT.INFO reports them (algorithm, M, ef_construction, ...)."""
        attributes = _attributes(await self._ft_info())
        return next((fields for fields in attributes if fields.get("attribute") == "embedding"), {})

    async def info(self) -> IndexInfo:
        info = await self._ft_info()
        return IndexInfo(
            index_name=self.config.name,
            num_docs=int(_text(info["num_docs"])),
            indexing_failures=int(_text(info["hash_indexing_failures"])),
            vector_index_size_mb=float(_text(info["vector_index_sz_mb"])),
        )

    async def _tag_values(self, field: str) -> list[str]:
        values = await self._redis.execute_command("FT.TAGVALS", self.config.name, field)
        return sorted(v.decode() for v in values)

    def _glob(self) -> str:
        # The prefix is configuration, not user input, but escape glob characters all the same.
        escaped = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in self.config.prefix)
        return escaped + "*"

    async def _create(self) -> None:
        await self._redis.execute_command(*create_command(self.config))

    async def _has_price_ladder(self) -> bool | None:
        """True when the index has the ladder's fields and every product carries them; None while Redis is
        still indexing existing hashes (asked again later). Without the ladder, price filters keep working
        on plain NUMERIC ranges (slower) until the index is recreated or the catalog loaded again."""
        info = await self._ft_info()
        if not {LE_FIELD, GE_FIELD} <= {fields.get("attribute") for fields in _attributes(info)}:
            count = -1  # created before the ladder
        elif int(_text(info["indexing"])):
            return None
        else:
            missing = f"ismissing(@{LE_FIELD}) | ismissing(@{GE_FIELD})"
            reply = await self._redis.execute_command("FT.SEARCH", self.name, missing, "LIMIT", 0, 0, "DIALECT", 2)
            count = int(reply[0])
        if count != 0:
            held = "has no price ladder fields" if count < 0 else f"holds {count} products written without them"
            log.warning(
                "index %s %s: price filters use NUMERIC ranges (slower) until the index is recreated, "
                "or the catalog is loaded again and the server restarted",
                self.name,
                held,
            )
        return count == 0


def _attributes(info: dict[str, Any]) -> list[dict[str, str]]:
    """Each field's parameters from FT.INFO (a trailing flag without a value, e.g. INDEXMISSING, is left out)."""
    return [
        {_text(attribute[i]): _text(attribute[i + 1]) for i in range(0, len(attribute) - 1, 2)}
        for attribute in info["attributes"]
    ]


def vector_attributes(c: IndexConfig) -> dict[str, str]:
    """What FT.INFO reports for an index created from `c` (it does not report EF_RUNTIME)."""
    wanted = {"algorithm": c.algorithm, "dim": str(c.dim)}
    if c.algorithm == "HNSW":
        wanted |= {"M": str(c.hnsw_m), "ef_construction": str(c.hnsw_ef_construction)}
    return wanted


def create_command(c: IndexConfig) -> list[Any]:
    vector: list[list[Any]] = [["TYPE", "FLOAT32"], ["DIM", c.dim], ["DISTANCE_METRIC", "COSINE"]]
    if c.algorithm == "HNSW":
        vector += [["M", c.hnsw_m], ["EF_CONSTRUCTION", c.hnsw_ef_construction], ["EF_RUNTIME", c.hnsw_ef_runtime]]
    schema: list[list[Any]] = [
        ["name", "TEXT", "WEIGHT", 1.0],
        ["description", "TEXT", "WEIGHT", 0.5],
        ["category", "TAG"],
        ["brand", "TAG"],
        ["in_stock", "TAG"],
        ["price", "NUMERIC", "SORTABLE"],
        ["rating", "NUMERIC", "SORTABLE"],
        # Price bounds as tags (adapters.price_ladder); INDEXMISSING finds hashes written without them.
        [LE_FIELD, "TAG", "INDEXMISSING"],
        [GE_FIELD, "TAG", "INDEXMISSING"],
        ["embedding", "VECTOR", c.algorithm, 2 * len(vector), *_flat(vector)],
    ]
    # STOPWORDS 0 keeps stop words searchable: "Description contains: on the go" must match.
    return ["FT.CREATE", c.name, "ON", "HASH", "PREFIX", 1, c.prefix, "STOPWORDS", 0, "SCHEMA", *_flat(schema)]


def _flat(groups: Sequence[Sequence[Any]]) -> list[Any]:
    return [item for group in groups for item in group]
