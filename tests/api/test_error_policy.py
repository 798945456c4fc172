"""Whose fault an error is: a value the client sent is BAD_USER_INPUT; a value the server cannot put in the response
is an internal error, masked and logged with its ids. On the whole stack over the in-memory adapters."""

import logging
import math
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from tests.memory_stack import ITEMS, memory_app


@pytest.fixture(params=[True, False], ids=["fast-execution", "graphql-core-execution"])
def http(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The catalog's first product has a price no GraphQL Float can carry (the stores never refuse one)."""
    (first, vector), *rest = ITEMS
    with memory_app([(replace(first, price=math.inf), vector), *rest], fast_execution=request.param) as client:
        yield client


def errors(http: TestClient, body: dict[str, object]) -> list[dict[str, object]]:
    response = http.post("/graphql", json=body, headers={"x-request-id": "req-77"})
    assert response.status_code == 200, response.text
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_a_value_the_response_cannot_carry_is_an_internal_error(
    http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="recommender.errors"):
        [error] = errors(http, {"query": "{ products(limit: 2) { id price } }"})
    extensions = error["extensions"]
    assert isinstance(extensions, dict) and extensions["code"] == "INTERNAL_SERVER_ERROR", error
    assert extensions["requestId"] == "req-77" and "inf" not in str(error["message"])
    assert error["path"] == ["products", 0, "price"]
    [logged] = [r for r in caplog.records if extensions["errorId"] in r.getMessage()]
    assert "req-77" in logged.getMessage() and "Float cannot represent" in str(logged.exc_info)


@pytest.mark.parametrize(
    ("body", "code", "argument"),
    [
        ({"query": "query($n: Int) { products(limit: $n) { id } }", "variables": {"n": "ten"}}, "BAD_USER_INPUT", "n"),
        # Coerced only as the field starts (the variable's default lets it stand for a non-null argument).
        (
            {"query": 'query($u: ID = "x") { userFeatures(userId: $u) { clicks } }', "variables": {"u": None}},
            "BAD_USER_INPUT",
            "userId",
        ),
        ({"query": "{ userFeatures { clicks } }"}, "GRAPHQL_VALIDATION_FAILED", None),  # "Argument ... is required"
        ({"query": "query($n: Int!) { products(limit: $n) { id } }"}, "BAD_USER_INPUT", "n"),  # not provided
        # Validation's own words about variables: the document is wrong, whatever values come with it.
        ({"query": "query($x: Int) { categories }"}, "GRAPHQL_VALIDATION_FAILED", None),  # never used
        ({"query": "{ products(limit: $n) { id } }"}, "GRAPHQL_VALIDATION_FAILED", None),  # not defined
        ({"query": "query($n: String) { products(limit: $n) { id } }"}, "GRAPHQL_VALIDATION_FAILED", None),
    ],
    ids=["variable", "argument", "missing-argument", "missing-variable", "unused", "undefined", "mistyped"],
)
def test_what_the_client_sent_stays_its_error(
    http: TestClient, body: dict[str, object], code: str, argument: str | None
) -> None:
    [error] = errors(http, body)
    extensions = error["extensions"]
    assert isinstance(extensions, dict) and extensions["code"] == code, error
    assert extensions.get("argument") == argument
