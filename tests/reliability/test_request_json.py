"""Request bodies that are not the JSON object GraphQL over HTTP expects: a 400, never a 500."""

import json

import pytest
from httpx import Response
from starlette.testclient import TestClient

SEARCH = '{ recommendations(query: "tent", k: 1) { items { score } } }'


@pytest.mark.parametrize(
    "body",
    [
        b'"hello"',  # JSON, but not an object
        b"42",
        b"null",
        b'{"query": "{ categories }\xff"}',  # not UTF-8
        b'{"query": "{ categories }", "variables": ' + b"[" * 5000 + b"]" * 5000 + b"}",  # nested too deep
        b'{"query": "{ categories }", "variables": {"k": 1' + b"0" * 5000 + b"}}",  # an integer of 5001 digits
    ],
)
def test_bodies_json_cannot_read_are_400_not_500(http: TestClient, body: bytes) -> None:
    response = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert http.post("/graphql", json={"query": SEARCH}).status_code == 200  # still serving


def test_get_variables_may_still_be_null(http: TestClient) -> None:
    response = http.get("/graphql", params={"query": "{ categories }", "variables": "null"})
    assert response.status_code == 200 and response.json()["data"]["categories"]


SCENARIO = "mutation($s: ScenarioInput!) { upsertScenario(scenario: $s) { __typename } }"
SEARCH_Q = "query($q: String) { recommendations(query: $q, k: 1) { filterClause } }"
FILTERED = 'query($f: ProductFilter) { recommendations(query: "x", k: 1, filters: $f) { filterClause } }'


def post_raw(http: TestClient, query: str, variables: str) -> Response:
    """`variables` is JSON text as sent, with escapes that json.dumps would not write."""
    body = '{"query": ' + json.dumps(query) + ', "variables": ' + variables + "}"
    return http.post("/graphql", content=body.encode(), headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (SEARCH_Q, '{"q": "warm \\ud83e jacket"}'),
        (FILTERED, '{"f": {"category": "\\udc00"}}'),
        (SCENARIO, '{"s": {"name": "broken", "description": "\\ud800"}}'),
        (SCENARIO, '{"s": {"name": "broken", "rules": [{"action": "HIDE", "match": {"brand": "\\ud800"}}]}}'),
    ],
)
def test_unpaired_surrogates_are_400_and_nothing_is_saved(http: TestClient, query: str, variables: str) -> None:
    # JSON can escape half of a UTF-16 pair; Python reads it, but it is no Unicode text: the model and
    # Redis refused it mid-request (INTERNAL_SERVER_ERROR), and a saved scenario then broke `scenarios`
    # (a 500) or every request naming it.
    response = post_raw(http, query, variables)
    assert response.status_code == 400 and "surrogate" in response.text, response.text
    saved = http.post("/graphql", json={"query": "{ scenarios { name description } }"}).json()
    assert saved == {"data": {"scenarios": []}}
    assert post_raw(http, SEARCH_Q, '{"q": "\\ud83e\\udde5 jacket"}').json()["data"]  # a whole pair is text


def test_surrogates_as_raw_bytes_or_in_get_variables_are_400(http: TestClient) -> None:
    raw = b'{"query": "{ categories }", "variables": {"q": "' + "\ud800".encode(errors="surrogatepass") + b'"}}'
    assert http.post("/graphql", content=raw, headers={"content-type": "application/json"}).status_code == 400
    get = http.get("/graphql", params={"query": SEARCH_Q, "variables": '{"q": "\\ud83e"}'})
    assert get.status_code == 400 and "surrogate" in get.text
