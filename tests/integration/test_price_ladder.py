"""Price bounds on the ladder's TAG fields: one table of (bounds -> clause -> products) on the query
builder, the real Redis index and the in-memory fake; random bounds against a plain predicate; and indexes
or hashes from before the ladder, which must keep filtering exactly on NUMERIC ranges."""

import asyncio
import random
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.memory import HashingEmbedder
from adapters.redis.codecs import field_map, product_mapping
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.price_ladder import GE_FIELD, LE_FIELD, NONE_TAG, STEPS, ladder_fields, price_clause
from adapters.redis.schema import IndexConfig, create_command
from domain.filters import ProductFilter
from domain.models import Product, Vector
from domain.ports import ProductIndex
from tests.seeded_index import seeded_index

pytestmark = pytest.mark.anyio

# Prices on steps, just off them, below the first step and beyond the last.
PRICES = {
    "p0": 0.5,
    "p1": 1.0,
    "p2": 7.5,
    "p3": 7.99,
    "p4": 8.0,
    "p5": 20.0,
    "p6": 80.0,
    "p7": 80.01,
    "p8": 87.5,
    "p9": 87.51,
    "p10": 90.0,
    "p11": 100_000.0,
    "p12": 250_000.0,
}


def priced(pid: str, price: float) -> Product:
    return Product(pid, f"name {pid}", "plain text", "gear", "acme", price, 4.0, True)


def _items(prices: dict[str, float]) -> list[tuple[Product, Vector]]:
    embedder = HashingEmbedder()
    return [(priced(pid, price), embedder.vector(pid)) for pid, price in prices.items()]


def _between(low: float | None, high: float | None) -> set[str]:
    return {pid for pid, p in PRICES.items() if (low is None or p >= low) and (high is None or p <= high)}


TABLE: list[tuple[dict[str, Any], str]] = [
    ({"max_price": 90.0}, "@price_le:{90}"),
    ({"max_price": 87.5}, "(@price_le:{80} | @price:[(80.0 87.5])"),
    ({"max_price": 0.75}, "@price:[-inf 0.75]"),  # below the first step: the range is narrow anyway
    ({"max_price": 100_000.0}, "@price_le:{100000}"),
    ({"max_price": 1e9}, "(@price_le:{100000} | @price:[(100000.0 1000000000.0])"),
    ({"min_price": 20.0}, "@price_ge:{20}"),
    ({"min_price": 7.5}, "(@price_ge:{8} | @price:[7.5 (8.0])"),
    ({"min_price": 0.0}, "(@price_ge:{1} | @price:[0.0 (1.0])"),
    ({"min_price": 150_000.0}, "@price:[150000.0 +inf]"),  # beyond the last step
    ({"min_price": 5.0, "max_price": 20.0}, "@price_ge:{5} @price_le:{20}"),
    ({"min_price": 90.0, "max_price": 90.0}, "@price_ge:{90} @price_le:{90}"),
    ({"min_price": 80.005, "max_price": 87.5}, "@price:[80.005 87.5]"),
    # Two bounds stay one NUMERIC range unless both are steps (what measured faster).
    ({"min_price": 7.9, "max_price": 87.5}, "@price:[7.9 87.5]"),
    ({"min_price": 20.0, "max_price": 87.5}, "@price:[20.0 87.5]"),
]


@pytest.mark.parametrize(("bounds", "clause"), TABLE, ids=[c for _, c in TABLE])
def test_bounds_render_on_the_ladder(bounds: dict[str, Any], clause: str) -> None:
    assert price_clause(bounds.get("min_price"), bounds.get("max_price")) == clause


def test_every_price_gets_the_steps_it_lies_under_and_over() -> None:
    assert ladder_fields(87.5) == {
        LE_FIELD: ",".join(str(s) for s in STEPS if s >= 90),
        GE_FIELD: ",".join(str(s) for s in STEPS if s <= 80),
    }
    assert ladder_fields(90.0)[LE_FIELD].startswith("90,") and ladder_fields(90.0)[GE_FIELD].endswith(",90")
    assert ladder_fields(0.5)[GE_FIELD] == NONE_TAG  # never empty: an upsert must replace the old tags
    assert ladder_fields(250_000.0)[LE_FIELD] == NONE_TAG


@pytest.fixture(params=["memory", "redis"])
async def priced_index(
    request: pytest.FixtureRequest, redis_conn: RedisConnection, namespace: str
) -> AsyncIterator[ProductIndex]:
    async with seeded_index(request.param, redis_conn, f"{namespace}priced", _items(PRICES)) as index:
        yield index


@pytest.mark.parametrize(("bounds", "clause"), TABLE, ids=[c for _, c in TABLE])
async def test_bounds_select_exactly_the_products_in_range(
    priced_index: ProductIndex, bounds: dict[str, Any], clause: str
) -> None:
    result = await priced_index.search(HashingEmbedder().vector("q"), ProductFilter(**bounds), k=100)
    assert {p.id for p, _ in result.hits} == _between(bounds.get("min_price"), bounds.get("max_price"))
    assert result.filter_clause == clause


async def test_random_bounds_match_a_plain_predicate(redis_conn: RedisConnection, namespace: str) -> None:
    rng = random.Random(7)
    # Prices with cents, a third of them exactly on a step; bounds likewise.
    prices = {f"r{i}": rng.choice([float(rng.choice(STEPS)), round(rng.uniform(0, 2_000), 2)]) for i in range(400)}
    index = RedisProductIndex(redis_conn, IndexConfig(name=f"{namespace}rnd", prefix=f"{namespace}rnd:"))
    await index.recreate()
    await index.upsert(_items(prices))
    query = HashingEmbedder().vector("q")

    def bound() -> float | None:
        return rng.choice([None, float(rng.choice(STEPS[:30])), round(rng.uniform(0, 2_500), 2)])

    try:
        forms = set()
        for _ in range(90):
            ordered = sorted([bound() or 0.0, bound() or 3_000.0])
            low, high = (rng.choice([bound, None]) for bound in ordered)  # either bound may be left out
            result = await index.search(query, ProductFilter(min_price=low, max_price=high), k=500)
            expected = {pid for pid, p in prices.items() if (low is None or p >= low) and (high is None or p <= high)}
            assert {p.id for p, _ in result.hits} == expected, result.filter_clause
            forms.add(re.sub(r"[\d.]+", "N", result.filter_clause))
        tried = {"@price_le:{N}", "@price_ge:{N}", "@price_ge:{N} @price_le:{N}", "@price:[N N]", "*"}
        tried |= {"(@price_le:{N} | @price:[(N N])", "(@price_ge:{N} | @price:[N (N])"}
        assert forms == tried  # every form the clause can take in this price range was checked
    finally:
        await index.recreate()


async def test_an_upsert_replaces_the_previous_prices_tags(redis_conn: RedisConnection, namespace: str) -> None:
    index = RedisProductIndex(redis_conn, IndexConfig(name=f"{namespace}up", prefix=f"{namespace}up:"))
    await index.recreate()
    query = HashingEmbedder().vector("q")
    try:
        await index.upsert(_items({"a": 50.0}))
        await index.upsert(_items({"a": 250_000.0}))  # beyond every step: no tag left from 50.0
        cheap = await index.search(query, ProductFilter(max_price=60.0), k=10)
        dear = await index.search(query, ProductFilter(min_price=200_000.0), k=10)
        assert cheap.hits == [] and [p.id for p, _ in dear.hits] == ["a"]
    finally:
        await index.recreate()


async def _write_without_ladder(client: aioredis.Redis, config: IndexConfig, prices: dict[str, float]) -> None:
    for product, vector in _items(prices):
        mapping = {k: v for k, v in product_mapping(product, vector).items() if k not in (LE_FIELD, GE_FIELD)}
        await client.hset(f"{config.prefix}{product.id}", mapping=mapping)  # type: ignore[arg-type]


async def _wait_indexed(client: aioredis.Redis, index_name: str) -> None:
    for _ in range(500):
        info = field_map(await client.execute_command("FT.INFO", index_name))
        if info["indexing"] in (0, b"0") and int(info["num_docs"]) == len(PRICES):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{index_name} did not finish indexing")


async def _wait_ladder_decided(index: RedisProductIndex) -> None:
    # ensure() over hashes Redis is still indexing leaves the decision to a recheck once indexing is done.
    for _ in range(500):
        if index.price_ladder is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{index.name}: price ladder never decided")


@pytest.mark.parametrize("created_by", ["older version", "this version", "ensure() over old hashes"])
async def test_data_from_before_the_ladder_filters_on_numeric_ranges(
    redis_conn: RedisConnection, namespace: str, created_by: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An index without the ladder's fields, hashes written without them under a new index, or a new index
    that `ensure()` (serve --no-reset) builds over such hashes: price filters fall back to NUMERIC ranges
    and stay exact; recreating the index brings the ladder back."""
    redis_client = redis_conn.client
    config = IndexConfig(name=f"{namespace}old", prefix=f"{namespace}old:")
    index = RedisProductIndex(redis_conn, config)
    if created_by == "ensure() over old hashes":
        await _write_without_ladder(redis_client, config, PRICES)
        await index.ensure()
    else:
        command = create_command(config)
        if created_by == "older version":
            for name in (LE_FIELD, GE_FIELD):
                at = command.index(name)
                del command[at : at + 3]  # name TAG INDEXMISSING
        await redis_client.execute_command(*command)
        await _write_without_ladder(redis_client, config, PRICES)
    await _wait_indexed(redis_client, config.name)
    if created_by == "ensure() over old hashes":
        await _wait_ladder_decided(index)
    else:
        await index.ensure()  # what the server does at start-up (serve --no-reset)
    query = HashingEmbedder().vector("q")
    try:
        for low, high in [(None, 87.5), (20.0, None), (5.0, 90.0)]:
            result = await index.search(query, ProductFilter(min_price=low, max_price=high), k=100)
            assert {p.id for p, _ in result.hits} == _between(low, high)
            assert result.filter_clause.startswith("@price:[") and "price_le" not in result.filter_clause
        assert "price filters use NUMERIC ranges" in caplog.text
        assert index.price_ladder is False  # what /metrics reports
        await index.recreate()
        await index.upsert(_items(PRICES))
        result = await index.search(query, ProductFilter(max_price=87.5), k=100)
        assert result.filter_clause == "(@price_le:{80} | @price:[(80.0 87.5])"
        assert {p.id for p, _ in result.hits} == _between(None, 87.5)
        assert index.price_ladder is True
    finally:
        await redis_client.execute_command("FT.DROPINDEX", config.name, "DD")
