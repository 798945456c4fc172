"""One way to open a Redis client, shared by the server, the CLI and the tests."""

import redis.asyncio as aioredis


def connect(url: str) -> aioredis.Redis:
    # RESP2 explicitly: the adapters parse FT.SEARCH's flat RESP2 replies, whatever redis-py's default.
    # Bytes, not decoded strings: embeddings are binary.
    return aioredis.Redis.from_url(url, protocol=2, socket_timeout=5, health_check_interval=10)
