"""Redis going away and coming back under a running server; starting over existing data."""

import os
import signal
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from adapters.embedder import FastEmbedEmbedder
from adapters.redis.connection import connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.index import RedisProductIndex
from adapters.redis.schema import IndexConfig
from bootstrap.runtime import open_runtime
from bootstrap.settings import Settings
from domain.models import Product, Vector
from serving.app import create_app
from tests.graphql_client import GraphQLClient
from tests.polling import wait_until

SEARCH = '{ recommendations(query: "warm parka", k: 2) { items { product { id } } } }'


def test_service_unavailable_while_redis_is_down_then_recovers(
    tmp_path: Path, settings: Settings, embedder: FastEmbedEmbedder
) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        app = create_app(settings.model_copy(update={"redis_url": redis.url}), embedder=embedder)
        with TestClient(app) as http:
            client = GraphQLClient(http)
            assert client.data(SEARCH)["recommendations"]["items"]
            client.data('mutation { recordClick(userId: "keep", productId: "p001") { __typename } }')

            redis.stop()
            started = time.monotonic()
            error = client.error(SEARCH)
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert time.monotonic() - started < 5, "a request must fail fast while Redis is away"
            click = client.error('mutation { recordClick(userId: "keep", productId: "p002") { __typename } }')
            assert click["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            ready = http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["redis"] is False
            assert http.get("/healthz").status_code == 200

            redis.start()  # same port and data dir: the AOF brings the index and the click back
            assert wait_until(lambda: http.get("/readyz").status_code == 200)
            assert client.data(SEARCH)["recommendations"]["items"][0]["product"]["id"] == "p001"
            features = client.data('{ userFeatures(userId: "keep") { clicks } }')
            assert features["userFeatures"]["clicks"] == 1
    finally:
        redis.stop()


@pytest.mark.anyio
async def test_no_reset_creates_a_missing_index_over_existing_products(
    settings: Settings, embedder: FastEmbedEmbedder, catalog_items: list[tuple[Product, Vector]]
) -> None:
    client = connect(settings.redis_url or "")
    try:
        index = RedisProductIndex(client, IndexConfig(name=settings.index_name, prefix=settings.key_prefix))
        await index.recreate()
        await index.upsert(catalog_items)
        await client.client.execute_command("FT.DROPINDEX", settings.index_name)  # keep the hashes, lose the index
        assert not await index.exists()
        async with open_runtime(settings.model_copy(update={"reset": False}), embedder=embedder) as runtime:
            assert await runtime.service.index.exists()
            for _ in range(200):
                if (await runtime.service.index.info()).num_docs == 60:
                    break
                time.sleep(0.02)
            assert (await runtime.service.index.info()).num_docs == 60
    finally:
        await client.aclose()


def test_a_hung_redis_makes_readyz_say_503_at_once(
    tmp_path: Path, settings: Settings, embedder: FastEmbedEmbedder
) -> None:
    """A Redis that accepts connections but never answers (here: stopped with SIGSTOP) fails requests only after
    the socket timeout; readiness must not wait that long, or the load balancer's probe times out first."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        with TestClient(create_app(settings.model_copy(update={"redis_url": redis.url}), embedder=embedder)) as http:
            pid = redis.pid
            assert http.get("/readyz").status_code == 200 and pid is not None
            os.kill(pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                ready = http.get("/readyz")
                assert ready.status_code == 503 and ready.json()["checks"]["redis"] is False
                assert time.monotonic() - started < 3, "readiness waited for the socket timeout"
            finally:
                os.kill(pid, signal.SIGCONT)
            assert wait_until(lambda: http.get("/readyz").status_code == 200)
    finally:
        redis.stop()
