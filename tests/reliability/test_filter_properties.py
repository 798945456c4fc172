"""Property: no Unicode string in category/brand/textMatch can break the query, widen the result set
or let through a product that does not match. Runs against the real Redis index."""

import asyncio
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import HashingEmbedder, matches
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from domain.errors import InvalidInput
from domain.filters import ProductFilter
from domain.models import Product
from tests.integration.test_filters import ODD_PRODUCTS

SPECIALS = "_-,.{}|\"\\@*()[]:;!~&^%$#'`<>?+=/ \t"
STOP_WORDS = ["a", "the", "and", "of", "on", "is", "to"]
VALUES = sorted({p.category for p in ODD_PRODUCTS} | {p.brand for p in ODD_PRODUCTS})
WORDS = sorted({w for p in ODD_PRODUCTS for w in p.description.lower().split()})

tricky_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(SPECIALS),
        st.sampled_from(string.ascii_letters + string.digits),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(["😀", "é", "ß", "İ", "中", "\u00a0", "\u200b"]),
    ),
    max_size=40,
)
tag_value = st.one_of(st.sampled_from(VALUES), tricky_text, st.sampled_from(VALUES).map(str.upper))
phrase = st.one_of(
    tricky_text,
    st.lists(st.sampled_from(WORDS + STOP_WORDS), min_size=1, max_size=4).map(" ".join),
)


CONFIG = IndexConfig(name="prop:idx", prefix="prop:product:")


@pytest.fixture(scope="module")
def redis_url(redis_server: EmbeddedRedis) -> str:
    async def build() -> None:
        client = connect(redis_server.url)
        try:
            index = RedisProductIndex(client, CONFIG)
            await index.recreate()
            embedder = HashingEmbedder()
            await index.upsert([(p, embedder.vector(p.id)) for p in ODD_PRODUCTS])
        finally:
            await client.aclose()

    asyncio.run(build())
    return redis_server.url


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    category=st.one_of(st.none(), tag_value),
    brand=st.one_of(st.none(), tag_value),
    text_match=st.one_of(st.none(), phrase),
)
def test_any_filter_text_is_safe(
    redis_url: str, category: str | None, brand: str | None, text_match: str | None
) -> None:
    try:
        filters = ProductFilter(category=category, brand=brand, text_match=text_match)
    except InvalidInput:
        return  # empty after trimming or over-long: a typed error, nothing ran
    expected = {p.id for p in ODD_PRODUCTS if matches(p, filters)}

    async def search() -> set[str]:
        # A fresh client per example: each example runs in its own event loop.
        client = connect(redis_url)
        try:
            index = RedisProductIndex(client, CONFIG)
            result = await index.search(HashingEmbedder().vector("q"), filters, k=100)
            return {p.id for p, _ in result.hits}
        finally:
            await client.aclose()

    try:
        got = asyncio.run(search())
    except InvalidInput as error:
        assert error.argument == "filters.text_match"  # only punctuation: typed, nothing ran
        return
    assert got <= expected, f"matched products the filter excludes: {got - expected}"
    assert got == expected


def test_property_oracle_sanity() -> None:
    product: Product = ODD_PRODUCTS[4]
    assert matches(product, ProductFilter(text_match="down-filled parka"))
    assert not matches(product, ProductFilter(text_match="parka down"))
    assert np.isclose(np.linalg.norm(HashingEmbedder().vector("x")), 1.0)
