"""The Starlette application: GraphQL (and GraphiQL) at /graphql, the demo page, health and readiness probes."""

import gc
import logging
import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from adapters.redis.persisted_queries import RedisPersistedQueries
from bootstrap.runtime import Runtime, open_runtime
from bootstrap.settings import Settings
from gql.http import RecommenderGraphQL
from gql.identity import Caller
from gql.persisted_queries import PersistedQueries
from gql.rate_limited import RateCheck
from gql.schema import build_schema
from serving import lifecycle
from serving.auth import Authenticator, TokenVerifier
from serving.http_guard import HttpGuard
from serving.metrics import CONTENT_TYPE, Metrics
from serving.rate_limits import RateLimits
from serving.security_headers import on_every_response, on_the_demo_page

STATIC_DIR = Path(__file__).parent / "static"
# Apollo Client sends its client name and version when given them, and browser tracing the W3C trace context:
# a preflight refusing any of them blocks the call.
CORS_HEADERS = [
    "content-type", "authorization", "x-request-id",
    "apollographql-client-name", "apollographql-client-version", "traceparent", "tracestate",
]  # fmt: skip
CORS_MAX_AGE_S = 600
# Names only this machine resolves to itself: browsers pin localhost and *.localhost to loopback, and a page on
# another site cannot make them its own.
LOOPBACK_HOSTS = ("localhost", "*.localhost", "127.0.0.1", "[::1]")

log = logging.getLogger("recommender")


async def index_page(request: Request) -> Response:
    """The interactive demo page; it talks only to /graphql."""
    return FileResponse(STATIC_DIR / "index.html")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def metrics_json(request: Request) -> Response:
    """Counters of this worker process: embedding batches, query-vector cache hits and misses."""
    return JSONResponse(request.app.state.runtime.metrics())


async def metrics(request: Request) -> Response:
    """Prometheus text format, of every worker (docs/operations.md, "Metrics")."""
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE)


async def readyz(request: Request) -> Response:
    if lifecycle.draining():
        # SIGTERM came: the load balancer should stop sending while the requests in flight finish.
        return JSONResponse({"ready": False, "checks": {"draining": True}}, status_code=503)
    checks = await request.app.state.runtime.readiness()
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


def _rate_limits(settings: Settings, runtime: Runtime) -> RateLimits | None:
    table = settings.rate_limit_table()
    url = settings.rate_limit_redis_url or runtime.redis_url
    if not table:
        return None
    if url is None:
        log.warning("rate limits configured but no Redis to count them in: not enforced")
        return None
    return RateLimits(url, table, settings.trusted_proxies, settings.rate_limit_key)


def _persisted(settings: Settings, runtime: Runtime) -> PersistedQueries | None:
    if runtime.redis is None:
        return None
    store = RedisPersistedQueries(
        runtime.redis,
        settings.persisted_query_key,
        settings.persisted_query_ttl_s,
        settings.persisted_query_max_entries,
    )
    return PersistedQueries(store, settings.persisted_query_max_bytes)


def _rate_check(request: Request, caller: Caller) -> RateCheck | None:
    limits: RateLimits | None = request.app.state.rate_limits
    return None if limits is None else limits.check_for(request, caller)


def allowed_hosts(settings: Settings) -> list[str] | None:
    """The Host header values answered; None: any.

    Without an admin token every caller is an admin, trusted for being on this machine. A web page can still
    reach it through DNS rebinding: its own name, re-resolved to 127.0.0.1, makes its requests same-origin,
    but they carry that name in Host. So that mode answers loopback names only (and those listed).
    """
    if settings.admin_token is not None:
        return [*LOOPBACK_HOSTS, *settings.allowed_hosts] if settings.allowed_hosts else None
    bound = f"[{settings.host}]" if ":" in settings.host else settings.host  # a loopback address: `serve` checks
    return [*LOOPBACK_HOSTS, bound, *settings.allowed_hosts]


def _middleware(settings: Settings) -> list[Middleware]:
    middleware = [Middleware(HttpGuard, max_body_bytes=settings.max_body_bytes)]
    if settings.cors_origins:
        # Exact origins only (no wildcard, no regex); other origins get no CORS headers, so the browser blocks them.
        cors = Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=CORS_HEADERS,
            expose_headers=["x-request-id", "retry-after"],
            max_age=CORS_MAX_AGE_S,
        )
        middleware.insert(0, cors)  # preflights are answered before anything else runs
    hosts = allowed_hosts(settings)
    if hosts is not None:
        # Nothing runs for a request sent to a name this server does not answer to.
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False))
    return [on_every_response(), *middleware]  # outermost: refusals and preflights get the headers too


def create_app(settings: Settings | None = None, **ports: Any) -> Starlette:
    """`ports` go to the composition root (bootstrap.runtime.open_runtime): embedder, index, users, catalog."""
    settings = settings or Settings()
    authenticator = Authenticator(settings.admin_token, TokenVerifier.from_settings(settings))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, **ports) as runtime:
            app.state.runtime = runtime
            app.state.rate_limits = _rate_limits(settings, runtime)
            app.state.persisted = _persisted(settings, runtime)
            app.state.metrics = Metrics(runtime.embedding_cache)
            # What start-up built (the model session, tokenizer, schema, ~75k objects) lives as long as the
            # process; frozen, the cyclic GC stops walking it: a full collection under load took ~60 ms
            # (a stall for every request in flight), ~2 ms frozen.
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()  # collectable again once this app is gone (tests start many apps in one process)

    schema = build_schema(
        introspection=settings.introspection,
        max_search_fields=settings.max_search_fields,
        fast_execution=settings.fast_execution,
        document_cache=settings.document_cache,
    )
    graphql_app = RecommenderGraphQL(
        schema,
        graphiql=settings.graphiql,
        authenticate=authenticator.caller,
        rate_checks=_rate_check,
        persisted=lambda request: request.app.state.persisted,
        observer=lambda request: request.app.state.metrics,
    )
    # The demo page's scripts are ES modules, which browsers run only when served with a JavaScript type; the
    # guess otherwise comes from the host's tables (the Windows registry may say text/plain).
    mimetypes.add_type("text/javascript", ".js")
    routes = [
        Route("/", index_page, middleware=on_the_demo_page()),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static", middleware=on_the_demo_page()),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/metrics.json", metrics_json),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=_middleware(settings))
