"""The demo page against a server that sets RECOMMENDER_ADMIN_TOKEN, in a real Chromium: the admin reads wait
for the token typed in the Index panel, and work once it is."""

import json
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import served
from tests.e2e.demo_page import DESKTOP, TIMEOUT_MS

pytestmark = pytest.mark.e2e

TOKEN = "e2e-admin-token"
UPSERT = "mutation($s: ScenarioInput!) { upsertScenario(scenario: $s) { __typename } }"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`recommender serve` with an admin token; yields the base URL."""
    with served(tmp_path_factory.mktemp("e2e-token-server"), "e2e-token", RECOMMENDER_ADMIN_TOKEN=TOKEN) as base_url:
        yield base_url


def save_scenario(base_url: str, name: str) -> None:
    body = json.dumps({"query": UPSERT, "variables": {"s": {"name": name, "k": 5}}}).encode()
    headers = {"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}
    request = urllib.request.Request(f"{base_url}/graphql", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["data"]["upsertScenario"]["__typename"] == "Scenario"


def test_the_scenario_picker_lists_the_scenarios_once_the_token_is_typed(browser: Browser, token_server: str) -> None:
    """Without the token the picker says it needs it (Index panel); typing it there fills the picker."""
    expect.set_options(timeout=TIMEOUT_MS)
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    save_scenario(token_server, name)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(f"{token_server}/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(page.locator("#err-scenario")).to_contain_text("admin token")
        expect(page.locator("#scenario option")).to_have_count(1)

        page.get_by_test_id("admin-token").fill(TOKEN)
        page.get_by_test_id("admin-token").press("Tab")
        expect(page.locator(f"#scenario option[value='{name}']")).to_have_count(1)
        expect(page.locator("#err-scenario")).to_have_text("")
        expect(page.get_by_test_id("scenario")).not_to_have_attribute("aria-invalid", "true")
    finally:
        context.close()
