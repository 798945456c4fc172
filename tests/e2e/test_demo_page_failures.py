"""The demo page when the API refuses a request that is not about any field, in a real Chromium against a live
server: a rate limit (429) or the store being down (SERVICE_UNAVAILABLE), answered for the named operations by
the browser with the server's own bodies, while the rest of the page talks to the server as usual; and the page
once the store is back."""

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.demo_page import DESKTOP, QUERY, TIMEOUT_MS, new_shopper, search

pytestmark = pytest.mark.e2e

RATE_LIMITED = (
    429,
    {"Retry-After": "7"},
    {"data": None, "errors": [{"message": "Too many requests; retry in 7 s.", "extensions": {"code": "RATE_LIMITED"}}]},
)
STORE_DOWN = (
    200,
    {},
    {
        "data": None,
        "errors": [
            {
                "message": "The recommendation store is unavailable; retry shortly.",
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
        ],
    },
)
Answer = tuple[int, dict[str, str], dict[str, object]]


def refuse(page: Page, operation: str, answer: Answer) -> Callable[[], None]:
    """Answer every request of the named operation with `answer`; returns what lets them through again. Refusals
    of several operations add up: each passes the others' requests on."""
    status, headers, body = answer

    def handle(route: Route) -> None:
        if re.search(rf"(query|mutation) {operation}\b", route.request.post_data or ""):
            route.fulfill(status=status, headers=headers, content_type="application/json", body=json.dumps(body))
        else:
            route.fallback()

    page.route("**/graphql", handle)
    return lambda: page.unroute("**/graphql", handle)


@pytest.mark.parametrize("answer", [RATE_LIMITED, STORE_DOWN], ids=["rate-limited", "store-down"])
def test_a_refused_search_does_not_blame_a_field(browser: Browser, live_server: str, answer: Answer) -> None:
    """The reason shows above the results, no control is marked invalid, and the empty panel does not ask the
    user to "fix the highlighted field" when none is."""
    with new_shopper(browser, live_server) as page:
        refuse(page, "Recommend", answer)
        page.get_by_test_id("query").fill(QUERY)
        search(page)
        message = answer[2]["errors"][0]["message"]  # type: ignore[index]
        expect(page.get_by_test_id("error-search")).to_contain_text(message)
        expect(page.locator("#search-form [aria-invalid=true]")).to_have_count(0)
        expect(page.get_by_test_id("result-row")).to_have_count(0)
        empty = page.get_by_test_id("results-empty")
        expect(empty).to_be_visible()
        expect(empty).not_to_contain_text("highlighted")


def test_related_lists_of_another_product_are_not_shown_when_this_ones_fail(browser: Browser, live_server: str) -> None:
    """The "related" link on a second product whose request is refused: the panel names the second product, shows the
    reason, and no longer lists the first product's related items as if they were the second's."""
    with new_shopper(browser, live_server) as page:
        page.get_by_test_id("query").fill(QUERY)
        search(page)
        rows = page.get_by_test_id("result-row")
        rows.nth(0).get_by_test_id("related-link").click()
        panel = page.get_by_test_id("related-panel")
        expect(panel).to_have_attribute("data-state", "ready")
        expect(page.get_by_test_id("related-row").first).to_be_visible()

        refuse(page, "Related", RATE_LIMITED)
        second = rows.nth(1)
        name = second.get_by_test_id("result-name").inner_text()
        second.get_by_test_id("related-link").click()
        expect(page.get_by_test_id("error-related")).to_contain_text("Too many requests")
        expect(panel).to_contain_text(name)
        expect(page.get_by_test_id("related-row")).to_have_count(0)


@pytest.mark.parametrize(
    ("answer", "pill"),
    [(RATE_LIMITED, "catalogue not loaded"), (STORE_DOWN, "service unavailable")],
    ids=["rate-limited", "store-down"],
)
def test_the_status_pill_says_unavailable_only_when_the_service_is(
    browser: Browser, live_server: str, answer: Answer, pill: str
) -> None:
    """The catalogue refused at start: the reason shows in the catalogue panel, and the top bar's pill tells a
    rate limit (the service is up) from the store being down."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        refuse(page, "Boot", answer)
        page.goto(f"{live_server}/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        message = answer[2]["errors"][0]["message"]  # type: ignore[index]
        expect(page.locator("#err-catalogue")).to_contain_text(message)
        expect(page.get_by_test_id("index-pill")).to_have_text(pill)
    finally:
        context.close()


# What the page loads at start: the catalogue with the search form's lists, the session, the scenario picker.
AT_START = ("Boot", "UserFeatures", "Scenarios")


def expect_loaded(page: Page) -> None:
    expect(page.get_by_test_id("index-pill")).to_have_class("topbar-status ok")
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    expect(page.locator("#category option").nth(1)).to_be_attached()  # a category beside "any"
    expect(page.get_by_test_id("error-scenario")).to_have_text("")
    expect(page.get_by_test_id("error-session")).to_have_text("")
    expect(page.get_by_test_id("session-user")).not_to_be_empty()
    expect(page.get_by_test_id("global-error")).to_be_hidden()


def test_the_page_loads_what_it_missed_once_the_store_is_back(browser: Browser, live_server: str) -> None:
    """Opened while the store is down, the page fills its catalogue, lists, scenario picker and session panel when
    the store comes back, without being reloaded."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        store_back = [refuse(page, operation, STORE_DOWN) for operation in AT_START]
        page.goto(f"{live_server}/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(page.get_by_test_id("index-pill")).to_have_text("service unavailable")
        expect(page.get_by_test_id("product-card")).to_have_count(0)
        expect(page.locator("#category option")).to_have_count(1)
        expect(page.get_by_test_id("error-scenario")).to_have_text("Scenarios unavailable.")
        expect(page.get_by_test_id("error-session")).not_to_be_empty()

        for let_through in store_back:
            let_through()
        expect_loaded(page)
    finally:
        context.close()


def test_an_outage_seen_by_a_search_shows_in_the_pill_until_the_store_is_back(
    browser: Browser, live_server: str
) -> None:
    """The store goes down after the page loaded: a search sees it, the pill says so (the page checks again), and
    says the service is up again once the store is back."""
    with new_shopper(browser, live_server) as page:
        expect_loaded(page)
        store_back = [refuse(page, operation, STORE_DOWN) for operation in ("Recommend", *AT_START)]
        page.get_by_test_id("query").fill(QUERY)
        search(page)
        expect(page.get_by_test_id("global-error")).to_be_visible()
        expect(page.get_by_test_id("index-pill")).to_have_text("service unavailable")

        for let_through in store_back:
            let_through()
        expect_loaded(page)
