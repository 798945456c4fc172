"""The index's schema: what FT.CREATE is given, and what FT.INFO should report back for it."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.redis.codecs import text
from adapters.redis.price_ladder import GE_FIELD, LE_FIELD
from adapters.redis.search_query import knn_query

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
    # on the model's vectors (docs/benchmarks-history.md, "Scale").
    hnsw_ef_construction: int = 100
    # Candidates HNSW keeps while searching; Redis' default of 10 misses true neighbours even on a
    # 60-product catalog once k approaches it. 200: recall@10 0.98 on 100k model-embedded products,
    # where 100 gave 0.96 (docs/benchmarks-history.md, "Scale"), for ~0.2 ms more per search.
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
        if (key := self.checkpoint_key).startswith(self.prefix):
            raise ValueError(f"key prefix {self.prefix!r} would make the index treat {key!r} as a product")

    @property
    def checkpoint_key(self) -> str:
        """Where `recommender load` keeps its place in a file: beside the products, never under their prefix."""
        return f"load-checkpoint:{self.name}"

    def knn(self, clause: str, k: int, ef_runtime: int | None = None) -> str:
        """`ef_runtime` (one search's own) wins over the configured one; a FLAT index, exact, takes neither."""
        ef = None if self.algorithm == "FLAT" else ef_runtime or self.query_ef_runtime
        return knn_query(clause, k, ef_runtime=ef, hybrid_policy=self.hybrid_policy, batch_size=self.batch_size)


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
        # Price bounds as tags (adapters.redis.price_ladder); INDEXMISSING finds hashes written without them.
        [LE_FIELD, "TAG", "INDEXMISSING"],
        [GE_FIELD, "TAG", "INDEXMISSING"],
        # The id as a TAG, for excluding products inside the KNN pre-filter; ids are case-sensitive.
        ["pid", "TAG", "CASESENSITIVE", "INDEXMISSING"],
        ["embedding", "VECTOR", c.algorithm, 2 * len(vector), *flat(vector)],
    ]
    # STOPWORDS 0 keeps stop words searchable: "Description contains: on the go" must match.
    return ["FT.CREATE", c.name, "ON", "HASH", "PREFIX", 1, c.prefix, "STOPWORDS", 0, "SCHEMA", *flat(schema)]


def flat(groups: Sequence[Sequence[Any]]) -> list[Any]:
    return [item for group in groups for item in group]


def attributes(info: dict[str, Any]) -> list[dict[str, str]]:
    """Each field's parameters from FT.INFO (a trailing flag without a value, e.g. INDEXMISSING, is left out)."""
    return [
        {text(attribute[i]): text(attribute[i + 1]) for i in range(0, len(attribute) - 1, 2)}
        for attribute in info["attributes"]
    ]
