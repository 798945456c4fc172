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
from domain.attribution import CONTROL, Conversion
from domain.models import Recommendations, Timings
from gql.errors import SERVICE_UNAVAILABLE
from gql.rate_limited import RATE_LIMITED

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OTHER = "other"  # the label of a scenario that is no longer configured: label sets stay bounded
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
        experiment = ["scenario", "variant"]
        self.experiment_requests = Counter(
            "recommender_experiment_requests", "pages served by a scenario", experiment, registry=r
        )
        self.experiment_impressions = Counter(
            "recommender_experiment_impressions", "items on pages served by a scenario", experiment, registry=r
        )
        self.experiment_events = Counter(
            "recommender_experiment_events", "attributed events", [*experiment, "kind"], registry=r
        )
        self.experiment_revenue = Counter(
            "recommender_experiment_revenue", "prices of attributed purchases", experiment, registry=r
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

    def served(self, page: Recommendations) -> None:
        # Only configured scenarios serve pages, so their names are a bounded label set.
        if page.scenario is None:
            return
        variant = page.variant or CONTROL
        self.experiment_requests.labels(page.scenario, variant).inc()
        self.experiment_impressions.labels(page.scenario, variant).inc(len(page.items))

    def attributed(self, conversion: Conversion) -> None:
        # An id outlives its scenario: events of a deleted one count as `other`, so names cannot pile up.
        c = conversion
        scenario, variant = (c.scenario, c.variant) if c.configured else (OTHER, OTHER)
        self.experiment_events.labels(scenario, variant, c.kind.value).inc()
        if c.revenue:
            self.experiment_revenue.labels(scenario, variant).inc(c.revenue)

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
