"""`relatedProducts` through the GraphQL API on real Redis and the real model: co-engaged products first, filled
up with similar ones, never the product itself, filtered, deletion respected, paged without repeats."""

from typing import Any

from tests.graphql_client import GraphQLClient

RELATED = """query R($p: ID!, $r: Relation, $f: ProductFilter, $k: Int, $after: String) {
  relatedProducts(productId: $p, relation: $r, filters: $f, k: $k, after: $after) {
    __typename
    ... on Recommendations { strategy items { product { id } explanation { reason } } pageInfo { endCursor } }
    ... on ProductNotFound { productId message } } }"""
EVENT = """mutation E($u: ID!, $p: ID!, $k: EventKind!) {
  recordEvent(userId: $u, productId: $p, kind: $k) { __typename } }"""
DELETE = """mutation D($ids: [ID!]!) { deleteProducts(ids: $ids) { __typename } }"""


def events(gql: GraphQLClient, user: str, *steps: tuple[str, str]) -> None:
    for product, kind in steps:
        assert gql.data(EVENT, {"u": user, "p": product, "k": kind})["recordEvent"]["__typename"] == "EventRecorded"


def related(gql: GraphQLClient, product: str, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = gql.data(RELATED, {"p": product, **variables})["relatedProducts"]
    return found


def pairs(found: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["product"]["id"], item["explanation"]["reason"]) for item in found["items"]]


def test_co_engaged_first_then_similar_never_the_product(gql: GraphQLClient) -> None:
    # A parka, then a kettle, then a tent: nothing like a parka, only shoppers pair them.
    events(gql, "u1", ("p001", "VIEW"), ("p019", "VIEW"), ("p018", "VIEW"))
    found = related(gql, "p001", k=5)
    assert found["strategy"] == "RELATED"
    assert pairs(found)[:2] == [("p019", "ALSO_VIEWED"), ("p018", "ALSO_VIEWED")]
    assert [reason for _, reason in pairs(found)[2:]] == ["SIMILAR_TO_PRODUCT"] * 3
    ids = [pid for pid, _ in pairs(found)]
    assert "p001" not in ids and len(set(ids)) == 5


def test_bought_together_only_from_cart_and_purchase(gql: GraphQLClient) -> None:
    events(gql, "u1", ("p001", "VIEW"), ("p019", "CLICK"))
    events(gql, "u2", ("p001", "ADD_TO_CART"), ("p032", "PURCHASE"))
    found = related(gql, "p001", r="BOUGHT_TOGETHER", k=3)
    assert pairs(found)[0] == ("p032", "BOUGHT_TOGETHER")
    assert [reason for _, reason in pairs(found)[1:]] == ["SIMILAR_TO_PRODUCT"] * 2
    viewed = related(gql, "p001", k=3)
    # A purchase weighs more than a click; both are engagement, so both are also viewed.
    assert pairs(viewed)[:2] == [("p032", "ALSO_VIEWED"), ("p019", "ALSO_VIEWED")]


def test_filters_and_deletion_apply_to_co_engaged_products(gql: GraphQLClient) -> None:
    events(gql, "u1", ("p001", "VIEW"), ("p019", "VIEW"), ("p004", "VIEW"), ("p032", "VIEW"))
    everything = [pid for pid, reason in pairs(related(gql, "p001", k=10)) if reason == "ALSO_VIEWED"]
    assert set(everything) == {"p019", "p004", "p032"}
    in_stock = [pid for pid, _ in pairs(related(gql, "p001", f={"inStockOnly": True}, k=10))]
    assert "p004" not in in_stock and {"p019", "p032"} <= set(in_stock)  # p004 is out of stock
    camping = pairs(related(gql, "p001", f={"category": "camping"}, k=3))
    assert camping[0] == ("p019", "ALSO_VIEWED") and all(pid >= "p017" and pid <= "p024" for pid, _ in camping)
    assert gql.data(DELETE, {"ids": ["p019"]})["deleteProducts"]["__typename"] == "ProductsDeleted"
    assert "p019" not in [pid for pid, _ in pairs(related(gql, "p001", k=10))]


def test_pages_never_repeat(gql: GraphQLClient) -> None:
    events(gql, "u1", ("p001", "VIEW"), ("p019", "VIEW"), ("p018", "VIEW"), ("p032", "VIEW"))
    seen: list[str] = []
    after = None
    for _ in range(3):
        found = related(gql, "p001", k=2, after=after)
        seen += [pid for pid, _ in pairs(found)]
        after = found["pageInfo"]["endCursor"]
    assert len(seen) == 6 and len(set(seen)) == 6 and "p001" not in seen
    assert set(seen[:3]) == {"p019", "p018", "p032"}


def test_unknown_product_and_relation_misuse(gql: GraphQLClient) -> None:
    missing = related(gql, "nope")
    assert missing == {"__typename": "ProductNotFound", "productId": "nope", "message": "No product with id 'nope'."}
    error = gql.error(RELATED, {"p": "p001", "r": None})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "relation"}
    unknown = gql.error(RELATED, {"p": "p001", "r": "FOO"})  # refused by the enum, named by its variable
    assert unknown["extensions"] == {"code": "BAD_USER_INPUT", "argument": "r"}
    bad_k = gql.error(RELATED, {"p": "p001", "k": 0})
    assert bad_k["extensions"]["argument"] == "k"
