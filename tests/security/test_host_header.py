"""Without an admin token every caller is an admin, so that mode answers loopback names only: a web page whose
name was re-resolved to 127.0.0.1 (DNS rebinding) sends its own name in Host and must not reach the API."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.testclient import TestClient

from adapters.embedder import FastEmbedEmbedder
from bootstrap.settings import Settings
from serving.app import create_app

DELETE = 'mutation { deleteProducts(ids: ["p001"]) { __typename } }'
IDS = "{ products(limit: 1000) { id } }"


def has_p001(http: TestClient) -> bool:
    return "p001" in {p["id"] for p in http.post("/graphql", json={"query": IDS}).json()["data"]["products"]}


@pytest.fixture
def serve(settings: Settings, embedder: FastEmbedEmbedder) -> Any:
    @contextmanager
    def start(base_url: str, **changes: Any) -> Iterator[TestClient]:
        # The suite's settings trust the test client's own name; these tests choose the names themselves.
        chosen = settings.model_copy(update={"allowed_hosts": (), **changes})
        with TestClient(create_app(chosen, embedder=embedder), base_url=base_url) as client:
            yield client

    return start


@pytest.mark.parametrize(
    "base_url", ["http://localhost:8084", "http://127.0.0.1:8084", "http://[::1]:8084", "http://shop.localhost"]
)
def test_loopback_names_are_answered_without_an_admin_token(serve: Any, base_url: str) -> None:
    with serve(base_url) as http:
        assert http.get("/healthz").status_code == 200
        assert has_p001(http)


def test_a_rebound_name_gets_nothing_and_changes_nothing(serve: Any) -> None:
    rebound = {"Host": "attacker.example:8084"}  # what a rebound page sends to 127.0.0.1
    with serve("http://localhost:8084") as http:
        response = http.post("/graphql", json={"query": DELETE}, headers=rebound)
        assert response.status_code == 400 and "host" in response.text.lower()
        assert http.get("/", headers=rebound).status_code == 400
        assert http.get("/healthz", headers=rebound).status_code == 400
        assert has_p001(http)  # the admin mutation never ran
        assert http.post("/graphql", json={"query": DELETE}).status_code == 200 and not has_p001(http)


def test_listed_names_are_answered_too(serve: Any) -> None:
    with serve("http://dev.shop.test:8084", allowed_hosts=("dev.shop.test", "*.preview.test")) as http:
        assert http.get("/healthz").status_code == 200
    with serve("http://pr-12.preview.test", allowed_hosts=("dev.shop.test", "*.preview.test")) as http:
        assert http.get("/healthz").status_code == 200
    with serve("http://other.test", allowed_hosts=("dev.shop.test",)) as http:
        assert http.get("/healthz").status_code == 400


def test_with_an_admin_token_any_name_is_answered_unless_names_are_listed(serve: Any) -> None:
    with serve("http://api.shop.example", admin_token="s3cret") as http:
        assert http.get("/healthz").status_code == 200
    with serve("http://api.shop.example", admin_token="s3cret", allowed_hosts=("recs.shop.example",)) as http:
        assert http.get("/healthz").status_code == 400


@pytest.mark.parametrize("bad", ["http://shop.example", "shop.example:8084", "shop.*.example", "", "a b"])
def test_allowed_hosts_must_be_names(bad: str) -> None:
    with pytest.raises(ValidationError, match="allowed_hosts"):
        Settings(allowed_hosts=(bad,))
