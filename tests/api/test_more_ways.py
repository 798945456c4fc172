"""More ways to recommend, over HTTP on real Redis and the real model: similar items, no-text strategies, the relevance
floor, diversity, keyword and hybrid search, pages and explanations, and their bad inputs."""

from typing import Any

import numpy as np
import pytest
import redis

from adapters.redis.codecs import product_mapping
from adapters.redis.embedded import EmbeddedRedis
from bootstrap.settings import Settings
from domain.models import Product, Vector
from tests.graphql_client import GraphQLClient

ITEM = """product { id category brand rating } vectorDistance score affinityBonus
  explanation { reason vectorDistance textRank sessionWeight affinityBonus diversityPenalty ruleAdjustment }"""
PAGE = f"items {{ {ITEM} }} strategy usedSession filterClause pageInfo {{ endCursor hasNextPage }}"
SIMILAR = f"""query S($p: ID!, $u: ID, $f: ProductFilter, $x: ExcludeInput, $b: BlendInput, $d: DiversityInput,
  $k: Int, $m: Float, $a: String) {{
  similarProducts(productId: $p, userId: $u, filters: $f, exclude: $x, blend: $b, diversity: $d, k: $k,
    maxDistance: $m, after: $a) {{
    __typename ... on Recommendations {{ {PAGE} }} ... on ProductNotFound {{ productId message }} }} }}"""
RECOMMEND = f"""query R($q: String, $u: ID, $f: ProductFilter, $x: ExcludeInput, $d: DiversityInput, $k: Int,
  $m: Float, $a: String, $mode: SearchMode) {{
  recommendations(query: $q, userId: $u, filters: $f, exclude: $x, diversity: $d, k: $k, maxDistance: $m,
    after: $a, mode: $mode) {{ {PAGE} }} }}"""
CLICK = """mutation C($u: ID!, $p: ID!) { recordEvent(userId: $u, productId: $p, kind: CLICK) { __typename } }"""


def ids(page: dict[str, Any]) -> list[str]:
    return [item["product"]["id"] for item in page["items"]]


def similar(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    return gql.data(SIMILAR, variables)["similarProducts"]  # type: ignore[no-any-return]


def recommend(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    return gql.data(RECOMMEND, variables)["recommendations"]  # type: ignore[no-any-return]


def test_similar_products_is_knn_on_the_stored_vector_without_the_product(
    gql: GraphQLClient, catalog_items: list[tuple[Product, Vector]]
) -> None:
    vectors = {p.id: v for p, v in catalog_items}
    page = similar(gql, p="p001", k=10)
    assert page["__typename"] == "Recommendations" and page["strategy"] == "SIMILAR_PRODUCT"
    expected = sorted((1.0 - float(np.dot(v, vectors["p001"])), pid) for pid, v in vectors.items() if pid != "p001")
    assert ids(page) == [pid for _, pid in expected[:10]]
    for item, (distance, _) in zip(page["items"], expected, strict=False):
        assert item["vectorDistance"] == pytest.approx(distance, abs=1e-5)
        explanation = item["explanation"]
        assert explanation["reason"] == "SIMILAR_TO_PRODUCT" and explanation["sessionWeight"] == 0.0
        assert explanation["ruleAdjustment"] == 0.0  # no rules
        assert explanation["vectorDistance"] == pytest.approx(item["vectorDistance"])
    filtered = similar(gql, p="p001", f={"category": "footwear"}, x={"productIds": [ids(page)[0]]}, k=5)
    assert all(item["product"]["category"] == "footwear" for item in filtered["items"])
    assert "p001" not in ids(filtered) and ids(page)[0] not in ids(filtered)


def test_similar_products_unknown_product_and_blend(gql: GraphQLClient) -> None:
    missing = similar(gql, p="p999")
    assert missing["__typename"] == "ProductNotFound" and missing["productId"] == "p999"
    gql.data(CLICK, {"u": "sam", "p": "p020"})
    pure = similar(gql, p="p001", u="sam")
    blended = similar(gql, p="p001", u="sam", b={"weight": 0.5})
    assert not pure["usedSession"] and blended["usedSession"]
    assert {item["explanation"]["sessionWeight"] for item in blended["items"]} == {0.5}
    assert ids(pure) != ids(blended) and "p001" not in ids(blended)


def test_no_text_top_rated_then_session_then_popular(gql: GraphQLClient) -> None:
    rated = recommend(gql, u="new", f={"inStockOnly": True}, x={"productIds": ["p001"]}, k=8)
    assert rated["strategy"] == "TOP_RATED" and "p001" not in ids(rated)
    ratings = [item["product"]["rating"] for item in rated["items"]]
    assert ratings == sorted(ratings, reverse=True) and len(ratings) == 8
    assert {item["explanation"]["reason"] for item in rated["items"]} == {"TOP_RATED"}
    assert all(item["explanation"]["vectorDistance"] is None for item in rated["items"])

    for pid in ["p030", "p030", "p031", "p030"]:
        gql.data(CLICK, {"u": "kim", "p": pid})
    session = recommend(gql, u="kim", x={"seen": True})
    assert session["strategy"] == "SESSION" and session["usedSession"]
    assert not {"p030", "p031"} & set(ids(session))
    assert {item["explanation"]["reason"] for item in session["items"]} == {"SIMILAR_TO_SESSION"}
    assert {item["explanation"]["sessionWeight"] for item in session["items"]} == {1.0}

    popular = recommend(gql, u="other", k=5)
    assert popular["strategy"] == "POPULAR" and ids(popular)[:2] == ["p030", "p031"]
    assert [item["explanation"]["reason"] for item in popular["items"]][:3] == ["POPULAR", "POPULAR", "TOP_RATED"]
    excluded = recommend(gql, u="other", x={"productIds": ["p030"]}, k=5)
    assert excluded["strategy"] == "POPULAR" and ids(excluded)[0] == "p031"


def test_max_distance_drops_far_items(gql: GraphQLClient) -> None:
    full = recommend(gql, q="warm jacket for winter", k=20)
    limit = full["items"][4]["vectorDistance"]
    floor = recommend(gql, q="warm jacket for winter", k=20, m=limit)
    assert ids(floor) == ids(full)[: len(floor["items"])] and 5 <= len(floor["items"]) < 20
    assert all(item["vectorDistance"] <= limit for item in floor["items"])
    near = similar(gql, p="p001", m=0.5)
    assert all(item["vectorDistance"] <= 0.5 for item in near["items"])


def test_distinct_categories_grow_with_the_diversity_weight(gql: GraphQLClient) -> None:
    plain = recommend(gql, q="warm jacket for winter", k=10)
    counts = []
    for weight in [0.0, 0.3, 0.6, 1.0]:
        page = recommend(gql, q="warm jacket for winter", k=10, d={"weight": weight})
        assert ids(page)[0] == ids(plain)[0]  # the best match always leads
        counts.append(len({item["product"]["category"] for item in page["items"]}))
    assert counts == sorted(counts) and counts[-1] > counts[0], counts
    capped = recommend(gql, q="warm jacket for winter", k=10, d={"weight": 0.0, "maxPerCategory": 2, "maxPerBrand": 3})
    categories = [item["product"]["category"] for item in capped["items"]]
    brands = [item["product"]["brand"] for item in capped["items"]]
    assert max(categories.count(c) for c in categories) <= 2 and max(brands.count(b) for b in brands) <= 3
    penalties = [
        item["explanation"]["diversityPenalty"] for item in recommend(gql, q="tent", d={"weight": 0.5})["items"]
    ]
    assert penalties[0] == 0.0 and all(p > 0 for p in penalties[1:])
    diverse_similar = similar(gql, p="p001", d={"weight": 1.0, "maxPerCategory": 1}, k=8)
    assert len({item["product"]["category"] for item in diverse_similar["items"]}) == 8


def test_keyword_and_hybrid_modes(gql: GraphQLClient) -> None:
    keyword = recommend(gql, q="snorkel hood", mode="KEYWORD", k=5)
    assert ids(keyword)[0] == "p001" and keyword["strategy"] == "QUERY"
    first = keyword["items"][0]["explanation"]
    assert first["reason"] == "MATCHES_KEYWORDS" and first["textRank"] == 1 and first["vectorDistance"] is not None
    hybrid = recommend(gql, q="snorkel hood", mode="HYBRID", k=10)
    assert "p001" in ids(hybrid)[:3]
    assert {item["explanation"]["reason"] for item in hybrid["items"]} <= {"MATCHES_KEYWORDS", "MATCHES_QUERY"}
    scores = [item["score"] for item in hybrid["items"]]
    assert scores == sorted(scores)
    filtered = recommend(gql, q="snorkel hood", mode="HYBRID", f={"category": "footwear"}, k=5)
    assert all(item["product"]["category"] == "footwear" for item in filtered["items"])
    nothing = recommend(gql, q="zzzqqq", mode="KEYWORD")
    assert nothing["items"] == [] and nothing["pageInfo"] == {"endCursor": None, "hasNextPage": False}


@pytest.mark.parametrize("mode", ["SEMANTIC", "HYBRID"])
def test_pages_never_repeat_even_after_a_click(gql: GraphQLClient, mode: str) -> None:
    args = {"q": "gear for the outdoors", "u": "pat", "k": 7, "mode": mode}
    seen: list[str] = []
    after = None
    for page_number in range(4):
        page = recommend(gql, **args, a=after)
        assert page["pageInfo"]["hasNextPage"] and len(page["items"]) == 7
        assert not set(ids(page)) & set(seen)
        seen += ids(page)
        after = page["pageInfo"]["endCursor"]
        if page_number == 1:
            gql.data(CLICK, {"u": "pat", "p": ids(page)[0]})
    last = similar(gql, p="p001", k=50)
    more = similar(gql, p="p001", k=50, a=last["pageInfo"]["endCursor"])
    assert len(more["items"]) == 9 and not more["pageInfo"]["hasNextPage"]
    assert not set(ids(last)) & set(ids(more)) and "p001" not in ids(more)


def test_pages_stop_at_500_items(gql: GraphQLClient, redis_server: EmbeddedRedis, settings: Settings) -> None:
    rng = np.random.default_rng(7)
    with redis.Redis.from_url(redis_server.url) as client, client.pipeline(transaction=False) as pipe:
        for i in range(460):
            v = rng.standard_normal(384).astype(np.float32)
            product = Product(f"x{i}", f"Extra {i}", "Filler.", "extra", "filler", 1.0, 1.0, True)
            pipe.hset(f"{settings.key_prefix}{product.id}", mapping=product_mapping(product, v / np.linalg.norm(v)))
        pipe.execute()
    served: set[str] = set()
    after = None
    for _ in range(5):
        page = recommend(gql, q="anything at all", k=100, a=after)
        served |= set(ids(page))
        after = page["pageInfo"]["endCursor"]
    assert len(served) == 500 and not page["pageInfo"]["hasNextPage"]
    assert recommend(gql, q="anything at all", k=100, a=after)["items"] == []


def _bad(gql: GraphQLClient, document: str, variables: dict[str, Any]) -> str:
    error = gql.error(document, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return str(error["extensions"]["argument"])


def test_bad_inputs_name_the_argument(gql: GraphQLClient) -> None:
    assert _bad(gql, RECOMMEND, {"q": "tent", "d": {"weight": 1.5}}) == "diversity.weight"
    assert _bad(gql, RECOMMEND, {"q": "tent", "d": {"weight": -0.1}}) == "diversity.weight"
    assert _bad(gql, RECOMMEND, {"q": "tent", "d": {"maxPerCategory": 0}}) == "diversity.maxPerCategory"
    assert _bad(gql, SIMILAR, {"p": "p001", "d": {"maxPerBrand": 0}}) == "diversity.maxPerBrand"
    assert _bad(gql, RECOMMEND, {"q": "tent", "m": 2.5}) == "maxDistance"
    assert _bad(gql, SIMILAR, {"p": "p001", "m": -0.1}) == "maxDistance"
    cursor = recommend(gql, q="tent", k=3)["pageInfo"]["endCursor"]
    payload, _, signature = cursor.partition(".")
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    assert _bad(gql, RECOMMEND, {"q": "tent", "k": 3, "a": tampered}) == "after"
    assert _bad(gql, RECOMMEND, {"q": "tents", "k": 3, "a": cursor}) == "after"  # another request's cursor
    assert _bad(gql, SIMILAR, {"p": "p001", "k": 3, "a": cursor}) == "after"
    assert _bad(gql, RECOMMEND, {"q": "tent", "a": "not a cursor"}) == "after"
    assert _bad(gql, RECOMMEND, {"q": "tent", "a": ""}) == "after"


def test_explanations_agree_with_the_item_fields(gql: GraphQLClient) -> None:
    for pid in ["p009", "p010"]:
        gql.data(CLICK, {"u": "eli", "p": pid})
    page = recommend(gql, q="shoes for the trail", u="eli", k=10)
    assert page["strategy"] == "QUERY" and page["usedSession"]
    for item in page["items"]:
        why = item["explanation"]
        assert why["reason"] == "MATCHES_QUERY" and why["sessionWeight"] == 0.3 and why["textRank"] is None
        assert why["vectorDistance"] == pytest.approx(item["vectorDistance"])
        assert why["affinityBonus"] == pytest.approx(item["affinityBonus"])
        assert item["score"] == pytest.approx(item["vectorDistance"] - item["affinityBonus"])
        assert why["diversityPenalty"] == 0.0
    assert any(item["affinityBonus"] > 0 for item in page["items"])
