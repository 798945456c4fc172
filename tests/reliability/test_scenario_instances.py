"""A scenario saved through one app instance is used by the next request on another sharing its Redis: no
restart, and no Redis read per request to find out (the change is pushed; see adapters/redis/scenarios.py)."""

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bootstrap.settings import Settings
from serving.app import create_app
from tests.graphql_client import GraphQLClient
from tests.polling import wait_until

pytestmark = pytest.mark.timeout(180)

UPSERT = "mutation($s: ScenarioInput!) { upsertScenario(scenario: $s) { __typename } }"
DELETE = 'mutation { deleteScenario(name: "home") { __typename } }'
RECOMMEND = """{ recommendations(scenario: "home", query: "tent") { items { product { id } } scenario } }"""


@pytest.fixture
def two_apps(settings: Settings, embedder: Any) -> Iterator[tuple[GraphQLClient, GraphQLClient]]:
    # The second keeps what the first seeded; a long version check, so that only the push can be in time.
    quiet = {"scenario_check_s": 60.0}
    with (
        TestClient(create_app(settings.model_copy(update=quiet), embedder=embedder)) as one,
        TestClient(create_app(settings.model_copy(update={**quiet, "reset": False}), embedder=embedder)) as other,
    ):
        yield GraphQLClient(one), GraphQLClient(other)


def _page_size(client: GraphQLClient) -> int | None:
    body = client.post(RECOMMEND)
    return None if body.get("errors") else len(body["data"]["recommendations"]["items"])


def test_a_change_on_one_instance_is_used_by_the_next_request_on_the_other(
    two_apps: tuple[GraphQLClient, GraphQLClient],
) -> None:
    one, other = two_apps
    assert other.error(RECOMMEND)["extensions"]["argument"] == "scenario"
    assert one.data(UPSERT, {"s": {"name": "home", "k": 3}})["upsertScenario"]["__typename"] == "Scenario"
    assert _page_size(one) == 3  # the instance that saved it: at once
    assert wait_until(lambda: _page_size(other) == 3, timeout=5.0)
    one.data(UPSERT, {"s": {"name": "home", "k": 5}})
    assert wait_until(lambda: _page_size(other) == 5, timeout=5.0)
    one.data(DELETE)
    assert wait_until(lambda: _page_size(other) is None, timeout=5.0)
