"""The embedded Redis: Search module loaded, AOF on, data survives a restart, stops cleanly."""

from pathlib import Path

import redis

from adapters.embedded_redis import EmbeddedRedis
from tests.polling import wait_until


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


def test_crash_keeps_acknowledged_writes_after_fsync(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        client.set("acked", "yes")
        client.execute_command("BGREWRITEAOF")  # forces the data to disk now instead of waiting a second
        client.wait(0, 0)
        assert wait_until(lambda: client.info("persistence")["aof_rewrite_in_progress"] == 0)
        server.kill()
    with EmbeddedRedis(tmp_path) as again:
        assert redis.Redis.from_url(again.url).get("acked") == b"yes"
