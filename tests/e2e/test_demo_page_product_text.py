"""Product text is data on the demo page, in a real Chromium against a live server: a category with spaces and
markup (a catalogue may hold any text) shows as written and adds no class, attribute or element to its card."""

import json
import uuid

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.demo_page import DESKTOP, TIMEOUT_MS, open_as

pytestmark = pytest.mark.e2e

# Words that are the page's own class names, a quote and markup: each would change the card were it code.
ODD_CATEGORY = 'Home & Garden card hidden visible" data-x="1"><b>bold</b>'


def with_odd_category(route: Route) -> None:
    """The catalogue as the server sends it, but for its first product's category."""
    if "query Boot(" not in (route.request.post_data or ""):
        route.continue_()
        return
    response = route.fetch()
    body = response.json()
    body["data"]["products"][0]["category"] = ODD_CATEGORY
    route.fulfill(response=response, body=json.dumps(body))


def test_a_category_with_spaces_and_markup_is_text_on_its_card(browser: Browser, live_server: str) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.route("**/graphql", with_odd_category)
        open_as(page, live_server, f"e2e-{uuid.uuid4().hex[:10]}")
        card = page.get_by_test_id("product-card").first
        expect(card).to_be_visible()
        chip = card.locator(".card-top > span").first
        assert chip.get_attribute("class") == "chip"
        assert chip.get_attribute("data-category") == ODD_CATEGORY
        assert chip.text_content() == ODD_CATEGORY
        assert chip.locator("*").count() == 0 and chip.get_attribute("data-x") is None
        assert card.get_attribute("class") == "card"
    finally:
        context.close()
