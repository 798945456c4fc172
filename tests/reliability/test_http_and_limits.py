"""Malformed HTTP, masking of unexpected errors, query-cost limits, admin operations."""

import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence

import pytest
from starlette.testclient import TestClient

from adapters.embedder import FastEmbedEmbedder
from bootstrap.settings import Settings
from domain.models import Vector
from serving.app import create_app
from tests.conftest import ROOT
from tests.graphql_client import GraphQLClient

SEARCH = '{ recommendations(query: "tent", k: 1) { items { score } } }'


def test_non_json_and_wrong_content_type_are_4xx(http: TestClient) -> None:
    assert http.post("/graphql", content=b"{nope", headers={"content-type": "application/json"}).status_code == 400
    plain = http.post("/graphql", content=SEARCH.encode(), headers={"content-type": "text/plain"})
    assert 400 <= plain.status_code < 500
    assert http.post("/graphql", json=[{"query": SEARCH}, {"query": SEARCH}]).status_code == 400  # no batching
    assert http.post("/graphql", json={"variables": {}}).status_code == 400  # no query
    assert http.put("/graphql", json={"query": SEARCH}).status_code == 405


def test_get_mutation_is_refused(http: TestClient) -> None:
    response = http.get("/graphql", params={"query": 'mutation { resetUser(userId: "a") { userId } }'})
    assert response.status_code in {400, 405}


def test_oversized_bodies_are_refused_before_reading(http: TestClient) -> None:
    huge = b'{"query": "' + b" " * (513 * 1024) + b'"}'  # just over the default 512 KiB
    declared = http.post("/graphql", content=huge, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    def chunks() -> Sequence[bytes]:
        return [huge[i : i + 4096] for i in range(0, len(huge), 4096)]

    chunked = http.post("/graphql", content=iter(chunks()), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert http.post("/graphql", json={"query": SEARCH}).status_code == 200  # still serving


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_bad_input(http: TestClient, literal: str) -> None:
    # Python's JSON parser accepts these non-standard literals, so they do reach the server.
    query = 'query($f: ProductFilter) { recommendations(query: "x", filters: $f) { filterClause } }'
    body = json.dumps({"query": query, "variables": {"f": {"minPrice": "VALUE"}}}).replace('"VALUE"', literal)
    response = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert 200 <= response.status_code < 500
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "minPrice" in error["message"]


class ExplodingEmbedder:
    """Loads like the real model, then fails on every query: an unexpected error in production code."""

    def __init__(self, real: FastEmbedEmbedder) -> None:
        self.model_name, self.dim = real.model_name, real.dim

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        raise RuntimeError("secret internal detail")


def test_unexpected_errors_are_masked_with_ids(settings: Settings, embedder: FastEmbedEmbedder) -> None:
    with TestClient(create_app(settings, embedder=ExplodingEmbedder(embedder))) as http:  # type: ignore[arg-type]
        response = http.post("/graphql", json={"query": SEARCH}, headers={"x-request-id": "req-42"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-42"
    error = response.json()["errors"][0]
    assert "secret" not in response.text
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == "req-42" and len(error["extensions"]["errorId"]) == 12
    assert "req-42" in error["message"]


def test_unsafe_request_ids_are_replaced(http: TestClient) -> None:
    response = http.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces" and len(response.headers["x-request-id"]) == 16


@pytest.mark.parametrize(
    ("document", "code_or_text"),
    [
        (
            "{ " + " ".join(f'r{i}: recommendations(query: "q{i}") {{ filterClause }}' for i in range(5)) + " }",
            "QUERY_TOO_COSTLY",
        ),
        (
            'fragment F on Query { recommendations(query: "q") { filterClause } } '
            "{ a: categories ...F b: brands ...F c: indexInfo { dim } ...F ...F ...F }",
            "QUERY_TOO_COSTLY",
        ),
        ("{ " + " ".join(f"c{i}: categories" for i in range(20)) + " }", "aliases"),
        ('{ recommendations(query: "q") { items { product { id ' + "name " * 2500 + "} } } }", "token"),
    ],
    ids=["five-aliased-searches", "fragment-spread-five-times", "too-many-aliases", "too-many-tokens"],
)
def test_query_cost_limits(gql: GraphQLClient, document: str, code_or_text: str) -> None:
    error = gql.error(document)
    assert code_or_text in (error.get("extensions", {}).get("code", "") + error["message"])


def test_depth_limit() -> None:
    import strawberry

    from gql.limits import limit_extensions
    from gql.schema import Mutation, Query

    schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=limit_extensions(max_depth=2))
    result = asyncio.run(schema.execute('{ recommendations(query: "q") { items { product { id } } } }'))
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


def test_four_searches_are_allowed(gql: GraphQLClient) -> None:
    document = (
        "{ " + " ".join(f'r{i}: recommendations(query: "q{i}", k: 1) {{ filterClause }}' for i in range(4)) + " }"
    )
    assert len(gql.data(document)) == 4


def test_introspection_and_graphiql_can_be_turned_off(settings: Settings, embedder: FastEmbedEmbedder) -> None:
    closed = settings.model_copy(update={"introspection": False, "graphiql": False})
    with TestClient(create_app(closed, embedder=embedder)) as http:
        client = GraphQLClient(http)
        assert "introspection" in client.error("{ __schema { types { name } } }")["message"].lower()
        assert client.data("{ categories }")["categories"]
        assert http.get("/graphql", headers={"accept": "text/html"}).status_code != 200


ADMIN_OPS = [
    (
        "mutation { resetIndex { __typename ... on NotAuthorized { message } ... on IndexReset { seeded } } }",
        "resetIndex",
    ),
    (
        'mutation { refreshEmbedding(productId: "p001", text: "new text") { __typename '
        "... on NotAuthorized { message } ... on EmbeddingRefreshed { productId } } }",
        "refreshEmbedding",
    ),
]


@pytest.mark.parametrize(("document", "field"), ADMIN_OPS, ids=[f for _, f in ADMIN_OPS])
def test_admin_operations_need_the_token(
    settings: Settings, embedder: FastEmbedEmbedder, document: str, field: str
) -> None:
    guarded = settings.model_copy(update={"admin_token": "s3cret-token"})
    with TestClient(create_app(guarded, embedder=embedder)) as http:
        client = GraphQLClient(http)
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Basic s3cret-token"}):
            http.headers.clear()
            http.headers.update(headers)
            result = client.data(document)[field]
            assert result["__typename"] == "NotAuthorized" and "admin" in result["message"]
        http.headers.update({"authorization": "Bearer s3cret-token"})
        assert client.data(document)[field]["__typename"] in {"IndexReset", "EmbeddingRefreshed"}
        # Everyone may still read and click.
        assert client.data('mutation { recordClick(userId: "u", productId: "p002") { __typename } }')


def test_serve_refuses_a_public_address_without_a_token() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2 and "RECOMMENDER_ADMIN_TOKEN" in done.stderr


def test_limits_keep_validation_cacheable() -> None:
    """The limit rules are built once per schema: a repeated document is parsed and validated once."""
    from types import SimpleNamespace

    from gql.schema import Context, build_schema

    async def categories() -> list[str]:
        return ["footwear"]

    schema = build_schema()
    context = Context(service=SimpleNamespace(categories=categories))  # type: ignore[arg-type]
    for _ in range(4):
        result = asyncio.run(schema.execute("{ categories }", context_value=context))
        assert result.data == {"categories": ["footwear"]}
    parsed, validated = schema.documents.parse.cache_info(), schema.documents.validated.cache_info()
    assert (parsed.hits, validated.hits) == (3, 3)
    assert (parsed.misses, validated.misses) == (1, 1)


def test_metrics_report_embedding_and_redis_lane_counters(http: TestClient) -> None:
    before = http.get("/metrics.json").json()["redis_lane"]["commands"]
    for _ in range(2):  # `exclude: null`: no history to read
        query = '{ recommendations(query: "same text", k: 1, exclude: null) { filterClause } }'
        http.post("/graphql", json={"query": query})
    body = http.get("/metrics.json").json()
    assert body["pid"] > 0
    assert body["embed_cache_lru"]["hits"] >= 1
    lane = body["redis_lane"]
    assert lane["commands"] == before + 4  # HGETALL and FT.SEARCH per recommendation
    assert lane["connections_opened"] == 1 and lane["timeouts"] == 0
    impersonal = """{ recommendations(query: "x", blend: {enabled: false}, rerank: {enabled: false}, exclude: null) {
      usedRerank } }"""
    http.post("/graphql", json={"query": impersonal})
    assert (
        http.get("/metrics.json").json()["redis_lane"]["commands"] == before + 5
    )  # the search alone: no features read
    # By default dismissed products are excluded: the history is read too, in the same command as the features
    # (one script reads both), so the request costs no command and no round trip more.
    assert http.get("/metrics.json").json()["redis_lane"]["most_in_flight"] == 1
    http.post("/graphql", json={"query": '{ recommendations(query: "same text", k: 1) { filterClause } }'})
    lane = http.get("/metrics.json").json()["redis_lane"]
    assert lane["commands"] == before + 7 and lane["most_in_flight"] == 1
