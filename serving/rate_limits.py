"""Rate limits counted in Redis with the `limits` library, so every worker and instance shares one budget.

Keyed per class and per caller: the token's user, or the client address when anonymous. The address
is the TCP peer; only when that peer is a trusted proxy (`--trusted-proxy`) does X-Forwarded-For
count, read from the right, skipping trusted proxies, so a client cannot forge its way to a new budget.
If the counters' Redis cannot be reached the request is served (fail open) and the log says so.
"""

import ipaddress
import logging
import time

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request

from gql.identity import Caller
from gql.rate_limited import RateCheck

log = logging.getLogger("recommender.rate_limits")

KEY_PREFIX = "recommender:rl"
FAIL_OPEN_LOG_EVERY_S = 10.0
REDIS_TIMEOUT_S = 0.25  # a stalled counter must not stall the request for long: it fails open instead


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    peer = request.client.host if request.client is not None else "unknown"
    if peer not in trusted_proxies:
        return peer
    hops = [hop for part in request.headers.getlist("x-forwarded-for") for hop in part.split(",")]
    for hop in reversed(hops[-32:]):  # the nearest hops were added by our proxies; the rest by anyone
        address = _address(hop)
        if address is None:
            return peer  # a malformed entry: nothing left of it can be trusted
        if address not in trusted_proxies:
            return address
    return peer


class RateLimits:
    def __init__(self, redis_url: str, table: dict[str, str], trusted_proxies: tuple[str, ...], prefix: str) -> None:
        self.items: dict[str, RateLimitItem] = {name: parse(limit) for name, limit in table.items()}
        self.trusted = frozenset(a for a in (_address(p) for p in trusted_proxies) if a is not None)
        storage = RedisStorage(
            "async+" + redis_url,
            implementation="redispy",
            key_prefix=prefix,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.limited = 0  # requests refused, for the metrics
        self._last_warning = 0.0

    def check_for(self, request: Request, caller: Caller) -> RateCheck:
        who = f"user:{caller.user_id}" if caller.user_id is not None else f"ip:{client_address(request, self.trusted)}"

        async def check(rate_class: str) -> float | None:
            item = self.items.get(rate_class)
            return None if item is None else await self._hit(item, rate_class, who)

        return check

    async def _hit(self, item: RateLimitItem, rate_class: str, who: str) -> float | None:
        try:
            if await self.limiter.hit(item, rate_class, who):
                return None
            stats = await self.limiter.get_window_stats(item, rate_class, who)
        except Exception as exc:  # any storage failure: serve rather than refuse everyone
            self._warn(exc)
            return None
        self.limited += 1
        return max(1.0, stats.reset_time - time.time())

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= FAIL_OPEN_LOG_EVERY_S:
            self._last_warning = now
            log.warning("rate limits not checked, requests served anyway (fail open): Redis error %r", exc)
