"""Index parameters: FLAT or HNSW with M / EF_CONSTRUCTION, and the per-query knobs, on the real index."""

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from adapters.redis.search_query import knn_query
from domain.filters import ProductFilter
from domain.models import Product, Vector

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("knobs", "clause", "expected"),
    [
        ({}, "*", "(*)=>[KNN 7 @embedding $vec AS vector_score]"),
        ({"ef_runtime": 50}, "*", "(*)=>[KNN 7 @embedding $vec EF_RUNTIME 50 AS vector_score]"),
        # RediSearch rejects hybrid attributes without a filter: they are left out there.
        ({"hybrid_policy": "BATCHES", "batch_size": 64}, "*", "(*)=>[KNN 7 @embedding $vec AS vector_score]"),
        (
            {"ef_runtime": 50, "hybrid_policy": "BATCHES", "batch_size": 64},
            "@in_stock:{true}",
            "(@in_stock:{true})=>[KNN 7 @embedding $vec EF_RUNTIME 50 HYBRID_POLICY BATCHES BATCH_SIZE 64"
            " AS vector_score]",
        ),
        (
            {"hybrid_policy": "ADHOC_BF"},
            "@brand:{x}",
            "(@brand:{x})=>[KNN 7 @embedding $vec HYBRID_POLICY ADHOC_BF AS vector_score]",
        ),
        # RediSearch rejects EF_RUNTIME with ADHOC_BF: it only applies to unfiltered queries then.
        (
            {"ef_runtime": 50, "hybrid_policy": "ADHOC_BF"},
            "@brand:{x}",
            "(@brand:{x})=>[KNN 7 @embedding $vec HYBRID_POLICY ADHOC_BF AS vector_score]",
        ),
        (
            {"ef_runtime": 50, "hybrid_policy": "ADHOC_BF"},
            "*",
            "(*)=>[KNN 7 @embedding $vec EF_RUNTIME 50 AS vector_score]",
        ),
    ],
)
def test_knn_query_writes_only_the_knobs_that_are_set(knobs: dict[str, Any], clause: str, expected: str) -> None:
    assert knn_query(clause, 7, **knobs) == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"algorithm": "IVF"}, "algorithm must be one of HNSW, FLAT"),
        ({"hybrid_policy": "FAST"}, "hybrid policy must be one of ADHOC_BF, BATCHES"),
        ({"hnsw_m": 0}, "M must be at least 1"),
        ({"batch_size": 0}, "BATCH_SIZE must be at least 1"),
        ({"algorithm": "FLAT", "query_ef_runtime": 20}, "EF_RUNTIME applies to HNSW only"),
        ({"hybrid_policy": "ADHOC_BF", "batch_size": 10}, "BATCH_SIZE applies to HYBRID_POLICY BATCHES only"),
        ({"name": "idx", "prefix": "load-check"}, "would make the index treat 'load-checkpoint:idx' as a product"),
    ],
)
def test_impossible_configs_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IndexConfig(**fields)


@pytest.fixture
async def make_index(
    redis_conn: RedisConnection, namespace: str, catalog_items: list[tuple[Product, Vector]]
) -> AsyncIterator[Any]:
    made: list[RedisProductIndex] = []

    async def make(**fields: Any) -> RedisProductIndex:
        name = f"{namespace}{len(made)}"
        index = RedisProductIndex(redis_conn, IndexConfig(name=f"{name}idx", prefix=f"{name}:", **fields))
        made.append(index)
        await index.recreate()
        await index.upsert(catalog_items)
        return index

    yield make
    for index in made:
        await redis_conn.client.execute_command("FT.DROPINDEX", index.name, "DD")


async def test_flat_and_hnsw_parameters_reach_the_index(
    make_index: Any, catalog_items: list[tuple[Product, Vector]]
) -> None:
    flat = await make_index(algorithm="FLAT")
    hnsw = await make_index(hnsw_m=8, hnsw_ef_construction=50, hnsw_ef_runtime=30)
    flat_attributes = await flat.vector_attributes()
    assert (flat_attributes["algorithm"], flat_attributes["dim"]) == ("FLAT", "384") and "M" not in flat_attributes
    attributes = await hnsw.vector_attributes()
    assert (attributes["algorithm"], attributes["M"], attributes["ef_construction"]) == ("HNSW", "8", "50")
    product, vector = catalog_items[11]
    for index in (flat, hnsw):
        result = await index.search(vector, ProductFilter(), 5)
        assert result.hits[0][0] == product and result.hits[0][1] == pytest.approx(0.0, abs=1e-5)
        assert (await index.info()).num_docs == len(catalog_items)


async def test_per_query_knobs_return_the_exact_neighbours(
    make_index: Any, redis_conn: RedisConnection, catalog_items: list[tuple[Product, Vector]]
) -> None:
    index = await make_index()
    query = catalog_items[3][1]
    filters = ProductFilter(in_stock_only=True, max_price=300)
    expected = {
        "*": [p.id for p, _ in (await index.search(query, ProductFilter(), 10)).hits],
        "filtered": [p.id for p, _ in (await index.search(query, filters, 10)).hits],
    }
    assert len(expected["*"]) == 10 and len(expected["filtered"]) == 10
    for knobs in (
        {"query_ef_runtime": 12},
        {"query_ef_runtime": 400},
        {"hybrid_policy": "ADHOC_BF"},
        {"hybrid_policy": "ADHOC_BF", "query_ef_runtime": 50},
        {"hybrid_policy": "BATCHES", "batch_size": 4},
        {"query_ef_runtime": 50, "batch_size": 20},
    ):
        tuned = RedisProductIndex(redis_conn, replace(index.config, **knobs))
        assert [p.id for p, _ in (await tuned.search(query, ProductFilter(), 10)).hits] == expected["*"], knobs
        assert [p.id for p, _ in (await tuned.search(query, filters, 10)).hits] == expected["filtered"], knobs


def test_one_searchs_ef_runtime_wins_and_flat_takes_none() -> None:
    hnsw, flat = IndexConfig(query_ef_runtime=50), IndexConfig(algorithm="FLAT")
    assert "EF_RUNTIME 50 " in hnsw.knn("*", 10)
    assert "EF_RUNTIME 300 " in hnsw.knn("*", 10, ef_runtime=300) and "EF_RUNTIME 50" not in hnsw.knn("*", 10, 300)
    assert "EF_RUNTIME" not in flat.knn("*", 10, ef_runtime=300)  # RediSearch refuses it on FLAT; exact anyway


async def test_a_searchs_own_ef_runtime_reaches_redis(
    make_index: Any, redis_client: aioredis.Redis, catalog_items: list[tuple[Product, Vector]]
) -> None:
    hnsw, flat = await make_index(), await make_index(algorithm="FLAT")
    query = catalog_items[7][1]
    filters = ProductFilter(in_stock_only=True)
    exact = [p.id for p, _ in (await flat.search(query, filters, 10)).hits]
    for ef in (1, 10, 1000):  # on 60 products even ef 1 finds the exact 10 (HNSW keeps at least k candidates)
        assert [p.id for p, _ in (await hnsw.search(query, filters, 10, ef)).hits] == exact, ef
        assert [p.id for p, _ in (await flat.search(query, filters, 10, ef)).hits] == exact, ef
    # The slow log (threshold 0: every command) shows what went over the wire.
    threshold = (await redis_client.config_get("slowlog-log-slower-than"))["slowlog-log-slower-than"]
    await redis_client.config_set("slowlog-log-slower-than", 0)
    try:
        await hnsw.search(query, filters, 10, 777)
        sent = [entry["command"] for entry in await redis_client.slowlog_get(5)]
    finally:
        await redis_client.config_set("slowlog-log-slower-than", threshold)
    assert any(b"FT.SEARCH" in command and b"EF_RUNTIME 777" in command for command in sent)


async def test_ensure_says_when_the_existing_index_has_other_parameters(
    make_index: Any, redis_conn: RedisConnection, caplog: pytest.LogCaptureFixture
) -> None:
    index = await make_index(hnsw_m=8)
    with caplog.at_level(logging.WARNING, logger="recommender"):
        await RedisProductIndex(redis_conn, replace(index.config, hnsw_m=32)).ensure()
        await RedisProductIndex(redis_conn, index.config).ensure()
    assert [r.getMessage() for r in caplog.records if "until it is recreated" in r.getMessage()] == [
        f"index {index.name} keeps {{'M': '8'}} (configured {{'algorithm': 'HNSW', 'dim': '384', 'M': '32', "
        f"'ef_construction': '{IndexConfig.hnsw_ef_construction}'}}) until it is recreated"
    ]
