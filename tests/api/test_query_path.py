"""The fast query path as wired by the composition root: batching and the caches behind GraphQL."""

import gc
from pathlib import Path

from starlette.testclient import TestClient

from adapters.embedder import FastEmbedEmbedder
from bootstrap.runtime import Runtime
from bootstrap.settings import Settings
from serving.app import create_app
from tests.graphql_client import GraphQLClient

RECOMMEND = """query($q: String!) {
  recommendations(query: $q, userId: "cache-user", filters: {category: "footwear", inStockOnly: true}) {
    items { product { id } vectorDistance }
  }
}"""


def test_a_repeated_query_is_answered_from_the_lru(http: TestClient) -> None:
    gql = GraphQLClient(http)
    first = gql.data(RECOMMEND, {"q": "waterproof boots"})
    second = gql.data(RECOMMEND, {"q": "  Waterproof   BOOTS "})
    assert first == second
    runtime: Runtime = http.app.state.runtime  # type: ignore[attr-defined]
    metrics = runtime.metrics()
    assert metrics["embed_cache_lru"] == metrics["embed_cache_lru"] | {"hits": 1, "misses": 1, "size": 1}
    assert metrics["embed_batching"]["batches"] == 1  # type: ignore[index]
    assert "embed_cache_redis" not in metrics  # off unless configured


def test_redis_cache_and_no_batching_when_configured(settings: Settings, embedder: FastEmbedEmbedder) -> None:
    configured = settings.model_copy(update={"embed_cache_redis": True, "embed_cache_size": 0, "embed_batch_max": 1})
    with TestClient(create_app(configured, embedder=embedder)) as http:
        gql = GraphQLClient(http)
        query = f"boots for {settings.index_name}"  # unique: the Redis cache is shared by the whole run
        gql.data(RECOMMEND, {"q": query})
        gql.data(RECOMMEND, {"q": query})
        metrics = http.app.state.runtime.metrics()  # type: ignore[attr-defined]
    assert set(metrics) == {"pid", "embed_cache_redis", "redis_lane", "price_filters"}  # no batching, no LRU
    assert metrics["price_filters"] == {"ladder": True}  # a freshly seeded index has the ladder fields
    assert (metrics["embed_cache_redis"]["hits"], metrics["embed_cache_redis"]["misses"]) == (1, 1)


def test_settings_travel_to_workers_unchanged() -> None:
    settings = Settings(redis_url=None, catalog=Path("/x/catalog.json"), workers=3, onnx_threads=None, admin_token="t")
    assert Settings.model_validate_json(settings.model_dump_json()) == settings
    moved = settings.model_copy(update={"redis_url": "redis://h:1/0"})
    assert Settings.model_validate_json(moved.model_dump_json()).redis_url == "redis://h:1/0"


def test_onnx_threads_split_the_cores_among_workers() -> None:
    assert Settings(workers=64).onnx_threads_per_worker() == 1
    assert Settings(workers=2, onnx_threads=3).onnx_threads_per_worker() == 3


def test_start_up_objects_are_frozen_while_the_app_serves(settings: Settings, embedder: FastEmbedEmbedder) -> None:
    gc.unfreeze()
    with TestClient(create_app(settings, embedder=embedder)) as http:
        assert gc.get_freeze_count() > 10_000  # the schema, the runtime, the model session's wrappers...
        GraphQLClient(http).data(RECOMMEND, {"q": "boots"})  # serving is unaffected
    assert gc.get_freeze_count() == 0  # collectable again once the app has shut down
