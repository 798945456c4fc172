"""A tiny GraphQL-over-HTTP client for tests: real documents, real HTTP, no GraphQL client library."""

from typing import Any

from starlette.testclient import TestClient


class GraphQLClient:
    """Sends real GraphQL documents over HTTP, as a frontend would."""

    def __init__(self, http: TestClient) -> None:
        self.http = http

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.post(query, variables)
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.post(query, variables)
        assert body.get("errors"), body
        return body["errors"][0]  # type: ignore[no-any-return]
