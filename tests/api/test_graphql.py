"""Every query and mutation over HTTP against real Redis and the real model, and bad input."""

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.graphql_client import GraphQLClient

RECOMMEND = """
query Recommend($query: String!, $userId: ID, $filters: ProductFilter, $blend: BlendInput,
                $rerank: RerankInput, $k: Int, $efRuntime: Int) {
  recommendations(query: $query, userId: $userId, filters: $filters, blend: $blend, rerank: $rerank, k: $k,
                  efRuntime: $efRuntime) {
    items { product { id name description category brand price rating inStock }
            vectorDistance score affinityBonus }
    filterClause usedSession usedRerank
    timings { embedMs searchMs rerankMs totalMs }
  }
}"""

USER = """query User($id: ID!) { userFeatures(userId: $id) {
  userId clicks lastClickedId lastClickedCategory affinities { category weight }
  hasSessionVector sessionVectorDim } }"""

CLICK = """mutation Click($user: ID!, $product: ID!) { recordClick(userId: $user, productId: $product) {
  __typename
  ... on ClickRecorded { category affinity clicks lastClickedId user { clicks hasSessionVector } }
  ... on ProductNotFound { message productId } } }"""

REFRESH = """mutation Refresh($product: ID!, $text: String!) { refreshEmbedding(productId: $product, text: $text) {
  __typename
  ... on EmbeddingRefreshed { productId embedMs }
  ... on ProductNotFound { message productId } } }"""


def test_recommendations_with_filters(gql: GraphQLClient) -> None:
    data = gql.data(
        RECOMMEND,
        {"query": "warm jacket for winter", "filters": {"category": "outerwear", "inStockOnly": True}, "k": 3},
    )["recommendations"]
    assert len(data["items"]) == 3
    assert all(i["product"]["category"] == "outerwear" and i["product"]["inStock"] for i in data["items"])
    assert data["filterClause"] == "@category:{outerwear} @in_stock:{true}"
    assert data["usedSession"] is False and data["usedRerank"] is False
    distances = [i["vectorDistance"] for i in data["items"]]
    assert distances == sorted(distances)
    assert all(i["score"] == i["vectorDistance"] and i["affinityBonus"] == 0 for i in data["items"])
    assert set(data["timings"]) == {"embedMs", "searchMs", "rerankMs", "totalMs"}


def test_defaults_apply_when_arguments_are_omitted(gql: GraphQLClient) -> None:
    data = gql.data('{ recommendations(query: "tent") { items { product { id } } filterClause } }')
    assert len(data["recommendations"]["items"]) == 10
    assert data["recommendations"]["filterClause"] == "*"
    explicit_nulls = gql.data(RECOMMEND, {"query": "tent", "userId": None, "filters": None, "k": None})
    assert len(explicit_nulls["recommendations"]["items"]) == 10


def test_ef_runtime_per_query_keeps_the_exact_neighbours_on_the_small_catalog(gql: GraphQLClient) -> None:
    def ids(**variables: Any) -> list[str]:
        found = gql.data(RECOMMEND, {"query": "two person tent", "k": 10, **variables})["recommendations"]
        return [item["product"]["id"] for item in found["items"]]

    default = ids()
    assert len(default) == 10
    assert ids(efRuntime=10) == ids(efRuntime=1000) == ids(efRuntime=None) == default


def test_click_flow_personalises_the_next_request(gql: GraphQLClient) -> None:
    clicked = gql.data(CLICK, {"user": "ann", "product": "p001"})["recordClick"]
    assert clicked == {
        "__typename": "ClickRecorded",
        "category": "outerwear",
        "affinity": 1.0,
        "clicks": 1,
        "lastClickedId": "p001",
        "user": {"clicks": 1, "hasSessionVector": True},
    }
    gql.data(CLICK, {"user": "ann", "product": "p002"})
    features = gql.data(USER, {"id": "ann"})["userFeatures"]
    assert features["clicks"] == 2 and features["lastClickedId"] == "p002"
    assert features["hasSessionVector"] and features["sessionVectorDim"] == 384
    assert features["affinities"][0]["weight"] >= features["affinities"][-1]["weight"]

    data = gql.data(RECOMMEND, {"query": "something for the weekend", "userId": "ann", "k": 20})["recommendations"]
    assert data["usedSession"] and data["usedRerank"]
    boosted = [i for i in data["items"] if i["affinityBonus"] > 0]
    assert boosted and all(i["product"]["category"] in {a["category"] for a in features["affinities"]} for i in boosted)
    assert all(i["score"] == pytest.approx(i["vectorDistance"] - i["affinityBonus"]) for i in data["items"])

    off = gql.data(
        RECOMMEND,
        {"query": "something for the weekend", "userId": "ann", "blend": {"enabled": False}, "rerank": {"weight": 0}},
    )["recommendations"]
    assert not off["usedSession"] and not off["usedRerank"]

    assert gql.data('mutation { resetUser(userId: "ann") { userId } }') == {"resetUser": {"userId": "ann"}}
    assert gql.data(USER, {"id": "ann"})["userFeatures"]["clicks"] == 0


def test_unknown_products_are_typed_results(gql: GraphQLClient) -> None:
    click = gql.data(CLICK, {"user": "ann", "product": "p999"})["recordClick"]
    assert click["__typename"] == "ProductNotFound" and click["productId"] == "p999" and "p999" in click["message"]
    refresh = gql.data(REFRESH, {"product": "p999", "text": "anything"})["refreshEmbedding"]
    assert refresh["__typename"] == "ProductNotFound"


def test_refresh_embedding_moves_the_product(gql: GraphQLClient) -> None:
    text = "ceramic pour-over coffee dripper"
    before = gql.data(RECOMMEND, {"query": text, "k": 60})["recommendations"]["items"]
    target = before[-1]["product"]["id"]
    refreshed = gql.data(REFRESH, {"product": target, "text": text})["refreshEmbedding"]
    assert refreshed["__typename"] == "EmbeddingRefreshed" and refreshed["productId"] == target
    assert refreshed["embedMs"] > 0
    after = gql.data(RECOMMEND, {"query": text, "k": 1})["recommendations"]["items"]
    assert after[0]["product"]["id"] == target


def test_catalog_queries_and_reset_index(gql: GraphQLClient) -> None:
    data = gql.data(
        "{ products(limit: 2) { id name } categories brands indexInfo { indexName numDocs "
        "indexingFailures vectorIndexSizeMb model dim } }"
    )
    assert [p["id"] for p in data["products"]] == ["p001", "p002"]
    assert "outerwear" in data["categories"] and data["categories"] == sorted(data["categories"])
    assert "northpeak" in data["brands"]
    info = data["indexInfo"]
    assert info["numDocs"] == 60 and info["indexingFailures"] == 0 and info["dim"] == 384
    assert info["model"] == "sentence-transformers/all-MiniLM-L6-v2" and info["vectorIndexSizeMb"] > 0
    assert len(gql.data("{ products { id } }")["products"]) == 60
    reset = gql.data("mutation { resetIndex { ... on IndexReset { indexName seeded } } }")["resetIndex"]
    assert reset == {"indexName": info["indexName"], "seeded": 60}


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"query": ""}, "query"),
    ({"query": "   "}, "query"),
    ({"query": "x" * 513}, "query"),
    ({"query": "ok", "k": 0}, "k"),
    ({"query": "ok", "k": 101}, "k"),
    ({"query": "ok", "userId": "../etc"}, "userId"),
    ({"query": "ok", "userId": "a:b"}, "userId"),
    ({"query": "ok", "filters": {"minPrice": -1}}, "filters.minPrice"),
    ({"query": "ok", "filters": {"minPrice": 50, "maxPrice": 10}}, "filters.minPrice"),
    ({"query": "ok", "filters": {"minRating": 6}}, "filters.minRating"),
    ({"query": "ok", "filters": {"category": " "}}, "filters.category"),
    ({"query": "ok", "filters": {"textMatch": "!!!"}}, "filters.textMatch"),
    ({"query": "ok", "blend": {"weight": 2}}, "blend.weight"),
    ({"query": "ok", "rerank": {"weight": -1}}, "rerank.weight"),
    ({"query": "ok", "efRuntime": 0}, "efRuntime"),
    ({"query": "ok", "efRuntime": 1001}, "efRuntime"),
]


@pytest.mark.parametrize(("variables", "argument"), BAD_INPUT, ids=[a for _, a in BAD_INPUT])
def test_bad_input_is_a_typed_error_naming_the_argument(
    gql: GraphQLClient, variables: dict[str, Any], argument: str
) -> None:
    error = gql.error(RECOMMEND, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument
    assert argument in error["message"]


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        (CLICK, {"user": "bad user", "product": "p001"}, "userId"),
        (CLICK, {"user": "ann", "product": "p*"}, "productId"),
        (REFRESH, {"product": "p001", "text": " "}, "text"),
        (REFRESH, {"product": "p001", "text": "x" * 2049}, "text"),
        (USER, {"id": "x" * 65}, "userId"),
        ("{ products(limit: 0) { id } }", {}, "limit"),
    ],
)
def test_bad_mutation_input(gql: GraphQLClient, query: str, variables: dict[str, Any], argument: str) -> None:
    error = gql.error(query, variables)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


def test_nan_and_type_errors_are_rejected_by_graphql(gql: GraphQLClient) -> None:
    error = gql.error(RECOMMEND, {"query": "ok", "k": "ten"})
    assert error["extensions"]["code"] in {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}
    error = gql.error("{ recommendations(query: 1) { filterClause } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    error = gql.error("{ nope }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_probes_and_graphiql(http: TestClient) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    page = http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_malformed_http_is_a_4xx(http: TestClient) -> None:
    assert http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
    mutation_via_get = http.get("/graphql", params={"query": 'mutation { resetUser(userId: "a") { userId } }'})
    assert 400 <= mutation_via_get.status_code < 500
