"""The demo page end to end: a real Chromium drives / against a live server, through /graphql only."""

import re
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, Response, ViewportSize, expect

pytestmark = pytest.mark.e2e

QUERY = "warm jacket for winter"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
STATIC = Path(__file__).resolve().parents[2] / "serving" / "static"


def _search_count(page: Page) -> int:
    return int(page.get_by_test_id("results").get_attribute("data-search-count") or "0")


def _wait_for_search_after(page: Page, before: int) -> None:
    """Wait until a search that started after `before` completed (rendered results or errors)."""
    page.wait_for_function(
        "n => Number(document.getElementById('results').dataset.searchCount) > n"
        " && document.getElementById('results').dataset.state !== 'loading'",
        arg=before,
        timeout=TIMEOUT_MS,
    )


def _search(page: Page) -> None:
    before = _search_count(page)
    page.get_by_test_id("query").press("Enter")
    _wait_for_search_after(page, before)


def _result_ids(page: Page) -> list[str]:
    rows = page.get_by_test_id("result-row")
    return [rows.nth(i).get_attribute("data-product-id") or "" for i in range(rows.count())]


def _open(page: Page, base_url: str, user_id: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("user-id").fill(user_id)
    page.get_by_test_id("user-id").press("Tab")  # `change` loads this user's session
    expect(page.get_by_test_id("session-user")).to_contain_text(user_id)
    expect(page.get_by_test_id("session-clicks")).to_have_text("0")


def _shot(page: Page, artifacts: Path, name: str, *, full_page: bool = False) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full_page)


def test_demo_page_search_click_refresh_reset_and_errors(browser: Browser, live_server: str, artifacts: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    user_id = f"e2e-{uuid.uuid4().hex[:10]}"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        # 1. The page loads the facets, the catalogue and the index state from /graphql.
        _open(page, live_server, user_id)
        expect(page.locator("#category option[value='outerwear']")).to_have_count(1)
        expect(page.locator("#brand option")).not_to_have_count(1)
        expect(page.get_by_test_id("product-card")).to_have_count(60)
        expect(page.get_by_test_id("index-docs")).to_have_text("60")
        expect(page.get_by_test_id("index-name")).to_have_text("e2e:idx")
        _shot(page, artifacts, "01-loaded")

        # 2. A filtered search: results show, all in the category, and the meta line shows the filter clause.
        page.get_by_test_id("query").fill(QUERY)
        page.get_by_test_id("category").select_option("outerwear")
        page.get_by_test_id("in-stock").check()
        _search(page)
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
        _shot(page, artifacts, "02-filtered-search")

        # 3. Two footwear clicks from the catalogue: the session panel and the re-run ranking move.
        page.get_by_test_id("category").select_option("")
        _search(page)
        footwear = page.locator("[data-testid=product-card][data-category=footwear]")
        for clicks, index in ((1, 0), (2, 1)):
            before = _search_count(page)
            footwear.nth(index).get_by_test_id("card-click").click()
            expect(page.get_by_test_id("session-clicks")).to_have_text(str(clicks))
            _wait_for_search_after(page, before)
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
        _shot(page, artifacts, "03-after-two-footwear-clicks")

        # 3b. "Not interested" on the top result: recorded as DISMISS in the history (kept in Redis), and the
        # product leaves the re-run results. "Exclude seen" then leaves out the two clicked products too.
        dismissed = _result_ids(page)[0]
        before = _search_count(page)
        page.get_by_test_id("result-row").first.get_by_test_id("dismiss-btn").click()
        expect(page.get_by_test_id("session-events")).to_have_text("3")
        first_event = page.get_by_test_id("recent-event").first
        expect(first_event).to_have_attribute("data-kind", "DISMISS")
        expect(first_event).to_have_attribute("data-product-id", dismissed)
        _wait_for_search_after(page, before)
        assert dismissed not in _result_ids(page)
        clicked = {footwear.nth(i).get_attribute("data-product-id") for i in range(2)}
        shown = len(_result_ids(page))
        before = _search_count(page)
        page.get_by_test_id("exclude-seen").check()
        _wait_for_search_after(page, before)
        ids = _result_ids(page)
        assert len(ids) == shown and not clicked & set(ids) and dismissed not in ids
        _shot(page, artifacts, "03b-not-interested-and-exclude-seen")
        before = _search_count(page)
        page.get_by_test_id("exclude-seen").uncheck()
        _wait_for_search_after(page, before)

        # 4. Re-embed a product that is not in the top results with the query text: it jumps to the top.
        shown = set(_result_ids(page))
        candidates = page.locator("[data-testid=product-card][data-category=kitchen]")
        target = next(
            pid
            for pid in (candidates.nth(i).get_attribute("data-product-id") for i in range(candidates.count()))
            if pid and pid not in shown
        )
        page.get_by_test_id("refresh-product").select_option(target)
        page.get_by_test_id("refresh-text").fill(QUERY)
        before = _search_count(page)
        page.get_by_test_id("refresh-btn").click()
        expect(page.get_by_test_id("refresh-result")).to_contain_text("embedded in")
        expect(page.get_by_test_id("refresh-result")).to_have_attribute("data-product-id", target)
        _wait_for_search_after(page, before)
        top3 = _result_ids(page)[:3]
        assert target in top3, f"{target} should rank in the top 3 after re-embedding, got {top3}"
        _shot(page, artifacts, "04-refreshed-embedding")

        # 5. Reset the session: no clicks, no affinities, no re-rank.
        before = _search_count(page)
        page.get_by_test_id("reset-session").click()
        expect(page.get_by_test_id("session-clicks")).to_have_text("0")
        expect(page.get_by_test_id("affinity-badge")).to_have_count(0)
        expect(page.get_by_test_id("session-vector")).to_have_text("none")
        expect(page.get_by_test_id("recent-event")).to_have_count(0)
        _wait_for_search_after(page, before)
        expect(page.get_by_test_id("used-rerank")).to_have_text("no")
        expect(page.get_by_test_id("results").get_by_test_id("affinity-bonus")).to_have_count(0)
        _shot(page, artifacts, "05-session-reset")

        # 6. An invalid price range: the API's BAD_USER_INPUT is shown next to the price inputs.
        page.get_by_test_id("min-price").fill("500")
        page.get_by_test_id("max-price").fill("10")
        _search(page)
        price_error = page.get_by_test_id("error-price")
        expect(price_error).to_be_visible()
        expect(price_error).to_contain_text("Min price must not exceed max price")
        expect(page.get_by_test_id("min-price")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_test_id("error-query")).to_be_hidden()
        expect(page.get_by_test_id("result-row")).to_have_count(0)
        _shot(page, artifacts, "06-price-error")

        # 7. Reset everything: the index is reseeded, so the re-embedded product loses its place.
        page.get_by_test_id("min-price").fill("")
        page.get_by_test_id("max-price").fill("")
        _search(page)
        assert _result_ids(page)[0] == target
        before = _search_count(page)
        page.get_by_test_id("reset-all").click()
        expect(page.get_by_test_id("index-result")).to_contain_text("seeded with 60 products")
        _wait_for_search_after(page, before)
        expect(page.get_by_test_id("index-docs")).to_have_text("60")
        expect(page.get_by_test_id("session-clicks")).to_have_text("0")
        assert _result_ids(page)[0] != target

        # 8. The same page on a phone-sized screen, one column.
        phone = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
        try:
            mobile = phone.new_page()
            mobile.on("pageerror", lambda exc: page_errors.append(str(exc)))
            _open(mobile, live_server, user_id)
            mobile.get_by_test_id("query").fill(QUERY)
            _search(mobile)
            expect(mobile.get_by_test_id("result-row").first).to_be_visible()
            before = _search_count(mobile)
            mobile.locator("[data-testid=product-card][data-category=outerwear]").first.get_by_test_id(
                "card-click"
            ).click()
            expect(mobile.get_by_test_id("session-clicks")).to_have_text("1")
            _wait_for_search_after(mobile, before)
            expect(mobile.locator("[data-testid=affinity-badge][data-category=outerwear]")).to_be_visible()
            expect(mobile.get_by_test_id("toast")).to_be_hidden()  # fixed toasts smear across full-page shots
            width = mobile.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"page scrolls sideways at 390 px ({width} px wide)"
            _shot(mobile, artifacts, "07-phone-390-full", full_page=True)
        finally:
            phone.close()

        assert not page_errors, f"JavaScript errors on the page: {page_errors}"
    finally:
        context.close()


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
        _open(page, live_server, f"e2e-{uuid.uuid4().hex[:10]}")

        # 1. No text and no session: recommended for you is what others engaged with (when the other test ran
        # first), else the best rated; each item says why.
        _search(page)
        expect(page.get_by_test_id("strategy")).to_have_text(re.compile("^(popular|top rated)$"))
        assert _reasons(page) and _reasons(page) <= {"POPULAR", "TOP_RATED"}

        # 2. Hybrid search: the mode switch reruns the search; items match the query or its keywords.
        page.get_by_test_id("query").fill(QUERY)
        _search(page)
        plain_categories = _distinct_categories(page)
        before = _search_count(page)
        page.get_by_test_id("mode").select_option("HYBRID")
        _wait_for_search_after(page, before)
        expect(page.get_by_test_id("strategy")).to_have_text("query")
        assert _reasons(page) <= {"MATCHES_QUERY", "MATCHES_KEYWORDS"} and _reasons(page)

        # 3. Load more appends the next page, never repeating an item.
        first_page = _result_ids(page)
        before = _search_count(page)
        page.get_by_test_id("load-more").click()
        _wait_for_search_after(page, before)
        both = _result_ids(page)
        assert len(both) == 2 * len(first_page) and len(set(both)) == len(both)
        assert both[: len(first_page)] == first_page
        _shot(page, artifacts, "08-hybrid-load-more")

        # 4. The diversity slider spreads the page over more categories; the best match still leads.
        page.get_by_test_id("mode").select_option("SEMANTIC")
        page.wait_for_function("document.getElementById('results').dataset.state === 'ready'")
        before = _search_count(page)
        page.evaluate(
            "() => { const d = document.getElementById('diversity'); d.value = '1';"
            " d.dispatchEvent(new Event('input')); d.dispatchEvent(new Event('change')); }"
        )
        _wait_for_search_after(page, before)
        expect(page.get_by_test_id("diversity-value")).to_have_text("1.0")
        assert _distinct_categories(page) > plain_categories
        _shot(page, artifacts, "09-diversity")

        # 5. "similar items" on a catalogue card: its neighbours, never the product itself.
        card = page.locator("[data-testid=product-card][data-product-id=p001]")
        before = _search_count(page)
        card.get_by_test_id("similar-link").click()
        _wait_for_search_after(page, before)
        expect(page.get_by_test_id("strategy")).to_have_text("similar product")
        expect(page.get_by_test_id("similar-to")).to_contain_text("Alpine down parka")
        assert "p001" not in _result_ids(page) and _reasons(page) == {"SIMILAR_TO_PRODUCT"}
        _shot(page, artifacts, "10-similar-items")

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
        _shot(page, artifacts, "11-related", full_page=True)
        assert not page_errors, f"JavaScript errors on the page: {page_errors}"
    finally:
        context.close()


def test_demo_page_modules_are_served_as_javascript(browser: Browser, live_server: str) -> None:
    """The page is ES modules with no build step: the browser runs a module only when it comes as JavaScript."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    scripts: dict[str, str] = {}

    def record(response: Response) -> None:
        if response.request.resource_type == "script":
            scripts[urlparse(response.url).path] = response.headers.get("content-type", "")

    page.on("response", record)
    try:
        page.goto(f"{live_server}/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=TIMEOUT_MS)
        assert {Path(path).name for path in scripts} == {path.name for path in STATIC.glob("*.js")}
        wrong = {path: kind for path, kind in scripts.items() if kind.split(";")[0].strip() != "text/javascript"}
        assert not wrong, f"modules not served as text/javascript: {wrong}"
    finally:
        context.close()


def _box(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def _overlap(a: FloatRect, b: FloatRect) -> bool:
    apart_x = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
    apart_y = a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    return not (apart_x or apart_y)


@pytest.mark.parametrize("width", [1400, 1920, 1050, 900, 390])
def test_demo_page_result_rows_fit(browser: Browser, live_server: str, width: int) -> None:
    """Each result row's distance and score stay clear of its Click, "Not interested" and "similar items", and
    the product keeps at least a third of the row (a narrow panel stacks the numbers under it instead)."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        _open(page, live_server, f"e2e-{uuid.uuid4().hex[:10]}")
        page.get_by_test_id("query").fill(QUERY)
        _search(page)
        rows = page.get_by_test_id("result-row")
        expect(rows.first).to_be_visible()
        for i in range(rows.count()):
            row = rows.nth(i)
            numbers = [_box(row.get_by_test_id(testid)) for testid in ("result-distance", "result-score")]
            controls = [_box(row.get_by_test_id(testid)) for testid in ("click-btn", "dismiss-btn", "similar-link")]
            hidden = [(n, c) for n in numbers for c in controls if _overlap(n, c)]
            assert not hidden, f"row {i + 1} at {width} px: a number under a button: {hidden}"
            product, whole = _box(row.locator(".product")), _box(row)
            assert product["width"] >= whole["width"] / 3, f"row {i + 1} at {width} px: product squeezed: {product}"
    finally:
        context.close()
