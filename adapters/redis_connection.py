"""One way to open a Redis client, shared by the server, the CLI and the tests."""

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

# Fast failure while Redis is away: one retry after this pause (also used by adapters.redis_fast).
RETRY_PAUSE_S = 0.02


def connect(url: str) -> aioredis.Redis:
    """RESP2 explicitly (the adapters parse FT.SEARCH's flat RESP2 replies); bytes, since embeddings are binary.

    While Redis is away a request fails fast (one quick retry) so clients get SERVICE_UNAVAILABLE in
    well under a second instead of hanging; each new command reconnects, so service resumes by itself.
    """
    return aioredis.Redis.from_url(
        url,
        protocol=2,
        socket_timeout=5,
        socket_connect_timeout=1,
        retry=Retry(ExponentialBackoff(cap=0.1, base=RETRY_PAUSE_S), retries=1),
        retry_on_error=[ConnectionError, TimeoutError],
        health_check_interval=10,
    )
