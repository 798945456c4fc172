"""The demo page's scenarios end to end: a scenario with a PIN rule made in the admin panel, the ranking before
and after it, the picker serving pages under it (id and variant in the meta line), and a click on such a page
counted in the scenario's stats."""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

pytestmark = pytest.mark.e2e

QUERY = "warm jacket for winter"
SCREEN: ViewportSize = {"width": 1400, "height": 900}
TIMEOUT_MS = 20_000
PIN_POSITION = 2


def _search_count(page: Page) -> int:
    return int(page.get_by_test_id("results").get_attribute("data-search-count") or "0")


def _search(page: Page) -> None:
    before = _search_count(page)
    page.get_by_test_id("query").press("Enter")
    page.wait_for_function(
        "n => Number(document.getElementById('results').dataset.searchCount) > n"
        " && document.getElementById('results').dataset.state !== 'loading'",
        arg=before,
        timeout=TIMEOUT_MS,
    )


def _ids(scope: Page | Locator, testid: str) -> list[str]:
    rows = scope.get_by_test_id(testid)
    return [rows.nth(i).get_attribute("data-product-id") or "" for i in range(rows.count())]


def _open(page: Page, base_url: str, user_id: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("user-id").fill(user_id)
    page.get_by_test_id("user-id").press("Tab")
    expect(page.get_by_test_id("session-user")).to_contain_text(user_id)


def _shot(page: Page, artifacts: Path, name: str, locator_testid: str | None = None) -> None:
    path = str(artifacts / f"{name}.png")
    if locator_testid is None:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=path)
    else:
        page.get_by_test_id(locator_testid).screenshot(path=path)


def _pin_rule(page: Page, product_id: str, position: str) -> None:
    rule = page.get_by_test_id("rule-row").last
    rule.get_by_test_id("rule-action").select_option("PIN")
    rule.get_by_test_id("rule-productIds").fill(product_id)
    rule.get_by_test_id("rule-position").fill(position)


def test_scenario_made_in_the_panel_serves_pages_and_counts_a_click(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    name = f"e2e-pin-{uuid.uuid4().hex[:8]}"
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        _open(page, live_server, f"e2e-{uuid.uuid4().hex[:10]}")
        expect(page.get_by_test_id("scenario")).to_have_value("")  # "none" by default
        page.get_by_test_id("query").fill(QUERY)
        _search(page)
        expect(page.get_by_test_id("page-id")).not_to_be_empty()
        expect(page.get_by_test_id("page-scenario")).to_be_hidden()
        plain = _ids(page, "result-row")
        pinned = next(i for i in _ids(page, "product-card") if i not in plain)

        # 1. A PIN at position 0: the typed error shows on the rule's own row, on its position input; nothing saved.
        page.get_by_test_id("sc-name").fill(name)
        page.get_by_test_id("sc-add-rule").click()
        _pin_rule(page, pinned, "0")
        page.get_by_test_id("sc-variant-name").fill("short")
        page.get_by_test_id("sc-variant-share").fill("1")
        page.get_by_test_id("sc-variant-k").fill("6")
        page.get_by_test_id("sc-save").click()
        rule = page.get_by_test_id("rule-row").first
        expect(rule.get_by_test_id("rule-error")).to_contain_text("Rule 1 position")
        expect(rule.get_by_test_id("rule-position")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_test_id("sc-compare")).to_be_hidden()
        expect(page.locator(f"#scenario option[value='{name}']")).to_have_count(0)
        _shot(page, artifacts, "19-scenario-rule-error", "scenario-form")

        # 2. Fixed, saved: before and after side by side, the pinned product at its position only in "after".
        _pin_rule(page, pinned, str(PIN_POSITION))
        page.get_by_test_id("sc-save").click()
        expect(page.get_by_test_id("sc-result")).to_contain_text(f"Saved {name}")
        expect(page.get_by_test_id("sc-compare")).to_be_visible()
        after = page.get_by_test_id("sc-after").get_by_test_id("compare-row")
        expect(after.nth(PIN_POSITION - 1)).to_have_attribute("data-product-id", pinned)
        expect(after.nth(PIN_POSITION - 1)).to_have_attribute("data-reason", "PINNED")
        expect(after).to_have_count(6)  # the variant's k: every user is in it (share 1)
        before_ids = _ids(page.get_by_test_id("sc-before"), "compare-row")
        assert pinned not in before_ids
        assert before_ids != _ids(page.get_by_test_id("sc-after"), "compare-row")
        expect(page.get_by_test_id("sc-after-label")).to_contain_text("variant short")
        _shot(page, artifacts, "20-scenario-before-after", "scenarios-panel")

        # 3. Picked beside the search form: the page is served under it, its id and variant in the meta line.
        before = _search_count(page)
        page.get_by_test_id("scenario").select_option(name)
        page.wait_for_function(
            "n => Number(document.getElementById('results').dataset.searchCount) > n", arg=before, timeout=TIMEOUT_MS
        )
        expect(page.get_by_test_id("meta-scenario")).to_have_text(name)
        expect(page.get_by_test_id("page-variant")).to_have_text("short")
        page_id = page.get_by_test_id("page-id")
        full_id = page_id.get_attribute("title") or ""
        assert len(full_id) > len(page_id.inner_text().rstrip("…")) > 0
        assert page_id.inner_text().rstrip("…") == full_id[: len(page_id.inner_text().rstrip("…"))]
        rows = page.get_by_test_id("result-row")
        expect(rows).to_have_count(6)
        expect(rows.nth(PIN_POSITION - 1)).to_have_attribute("data-product-id", pinned)
        _shot(page, artifacts, "21-scenario-picked")

        # 4. A click on that page counts for the variant: the stats view shows one click and the verdict rows.
        before = _search_count(page)
        rows.first.get_by_test_id("click-btn").click()
        expect(page.get_by_test_id("toast")).to_contain_text("counted for its page's variant")
        page.wait_for_function(
            "n => Number(document.getElementById('results').dataset.searchCount) > n", arg=before, timeout=TIMEOUT_MS
        )
        page.get_by_test_id("sc-stats-btn").click()
        short = page.locator("[data-testid=stats-variant-row][data-variant=short]")
        expect(short.locator("[data-col=clicks]")).to_have_text("1")
        expect(short.locator("[data-col=requests]")).not_to_have_text("0")
        control = page.locator("[data-testid=stats-variant-row][data-variant=control]")
        expect(control.locator("[data-col=clicks]")).to_have_text("0")
        verdicts = page.get_by_test_id("stats-comparison-row").locator("[data-col=verdict]")
        expect(verdicts).to_have_count(2)  # CTR and CONVERSION of "short" against control
        for i in range(2):
            assert verdicts.nth(i).inner_text() in {"significant", "not significant"}
        _shot(page, artifacts, "22-scenario-stats", "scenarios-panel")
        assert not page_errors, page_errors
    finally:
        context.close()
