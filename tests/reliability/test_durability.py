"""Crash both processes with SIGKILL, restart with --no-reset: every acknowledged write is there.

With `appendfsync everysec` Redis writes the AOF before it replies, except while the previous second's
fsync is still running: then it postpones the write (up to 2 s) and answers meanwhile. So the test waits
until Redis reports the writes in its AOF (WAITAOF) before killing it, as everysec promises within ~1-2 s,
and checks what a restart recovers from there: the clicks, the refreshed vector, the rebuilt index.
"""

import os
import re
import signal
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.polling import wait_until
from tests.server_process import ServeProcess


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def gql(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables or {}}, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


CLICK = 'mutation($p: ID!) { recordClick(userId: "durable", productId: $p) { __typename } }'
REFRESH = "mutation($p: ID!, $t: String!) { refreshEmbedding(productId: $p, text: $t) { __typename } }"
SEARCH = 'query($q: String!) { recommendations(query: $q, userId: "other", k: 1) { items { product { id } } } }'
TEXT = "a hand-forged cast iron skillet for campfires"


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "redis"
    with ServeProcess(data_dir) as server:
        base, process = server.base_url, server.process
        for product in ["p001", "p002", "p003", "p010", "p020"]:
            assert gql(base, CLICK, {"p": product})["recordClick"]["__typename"] == "ClickRecorded"
        assert gql(base, REFRESH, {"p": "p045", "t": TEXT})["refreshEmbedding"]["__typename"] == "EmbeddingRefreshed"
        [redis_pid] = children(process.pid)
        # Redis rewrites its process title to "redis-server 127.0.0.1:PORT".
        title = Path(f"/proc/{redis_pid}/cmdline").read_bytes().replace(b"\0", b" ")
        found = re.search(rb"redis-server \S*:(\d+)", title)
        assert found is not None, title
        with redis.Redis(port=int(found.group(1))) as client:
            assert client.execute_command("WAITAOF", 1, 0, 5000)[0] == 1  # on disk in the local AOF
        os.kill(redis_pid, signal.SIGKILL)  # Redis first, with no chance to flush anything
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert wait_until(lambda: not Path(f"/proc/{redis_pid}").exists(), timeout=10)

    with ServeProcess(data_dir, "--no-reset") as server:
        base = server.base_url
        features = gql(base, '{ userFeatures(userId: "durable") { clicks lastClickedId hasSessionVector } }')
        assert features["userFeatures"] == {"clicks": 5, "lastClickedId": "p020", "hasSessionVector": True}
        assert gql(base, SEARCH, {"q": TEXT})["recommendations"]["items"][0]["product"]["id"] == "p045"
        info = gql(base, "{ indexInfo { numDocs indexingFailures } }")["indexInfo"]
        assert info == {"numDocs": 60, "indexingFailures": 0}
