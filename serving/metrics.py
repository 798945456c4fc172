"""Prometheus metrics (`GET /metrics`, text format) with prometheus-client.

With `--workers N` the server sets PROMETHEUS_MULTIPROC_DIR before the workers start (serving/server.py):
each worker then writes its values to files there and whichever worker answers a scrape sums them all
(prometheus-client's multiprocess mode). In one process the app's own registry is exposed.
Counters that adapters keep themselves (the query-vector LRU's hits and misses) are copied in as
deltas after each operation, so every worker's share reaches the files.
"""

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from adapters.embedding_cache import CacheStats
from domain.models import Timings
from gql.errors import SERVICE_UNAVAILABLE
from gql.rate_limited import RATE_LIMITED

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self, cache: CacheStats | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "recommender_graphql_requests",
            "GraphQL operations by root field and outcome",
            ["operation", "outcome"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "recommender_graphql_request_seconds",
            "GraphQL operation latency",
            ["operation"],
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.stage_seconds = Histogram(
            "recommender_stage_seconds",
            "recommendation stages: embed, search, rerank",
            ["stage"],
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.embedding_cache = Counter(
            "recommender_embedding_cache_lookups", "query-vector cache lookups", ["result"], registry=r
        )
        self.redis_errors = Counter(
            "recommender_redis_errors", "operations failed because Redis was unreachable", registry=r
        )
        self.rate_limited = Counter(
            "recommender_rate_limited_requests", "operations refused by a rate limit", registry=r
        )
        self.cache = cache
        self._cache_seen = {"hit": 0, "miss": 0}

    def operation(self, name: str, outcome: str, seconds: float) -> None:
        self.requests.labels(name, outcome).inc()
        self.request_seconds.labels(name).observe(seconds)
        if outcome == SERVICE_UNAVAILABLE:
            self.redis_errors.inc()
        elif outcome == RATE_LIMITED:
            self.rate_limited.inc()
        self._sync_cache()

    def stages(self, timings: Timings) -> None:
        self.stage_seconds.labels("embed").observe(timings.embed_ms / 1000)
        self.stage_seconds.labels("search").observe(timings.search_ms / 1000)
        self.stage_seconds.labels("rerank").observe(timings.rerank_ms / 1000)

    def _sync_cache(self) -> None:
        # Two attribute reads per operation: the deltas since the last sync go into this worker's counters.
        if self.cache is None:
            return
        for result, now in (("hit", self.cache.hits), ("miss", self.cache.misses)):
            seen = self._cache_seen[result]
            if now > seen:
                self.embedding_cache.labels(result).inc(now - seen)
                self._cache_seen[result] = now

    def exposition(self) -> bytes:
        path = os.environ.get(MULTIPROC_ENV)
        if not path:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path)
        return generate_latest(merged)
