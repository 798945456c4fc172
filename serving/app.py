"""The Starlette application: GraphQL (and GraphiQL) at /graphql, health and readiness probes."""

import gc
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from domain.ports import Embedder
from gql.bootstrap import Runtime, Settings, open_runtime
from gql.http_guard import HttpGuard
from gql.schema import Context, build_schema

STATIC_DIR = Path(__file__).parent / "static"


def is_admin(request: Request, admin_token: str | None) -> bool:
    """No token configured: everyone is admin (loopback only, see `serve`). Else a matching Bearer token."""
    if admin_token is None:
        return True
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    # Constant-time comparison: response timing must not reveal how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), admin_token.encode())


class RecommenderGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.admin_token = settings.admin_token

    def encode_json(self, data: object) -> bytes:
        # Responses only: requests stay on json.loads, which reads NaN/Infinity literals, so such a
        # value gets a BAD_USER_INPUT naming its argument rather than a bare "invalid JSON".
        return orjson.dumps(data)

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        runtime: Runtime = request.app.state.runtime
        return Context(
            service=runtime.service,
            is_admin=is_admin(request, self.admin_token),
            request_id=request.scope.get("state", {}).get("request_id", "-"),
        )


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


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> Starlette:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, embedder=embedder) as runtime:
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

    schema = build_schema(introspection=settings.introspection, max_search_fields=settings.max_search_fields)
    graphql_app = RecommenderGraphQL(schema, settings)
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
