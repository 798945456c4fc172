"""Filters: one table of (filter -> exact query string -> products selected), run on the query builder,
the real Redis index and the in-memory fake; plus each filter kind on the real catalog."""

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from adapters.memory import HashingEmbedder, InMemoryProductIndex
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.search_query import filter_clause, knn_query
from domain.errors import InvalidInput
from domain.filters import ProductFilter
from domain.models import Product, Vector
from domain.ports import ProductIndex
from tests.seeded_index import seeded_index

pytestmark = pytest.mark.anyio


def odd(pid: str, category: str, brand: str, description: str = "plain text") -> Product:
    return Product(pid, f"name {pid}", description, category, brand, 10.0, 4.0, True)


# Stored the way the catalog loader stores them: lower-case slugs that may hold any character but ','.
ODD_PRODUCTS = [
    odd("x01", "tents {ultralight}", "north|peak"),
    odd("x02", "home-audio", "zoë & co."),
    odd("x03", "c.d", 'say "hi"'),
    odd("x04", "back\\slash", "at@home"),
    odd("x05", "home audio", "ünïcode-brand", "Down-filled parka, rated to 25°C. Café-ready!"),
    odd("x06", "home-audio", "plain", "The best of the best; on the go"),
    odd("x07", "snake_case", "_", "foo_bar stays one word"),
    odd("x08", "sizes", "plain", "Übergröße parka, naïve CAFÉ"),
]


ALL = {p.id for p in ODD_PRODUCTS}


@dataclass(frozen=True)
class Row:
    filters: dict[str, Any]
    clause: str
    ids: set[str]


TABLE = [
    Row({}, "*", {p.id for p in ODD_PRODUCTS}),
    Row({"category": "home-audio"}, r"@category:{home\-audio}", {"x02", "x06"}),
    Row({"category": "HOME-AUDIO"}, r"@category:{home\-audio}", {"x02", "x06"}),
    Row({"category": "home audio"}, r"@category:{home\ audio}", {"x05"}),
    Row({"category": "tents {ultralight}"}, r"@category:{tents\ \{ultralight\}}", {"x01"}),
    Row({"category": "c.d"}, r"@category:{c\.d}", {"x03"}),
    Row({"category": "back\\slash"}, r"@category:{back\\slash}", {"x04"}),
    Row({"category": "c,d"}, r"@category:{c\,d}", set()),
    Row({"category": "home\u00a0audio"}, "@category:{home\u00a0audio}", set()),  # NBSP is not a space
    Row({"brand": "north|peak"}, r"@brand:{north\|peak}", {"x01"}),
    Row({"brand": "Zoë & Co."}, r"@brand:{zoë\ \&\ co\.}", {"x02"}),
    Row({"brand": 'say "hi"'}, r"@brand:{say\ \"hi\"}", {"x03"}),
    Row({"brand": "at@home"}, r"@brand:{at\@home}", {"x04"}),
    Row({"brand": "ünïcode-brand"}, r"@brand:{ünïcode\-brand}", {"x05"}),
    Row({"brand": "_"}, r"@brand:{\_}", {"x07"}),
    Row({"category": "snake_case"}, r"@category:{snake\_case}", {"x07"}),
    Row({"text_match": "foo_bar"}, '@description:"foo_bar"', {"x07"}),
    Row({"brand": "north"}, r"@brand:{north}", set()),  # no prefix or partial matches
    Row({"brand": "*"}, r"@brand:{\*}", set()),  # a wildcard is a literal, not "any"
    Row({"text_match": "down-filled"}, '@description:"down filled"', {"x05"}),
    Row({"text_match": "25°C"}, '@description:"25°c"', {"x05"}),
    Row({"text_match": "CAFÉ"}, '@description:"café"', {"x05"}),
    # The index lower-cases ASCII letters only: "Übergröße" and "CAFÉ" are held as "Übergröße" and "cafÉ", which
    # no phrase (lower-cased whole) can name; "naïve", written lower-case, matches however it is asked for.
    Row({"text_match": "übergröße"}, '@description:"übergröße"', set()),
    Row({"text_match": "Übergröße parka"}, '@description:"übergröße parka"', set()),
    Row({"text_match": "café"}, '@description:"café"', {"x05"}),
    Row({"text_match": "NAÏVE"}, '@description:"naïve"', {"x08"}),
    Row({"text_match": 'parka "rated" to'}, '@description:"parka rated to"', {"x05"}),
    Row({"text_match": "the best"}, '@description:"the best"', {"x06"}),  # stop words stay searchable
    Row({"text_match": "on the go"}, '@description:"on the go"', {"x06"}),
    Row({"text_match": "go on"}, '@description:"go on"', set()),  # a phrase, not a bag of words
    Row({"text_match": "the the best"}, '@description:"the best"', {"x06"}),  # repeats collapse, as in Redis
    Row({"text_match": "best of best"}, '@description:"best of best"', set()),
    Row(
        {
            "category": "home-audio",
            "brand": "plain",
            "in_stock_only": True,
            "min_price": 5.0,
            "max_price": 20.0,
            "min_rating": 3.5,
            "text_match": "best",
        },
        r"@category:{home\-audio} @brand:{plain} @in_stock:{true} @price_ge:{5} @price_le:{20} @rating:[3.5 +inf] "
        '@description:"best"',
        {"x06"},
    ),
    Row({"min_price": 10.5}, "(@price_ge:{20} | @price:[10.5 (20.0])", set()),
    Row({"max_price": 10.0}, "@price_le:{10}", {p.id for p in ODD_PRODUCTS}),
    Row({"min_rating": 4.0}, "@rating:[4.0 +inf]", {p.id for p in ODD_PRODUCTS}),
    # Hidden filters (merchandising HIDE rules): "and not these", negated inside the same pre-filter.
    Row({"hidden": (ProductFilter(category="home-audio"),)}, r"-(@category:{home\-audio})", ALL - {"x02", "x06"}),
    Row(
        {"category": "home-audio", "hidden": (ProductFilter(brand="plain"),)},
        r"@category:{home\-audio} -(@brand:{plain})",
        {"x02"},
    ),
    Row(
        {"hidden": (ProductFilter(category="home-audio", brand="plain"), ProductFilter(text_match="foo_bar"))},
        r"-(@category:{home\-audio} @brand:{plain}) -(@description:" + '"foo_bar")',
        ALL - {"x06", "x07"},
    ),
    Row(
        {"hidden": (ProductFilter(brand="_"),), "excluded_ids": ("x01",)},
        r"-(@brand:{\_}) -@pid:{x01}",
        ALL - {"x01", "x07"},
    ),
    Row({"hidden": (ProductFilter(max_price=10.0),)}, "-(@price_le:{10})", set()),
    Row({"hidden": (ProductFilter(min_price=10.5),)}, "-((@price_ge:{20} | @price:[10.5 (20.0]))", ALL),
    Row(
        {"in_stock_only": True, "hidden": (ProductFilter(in_stock_only=True, min_rating=4.5),)},
        "@in_stock:{true} -(@in_stock:{true} @rating:[4.5 +inf])",
        ALL,
    ),
]


@pytest.mark.parametrize("row", TABLE, ids=lambda r: r.clause)
def test_filter_renders_exact_query_string(row: Row) -> None:
    assert filter_clause(ProductFilter(**row.filters)) == row.clause


def test_knn_query_wraps_the_clause() -> None:
    assert knn_query("*", 7) == "(*)=>[KNN 7 @embedding $vec AS vector_score]"


@pytest.mark.parametrize("text", ["...", "-- !!", '"\\"'])
def test_text_match_without_words_is_invalid(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        filter_clause(ProductFilter(text_match=text))
    assert caught.value.argument == "filters.text_match"


@pytest.mark.parametrize(
    "hidden", [ProductFilter(), ProductFilter(excluded_ids=("x01",)), ProductFilter(hidden=(ProductFilter(brand="b"),))]
)
def test_a_hidden_filter_sets_fields_only(hidden: ProductFilter) -> None:
    with pytest.raises(InvalidInput) as caught:
        ProductFilter(hidden=(hidden,))
    assert caught.value.argument == "filters.hidden[0]"


def _odd_items() -> list[tuple[Product, Vector]]:
    embedder = HashingEmbedder()
    return [(p, embedder.vector(p.id)) for p in ODD_PRODUCTS]


@pytest.fixture(params=["memory", "redis"])
async def odd_index(
    request: pytest.FixtureRequest, redis_conn: RedisConnection, namespace: str
) -> AsyncIterator[ProductIndex]:
    async with seeded_index(request.param, redis_conn, f"{namespace}odd", _odd_items()) as index:
        yield index


@pytest.mark.parametrize("row", TABLE, ids=lambda r: r.clause)
async def test_filter_selects_exactly_the_expected_products(odd_index: ProductIndex, row: Row) -> None:
    query = HashingEmbedder().vector("any query")
    result = await odd_index.search(query, ProductFilter(**row.filters), k=100)
    assert {p.id for p, _ in result.hits} == row.ids
    assert result.filter_clause == row.clause


@pytest.mark.parametrize("row", TABLE, ids=lambda r: r.clause)
async def test_every_search_path_selects_the_same_products(odd_index: ProductIndex, row: Row) -> None:
    # The by-id lookup (popular products, pins), the rating sort and the keyword search filter as the KNN does.
    filters = ProductFilter(**row.filters)
    among = await odd_index.among(sorted(ALL), filters)
    rated = await odd_index.top_rated(filters, 100)
    keyword = await odd_index.keyword_search(["name"], filters, 100)  # every product's name holds "name"
    for result in (among, rated, keyword):
        assert {p.id for p, _ in result.hits} == row.ids


# Each filter kind alone and combined, on the real catalog: Redis must return exactly the products an
# independent predicate selects (k larger than the catalog, so KNN does not truncate).
CATALOG_CASES: list[tuple[dict[str, Any], Callable[[Product], bool]]] = [
    ({"category": "footwear"}, lambda p: p.category == "footwear"),
    ({"brand": "northpeak"}, lambda p: p.brand == "northpeak"),
    ({"in_stock_only": True}, lambda p: p.in_stock),
    ({"min_price": 100.0}, lambda p: p.price >= 100.0),
    ({"max_price": 50.0}, lambda p: p.price <= 50.0),
    ({"min_price": 40.0, "max_price": 120.0}, lambda p: 40.0 <= p.price <= 120.0),
    ({"min_rating": 4.5}, lambda p: p.rating >= 4.5),
    ({"text_match": "waterproof"}, lambda p: "waterproof" in re.findall(r"\w+", p.description.lower())),
    (
        {"category": "outerwear", "in_stock_only": True, "max_price": 300.0, "min_rating": 4.0},
        lambda p: p.category == "outerwear" and p.in_stock and p.price <= 300.0 and p.rating >= 4.0,
    ),
]


@pytest.mark.parametrize(("filters", "predicate"), CATALOG_CASES, ids=[str(c[0]) for c in CATALOG_CASES])
async def test_catalog_filters_on_both_indexes(
    redis_index: RedisProductIndex,
    memory_index: InMemoryProductIndex,
    catalog_items: list[tuple[Product, Vector]],
    filters: dict[str, Any],
    predicate: Callable[[Product], bool],
) -> None:
    expected = {p.id for p, _ in catalog_items if predicate(p)}
    assert expected, "a case that selects nothing proves little"
    query = np.asarray(catalog_items[0][1])
    for index in (redis_index, memory_index):
        result = await index.search(query, ProductFilter(**filters), k=100)
        assert {p.id for p, _ in result.hits} == expected
        assert all(predicate(p) for p, _ in result.hits)
