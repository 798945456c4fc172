"""`trendingFacets` over HTTP: events recorded through the API, facets read back, a bad k refused."""

import pytest

from tests.graphql_client import GraphQLClient

EVENT = """mutation E($u: ID!, $p: ID!, $k: EventKind!) { recordEvent(userId: $u, productId: $p, kind: $k) {
  __typename } }"""
FACETS = "query F($f: FacetField!, $k: Int) { trendingFacets(field: $f, k: $k) { value score events } }"


def test_trending_facets_from_recorded_events(gql: GraphQLClient) -> None:
    assert gql.data(FACETS, {"f": "CATEGORY"})["trendingFacets"] == []
    for user, product, kind in [("ann", "p018", "CLICK")] * 4 + [("bob", "p009", "PURCHASE"), ("cy", "p001", "CLICK")]:
        assert gql.data(EVENT, {"u": user, "p": product, "k": kind})["recordEvent"]["__typename"] == "EventRecorded"
    # No history yet: a score is (recent + 5) / 5; one click on p001 is below the minimum of 3.
    assert gql.data(FACETS, {"f": "CATEGORY"})["trendingFacets"] == [
        {"value": "camping", "score": pytest.approx(9 / 5), "events": 4},
        {"value": "footwear", "score": pytest.approx(8 / 5), "events": 3},
    ]
    by_brand = gql.data("{ trendingFacets(field: BRAND, k: 1) { value events } }")["trendingFacets"]
    assert by_brand == [{"value": "northpeak", "events": 4}]
    assert len(gql.data(FACETS, {"f": "BRAND", "k": None})["trendingFacets"]) == 2  # null: the default


@pytest.mark.parametrize("k", [0, 101])
def test_a_bad_k_is_a_typed_error(gql: GraphQLClient, k: int) -> None:
    error = gql.error(FACETS, {"f": "BRAND", "k": k})
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["argument"] == "k"
    assert "between 1 and 100" in error["message"]
