"""How the demo page is served and laid out, in a real Chromium against a live server: its ES modules come
as JavaScript, and result rows fit from a wide screen down to a phone."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Response, expect

from tests.e2e.demo_page import DESKTOP, QUERY, TIMEOUT_MS, new_shopper, search

pytestmark = pytest.mark.e2e
STATIC = Path(__file__).resolve().parents[2] / "serving" / "static"


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


def _inside(inner: FloatRect, outer: FloatRect) -> bool:
    return outer["x"] - 0.5 <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5


@pytest.mark.parametrize("width", [1400, 1920, 1050, 900, 414, 390, 375, 320])
def test_demo_page_result_rows_fit(browser: Browser, live_server: str, width: int) -> None:
    """Each result row's distance and score stay clear of its Click, "Not interested" and "similar items", every
    one of them stays within the row (on a phone too: not cut off at the panel's edge), and the product keeps at
    least a third of the row (a narrow panel stacks the numbers under it instead)."""
    with new_shopper(browser, live_server, {"width": width, "height": 900}) as page:
        page.get_by_test_id("query").fill(QUERY)
        search(page)
        rows = page.get_by_test_id("result-row")
        expect(rows.first).to_be_visible()
        for i in range(rows.count()):
            row = rows.nth(i)
            numbers = [_box(row.get_by_test_id(testid)) for testid in ("result-distance", "result-score")]
            controls = [_box(row.get_by_test_id(testid)) for testid in ("click-btn", "dismiss-btn", "similar-link")]
            extra = [_box(row.get_by_test_id(testid)) for testid in ("buy-btn", "related-link")]
            whole = _box(row)
            outside = [box for box in [*numbers, *controls, *extra] if not _inside(box, whole)]
            assert not outside, f"row {i + 1} at {width} px: past the row's edges {whole}: {outside}"
            hidden = [(n, c) for n in numbers for c in controls if _overlap(n, c)]
            assert not hidden, f"row {i + 1} at {width} px: a number under a button: {hidden}"
            product = _box(row.locator(".product"))
            assert product["width"] >= whole["width"] / 3, f"row {i + 1} at {width} px: product squeezed: {product}"
