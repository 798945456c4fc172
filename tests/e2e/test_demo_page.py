"""The demo page end to end: a real Chromium drives / against a live server, through /graphql only. A user's
journey: search, click, dismiss, re-embed, reset, a bad price range, a phone-sized screen."""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.demo_page import (
    DESKTOP,
    PHONE,
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


def test_demo_page_search_click_refresh_reset_and_errors(browser: Browser, live_server: str, artifacts: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    user_id = f"e2e-{uuid.uuid4().hex[:10]}"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        # 1. The page loads the facets, the catalogue and the index state from /graphql.
        open_as(page, live_server, user_id)
        expect(page.locator("#category option[value='outerwear']")).to_have_count(1)
        expect(page.locator("#brand option")).not_to_have_count(1)
        expect(page.get_by_test_id("product-card")).to_have_count(60)
        expect(page.get_by_test_id("index-docs")).to_have_text("60")
        expect(page.get_by_test_id("index-name")).to_have_text("e2e:idx")
        shot(page, artifacts, "01-loaded")

        # 2. A filtered search: results show, all in the category, and the meta line shows the filter clause.
        page.get_by_test_id("query").fill(QUERY)
        page.get_by_test_id("category").select_option("outerwear")
        page.get_by_test_id("in-stock").check()
        search(page)
        rows = page.get_by_test_id("result-row")
        expect(rows.first).to_be_visible()
        assert rows.count() > 0
        assert {rows.nth(i).get_attribute("data-category") for i in range(rows.count())} == {"outerwear"}
        expect(page.get_by_test_id("results").get_by_test_id("out-of-stock")).to_have_count(0)
        clause = page.get_by_test_id("filter-clause")
        expect(clause).to_contain_text("outerwear")
        expect(clause).to_contain_text("in_stock")
        expect(page.get_by_test_id("used-session")).to_have_text("no")
        expect(page.get_by_test_id("used-rerank")).to_have_text("no")
        expect(page.get_by_test_id("timings")).to_contain_text("total")
        shot(page, artifacts, "02-filtered-search")

        # 3. Two footwear clicks from the catalogue: the session panel and the re-run ranking move.
        page.get_by_test_id("category").select_option("")
        search(page)
        footwear = page.locator("[data-testid=product-card][data-category=footwear]")
        for clicks, index in ((1, 0), (2, 1)):
            before = search_count(page)
            footwear.nth(index).get_by_test_id("card-click").click()
            expect(page.get_by_test_id("session-clicks")).to_have_text(str(clicks))
            wait_for_search_after(page, before)
        badge = page.locator("[data-testid=affinity-badge][data-category=footwear]")
        expect(badge).to_be_visible()
        expect(badge).to_contain_text("2")
        expect(page.get_by_test_id("toast")).to_contain_text("footwear affinity 2")
        expect(page.get_by_test_id("session-vector")).to_contain_text("384")
        expect(page.get_by_test_id("recent-event")).to_have_count(2)
        newest = footwear.nth(1).get_attribute("data-product-id")
        expect(page.get_by_test_id("recent-event").first).to_have_attribute("data-product-id", newest or "")
        expect(page.get_by_test_id("recent-event").first).to_have_attribute("data-kind", "CLICK")
        expect(page.get_by_test_id("results").get_by_test_id("affinity-bonus").first).to_be_visible()
        expect(page.get_by_test_id("used-rerank")).to_have_text("yes")
        expect(page.get_by_test_id("used-session")).to_have_text("yes")
        shot(page, artifacts, "03-after-two-footwear-clicks")

        # 3b. "Not interested" on the top result: recorded as DISMISS in the history (kept in Redis), and the
        # product leaves the re-run results. "Exclude seen" then leaves out the two clicked products too.
        dismissed = result_ids(page)[0]
        before = search_count(page)
        page.get_by_test_id("result-row").first.get_by_test_id("dismiss-btn").click()
        expect(page.get_by_test_id("session-events")).to_have_text("3")
        first_event = page.get_by_test_id("recent-event").first
        expect(first_event).to_have_attribute("data-kind", "DISMISS")
        expect(first_event).to_have_attribute("data-product-id", dismissed)
        wait_for_search_after(page, before)
        assert dismissed not in result_ids(page)
        clicked = {footwear.nth(i).get_attribute("data-product-id") for i in range(2)}
        shown = len(result_ids(page))
        before = search_count(page)
        page.get_by_test_id("exclude-seen").check()
        wait_for_search_after(page, before)
        ids = result_ids(page)
        assert len(ids) == shown and not clicked & set(ids) and dismissed not in ids
        shot(page, artifacts, "03b-not-interested-and-exclude-seen")
        before = search_count(page)
        page.get_by_test_id("exclude-seen").uncheck()
        wait_for_search_after(page, before)

        # 4. Re-embed a product that is not in the top results with the query text: it jumps to the top.
        shown = set(result_ids(page))
        candidates = page.locator("[data-testid=product-card][data-category=kitchen]")
        target = next(
            pid
            for pid in (candidates.nth(i).get_attribute("data-product-id") for i in range(candidates.count()))
            if pid and pid not in shown
        )
        page.get_by_test_id("refresh-product").select_option(target)
        page.get_by_test_id("refresh-text").fill(QUERY)
        before = search_count(page)
        page.get_by_test_id("refresh-btn").click()
        expect(page.get_by_test_id("refresh-result")).to_contain_text("embedded in")
        expect(page.get_by_test_id("refresh-result")).to_have_attribute("data-product-id", target)
        wait_for_search_after(page, before)
        top3 = result_ids(page)[:3]
        assert target in top3, f"{target} should rank in the top 3 after re-embedding, got {top3}"
        shot(page, artifacts, "04-refreshed-embedding")

        # 5. Reset the session: no clicks, no affinities, no re-rank.
        before = search_count(page)
        page.get_by_test_id("reset-session").click()
        expect(page.get_by_test_id("session-clicks")).to_have_text("0")
        expect(page.get_by_test_id("affinity-badge")).to_have_count(0)
        expect(page.get_by_test_id("session-vector")).to_have_text("none")
        expect(page.get_by_test_id("recent-event")).to_have_count(0)
        wait_for_search_after(page, before)
        expect(page.get_by_test_id("used-rerank")).to_have_text("no")
        expect(page.get_by_test_id("results").get_by_test_id("affinity-bonus")).to_have_count(0)
        shot(page, artifacts, "05-session-reset")

        # 6. An invalid price range: the API's BAD_USER_INPUT is shown next to the price inputs.
        page.get_by_test_id("min-price").fill("500")
        page.get_by_test_id("max-price").fill("10")
        search(page)
        price_error = page.get_by_test_id("error-price")
        expect(price_error).to_be_visible()
        expect(price_error).to_contain_text("Min price must not exceed max price")
        expect(page.get_by_test_id("min-price")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_test_id("error-query")).to_be_hidden()
        expect(page.get_by_test_id("result-row")).to_have_count(0)
        shot(page, artifacts, "06-price-error")

        # 7. Reset everything: the index is reseeded, so the re-embedded product loses its place.
        page.get_by_test_id("min-price").fill("")
        page.get_by_test_id("max-price").fill("")
        search(page)
        assert result_ids(page)[0] == target
        before = search_count(page)
        page.get_by_test_id("reset-all").click()
        expect(page.get_by_test_id("index-result")).to_contain_text("seeded with 60 products")
        wait_for_search_after(page, before)
        expect(page.get_by_test_id("index-docs")).to_have_text("60")
        expect(page.get_by_test_id("session-clicks")).to_have_text("0")
        assert result_ids(page)[0] != target

        # 8. The same page on a phone-sized screen, one column.
        phone = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
        try:
            mobile = phone.new_page()
            mobile.on("pageerror", lambda exc: page_errors.append(str(exc)))
            open_as(mobile, live_server, user_id)
            mobile.get_by_test_id("query").fill(QUERY)
            search(mobile)
            expect(mobile.get_by_test_id("result-row").first).to_be_visible()
            before = search_count(mobile)
            mobile.locator("[data-testid=product-card][data-category=outerwear]").first.get_by_test_id(
                "card-click"
            ).click()
            expect(mobile.get_by_test_id("session-clicks")).to_have_text("1")
            wait_for_search_after(mobile, before)
            expect(mobile.locator("[data-testid=affinity-badge][data-category=outerwear]")).to_be_visible()
            expect(mobile.get_by_test_id("toast")).to_be_hidden()  # fixed toasts smear across full-page shots
            width = mobile.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"page scrolls sideways at 390 px ({width} px wide)"
            shot(mobile, artifacts, "07-phone-390-full", full_page=True)
        finally:
            phone.close()

        assert not page_errors, f"JavaScript errors on the page: {page_errors}"
    finally:
        context.close()
