"""`Accept: application/graphql-response+json`: the spec's media type and status codes; application/json unchanged."""

import pytest
from starlette.testclient import TestClient

from domain.service import RecommenderService
from gql.context import Context
from gql.schema import schema

SPEC = "application/graphql-response+json"
VALID = "{ categories }"


def ask(http: TestClient, body: dict[str, object], accept: str) -> tuple[int, str, dict[str, object]]:
    response = http.post("/graphql", json=body, headers={"Accept": accept})
    return response.status_code, response.headers["content-type"], response.json()


def test_request_errors_are_400_without_data(http: TestClient) -> None:
    for body in (
        {"query": "{ categories"},  # does not parse
        {"query": "{ nope }"},  # does not validate
        {"query": 'query($k: Int) { recommendations(query: "x", k: $k) { usedSession } }', "variables": {"k": "ten"}},
    ):
        status, media, payload = ask(http, body, SPEC)
        assert status == 400 and media.startswith(SPEC) and "data" not in payload, payload
        assert payload["errors"]


def test_success_and_field_errors_are_200(http: TestClient) -> None:
    status, media, payload = ask(http, {"query": VALID}, f"{SPEC}, application/json;q=0.9")
    assert status == 200 and media.startswith(SPEC) and payload["data"]
    status, _, payload = ask(http, {"query": '{ recommendations(query: "", k: 3) { usedSession } }'}, SPEC)
    assert status == 200 and payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # a field error


def test_application_json_keeps_todays_behaviour(http: TestClient) -> None:
    for accept in ("application/json", "*/*", f"application/json, {SPEC};q=0.5"):
        status, media, payload = ask(http, {"query": "{ nope }"}, accept)
        assert status == 200 and media.startswith("application/json") and payload["data"] is None


def test_get_queries_keep_working(http: TestClient) -> None:
    response = http.get("/graphql", params={"query": VALID}, headers={"Accept": SPEC})
    assert response.status_code == 200 and response.json()["data"]["categories"]
    assert http.get("/graphql", params={"query": VALID}).json()["data"]["categories"]


def test_malformed_requests_get_graphql_errors_a_client_can_read(http: TestClient) -> None:
    """A body that is no JSON, a batch, a wrong content type, bad `variables`, a GET mutation: 400 with a JSON
    `errors` list (code BAD_REQUEST) a GraphQL client can show, in the media type it asked for."""
    mutation = 'mutation { resetUser(userId: "a") { userId } }'
    posts: list[tuple[bytes, str]] = [
        (b"{nope", "application/json"),
        (b'[{"query": "{ categories }"}]', "application/json"),
        (b'{"query": "{ categories }"}', "text/plain"),
        (b'{"query": "{ categories }", "variables": "x"}', "application/json"),
    ]
    for accept, media in (("application/json", "application/json"), (SPEC, SPEC)):
        responses = [
            http.post("/graphql", content=body, headers={"content-type": kind, "Accept": accept})
            for body, kind in posts
        ]
        responses.append(http.get("/graphql", params={"query": mutation}, headers={"Accept": accept}))
        for response in responses:
            assert response.status_code == 400, response.text
            assert response.headers["content-type"].startswith(media), response.headers
            error = response.json()["errors"][0]
            assert error["message"] and error["extensions"]["code"] == "BAD_REQUEST", error


TWO = 'mutation Click { recordClick(userId: "ops", productId: "p001") { __typename } } query Read { categories }'
FEATURES = '{ userFeatures(userId: "ops") { clicks } }'


def test_a_document_of_several_operations_must_name_one(http: TestClient) -> None:
    """GraphQL's GetOperation: which operation to run is never a guess; nothing runs. A request error, so
    400 without `data` for the spec's media type and 200 for application/json, as validation errors."""
    for accept, status, entries in ((SPEC, 400, {"errors"}), ("application/json", 200, {"data", "errors"})):
        got, media, payload = ask(http, {"query": TWO}, accept)
        assert got == status and media.startswith(accept) and set(payload) == entries, payload
        assert payload.get("data") is None
        assert payload["errors"] == [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    assert ask(http, {"query": FEATURES}, SPEC)[2]["data"] == {"userFeatures": {"clicks": 0}}
    assert ask(http, {"query": TWO, "operationName": "Read"}, SPEC)[2]["data"]["categories"]


def test_an_operation_name_the_document_lacks_is_refused(http: TestClient) -> None:
    for accept in (SPEC, "application/json"):
        status, media, payload = ask(http, {"query": TWO, "operationName": "Other"}, accept)
        assert status == 400 and media.startswith(accept), payload
        [error] = payload["errors"]
        assert error == {"message": 'Unknown operation named "Other".', "extensions": {"code": "BAD_REQUEST"}}
    assert ask(http, {"query": FEATURES}, SPEC)[2]["data"] == {"userFeatures": {"clicks": 0}}


@pytest.mark.anyio
async def test_a_named_operation_runs_when_the_schema_is_called_directly(service: RecommenderService) -> None:
    """The evaluation harness and tests call the schema without the HTTP view: the name they give counts."""
    context = Context(service=service)
    named = await schema.execute(TWO, operation_name="Read", context_value=context)
    assert named.errors is None and named.data and named.data["categories"]
    unnamed = await schema.execute(TWO, context_value=context)
    assert unnamed.data is None and unnamed.errors and "Must provide operation name" in unnamed.errors[0].message
