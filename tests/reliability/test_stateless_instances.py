"""Two API processes sharing one Redis hold no state of their own: what one writes, the other serves at once.

The only in-process caches are the query-vector LRU (query text → vector, which no product or user
write changes), the parsed GraphQL documents and the named scenarios (renewed on every change, see
test_scenario_instances.py); product data and user features are read from Redis on every request, so no
cache can serve a stale product.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.redis.embedded import EmbeddedRedis
from tests.server_process import ServeProcess

pytestmark = pytest.mark.timeout(180)

CLICK = "mutation($u: ID!, $p: ID!) { recordClick(userId: $u, productId: $p) { ... on ClickRecorded { clicks } } }"
RECOMMEND = """query($q: String!, $u: ID) { recommendations(query: $q, userId: $u, k: 3) {
  items { product { id } } usedSession usedRerank } }"""
FEATURES = "query($u: ID!) { userFeatures(userId: $u) { clicks lastClickedId } }"
REFRESH = "mutation($p: ID!, $t: String!) { refreshEmbedding(productId: $p, text: $t) { __typename } }"
TEXT = "a hand-forged cast iron skillet for campfires"


def gql(base: str, query: str, **variables: Any) -> dict[str, Any]:
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    base = tmp_path_factory.mktemp("stateless")
    with EmbeddedRedis(base / "redis") as redis_server:
        shared = ("--redis-url", redis_server.url, "--no-access-log")
        with (
            ServeProcess(base / "unused", *shared, log=base / "a.log") as first,  # seeds the index
            ServeProcess(base / "unused", *shared, "--no-reset", log=base / "b.log") as second,
        ):
            yield first.base_url, second.base_url


def test_a_click_on_one_instance_shapes_the_next_recommendation_on_the_other(two_instances: tuple[str, str]) -> None:
    one, other = two_instances
    before = gql(other, RECOMMEND, q="warm jacket", u="shopper")["recommendations"]
    assert before["usedSession"] is False
    for clicks, product in enumerate(["p001", "p002", "p003"], start=1):
        assert gql(one, CLICK, u="shopper", p=product)["recordClick"]["clicks"] == clicks
        assert gql(other, FEATURES, u="shopper")["userFeatures"] == {"clicks": clicks, "lastClickedId": product}
    after = gql(other, RECOMMEND, q="warm jacket", u="shopper")["recommendations"]
    assert after["usedSession"] is True and after["usedRerank"] is True


def test_a_refreshed_embedding_on_one_instance_is_served_by_the_other(two_instances: tuple[str, str]) -> None:
    one, other = two_instances
    top = gql(other, RECOMMEND, q=TEXT)["recommendations"]["items"][0]["product"]["id"]
    assert top != "p045"  # and the other instance's query-vector LRU now holds TEXT
    assert gql(one, REFRESH, p="p045", t=TEXT)["refreshEmbedding"]["__typename"] == "EmbeddingRefreshed"
    assert gql(other, RECOMMEND, q=TEXT)["recommendations"]["items"][0]["product"]["id"] == "p045"
    lru = httpx.get(f"{other}/metrics.json").json()["embed_cache_lru"]
    assert lru["hits"] >= 1  # the second search reused the cached query vector and still saw the new product
