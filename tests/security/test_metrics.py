"""`/metrics` in the Prometheus text format, read back with prometheus-client's own parser after real requests."""

from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

RECOMMEND = '{ recommendations(query: "warm boots", k: 3) { usedSession } }'


def samples(http: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_requests_stages_cache_and_errors_are_counted(app_with: Callable[..., Any], namespace: str) -> None:
    with app_with(rate_limits=("recommendations=3/minute",), rate_limit_key=f"{namespace}rl") as http:
        for _ in range(2):
            assert http.post("/graphql", json={"query": RECOMMEND}).status_code == 200
        http.post("/graphql", json={"query": '{ recommendations(query: "", k: 3) { usedSession } }'})
        assert http.post("/graphql", json={"query": RECOMMEND}).status_code == 429
        found = samples(http)
    ok = ("recommender_graphql_requests_total", (("operation", "recommendations"), ("outcome", "ok")))
    assert found[ok] == 2
    assert (
        found[("recommender_graphql_requests_total", (("operation", "recommendations"), ("outcome", "BAD_USER_INPUT")))]
        == 1
    )
    assert found[("recommender_rate_limited_requests_total", ())] == 1
    assert found[("recommender_redis_errors_total", ())] == 0
    assert found[("recommender_graphql_request_seconds_count", (("operation", "recommendations"),))] == 4
    for stage in ("embed", "search", "rerank"):
        assert found[("recommender_stage_seconds_count", (("stage", stage),))] == 2
    # The same query twice: one miss, then one hit in the query-vector cache.
    assert found[("recommender_embedding_cache_lookups_total", (("result", "miss"),))] == 1
    assert found[("recommender_embedding_cache_lookups_total", (("result", "hit"),))] == 1
