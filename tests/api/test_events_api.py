"""Events, history, exclusion and catalog mutations over HTTP against real Redis and the real model."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from bootstrap.settings import Settings
from serving.app import create_app
from tests.graphql_client import GraphQLClient

EVENT = """mutation E($u: ID!, $p: ID!, $k: EventKind!) { recordEvent(userId: $u, productId: $p, kind: $k) {
  __typename
  ... on EventRecorded { kind user { clicks events affinities { category weight } hasDismissedVector } }
  ... on ProductNotFound { productId } } }"""
RECENT = """query R($u: ID!, $n: Int) { userFeatures(userId: $u) { events
  recent(limit: $n) { productId kind at product { id name } } } }"""
RECOMMEND = """query Q($q: String!, $u: ID, $x: ExcludeInput) {
  recommendations(query: $q, userId: $u, exclude: $x, k: 10) { items { product { id } } filterClause } }"""
UPSERT = """mutation U($products: [ProductInput!]!) { upsertProducts(products: $products) {
  __typename ... on ProductsUpserted { created updated embedded productIds } ... on NotAuthorized { message } } }"""
UPDATE = """mutation P($patches: [ProductPatch!]!) { updateProducts(patches: $patches) {
  __typename ... on ProductsUpdated { updated notFound } ... on NotAuthorized { message } } }"""
DELETE = """mutation D($ids: [ID!]!) { deleteProducts(ids: $ids) {
  __typename ... on ProductsDeleted { deleted notFound } ... on NotAuthorized { message } } }"""


def _product(pid: str, **changes: Any) -> dict[str, Any]:
    fields = {"id": pid, "name": "Lamp", "description": "A reading lamp.", "category": "home", "brand": "lux"}
    return {**fields, "price": 20.0, "rating": 4.0, "inStock": True, **changes}


def _tiny(i: int) -> dict[str, Any]:
    # Short fields: 501 of them stay under the default 64 KB request body limit.
    return {
        "id": f"n{i}",
        "name": "L",
        "description": "D",
        "category": "h",
        "brand": "l",
        "price": 1,
        "rating": 1,
        "inStock": True,
    }


def test_events_history_and_exclusion(gql: GraphQLClient) -> None:
    recorded = gql.data(EVENT, {"u": "eve", "p": "p001", "k": "PURCHASE"})["recordEvent"]
    assert recorded["kind"] == "PURCHASE" and recorded["user"]["events"] == 1 and recorded["user"]["clicks"] == 0
    assert recorded["user"]["affinities"] == [{"category": "outerwear", "weight": 3.0}]
    dismissed = gql.data(EVENT, {"u": "eve", "p": "p002", "k": "DISMISS"})["recordEvent"]
    assert dismissed["user"]["hasDismissedVector"] and dismissed["user"]["affinities"][0]["weight"] < 3.0
    missing = gql.data(EVENT, {"u": "eve", "p": "p999", "k": "VIEW"})["recordEvent"]
    assert missing == {"__typename": "ProductNotFound", "productId": "p999"}

    features = gql.data(RECENT, {"u": "eve", "n": 5})["userFeatures"]
    assert features["events"] == 2
    assert [(e["productId"], e["kind"]) for e in features["recent"]] == [("p002", "DISMISS"), ("p001", "PURCHASE")]
    assert features["recent"][0]["product"]["id"] == "p002"
    assert datetime.fromisoformat(features["recent"][0]["at"]).tzinfo is not None

    def ids(exclude: dict[str, Any] | None) -> list[str]:
        found = gql.data(RECOMMEND, {"q": "warm jacket for winter", "u": "eve", "x": exclude})["recommendations"]
        return [item["product"]["id"] for item in found["items"]]

    assert "p002" in ids(None) or "p002" in ids({"dismissed": False})
    default = ids({})
    assert len(default) == 10 and "p002" not in default
    both = ids({"purchased": True, "productIds": ["p003"]})
    assert len(both) == 10 and not {"p001", "p002", "p003"} & set(both)

    gql.data(DELETE, {"ids": ["p002"]})
    assert gql.data(RECENT, {"u": "eve", "n": 1})["userFeatures"]["recent"][0]["product"] is None


def test_not_interested_means_not_again(gql: GraphQLClient) -> None:
    # DISMISS leaves the product out of the next plain request (no `exclude` argument), for
    # recommendations and similar products alike; `dismissed: false` brings it back.
    plain = '{ recommendations(query: "warm jacket for winter", userId: "dora"%s) { items { product { id } } } }'
    similar = """{ similarProducts(productId: "p001", userId: "dora"%s) {
      ... on Recommendations { items { product { id } } } } }"""
    back = ", exclude: {dismissed: false}"

    def ids(document: str, field: str) -> list[str]:
        return [item["product"]["id"] for item in gql.data(document)[field]["items"]]

    top, neighbour = ids(plain % "", "recommendations")[0], ids(similar % "", "similarProducts")[0]
    for product in (top, neighbour):
        assert gql.data(EVENT, {"u": "dora", "p": product, "k": "DISMISS"})["recordEvent"]["kind"] == "DISMISS"
    after = ids(plain % "", "recommendations")
    assert len(after) == 10 and top not in after
    assert neighbour not in ids(similar % "", "similarProducts")
    assert top in ids(plain % back, "recommendations")
    assert neighbour in ids(similar % back, "similarProducts")


def test_catalog_mutations(gql: GraphQLClient) -> None:
    upserted = gql.data(UPSERT, {"products": [_product("lamp-1"), _product("lamp-2")]})["upsertProducts"]
    assert upserted == {
        "__typename": "ProductsUpserted",
        "created": 2,
        "updated": 0,
        "embedded": 2,
        "productIds": ["lamp-1", "lamp-2"],
    }
    again = gql.data(UPSERT, {"products": [_product("lamp-1", price=25.0)]})["upsertProducts"]
    assert (again["created"], again["updated"], again["embedded"]) == (0, 1, 0)
    updated = gql.data(UPDATE, {"patches": [{"id": "lamp-1", "inStock": False}, {"id": "nope", "rating": 1}]})
    assert updated["updateProducts"] == {"__typename": "ProductsUpdated", "updated": 1, "notFound": ["nope"]}
    deleted = gql.data(DELETE, {"ids": ["lamp-1", "lamp-2", "nope"]})["deleteProducts"]
    assert deleted == {"__typename": "ProductsDeleted", "deleted": 2, "notFound": ["nope"]}


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        (UPSERT, {"products": []}, "products"),
        (UPSERT, {"products": [_tiny(i) for i in range(501)]}, "products"),
        (UPSERT, {"products": [_product("a"), _product("a")]}, "products[1].id"),
        (UPSERT, {"products": [_product("a"), _product("b", price=-1)]}, "products[1].price"),
        (UPSERT, {"products": [_product("a", price=1e308)]}, "products[0].price"),  # revenue would sum to inf
        (UPDATE, {"patches": [{"id": "p001", "price": 1}, {"id": "p001"}]}, "patches[1].id"),
        (UPDATE, {"patches": [{"id": "p001", "price": 1e13}]}, "patches[0].price"),
        (UPSERT, {"products": [_product("a", name="Reading\u0000lamp")]}, "products[0].name"),
        (UPSERT, {"products": [_product("a", description="A lamp.\u009b2J")]}, "products[0].description"),
        (UPDATE, {"patches": [{"id": "p001", "description": "A\u000blamp"}]}, "patches[0].description"),
        (DELETE, {"ids": ["bad id"]}, "ids[0]"),
        (RECENT, {"u": "eve", "n": 51}, "limit"),
        (RECOMMEND, {"q": "x", "x": {"productIds": ["ok", "a:b"]}}, "exclude.productIds[1]"),
    ],
)
def test_bad_batches_are_typed_errors(gql: GraphQLClient, query: str, variables: dict[str, Any], argument: str) -> None:
    error = gql.error(query, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["argument"] == argument
    assert len(gql.data("{ products(limit: 1000) { id } }")["products"]) == 60


def test_nan_price_and_unknown_kind(gql: GraphQLClient) -> None:
    products = [_product("a"), _product("b"), _product("c"), _product("d", price=float("nan"))]
    raw = {"query": UPSERT, "variables": {"products": products}}  # JSON with NaN, as JavaScript cannot send
    response = gql.http.post(
        "/graphql", content=json.dumps(raw, allow_nan=True), headers={"content-type": "application/json"}
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "products[3].price"}
    error = gql.error(EVENT, {"u": "eve", "p": "p001", "k": "LIKE"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["argument"] == "k"
    error = gql.error('mutation { recordEvent(userId: "u", productId: "p001", kind: LIKE) { __typename } }')
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert len(gql.data("{ products(limit: 1000) { id } }")["products"]) == 60


@pytest.fixture
def guarded(settings: Settings, embedder: Any) -> Iterator[GraphQLClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": "s3cret"}), embedder=embedder)) as client:
        yield GraphQLClient(client)


def test_catalog_mutations_need_the_admin_token(guarded: GraphQLClient) -> None:
    for query, variables in [(UPSERT, {"products": [_product("x")]}), (UPDATE, {"patches": [{"id": "p001"}]})]:
        result = guarded.data(query, variables)
        assert next(iter(result.values()))["__typename"] == "NotAuthorized"
    assert guarded.data(DELETE, {"ids": ["p001"]})["deleteProducts"]["__typename"] == "NotAuthorized"
    assert len(guarded.data("{ products(limit: 1000) { id } }")["products"]) == 60


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (EVENT, {"u": "", "p": "p001", "k": "CLICK"}),
        ('mutation { recordClick(userId: "", productId: "p001") { __typename } }', {}),
        ('mutation { resetUser(userId: "") { userId } }', {}),
        (RECENT, {"u": "", "n": 5}),
        (RECOMMEND, {"q": "lamp", "u": ""}),
        ('{ similarProducts(productId: "p001", userId: "") { __typename } }', {}),
    ],
)
def test_an_empty_user_id_is_not_the_demo_user(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> None:
    gql.data(EVENT, {"u": "demo", "p": "p002", "k": "CLICK"})
    error = gql.error(query, variables)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "userId"}
    demo = gql.data(RECENT, {"u": "demo", "n": 5})["userFeatures"]
    assert demo["events"] == 1 and [e["productId"] for e in demo["recent"]] == ["p002"]
