"""The primary found through Redis Sentinel: `--redis-url redis+sentinel://HOST:PORT[,HOST:PORT...]/NAME[/DB]`.

The same URL form as the `limits` library's, so the shared rate limits follow the primary too. redis-py's
Sentinel pool asks the Sentinels for the primary's address whenever it opens a connection; after a
failover the connections to the old primary break (or answer READONLY, which redis-py turns into a
connection error), the request in flight gets SERVICE_UNAVAILABLE, and the next one connects to the
promoted replica: recovery without a restart. Sentinel-managed connections are redis-py's own, so the
hot-path reads use its pool rather than the pipelined connection (connection.pipelined_reads_for).
"""

from typing import Any
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel

SCHEME = "redis+sentinel"
# Asking a Sentinel is a side trip: a dead one is skipped quickly for the next.
SENTINEL_TIMEOUT_S = 0.5


def is_sentinel_url(url: str) -> bool:
    return url.startswith(f"{SCHEME}://")


def parse(url: str) -> tuple[list[tuple[str, int]], str, int, str | None]:
    """(sentinels, primary's name, db, password) from a redis+sentinel:// URL."""
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    sentinels = []
    for address in hosts.split(","):
        host, _, port = address.rpartition(":")
        sentinels.append((host or address, int(port) if host else 26379))
    path = [piece for piece in parts.path.split("/") if piece]
    if not path:
        raise ValueError(f"{url}: name the primary as Sentinel knows it, e.g. {SCHEME}://host:26379/mymaster")
    password = unquote(parts.password) if parts.password else None
    return sentinels, path[0], int(path[1]) if len(path) > 1 else 0, password


def sentinel_client(url: str, **client_kwargs: Any) -> aioredis.Redis:
    """A redis-py client of the primary that Sentinel names; `client_kwargs` as for `Redis.from_url`."""
    sentinels, name, db, password = parse(url)
    watchers = Sentinel(
        sentinels, sentinel_kwargs={"socket_timeout": SENTINEL_TIMEOUT_S, "socket_connect_timeout": SENTINEL_TIMEOUT_S}
    )
    client: aioredis.Redis = watchers.master_for(name, db=db, password=password, **client_kwargs)
    return client
