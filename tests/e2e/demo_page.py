"""Driving the demo page in the e2e tests: open it as a user, search and wait for the results, read them,
take a screenshot."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect

QUERY = "warm jacket for winter"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000


def search_count(page: Page) -> int:
    return int(page.get_by_test_id("results").get_attribute("data-search-count") or "0")


def wait_for_search_after(page: Page, before: int) -> None:
    """Wait until a search that started after `before` completed (rendered results or errors)."""
    page.wait_for_function(
        "n => Number(document.getElementById('results').dataset.searchCount) > n"
        " && document.getElementById('results').dataset.state !== 'loading'",
        arg=before,
        timeout=TIMEOUT_MS,
    )


def search(page: Page) -> None:
    before = search_count(page)
    page.get_by_test_id("query").press("Enter")
    wait_for_search_after(page, before)


def result_ids(page: Page) -> list[str]:
    rows = page.get_by_test_id("result-row")
    return [rows.nth(i).get_attribute("data-product-id") or "" for i in range(rows.count())]


def open_as(page: Page, base_url: str, user_id: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("user-id").fill(user_id)
    page.get_by_test_id("user-id").press("Tab")  # `change` loads this user's session
    expect(page.get_by_test_id("session-user")).to_contain_text(user_id)
    expect(page.get_by_test_id("session-clicks")).to_have_text("0")


@contextmanager
def new_shopper(browser: Browser, base_url: str, viewport: ViewportSize = DESKTOP) -> Iterator[Page]:
    """The demo page in a browser context of its own, opened as a user nobody else is; closed afterwards."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_as(page, base_url, f"e2e-{uuid.uuid4().hex[:10]}")
        yield page
    finally:
        context.close()


def shot(page: Page, artifacts: Path, name: str, *, full_page: bool = False) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full_page)
