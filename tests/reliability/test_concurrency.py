"""Atomicity under concurrency, on real Redis over real HTTP."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
import redis.asyncio as aioredis

from adapters.embedder import FastEmbedEmbedder
from adapters.redis.index import RedisProductIndex
from bootstrap.settings import Settings
from serving.app import create_app
from tests.reliability.conftest import live_server

CLICK = "mutation($u: ID!, $p: ID!) { recordClick(userId: $u, productId: $p) { __typename } }"
USER = "query($u: ID!) { userFeatures(userId: $u) { clicks affinities { category weight } lastClickedId } }"


def test_200_clicks_from_16_clients_are_all_counted(settings: Settings, embedder: FastEmbedEmbedder) -> None:
    products = [f"p{n:03d}" for n in range(1, 61)]

    def client_run(worker: int) -> list[str]:
        outcomes = []
        with httpx.Client(base_url=base, timeout=30) as http:
            for i in range(worker, 200, 16):  # 200 clicks spread over 16 clients
                user = "shared"
                body = http.post("/graphql", json={"query": CLICK, "variables": {"u": user, "p": products[i % 60]}})
                outcomes.append(body.json()["data"]["recordClick"]["__typename"])
            # Another user clicks at the same time: the two must never mix.
            body = http.post("/graphql", json={"query": CLICK, "variables": {"u": f"solo-{worker}", "p": "p001"}})
            outcomes.append(body.json()["data"]["recordClick"]["__typename"])
        return outcomes

    with live_server(create_app(settings, embedder=embedder)) as base:
        with ThreadPoolExecutor(16) as pool:
            outcomes = [o for batch in pool.map(client_run, range(16)) for o in batch]
        assert outcomes.count("ClickRecorded") == 216
        shared = httpx.post(f"{base}/graphql", json={"query": USER, "variables": {"u": "shared"}}).json()
        features = shared["data"]["userFeatures"]
        assert features["clicks"] == 200
        # The server's clock runs: affinities have decayed by the seconds the run took (7-day half-life).
        assert sum(a["weight"] for a in features["affinities"]) == pytest.approx(200, rel=1e-4)
        for worker in range(16):
            solo = httpx.post(f"{base}/graphql", json={"query": USER, "variables": {"u": f"solo-{worker}"}}).json()
            assert solo["data"]["userFeatures"]["clicks"] == 1
            affinities = solo["data"]["userFeatures"]["affinities"]
            assert affinities == [{"category": "outerwear", "weight": pytest.approx(1.0, rel=1e-4)}]

    async def session_norm() -> float:
        from adapters.redis.connection import connect
        from adapters.redis.users import RedisUserFeatureStore

        client = connect(settings.redis_url or "")
        try:
            vector = (await RedisUserFeatureStore(client, settings.user_prefix).get("shared")).session_vector
        finally:
            await client.aclose()
        assert vector is not None
        return float(np.linalg.norm(vector))

    assert asyncio.run(session_norm()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.anyio
async def test_refresh_racing_a_delete_never_leaves_half_a_document(
    redis_index: RedisProductIndex, redis_client: aioredis.Redis
) -> None:
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    for product_id in [f"p{n:03d}" for n in range(1, 41)]:
        key = redis_index.key(product_id)
        refreshed, _ = await asyncio.gather(redis_index.set_vector(product_id, vector), redis_client.delete(key))
        fields = await redis_client.hgetall(key)
        # Either the delete won (nothing left) or the refresh ran first and the delete removed it all.
        assert fields == {}, (product_id, refreshed, fields)
        assert await redis_index.set_vector(product_id, vector) is False
        assert await redis_client.exists(key) == 0
    info = await redis_index.info()
    assert info.num_docs == 20 and info.indexing_failures == 0
