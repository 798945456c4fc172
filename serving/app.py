"""The Starlette application: GraphQL (and GraphiQL) at /graphql, the demo page, health and readiness probes."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bootstrap.runtime import open_runtime
from bootstrap.settings import Settings
from gql.http import RecommenderGraphQL
from gql.schema import build_schema
from serving.http_guard import HttpGuard

STATIC_DIR = Path(__file__).parent / "static"


async def index_page(request: Request) -> Response:
    """The interactive demo page; it talks only to /graphql."""
    return FileResponse(STATIC_DIR / "index.html")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def metrics(request: Request) -> Response:
    """Counters of this worker process: embedding batches, query-vector cache hits and misses."""
    return JSONResponse(request.app.state.runtime.metrics())


async def readyz(request: Request) -> Response:
    checks = await request.app.state.runtime.readiness()
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


def create_app(settings: Settings | None = None, **ports: Any) -> Starlette:
    """`ports` go to the composition root (bootstrap.runtime.open_runtime): embedder, index, users, catalog."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, **ports) as runtime:
            app.state.runtime = runtime
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
        plain_inputs=settings.plain_inputs,
    )
    graphql_app = RecommenderGraphQL(schema, graphiql=settings.graphiql, admin_token=settings.admin_token)
    routes = [
        Route("/", index_page),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
    ]
    return Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(HttpGuard, max_body_bytes=settings.max_body_bytes)]
    )
