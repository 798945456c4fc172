"""Rate limits counted in the real Redis: one budget across app instances, 429 + Retry-After, fail open."""

import logging
from collections.abc import Callable
from typing import Any

import pytest
import redis
from graphql import get_named_type

from adapters.redis.embedded import free_port
from gql.admin import admin_mutations, admin_queries
from gql.schema import schema
from tests.security.conftest import bearer

CATEGORIES = "{ categories }"
CLICK = 'mutation { recordClick(userId: "u1", productId: "p001") { __typename } }'


def test_two_instances_share_one_budget(app_with: Callable[..., Any], namespace: str) -> None:
    # Two apps stand for two workers (or two hosts): only Redis is shared between them.
    limits = {"rate_limits": ("recommendations=3/minute",), "rate_limit_key": f"{namespace}rl"}
    with app_with(**limits) as first, app_with(**limits) as second:
        statuses = [client.post("/graphql", json={"query": CATEGORIES}).status_code for client in (first, second) * 2]
        assert statuses == [200, 200, 200, 429]
        refused = second.post("/graphql", json={"query": CATEGORIES})
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Another class has its own budget: a click is not a recommendation.
        assert first.post("/graphql", json={"query": CLICK}).status_code == 200


def test_limits_are_per_user_with_tokens(
    app_with: Callable[..., Any], namespace: str, mint: Callable[..., str], public_key_file: Any
) -> None:
    with app_with(
        rate_limits=("events=1/minute",), rate_limit_key=f"{namespace}rl", jwt_public_key=public_key_file
    ) as http:
        click = 'mutation { recordClick(userId: "%s", productId: "p001") { __typename } }'
        assert http.post("/graphql", json={"query": click % "alice"}, headers=bearer(mint("alice"))).status_code == 200
        assert http.post("/graphql", json={"query": click % "alice"}, headers=bearer(mint("alice"))).status_code == 429
        assert http.post("/graphql", json={"query": click % "bob"}, headers=bearer(mint("bob"))).status_code == 200


def test_forwarded_for_counts_only_behind_a_trusted_proxy(app_with: Callable[..., Any], namespace: str) -> None:
    # The test client's peer address is "testclient"; naming it trusted makes X-Forwarded-For count.
    base = {"rate_limits": ("recommendations=1/minute",)}
    with app_with(**base, rate_limit_key=f"{namespace}rl1") as http:
        for forged in ("1.1.1.1", "2.2.2.2"):  # untrusted peer: a forged header buys no new budget
            http.post("/graphql", json={"query": CATEGORIES}, headers={"X-Forwarded-For": forged})
        assert (
            http.post("/graphql", json={"query": CATEGORIES}, headers={"X-Forwarded-For": "3.3.3.3"}).status_code == 429
        )
    with app_with(**base, rate_limit_key=f"{namespace}rl2", trusted_proxies=("testclient",)) as http:
        # "testclient" is not an IP address, so it is never trusted: the peer's budget applies.
        http.post("/graphql", json={"query": CATEGORIES}, headers={"X-Forwarded-For": "1.1.1.1"})
        assert (
            http.post("/graphql", json={"query": CATEGORIES}, headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429
        )


@pytest.mark.parametrize("header", ["not-an-ip", "1.1.1.1, garbage", "", "9" * 2000, "::1, 10.0.0.1"])
def test_malformed_forwarded_for_is_harmless(app_with: Callable[..., Any], namespace: str, header: str) -> None:
    with app_with(rate_limits=("recommendations=5/minute",), rate_limit_key=f"{namespace}rl") as http:
        response = http.post("/graphql", json={"query": CATEGORIES}, headers={"X-Forwarded-For": header})
        assert response.status_code == 200, response.text


def test_redis_down_fails_open_and_says_so(
    app_with: Callable[..., Any], caplog: pytest.LogCaptureFixture, sync_redis: redis.Redis, namespace: str
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
    limits = {"rate_limits": ("recommendations=1/minute",), "rate_limit_redis_url": dead}
    with caplog.at_level(logging.WARNING, logger="recommender.rate_limits"), app_with(**limits) as http:
        for _ in range(3):
            assert http.post("/graphql", json={"query": CATEGORIES}).status_code == 200
    assert "fail open" in caplog.text
    assert list(sync_redis.scan_iter(f"{namespace}rl*")) == []


def test_catalog_mutations_count_in_the_admin_class(app_with: Callable[..., Any], namespace: str) -> None:
    # Without an admin token configured every (loopback) caller is admin: the catalog mutations run.
    product = {"id": "rl1", "name": "Lamp", "description": "A reading lamp.", "category": "home", "brand": "lux"}
    upsert = "mutation ($p: [ProductInput!]!) { upsertProducts(products: $p) { __typename } }"
    update = 'mutation { updateProducts(patches: [{id: "rl1", price: 2}]) { __typename } }'
    delete = 'mutation { deleteProducts(ids: ["rl1"]) { __typename } }'
    variables = {"p": [{**product, "price": 1.0, "rating": 4.0, "inStock": True}]}
    limits = {"rate_limits": ("admin=2/minute", "events=5/minute"), "rate_limit_key": f"{namespace}rl"}
    with app_with(**limits) as http:
        first = http.post("/graphql", json={"query": upsert, "variables": variables})
        assert first.status_code == 200 and first.json()["data"]["upsertProducts"]["__typename"] == "ProductsUpserted"
        assert http.post("/graphql", json={"query": update}).status_code == 200
        refused = http.post("/graphql", json={"query": delete})
        assert refused.status_code == 429, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # The events budget was not spent on them.
        assert [http.post("/graphql", json={"query": CLICK}).status_code for _ in range(5)] == [200] * 5


def test_the_admin_mutations_are_those_that_can_answer_not_authorized() -> None:
    mutation = schema._schema.mutation_type
    assert mutation is not None
    refusing = {
        name
        for name, field in mutation.fields.items()
        if "NotAuthorized" in {t.name for t in getattr(get_named_type(field.type), "types", ())}
    }
    admin = {"refreshEmbedding", "resetIndex", "upsertProducts", "updateProducts", "deleteProducts"}
    admin |= {"upsertScenario", "deleteScenario"}
    assert admin_mutations(schema) == refusing == admin
    assert admin_queries(schema) == {"scenarios", "scenario", "scenarioStats"}
