"""CORS in the real Chromium: a page on another port calls the API; the allowed origin works, others are blocked."""

import http.server
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser

from adapters.embedder import DIM
from adapters.memory import HashingEmbedder, InMemoryProductIndex, StaticCatalog
from adapters.memory_users import InMemoryUserFeatureStore
from adapters.redis.embedded import free_port
from bootstrap.settings import Settings
from serving.app import create_app
from tests.memory_stack import ITEMS
from tests.polling import wait_until

PAGE = b"<!doctype html><title>shop</title><p>a shop on another origin</p>"


def serve_page(port: int) -> http.server.ThreadingHTTPServer:
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    allowed, other = serve_page(free_port()), serve_page(free_port())
    yield (f"http://127.0.0.1:{allowed.server_port}", f"http://127.0.0.1:{other.server_port}")
    allowed.shutdown()
    other.shutdown()


@pytest.fixture(scope="module")
def api(origins: tuple[str, str]) -> Iterator[str]:
    app = create_app(
        Settings(cors_origins=(origins[0],)),
        embedder=HashingEmbedder(DIM),
        index=InMemoryProductIndex(),
        users=InMemoryUserFeatureStore(),
        catalog=StaticCatalog(ITEMS),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started, timeout=30)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


CALL = """async (api) => {
  try {
    const response = await fetch(api + "/graphql", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer none-needed", "X-Request-ID": "cors-1",
                "apollographql-client-name": "shop", "apollographql-client-version": "1.2",
                "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "shop=1"},
      body: JSON.stringify({query: "{ categories }"}),
    });
    return {status: response.status, body: await response.json(), requestId: response.headers.get("x-request-id")};
  } catch (error) {
    return {blocked: String(error)};
  }
}"""


def test_an_allowed_origin_calls_the_api(browser: Browser, origins: tuple[str, str], api: str) -> None:
    page = browser.new_page()
    try:
        page.goto(origins[0])
        result = page.evaluate(CALL, api)  # a preflight first: JSON body, Authorization, Apollo's and tracing headers
    finally:
        page.close()
    assert result["status"] == 200 and "footwear" in result["body"]["data"]["categories"], result
    assert result["requestId"] == "cors-1"  # exposed to the page


def test_another_origin_is_blocked(browser: Browser, origins: tuple[str, str], api: str) -> None:
    page = browser.new_page()
    try:
        page.goto(origins[1])
        result = page.evaluate(CALL, api)
    finally:
        page.close()
    assert "blocked" in result and "Failed to fetch" in result["blocked"], result
