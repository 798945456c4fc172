"""Scenarios over GraphQL on the real Redis and model: saving, the override order, sources as a fallback order,
variants, the validation table and admin-only access."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bootstrap.settings import Settings
from serving.app import create_app
from tests.conftest import ROOT
from tests.graphql_client import GraphQLClient
from tests.scenario_cases import BAD, PIN

UPSERT = """mutation($s: ScenarioInput!) { upsertScenario(scenario: $s) {
  __typename ... on Scenario { name k sources updatedAt rules { action productIds position weight }
    variants { name share k } filters { category } } ... on NotAuthorized { message } } }"""
DELETE = """mutation($n: String!) { deleteScenario(name: $n) { __typename
  ... on ScenarioDeleted { name } ... on ScenarioNotFound { name } } }"""
LIST = "{ scenarios { name description k } }"
GET = "query($n: String!) { scenario(name: $n) { name k sources filters { category } } }"
RECOMMEND = """query($s: String, $q: String, $u: ID, $k: Int, $f: ProductFilter, $r: RerankInput) {
  recommendations(scenario: $s, query: $q, userId: $u, k: $k, filters: $f, rerank: $r) {
    items { product { id category } } strategy usedRerank scenario variant } }"""
CLICK = "mutation($u: ID!, $p: ID!) { recordClick(userId: $u, productId: $p) { __typename } }"
SIMILAR = """query($s: String, $k: Int) { similarProducts(productId: "p001", scenario: $s, k: $k) {
  ... on Recommendations { items { product { category } } scenario variant } } }"""


def save(gql: GraphQLClient, scenario: dict[str, Any]) -> dict[str, Any]:
    saved: dict[str, Any] = gql.data(UPSERT, {"s": scenario})["upsertScenario"]
    assert saved["__typename"] == "Scenario", saved
    return saved


def recommend(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    return gql.data(RECOMMEND, variables)["recommendations"]  # type: ignore[no-any-return]


def test_save_read_list_and_delete(gql: GraphQLClient) -> None:
    saved = save(gql, {"name": "home", "k": 4, "sources": ["SESSION", "POPULAR"], "filters": {"category": "bags"}})
    assert saved["k"] == 4 and saved["sources"] == ["SESSION", "POPULAR"] and saved["filters"] == {"category": "bags"}
    assert saved["updatedAt"] and saved["variants"] == [] and saved["rules"] is None
    save(gql, {"name": "cart", "description": "in the cart"})
    assert gql.data(LIST)["scenarios"] == [
        {"name": "cart", "description": "in the cart", "k": None},
        {"name": "home", "description": None, "k": 4},
    ]
    assert gql.data(GET, {"n": "home"})["scenario"]["sources"] == ["SESSION", "POPULAR"]
    save(gql, {"name": "home", "k": 6})  # replaces the whole scenario
    assert gql.data(GET, {"n": "home"})["scenario"] == {"name": "home", "k": 6, "sources": None, "filters": None}
    assert gql.data(DELETE, {"n": "home"})["deleteScenario"] == {"__typename": "ScenarioDeleted", "name": "home"}
    assert gql.data(DELETE, {"n": "home"})["deleteScenario"] == {"__typename": "ScenarioNotFound", "name": "home"}
    assert gql.data(GET, {"n": "home"})["scenario"] is None
    assert [s["name"] for s in gql.data(LIST)["scenarios"]] == ["cart"]


def test_each_rule_kind_is_saved_and_read_back(gql: GraphQLClient) -> None:
    rules = [
        {"action": "HIDE", "match": {"category": "kitchen"}},
        {"action": "BOOST", "match": {"brand": "northpeak"}, "weight": 0.2},
        {"action": "BURY", "productIds": ["p002"], "weight": 0.1},
        {"action": "PIN", "productIds": ["p003"], "position": 1, "activeFrom": "2026-01-01T00:00:00Z"},
    ]
    saved = save(gql, {"name": "ruled", "rules": rules})
    assert [(r["action"], r["productIds"], r["position"], r["weight"]) for r in saved["rules"]] == [
        ("HIDE", [], None, None),
        ("BOOST", [], None, 0.2),
        ("BURY", ["p002"], None, 0.1),
        ("PIN", ["p003"], 1, None),
    ]


def test_the_scenario_gives_defaults_and_the_request_overrides_them_field_by_field(gql: GraphQLClient) -> None:
    for product in ["p001", "p002"]:  # outerwear: the user has affinities to re-rank by
        gql.data(CLICK, {"u": "fan", "p": product})
    save(gql, {"name": "shoes", "k": 3, "filters": {"category": "footwear"}, "rerank": {"enabled": False}})
    plain = recommend(gql, s="shoes", q="warm", u="fan")
    assert len(plain["items"]) == 3 and {i["product"]["category"] for i in plain["items"]} == {"footwear"}
    assert plain["usedRerank"] is False and (plain["scenario"], plain["variant"]) == ("shoes", "control")
    more = recommend(gql, s="shoes", q="warm", u="fan", k=5)  # k given: the request's; filters: the scenario's
    assert len(more["items"]) == 5 and {i["product"]["category"] for i in more["items"]} == {"footwear"}
    other = recommend(gql, s="shoes", q="warm", u="fan", f={"category": "bags"})
    assert len(other["items"]) == 3 and {i["product"]["category"] for i in other["items"]} == {"bags"}
    assert recommend(gql, s="shoes", q="warm", u="fan", r={"enabled": True})["usedRerank"] is True
    unnamed = recommend(gql, q="warm", u="fan")  # no scenario: as before
    assert len(unnamed["items"]) == 10 and unnamed["usedRerank"] is True
    assert (unnamed["scenario"], unnamed["variant"]) == (None, None)


def test_exclude_given_as_null_or_empty_overrides_the_scenarios(gql: GraphQLClient) -> None:
    top = recommend(gql, q="hiking boots", k=1)["items"][0]["product"]["id"]
    save(gql, {"name": "no-top", "exclude": {"productIds": [top]}})
    query = 'query($e: ExcludeInput) { recommendations(scenario: "no-top", query: "hiking boots", k: 1, exclude: $e) '
    query += "{ items { product { id } } } }"
    assert recommend(gql, s="no-top", q="hiking boots", k=1)["items"][0]["product"]["id"] != top
    assert gql.data(query, {"e": None})["recommendations"]["items"][0]["product"]["id"] == top
    assert gql.data(query, {"e": {}})["recommendations"]["items"][0]["product"]["id"] == top


def test_a_variant_overrides_the_scenario_and_the_request_overrides_the_variant(gql: GraphQLClient) -> None:
    variant = {"name": "wide", "share": 1.0, "k": 4, "filters": {"category": "camping"}}
    save(gql, {"name": "layers", "k": 2, "filters": {"category": "footwear"}, "variants": [variant]})
    served = recommend(gql, s="layers", q="gear")
    assert (served["scenario"], served["variant"]) == ("layers", "wide")
    assert len(served["items"]) == 4 and {i["product"]["category"] for i in served["items"]} == {"camping"}
    assert len(recommend(gql, s="layers", q="gear", k=1)["items"]) == 1
    save(gql, {"name": "layers", "k": 2, "variants": [{**variant, "share": 0.0}]})
    control = recommend(gql, s="layers", q="gear")
    assert control["variant"] == "control" and len(control["items"]) == 2


def test_sources_are_a_fallback_order(gql: GraphQLClient) -> None:
    for product in ["p001", "p002", "p003"]:
        gql.data(CLICK, {"u": "browser", "p": product})
    assert recommend(gql, u="browser")["strategy"] == "SESSION"
    save(gql, {"name": "popular-first", "sources": ["POPULAR", "SESSION"]})
    assert recommend(gql, s="popular-first", u="browser")["strategy"] == "POPULAR"
    save(gql, {"name": "session-first", "sources": ["SESSION", "POPULAR"]})
    assert recommend(gql, s="session-first", u="browser")["strategy"] == "SESSION"
    assert recommend(gql, s="session-first", u="newcomer")["strategy"] == "POPULAR"
    # QUERY serves only when a query is given; without QUERY a query does not drive the search.
    save(gql, {"name": "query-first", "sources": ["QUERY", "POPULAR"]})
    assert recommend(gql, s="query-first", q="boots", u="newcomer")["strategy"] == "QUERY"
    assert recommend(gql, s="query-first", u="newcomer")["strategy"] == "POPULAR"
    assert recommend(gql, s="popular-first", q="boots", u="newcomer")["strategy"] == "POPULAR"
    save(gql, {"name": "session-only", "sources": ["SESSION"]})
    assert recommend(gql, s="session-only", u="newcomer")["strategy"] == "TOP_RATED"  # the last resort


def test_similar_products_take_the_scenarios_settings(gql: GraphQLClient) -> None:
    save(gql, {"name": "related", "k": 3, "filters": {"category": "camping"}})
    found = gql.data(SIMILAR, {"s": "related"})["similarProducts"]
    assert len(found["items"]) == 3 and {i["product"]["category"] for i in found["items"]} == {"camping"}
    assert (found["scenario"], found["variant"]) == ("related", "control")
    assert len(gql.data(SIMILAR, {"s": "related", "k": 5})["similarProducts"]["items"]) == 5


def test_an_unknown_scenario_is_a_bad_user_input_naming_it(gql: GraphQLClient) -> None:
    error = gql.error(RECOMMEND, {"s": "nope"})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "scenario"}
    assert "nope" in error["message"]
    assert gql.error(SIMILAR, {"s": "nope"})["extensions"]["argument"] == "scenario"


@pytest.mark.parametrize(("scenario", "path"), BAD, ids=[path for _, path in BAD])
def test_each_bad_part_is_named_and_nothing_is_saved(gql: GraphQLClient, scenario: dict[str, Any], path: str) -> None:
    error = gql.error(UPSERT, {"s": scenario})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": path}, error
    assert gql.data(LIST)["scenarios"] == []


def test_a_pin_on_a_hidden_product_may_be_saved(gql: GraphQLClient) -> None:
    rules = [{"action": "HIDE", "productIds": ["p001"]}, PIN]
    assert len(save(gql, {"name": "contradiction", "rules": rules})["rules"]) == 2


@pytest.fixture
def guarded(settings: Settings, embedder: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": "s3cret"}), embedder=embedder)) as client:
        yield client


def test_scenarios_are_admin_only(guarded: TestClient) -> None:
    anyone, admin = GraphQLClient(guarded), {"authorization": "Bearer s3cret"}
    refused = anyone.data(UPSERT, {"s": {"name": "x"}})["upsertScenario"]
    assert refused["__typename"] == "NotAuthorized"
    assert anyone.data(DELETE, {"n": "x"})["deleteScenario"]["__typename"] == "NotAuthorized"
    for query, variables in [(LIST, {}), (GET, {"n": "x"})]:
        assert anyone.error(query, variables)["extensions"]["code"] == "FORBIDDEN"
    body = {"query": UPSERT, "variables": {"s": {"name": "x", "k": 2}}}
    assert guarded.post("/graphql", json=body, headers=admin).json()["data"]["upsertScenario"]["name"] == "x"
    listed = guarded.post("/graphql", json={"query": LIST}, headers=admin).json()["data"]["scenarios"]
    assert [s["name"] for s in listed] == ["x"]
    assert len(anyone.data(RECOMMEND, {"s": "x", "q": "tent"})["recommendations"]["items"]) == 2  # serving is open


def test_names_that_cannot_be_scenarios_are_refused_when_read_or_deleted(gql: GraphQLClient) -> None:
    save(gql, {"name": "kept"})
    for query in [GET, DELETE]:
        assert gql.error(query, {"n": ":version"})["extensions"] == {"code": "BAD_USER_INPUT", "argument": "name"}
    assert [s["name"] for s in gql.data(LIST)["scenarios"]] == ["kept"]
    assert recommend(gql, s="kept")["scenario"] == "kept"


def test_the_documented_scenario_runs_as_written(gql: GraphQLClient) -> None:
    text = (ROOT / "docs" / "api.md").read_text()
    section = text[text.index("## Scenarios (admin)") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```graphql\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2 and "upsertScenario" in blocks[0]
    saved = gql.data(blocks[0])["upsertScenario"]
    actions = [r["action"] for r in saved["rules"]]
    assert saved["__typename"] == "Scenario" and sorted(actions) == ["BOOST", "BURY", "HIDE", "PIN"]
    assert len(saved["variants"]) == 2
    served = gql.data(blocks[1])["recommendations"]
    assert served["scenario"] == "home" and served["variant"] in {"control", "popular-first", "spread"}
