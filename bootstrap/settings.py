"""Every option of the service, defined once: name, type, default, environment variable, help, unit.

pydantic-settings rather than a hand-parsed dataclass: it reads `RECOMMENDER_<NAME>` from the
environment, validates types and ranges on construction, and round-trips the whole object as JSON
for the worker processes (`model_dump_json` / `model_validate_json`), so none of that is written
here. CLI flags are derived from the same fields (cli/options.py): a field's `group` says which
commands offer it, its description is the flag's help, and `--name-with-dashes` is its flag.
Durations and sizes carry their unit in the name (`_s`, `_ms`, `_bytes`).
"""

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from bootstrap.behaviour_settings import BehaviourSettings
from bootstrap.browser_settings import BrowserSettings
from bootstrap.setting_fields import (
    ENV_PREFIX,
    EVENTS,
    INDEX,
    LOAD,
    QUERY_PATH,
    SERVER,
    SPEEDUPS,
    STORE,
    Names,
    option,
)
from domain.events import EventKind, EventPolicy


class Settings(BrowserSettings, BehaviourSettings):
    """The server's and the CLI's configuration. docs/operations.md, "Settings", lists them."""

    # An empty variable (REDIS_URL="") counts as unset: the embedded Redis, no admin token.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid")

    # Server
    host: str = option("127.0.0.1", "address to listen on", SERVER)
    port: int = option(8084, "port to listen on", SERVER, ge=0, le=65535)
    catalog: Path = option(Path("catalog.json"), "catalog file seeding the index on --reset", SERVER)
    reset: bool = option(True, "drop and reseed the index at start; --no-reset keeps what Redis holds", SERVER)
    graphiql: bool = option(True, "serve GraphiQL at /graphql", SERVER)
    introspection: bool = option(True, "allow schema introspection", SERVER)
    access_log: bool = option(True, "log every request (costs CPU under load)", SERVER)
    admin_token: str | None = option(
        None, "Bearer token admin operations require; unset: everyone is admin, loopback only"
    )
    # 512 KiB: room for an upsertProducts call of 500 products (~350 bytes each in JSON), still a bound.
    max_body_bytes: int = option(512 * 1024, "request bodies over this get 413 before they are read", ge=1)
    max_search_fields: int = option(4, "recommendations fields one operation may run", ge=1)

    # Store
    redis_url: str | None = Field(
        None,
        description="Redis with the Search module, or redis+sentinel://HOST:PORT/NAME (default: an embedded one)",
        validation_alias=AliasChoices(f"{ENV_PREFIX}REDIS_URL", "REDIS_URL", "redis_url"),
        json_schema_extra={"group": STORE, "flags": []},
    )
    index_name: str = option("recommend:idx", "Redis Search index name", STORE)
    key_prefix: str = option("product:", "key prefix of product hashes", STORE)
    user_prefix: str = option("user:", "key prefix of user feature hashes")
    model_dir: Path = option(Path(".models/all-MiniLM-L6-v2"), "exported ONNX model folder", STORE)
    data_dir: Path = option(Path(".data/redis"), "embedded Redis data folder", STORE)
    redis_port: int | None = option(None, "port of the embedded Redis (default: a free one)")
    # Scaling (docs/scaling.md): replicas that load the Search module take the search-side reads.
    search_replica_urls: Names = option(
        (),
        "a replica (with the Search module) for searches, listing, categories, brands",
        STORE,
        flags=["--search-replica-url"],
    )
    search_replica_check_s: float = option(1.0, "how often each replica's sync state is checked", STORE, gt=0)
    replica_wait_ms: int = option(
        100,
        "after a catalog write, wait up to this for the replicas in use to have it (WAIT); 0 = never",
        STORE,
        ge=0,
        le=10_000,
    )

    # Index: M / EF_CONSTRUCTION / algorithm apply when the index is created; ef_runtime, hybrid_policy
    # and batch_size are also written into every KNN query when set (docs/scaling.md, "Index parameters"). Combinations
    # RediSearch would reject are refused by the index configuration the runtime builds from these.
    algorithm: Literal["HNSW", "FLAT"] = option("HNSW", "vector index algorithm, used when creating", INDEX)
    hnsw_m: int = option(16, "HNSW M, used when creating", INDEX, ge=1)
    ef_construction: int = option(100, "HNSW EF_CONSTRUCTION, used when creating", INDEX, ge=1)
    ef_runtime: int | None = option(None, "HNSW EF_RUNTIME for the index and every query", INDEX, ge=1)
    hybrid_policy: Literal["ADHOC_BF", "BATCHES"] | None = option(
        None, "force this hybrid policy for filtered queries", INDEX
    )
    batch_size: int | None = option(None, "BATCH_SIZE of the BATCHES hybrid policy", INDEX, ge=1)

    # Events (docs/api.md, "Events"): weights scale the EWMA step and the affinity change.
    event_weight_view: float = option(0.5, "weight of a VIEW event", EVENTS, gt=0)
    event_weight_click: float = option(1.0, "weight of a CLICK event (recordClick)", EVENTS, gt=0)
    event_weight_add_to_cart: float = option(2.0, "weight of an ADD_TO_CART event", EVENTS, gt=0)
    event_weight_purchase: float = option(3.0, "weight of a PURCHASE event", EVENTS, gt=0)
    event_weight_dismiss: float = option(
        1.0, "weight of a DISMISS event (affinity lowered, dismissed vector)", EVENTS, gt=0
    )
    session_alpha: float = option(
        0.4, "EWMA step of a weight-1 event; weight w steps 1-(1-alpha)^w", EVENTS, gt=0, lt=1
    )
    affinity_half_life_s: float = option(7 * 24 * 3600.0, "category affinities halve over this idle time", EVENTS, gt=0)
    user_ttl_s: float = option(30 * 24 * 3600.0, "a user's keys expire after this long without an event", EVENTS, gt=0)

    # More ways to recommend (docs/api.md, "More ways to recommend")
    cursor_secret: str | None = option(
        None,
        "HMAC key of page cursors and recommendation ids, 16+ characters; unset: drawn at each server start",
        min_length=16,
    )
    cursor_ttl_s: float = option(3600.0, "a page cursor stays valid this long", QUERY_PATH, ge=1800)
    popularity_key: str = option("recommender:", "key prefix of the per-day and per-hour popularity sorted sets")
    popularity_days: int = option(7, "days of events the POPULAR strategy counts", EVENTS, ge=1, le=90)
    popularity_half_life_s: float = option(2 * 24 * 3600.0, "popularity counts halve over this age", EVENTS, gt=0)
    scenario_key: str = option("recommender:scenarios", "Redis hash of the named scenarios (and its version, channel)")
    scenario_check_s: float = option(
        5.0, "how often a quiet instance checks the scenarios' version (changes arrive by pub/sub)", STORE, gt=0
    )

    # Experiments (docs/api.md, "Experiments"): recommendation ids are signed with cursor_secret.
    attribution_window_s: float = option(
        24 * 3600.0, "an event counts for the page that served its product this long after serving", EVENTS, gt=0
    )
    experiment_days: int = option(30, "days the hourly experiment counters are kept", EVENTS, ge=1, le=400)
    experiment_key: str = option("recommender:", "key prefix of the experiment counters (`<prefix>ab:...`)")

    # Query path (docs/operations.md, "Workers and threads").
    # Processes share the cores: ONNX threads x workers <= cores.
    workers: int = option(1, "uvicorn worker processes", QUERY_PATH, ge=1)
    worker_startup_grace_s: float = option(
        10.0, "a worker that dies sooner after starting is broken: the server stops rather than restart it", ge=0
    )
    onnx_threads: int | None = option(None, "ONNX threads per worker (default: cores / workers)", QUERY_PATH, ge=1)
    onnx_spin: Literal["run", "always", "off"] = option(
        "run",
        "ONNX pool threads busy-wait within a call (run), also between calls (always), or never (off)",
        QUERY_PATH,
    )
    embed_batch_max: int = option(32, "texts per model call; 1 = no micro-batching", QUERY_PATH, ge=1)
    embed_batch_window_ms: float = option(0.0, "how long an idle batcher waits for company", QUERY_PATH, ge=0)
    embed_cache_size: int = option(10_000, "query-vector LRU entries per worker; 0 = off", QUERY_PATH, ge=0)
    embed_cache_redis: bool = option(False, "share query vectors between workers in Redis", QUERY_PATH)
    embed_cache_ttl_s: int = option(
        24 * 3600, "lifetime of a shared query vector", QUERY_PATH, ge=1, flags=["--embed-cache-ttl"]
    )

    # Speedups that lean on a library's internals (docs/operations.md, "Speedups"). Each is on by default, can be
    # turned off, and is tested against the stock path it replaces.
    fast_execution: bool = option(True, "complete plain GraphQL fields without graphql-core's field path", SPEEDUPS)
    document_cache: bool = option(True, "parse and validate each distinct GraphQL document once", SPEEDUPS)
    redis_pipelined_reads: bool = option(True, "hot-path reads pipelined on one connection per worker", SPEEDUPS)
    onnx_own_session: bool = option(True, "build the ONNX session with the spin mode instead of fastembed's", SPEEDUPS)

    drain_s: float = option(
        1.0, "after SIGTERM, seconds /readyz answers 503 while requests are still served", SERVER, ge=0, le=120
    )

    # Bulk loading (`recommender load`)
    ingest_batch: int = option(500, "products per pipeline", LOAD, ge=1)
    pipelines: int = option(2, "pipelines in flight at once", LOAD, ge=1)

    def namespaced(self, root: str) -> "Settings":
        """These settings with every key the stores write (users, popularity, co-engagement, experiments,
        scenarios, rate limits, persisted queries) under `root`, so two runtimes sharing one Redis share none of
        them. The product index and its hashes stay as they are: whether to share them is the caller's choice."""
        suffixes = {"popularity_key": "", "co_engagement_key": "", "experiment_key": "", "user_prefix": "user:"}
        suffixes |= {"scenario_key": "scenarios", "rate_limit_key": "rl", "persisted_query_key": "apq"}
        return self.model_copy(update={name: f"{root}{suffix}" for name, suffix in suffixes.items()})

    def event_policy(self) -> EventPolicy:
        weights = {kind: getattr(self, f"event_weight_{kind.value.lower()}") for kind in EventKind}
        return EventPolicy(weights=weights, alpha=self.session_alpha, half_life_s=self.affinity_half_life_s)

    def onnx_threads_per_worker(self) -> int:
        return self.onnx_threads or max(1, len(os.sched_getaffinity(0)) // self.workers)
