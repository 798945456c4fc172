"""Apollo's automatic persisted queries, at the protocol level (tests/apollo runs Apollo Client itself)."""

import hashlib
import json

import redis
from starlette.testclient import TestClient

from bootstrap.settings import Settings

QUERY = "{ categories }"


def apq(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_unknown_hash_then_text_then_hash_alone(http: TestClient, sync_redis: redis.Redis, settings: Settings) -> None:
    digest = sha(QUERY)
    missing = http.post("/graphql", json={"extensions": apq(digest)}).json()
    assert missing["errors"][0]["message"] == "PersistedQueryNotFound"
    assert missing["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert http.post("/graphql", json={"query": QUERY, "extensions": apq(digest)}).json()["data"]["categories"]
    assert sync_redis.hget(settings.persisted_query_key, digest) == QUERY.encode()
    assert 0 < sync_redis.execute_command("HTTL", settings.persisted_query_key, "FIELDS", 1, digest)[0] <= 86400
    # Over GET, as a CDN would cache it.
    got = http.get("/graphql", params={"extensions": json.dumps(apq(digest))})
    assert got.status_code == 200 and got.json()["data"]["categories"]


def test_a_wrong_hash_is_refused_and_nothing_stored(
    http: TestClient, sync_redis: redis.Redis, settings: Settings
) -> None:
    wrong = sha("something else")
    response = http.post("/graphql", json={"query": QUERY, "extensions": apq(wrong)})
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert sync_redis.hget(settings.persisted_query_key, wrong) is None


def test_malformed_persisted_query_entries_are_typed_errors(http: TestClient) -> None:
    for extensions in (
        {"persistedQuery": {"version": 2, "sha256Hash": sha(QUERY)}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-hex"}},
        {"persistedQuery": "yes"},
    ):
        response = http.post("/graphql", json={"extensions": extensions})
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_an_oversized_document_runs_but_is_not_stored(
    http: TestClient, sync_redis: redis.Redis, settings: Settings
) -> None:
    big = QUERY + "\n# " + "x" * settings.persisted_query_max_bytes
    digest = sha(big)
    assert http.post("/graphql", json={"query": big, "extensions": apq(digest)}).json()["data"]["categories"]
    assert sync_redis.hget(settings.persisted_query_key, digest) is None
    missing = http.post("/graphql", json={"extensions": apq(digest)}).json()
    assert missing["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
