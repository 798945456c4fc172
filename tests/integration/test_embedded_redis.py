"""The embedded Redis: Search module loaded, AOF on, data survives a restart, stops cleanly."""

from pathlib import Path

import redis

from adapters.redis.embedded import EmbeddedRedis


def test_starts_with_search_and_aof_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        modules = {m[b"name"] for m in client.execute_command("MODULE", "LIST")}
        assert b"search" in modules
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        client.set("kept", "1")
        port = server.port
    assert not server.running
    with EmbeddedRedis(tmp_path, port=port) as again:
        assert redis.Redis.from_url(again.url).get("kept") == b"1"


def test_sigkill_right_after_a_write_keeps_it(tmp_path: Path) -> None:
    # Redis appends a write to the AOF file before it replies; only the fsync is deferred (everysec),
    # so a killed process (not a lost machine) keeps every acknowledged write. No forced flush here.
    with EmbeddedRedis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        for n in range(200):
            client.set(f"acked:{n}", n)
        server.kill()
    with EmbeddedRedis(tmp_path) as again:
        restored = redis.Redis.from_url(again.url)
        assert [int(v) for v in restored.mget([f"acked:{n}" for n in range(200)])] == list(range(200))
