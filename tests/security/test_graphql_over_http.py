"""`Accept: application/graphql-response+json`: the spec's media type and status codes; application/json unchanged."""

from starlette.testclient import TestClient

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
