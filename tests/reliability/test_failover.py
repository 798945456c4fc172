"""Failover with Sentinel: the primary dies under click traffic, Sentinel promotes the replica, the
service (pointed at `redis+sentinel://`) answers SERVICE_UNAVAILABLE for a bounded burst and then
serves from the new primary without a restart. Acknowledged clicks missing afterwards are counted."""

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from adapters.embedder import FastEmbedEmbedder
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.topology import EmbeddedSentinel, poll, primary, replica, wait_in_sync
from bootstrap.settings import Settings
from serving.app import create_app
from tests.conftest import CATALOG
from tests.polling import wait_until
from tests.reliability.conftest import in_background, live_server

pytestmark = pytest.mark.timeout(120)

NAME = "recommender"
CLICK = "mutation($u: ID!, $p: ID!) { recordClick(userId: $u, productId: $p) { ... on ClickRecorded { clicks } } }"
FEATURES = "query($u: ID!) { userFeatures(userId: $u) { clicks } }"
USERS = [f"fo-{n}" for n in range(8)]
BURST_LIMIT_S = 15.0


@dataclass
class Trace:
    acked: Counter[str] = field(default_factory=Counter)
    acked_at: list[float] = field(default_factory=list)  # when each acknowledgement arrived
    failed: Counter[str] = field(default_factory=Counter)  # by error code
    ok_after_kill: int = 0
    first_error: float | None = None
    last_error: float | None = None
    killed_at: float | None = None


@pytest.fixture
def watched_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedRedis, EmbeddedRedis, int]]:
    base = tmp_path_factory.mktemp("failover")
    main = primary(base / "primary")
    standby = replica(base / "replica", main.port)
    sentinel = EmbeddedSentinel(base / "sentinel", main.port, NAME, down_after_ms=500)
    try:
        main.start()
        standby.start()
        wait_in_sync(standby.port)
        sentinel.start()
        poll(lambda: _knows_replica(sentinel.port), 30, "Sentinel sees the replica")
        yield main, standby, sentinel.port
    finally:
        for server in (sentinel, standby, main):
            server.stop()


def _knows_replica(sentinel_port: int) -> bool:
    with redis.Redis(port=sentinel_port, decode_responses=True) as client:
        replicas = client.execute_command("SENTINEL", "REPLICAS", NAME)
    return any("disconnected" not in str(entry) and "s_down" not in str(entry) for entry in replicas)


def _primary_port(sentinel_port: int) -> int:
    with redis.Redis(port=sentinel_port) as client:
        return int(client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)[1])


async def _clicks(base: str, user: str, stop: threading.Event, trace: Trace) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while not stop.is_set():
            body = (await http.post("/graphql", json={"query": CLICK, "variables": {"u": user, "p": "p001"}})).json()
            if "errors" in body:
                trace.failed[str(body["errors"][0].get("extensions", {}).get("code"))] += 1
                trace.first_error = trace.first_error or time.monotonic()
                trace.last_error = time.monotonic()
            else:
                trace.acked[user] += 1
                trace.acked_at.append(time.monotonic())
                trace.ok_after_kill += trace.killed_at is not None


def _crash(base: str, main: EmbeddedRedis, trace: Trace, restart: bool = False) -> None:
    """Clicks from every user; once 200 are acknowledged the primary is SIGKILLed (and started again on its
    own AOF when `restart`); returns once 100 clicks succeeded after that, or after the burst limit."""

    async def load(stop: threading.Event) -> None:
        await asyncio.gather(*(_clicks(base, user, stop, trace) for user in USERS))

    with in_background(load):
        assert wait_until(lambda: sum(trace.acked.values()) >= 200, timeout=30)
        main.kill()  # SIGKILL: no shutdown, no last fsync
        trace.killed_at = time.monotonic()
        if restart:
            main.start()
        wait_until(lambda: trace.ok_after_kill >= 100, timeout=BURST_LIMIT_S + 10)


def test_sentinel_failover_gives_a_bounded_burst_then_recovers_without_restart(
    watched_pair: tuple[EmbeddedRedis, EmbeddedRedis, int], namespace: str, embedder: FastEmbedEmbedder
) -> None:
    main, standby, sentinel_port = watched_pair
    settings = Settings(
        redis_url=f"redis+sentinel://127.0.0.1:{sentinel_port}/{NAME}",
        index_name=f"{namespace}idx",
        key_prefix=f"{namespace}product:",
        user_prefix=f"{namespace}user:",
        catalog=CATALOG,
        access_log=False,
    )
    trace = Trace()
    with live_server(create_app(settings, embedder=embedder)) as base:
        _crash(base, main, trace)
        assert _primary_port(sentinel_port) == standby.port
        counted = {u: _gql(base, FEATURES, u=u)["userFeatures"]["clicks"] for u in USERS}
    assert trace.killed_at is not None and trace.first_error is not None and trace.last_error is not None
    burst_s = trace.last_error - trace.killed_at
    lost = sum(max(0, trace.acked[u] - counted[u]) for u in USERS)
    print(
        f"\nfailover: {sum(trace.failed.values())} failed {dict(trace.failed)} over {burst_s:.2f} s after the kill; "
        f"acknowledged {sum(trace.acked.values())}, counted {sum(counted.values())}, lost {lost}"
    )
    assert set(trace.failed) == {"SERVICE_UNAVAILABLE"}
    assert burst_s < BURST_LIMIT_S
    assert trace.ok_after_kill >= 100  # recovered, same process
    # Replication is asynchronous: a click the old primary acknowledged but had not yet streamed to the
    # replica is gone. On loopback the stream leaves with the reply, so the measured loss is 0-2 clicks.
    assert lost <= 2


def test_primary_killed_and_restarted_on_its_aof_loses_no_acknowledged_click(
    tmp_path: Path, namespace: str, embedder: FastEmbedEmbedder
) -> None:
    """appendfsync everysec: the AOF is written before the reply and only the fsync is deferred, except while
    a slow fsync runs, when Redis postpones the write by up to 2 s and answers meanwhile. So a process crash
    may lose at most the clicks acknowledged in the last 2 s before it; measured: none."""
    main = EmbeddedRedis(tmp_path / "redis")
    settings = Settings(redis_url=main.url, user_prefix=f"{namespace}user:", index_name=f"{namespace}idx",
                        key_prefix=f"{namespace}product:", catalog=CATALOG, access_log=False)  # fmt: skip
    trace = Trace()
    with main, live_server(create_app(settings, embedder=embedder)) as base:
        _crash(base, main, trace, restart=True)
        counted = {u: _gql(base, FEATURES, u=u)["userFeatures"]["clicks"] for u in USERS}
    lost = sum(max(0, trace.acked[u] - counted[u]) for u in USERS)
    print(f"\nrestart on AOF: {dict(trace.failed)} failed; acknowledged {sum(trace.acked.values())}, lost {lost}")
    assert set(trace.failed) <= {"SERVICE_UNAVAILABLE"} and trace.ok_after_kill >= 100
    assert trace.killed_at is not None
    allowed = sum(1 for at in trace.acked_at if trace.killed_at - 2.0 <= at <= trace.killed_at)
    assert lost <= allowed, (lost, allowed)  # what everysec allows; in our runs lost was 0


def _gql(base: str, query: str, **variables: Any) -> dict[str, Any]:
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]
