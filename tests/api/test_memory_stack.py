"""The whole HTTP + GraphQL stack on the in-memory adapters: no Redis, no model, seconds to run.

The composition root takes every port as a keyword argument (bootstrap/runtime.py); GraphQL tests that
are not about Redis or the model can run here. The same operations run on the real adapters elsewhere.
"""

from collections.abc import Iterator

import pytest

from tests.graphql_client import GraphQLClient
from tests.memory_stack import memory_app


@pytest.fixture
def gql() -> Iterator[GraphQLClient]:
    with memory_app() as http:
        yield GraphQLClient(http)


def test_recommendations_clicks_and_features_without_redis(gql: GraphQLClient) -> None:
    query = """{ recommendations(query: "boots", userId: "mem", filters: {category: "footwear"}, k: 3) {
        items { product { id category } } usedSession } }"""
    first = gql.data(query)["recommendations"]
    assert len(first["items"]) == 3 and {i["product"]["category"] for i in first["items"]} == {"footwear"}
    assert first["usedSession"] is False
    clicked = first["items"][0]["product"]["id"]
    click = gql.data(f'mutation {{ recordClick(userId: "mem", productId: "{clicked}") {{ __typename }} }}')
    assert click == {"recordClick": {"__typename": "ClickRecorded"}}
    assert gql.data(query)["recommendations"]["usedSession"] is True
    features = gql.data('{ userFeatures(userId: "mem") { clicks affinities { category weight } } }')
    # The server's clock runs: the affinity has decayed by the milliseconds since the click (7-day half-life).
    assert features["userFeatures"] == {
        "clicks": 1,
        "affinities": [{"category": "footwear", "weight": pytest.approx(1.0, rel=1e-4)}],
    }


def test_readiness_without_redis_asks_the_index(gql: GraphQLClient) -> None:
    ready = gql.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"index": True, "model": True}
    assert set(gql.http.get("/metrics.json").json()) == {"pid", "embed_batching", "embed_cache_lru"}


def test_admin_operations_need_the_token_when_one_is_set() -> None:
    reset = "mutation { resetIndex { __typename ... on IndexReset { indexName seeded } } }"
    with memory_app(admin_token="s3cret") as http:
        gql = GraphQLClient(http)
        assert gql.data(reset) == {"resetIndex": {"__typename": "NotAuthorized"}}
        granted = http.post("/graphql", json={"query": reset}, headers={"Authorization": "Bearer s3cret"})
        assert granted.json()["data"]["resetIndex"] == {"__typename": "IndexReset", "indexName": "memory", "seeded": 60}
