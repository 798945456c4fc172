from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from adapters.embedded_redis import EmbeddedRedis
from adapters.embedder import FastEmbedEmbedder
from gql.app import create_app
from gql.bootstrap import Settings
from tests.conftest import CATALOG


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


@pytest.fixture
def settings(redis_server: EmbeddedRedis, namespace: str) -> Settings:
    return Settings(
        redis_url=redis_server.url,
        index_name=f"{namespace}idx",
        key_prefix=f"{namespace}product:",
        user_prefix=f"{namespace}user:",
        catalog=CATALOG,
    )


@pytest.fixture
def http(settings: Settings, embedder: FastEmbedEmbedder) -> Iterator[TestClient]:
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


@pytest.fixture
def gql(http: TestClient) -> GraphQLClient:
    return GraphQLClient(http)
