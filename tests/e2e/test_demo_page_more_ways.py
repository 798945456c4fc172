"""The demo page's more ways to recommend, in a real Chromium against a live server: recommended for you,
hybrid search, load more, diversity, similar items and related products."""

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.demo_page import (
    DESKTOP,
    QUERY,
    TIMEOUT_MS,
    open_as,
    result_ids,
    search,
    search_count,
    shot,
    wait_for_search_after,
)

pytestmark = pytest.mark.e2e


def _distinct_categories(page: Page) -> int:
    rows = page.get_by_test_id("result-row")
    return len({rows.nth(i).get_attribute("data-category") for i in range(rows.count())})


def _reasons(page: Page) -> set[str]:
    badges = page.get_by_test_id("result-reason")
    return {badges.nth(i).get_attribute("data-reason") or "" for i in range(badges.count())}


def test_demo_page_more_ways_to_recommend(browser: Browser, live_server: str, artifacts: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        open_as(page, live_server, f"e2e-{uuid.uuid4().hex[:10]}")

        # 1. No text and no session: recommended for you is what others engaged with (when the other test ran
        # first), else the best rated; each item says why.
        search(page)
        expect(page.get_by_test_id("strategy")).to_have_text(re.compile("^(popular|top rated)$"))
        assert _reasons(page) and _reasons(page) <= {"POPULAR", "TOP_RATED"}

        # 2. Hybrid search: the mode switch reruns the search; items match the query or its keywords.
        page.get_by_test_id("query").fill(QUERY)
        search(page)
        plain_categories = _distinct_categories(page)
        before = search_count(page)
        page.get_by_test_id("mode").select_option("HYBRID")
        wait_for_search_after(page, before)
        expect(page.get_by_test_id("strategy")).to_have_text("query")
        assert _reasons(page) <= {"MATCHES_QUERY", "MATCHES_KEYWORDS"} and _reasons(page)

        # 3. Load more appends the next page, never repeating an item.
        first_page = result_ids(page)
        before = search_count(page)
        page.get_by_test_id("load-more").click()
        wait_for_search_after(page, before)
        both = result_ids(page)
        assert len(both) == 2 * len(first_page) and len(set(both)) == len(both)
        assert both[: len(first_page)] == first_page
        shot(page, artifacts, "08-hybrid-load-more")

        # 4. The diversity slider spreads the page over more categories; the best match still leads.
        page.get_by_test_id("mode").select_option("SEMANTIC")
        expect(page.get_by_test_id("results")).to_have_attribute("data-state", "ready")
        before = search_count(page)
        page.evaluate(
            "() => { const d = document.getElementById('diversity'); d.value = '1';"
            " d.dispatchEvent(new Event('input')); d.dispatchEvent(new Event('change')); }"
        )
        wait_for_search_after(page, before)
        expect(page.get_by_test_id("diversity-value")).to_have_text("1.0")
        assert _distinct_categories(page) > plain_categories
        shot(page, artifacts, "09-diversity")

        # 5. "similar items" on a catalogue card: its neighbours, never the product itself.
        card = page.locator("[data-testid=product-card][data-product-id=p001]")
        before = search_count(page)
        card.get_by_test_id("similar-link").click()
        wait_for_search_after(page, before)
        expect(page.get_by_test_id("strategy")).to_have_text("similar product")
        expect(page.get_by_test_id("similar-to")).to_contain_text("Alpine down parka")
        assert "p001" not in result_ids(page) and _reasons(page) == {"SIMILAR_TO_PRODUCT"}
        shot(page, artifacts, "10-similar-items")

        # 6. "related" on a result row: its bought-together and also-viewed lists, each item with its reason
        # (co-engaged, or a similar item filling the list up), never the product itself.
        first = page.get_by_test_id("result-row").first
        product_id = first.get_attribute("data-product-id")
        first.get_by_test_id("related-link").click()
        panel = page.get_by_test_id("related-panel")
        expect(panel).to_have_attribute("data-state", "ready")
        for testid, own in [("related-bought", "BOUGHT_TOGETHER"), ("related-viewed", "ALSO_VIEWED")]:
            rows = panel.get_by_test_id(testid).get_by_test_id("related-row")
            expect(rows).to_have_count(5)
            listed = [
                (rows.nth(i).get_attribute("data-product-id"), rows.nth(i).get_attribute("data-reason"))
                for i in range(5)
            ]
            assert product_id not in {pid for pid, _ in listed}
            assert {reason for _, reason in listed} <= {own, "SIMILAR_TO_PRODUCT"}
        shot(page, artifacts, "11-related", full_page=True)
        assert not page_errors, f"JavaScript errors on the page: {page_errors}"
    finally:
        context.close()
