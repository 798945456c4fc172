"""The demo page and GraphiQL under the server's Content-Security-Policy, in a real Chromium: the policy blocks
nothing either page uses. GraphiQL's CDN is out of reach on a machine without internet, so there the test
shows only that its inline script is not refused (a CDN script that fails to load is no violation)."""

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.demo_page import DESKTOP, QUERY, TIMEOUT_MS, open_as, result_ids, search

pytestmark = pytest.mark.e2e

# Registered before any of the page's own scripts runs, so a refused script or style is seen too.
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def violations(page: Page) -> list[str]:
    return page.evaluate("window.violations")  # type: ignore[no-any-return]


def test_the_demo_page_runs_under_its_policy(browser: Browser, live_server: str) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=DESKTOP)
    try:
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        open_as(page, live_server, f"e2e-{uuid.uuid4().hex[:10]}")
        page.get_by_test_id("query").fill(QUERY)
        search(page)
        assert result_ids(page)
        page.get_by_test_id("result-row").first.get_by_test_id("click-btn").click()
        expect(page.get_by_test_id("session-clicks")).to_have_text("1")
        assert violations(page) == []
    finally:
        context.close()


def test_graphiql_is_not_held_to_the_pages_policy(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        response = page.goto(f"{live_server}/graphql", timeout=TIMEOUT_MS)
        assert response is not None and response.ok
        page.wait_for_load_state("load", timeout=TIMEOUT_MS)
        assert violations(page) == []
    finally:
        context.close()
