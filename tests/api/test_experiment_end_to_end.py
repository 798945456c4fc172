"""One experiment end to end over HTTP, on the real Redis and model: a scenario with a variant at half the users,
pages served to many users, attributed events (repeats, foreign products, tampered and scenario-less ids), then
scenarioStats must equal what the client counted, and the Prometheus text must carry the scenario's labels."""

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from bootstrap.settings import Settings
from serving.app import create_app
from tests.conftest import CATALOG
from tests.graphql_client import GraphQLClient

ADMIN = {"Authorization": "Bearer s3cret"}
UPSERT = """mutation($s: ScenarioInput!) { upsertScenario(scenario: $s) { __typename ... on Scenario { name
  variants { name share } } } }"""
PAGE = """query($u: ID!, $s: String) { recommendations(query: "warm winter gear", userId: $u, k: 4, scenario: $s)
  { id scenario variant items { product { id } } } }"""
SIMILAR = """query($u: ID!) { similarProducts(productId: "p001", userId: $u, k: 3, scenario: "home") {
  ... on Recommendations { id scenario variant items { product { id } } } } }"""
RELATED = """query($u: ID!) { relatedProducts(productId: "p002", userId: $u, k: 3, scenario: "home") {
  ... on Recommendations { id scenario variant items { product { id } } } } }"""
EVENT = """mutation($u: ID!, $p: ID!, $k: EventKind!, $r: ID) { recordEvent(userId: $u, productId: $p, kind: $k,
  recommendationId: $r) { __typename ... on EventRecorded { attributed } } }"""
STATS = """query($n: String!) { scenarioStats(name: $n) { scenario
  variants { variant requests impressions clicks addToCarts purchases revenue } } }"""
PRICES = {p["id"]: p["price"] for p in json.loads(CATALOG.read_text())["products"]}


class AdminClient(GraphQLClient):
    """Sends every document with the admin token, as the shop's back office would."""

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=ADMIN)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@dataclass
class Tally:
    """What the client saw per variant: the expected statistics."""

    requests: Counter[str] = field(default_factory=Counter)
    impressions: Counter[str] = field(default_factory=Counter)
    clicks: Counter[str] = field(default_factory=Counter)
    purchases: Counter[str] = field(default_factory=Counter)
    revenue: Counter[str] = field(default_factory=Counter)

    def served(self, page: dict[str, Any]) -> None:
        self.requests[page["variant"]] += 1
        self.impressions[page["variant"]] += len(page["items"])

    def expected(self, variant: str) -> dict[str, Any]:
        return {
            "variant": variant,
            "requests": self.requests[variant],
            "impressions": self.impressions[variant],
            "clicks": self.clicks[variant],
            "addToCarts": 0,
            "purchases": self.purchases[variant],
            "revenue": pytest.approx(self.revenue[variant]),
        }


@pytest.fixture
def admin(settings: Settings, embedder: Any) -> Iterator[AdminClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": "s3cret"}), embedder=embedder)) as client:
        yield AdminClient(client)


def _event(gql: GraphQLClient, *, user: str, product: str, kind: str, page_id: str | None) -> bool:
    recorded = gql.data(EVENT, {"u": user, "p": product, "k": kind, "r": page_id})["recordEvent"]
    assert recorded["__typename"] == "EventRecorded", recorded
    return bool(recorded["attributed"])


def _tampered(page_id: str) -> str:
    middle = len(page_id) // 2
    return page_id[:middle] + ("A" if page_id[middle] != "A" else "B") + page_id[middle + 1 :]


def _serve_and_convert(admin: AdminClient, tally: Tally, users: list[str]) -> dict[str, str]:
    """Two pages per user (the same variant both times); a click on each first page's top item, a purchase of
    the second item on even users, and a repeat of the click, which must not count twice."""
    assigned: dict[str, str] = {}
    for n, user in enumerate(users):
        page = admin.data(PAGE, {"u": user, "s": "home"})["recommendations"]
        again = admin.data(PAGE, {"u": user, "s": "home"})["recommendations"]
        assert page["id"] and again["id"] and page["id"] != again["id"]
        assert page["scenario"] == again["scenario"] == "home"
        assert page["variant"] == again["variant"] and page["variant"] in {"control", "b"}
        assigned[user] = page["variant"]
        tally.served(page), tally.served(again)
        top, second = (item["product"]["id"] for item in page["items"][:2])
        assert _event(admin, user=user, product=top, kind="CLICK", page_id=page["id"]) is True
        tally.clicks[page["variant"]] += 1
        assert _event(admin, user=user, product=top, kind="CLICK", page_id=page["id"]) is False  # counted once
        if n % 2 == 0:
            assert _event(admin, user=user, product=second, kind="PURCHASE", page_id=page["id"]) is True
            tally.purchases[page["variant"]] += 1
            tally.revenue[page["variant"]] += PRICES[second]
    return assigned


def test_an_experiment_from_the_variant_to_the_statistics(admin: AdminClient) -> None:
    saved = admin.data(UPSERT, {"s": {"name": "home", "k": 4, "variants": [{"name": "b", "share": 0.5, "k": 3}]}})
    assert saved["upsertScenario"] == {
        "__typename": "Scenario",
        "name": "home",
        "variants": [{"name": "b", "share": 0.5}],
    }
    tally, users = Tally(), [f"shopper-{n}" for n in range(40)]
    assigned = _serve_and_convert(admin, tally, users)
    assert set(assigned.values()) == {"control", "b"}  # both arms served at a half share over 40 users
    page = admin.data(PAGE, {"u": users[0], "s": "home"})["recommendations"]
    tally.served(page)
    shown = {item["product"]["id"] for item in page["items"]}
    elsewhere = next(product for product in PRICES if product not in shown)
    assert _event(admin, user=users[0], product=elsewhere, kind="CLICK", page_id=page["id"]) is False
    assert _event(admin, user=users[0], product=next(iter(shown)), kind="CLICK", page_id=_tampered(page["id"])) is False
    plain = admin.data(PAGE, {"u": users[0], "s": None})["recommendations"]
    assert (plain["scenario"], plain["variant"]) == (None, None)
    assert (
        _event(admin, user=users[0], product=plain["items"][0]["product"]["id"], kind="CLICK", page_id=plain["id"])
        is False
    )
    for document, user in [(SIMILAR, users[1]), (RELATED, users[2])]:
        other = next(iter(admin.data(document, {"u": user}).values()))
        assert other["id"] and other["scenario"] == "home" and other["variant"] == assigned[user]
        tally.served(other)
        assert _event(
            admin, user=user, product=other["items"][0]["product"]["id"], kind="PURCHASE", page_id=other["id"]
        )
        tally.purchases[other["variant"]] += 1
        tally.revenue[other["variant"]] += PRICES[other["items"][0]["product"]["id"]]
    stats = admin.data(STATS, {"n": "home"})["scenarioStats"]
    assert stats["scenario"] == "home"
    assert sorted(stats["variants"], key=lambda v: v["variant"]) == [tally.expected("b"), tally.expected("control")]
    text = admin.http.get("/metrics").text
    for variant in ("control", "b"):
        requests = (
            f'recommender_experiment_requests_total{{scenario="home",variant="{variant}"}} {tally.requests[variant]}.0'
        )
        assert requests in text
        assert f'recommender_experiment_events_total{{kind="PURCHASE",scenario="home",variant="{variant}"}}' in text
