"""The headers that keep browsers from sniffing, framing and running foreign scripts: on every response, and a
Content-Security-Policy on the demo page only (GraphiQL loads its scripts from a CDN and runs inline ones)."""

import pytest
from httpx import Response
from starlette.testclient import TestClient

PAGE = ["/", "/static/main.js", "/static/base.css"]
GRAPHIQL = {"accept": "text/html"}


def policies(response: Response) -> list[str]:
    return response.headers.get_list("content-security-policy")


@pytest.mark.parametrize("path", [*PAGE, "/healthz", "/graphql", "/static/missing.js"])
def test_no_response_may_be_sniffed_or_framed(http: TestClient, path: str) -> None:
    response = http.get(path, headers=GRAPHIQL)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in policies(response)


ANSWERED, REFUSED = ({"query": "{ categories }"}, 200), ({"query": "x" * 600_000}, 413)  # over the body cap


@pytest.mark.parametrize(("body", "status"), [ANSWERED, REFUSED], ids=["answered", "refused"])
def test_an_api_answer_may_not_be_sniffed_or_framed(http: TestClient, body: dict[str, str], status: int) -> None:
    response = http.post("/graphql", json=body)
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PAGE)
def test_the_demo_page_runs_only_its_own_scripts(http: TestClient, path: str) -> None:
    page_policy = [p for p in policies(http.get(path)) if "script-src" in p]
    assert len(page_policy) == 1
    directives = dict(d.strip().split(" ", 1) for d in page_policy[0].split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"


def test_graphiql_keeps_its_cdn_and_inline_scripts(http: TestClient) -> None:
    response = http.get("/graphql", headers=GRAPHIQL)
    assert response.status_code == 200 and "graphiql" in response.text.lower()
    assert policies(response) == ["frame-ancestors 'none'"]


@pytest.mark.parametrize("path", PAGE)
def test_the_demo_page_is_revalidated_on_every_load(http: TestClient, path: str) -> None:
    first = http.get(path)
    assert first.headers["cache-control"] == "no-cache"
    assert first.headers.get("etag") and first.headers.get("last-modified")


def test_an_unchanged_module_is_not_sent_again(http: TestClient) -> None:
    etag = http.get("/static/main.js").headers["etag"]
    again = http.get("/static/main.js", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
