"""Request bodies that are not the JSON object GraphQL over HTTP expects: a 400, never a 500."""

import pytest
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
