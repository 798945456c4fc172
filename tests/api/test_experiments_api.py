"""Experiments over HTTP: every page has an id, foreign ids record unattributed, scenarioStats' typed
errors and admin rule, and the Prometheus counters' labels."""

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bootstrap.settings import Settings
from domain.attribution import Conversion
from domain.events import EventKind
from domain.models import Recommendations, Timings
from serving.app import create_app
from serving.metrics import Metrics
from tests.graphql_client import GraphQLClient

PAGE = "query($q: String) { recommendations(query: $q, k: 3) { id scenario variant items { product { id } } } }"
EVENT = """mutation($p: ID!, $r: ID, $k: EventKind!) { recordEvent(userId: "u1", productId: $p, kind: $k,
  recommendationId: $r) { __typename ... on EventRecorded { attributed user { events } } } }"""
STATS = """query($n: String!, $f: DateTime, $t: DateTime) { scenarioStats(name: $n, from: $f, to: $t) {
  scenario variants { variant requests impressions clicks addToCarts purchases revenue ctr conversionRate }
  comparison { variant metric lift lower95 upper95 pValue significant } } }"""


def test_every_page_has_its_own_id_and_no_scenario_by_default(gql: GraphQLClient) -> None:
    first = gql.data(PAGE, {"q": "warm jacket"})["recommendations"]
    second = gql.data(PAGE, {"q": "warm jacket"})["recommendations"]
    assert first["id"] and second["id"] and first["id"] != second["id"]
    assert (first["scenario"], first["variant"]) == (None, None)
    similar = gql.data('{ similarProducts(productId: "p001", k: 2) { ... on Recommendations { id } } }')
    assert similar["similarProducts"]["id"]


@pytest.mark.parametrize("recommendation_id", ["not-ours", "", "x" * 5000, "AAAA.BBBB", None])
def test_an_id_that_is_not_ours_records_the_event_unattributed(gql: GraphQLClient, recommendation_id: Any) -> None:
    recorded = gql.data(EVENT, {"p": "p001", "r": recommendation_id, "k": "CLICK"})["recordEvent"]
    assert recorded == {"__typename": "EventRecorded", "attributed": False, "user": {"events": 1}}


def test_events_on_a_page_without_scenario_are_not_attributed(gql: GraphQLClient) -> None:
    page = gql.data(PAGE, {"q": "warm jacket"})["recommendations"]
    product = page["items"][0]["product"]["id"]
    recorded = gql.data(EVENT, {"p": product, "r": page["id"], "k": "PURCHASE"})["recordEvent"]
    assert recorded["attributed"] is False


def test_scenario_stats_of_a_scenario_without_counts(gql: GraphQLClient) -> None:
    stats = gql.data(STATS, {"n": "home"})["scenarioStats"]
    zero = {"requests": 0, "impressions": 0, "clicks": 0, "addToCarts": 0, "purchases": 0}
    assert stats["scenario"] == "home" and stats["comparison"] == []
    assert stats["variants"] == [{"variant": "control", **zero, "revenue": 0.0, "ctr": 0.0, "conversionRate": 0.0}]


def test_from_after_to_is_a_typed_error_naming_from(gql: GraphQLClient) -> None:
    error = gql.error(STATS, {"n": "home", "f": "2026-12-02T00:00:00Z", "t": "2026-12-01T00:00:00Z"})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "from"}
    for name in ("not a name!", "a@b"):  # `@` is allowed in a product id, never in a scenario's name
        error = gql.error(STATS, {"n": name})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "name"}, name
    assert gql.error(STATS, {"n": "home", "f": "yesterday"})["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.fixture
def guarded(settings: Settings, embedder: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": "s3cret"}), embedder=embedder)) as client:
        yield client


def test_scenario_stats_is_for_admins(guarded: TestClient) -> None:
    body = guarded.post("/graphql", json={"query": STATS, "variables": {"n": "home"}}).json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = {"Authorization": "Bearer s3cret"}
    body = guarded.post("/graphql", json={"query": STATS, "variables": {"n": "home"}}, headers=admin).json()
    assert body["data"]["scenarioStats"]["scenario"] == "home"


def _page(scenario: str | None, variant: str | None, items: int) -> Recommendations:
    shown = [None] * items  # only the count matters here
    return Recommendations(shown, "*", False, False, Timings(0, 0, 0, 0), scenario=scenario, variant=variant)  # type: ignore[arg-type]


def test_prometheus_counts_by_scenario_and_variant_and_bounds_the_labels() -> None:
    metrics = Metrics()
    metrics.served(_page("home", "b", 4))
    metrics.served(_page("home", None, 2))
    metrics.served(_page(None, None, 10))  # no scenario: not an experiment
    purchase = Conversion("pg", "home", "b", 1, "p001", EventKind.PURCHASE, revenue=12.5, at=0.0)
    metrics.attributed(purchase)
    metrics.attributed(Conversion("pg", "gone", "x", 1, "p001", EventKind.CLICK, 0.0, 0.0, configured=False))
    text = metrics.exposition().decode()
    assert 'recommender_experiment_requests_total{scenario="home",variant="b"} 1.0' in text
    assert 'recommender_experiment_impressions_total{scenario="home",variant="b"} 4.0' in text
    assert 'recommender_experiment_requests_total{scenario="home",variant="control"} 1.0' in text
    assert 'recommender_experiment_events_total{kind="PURCHASE",scenario="home",variant="b"} 1.0' in text
    assert 'recommender_experiment_revenue_total{scenario="home",variant="b"} 12.5' in text
    assert 'recommender_experiment_events_total{kind="CLICK",scenario="other",variant="other"} 1.0' in text
    assert 'scenario="gone"' not in text
