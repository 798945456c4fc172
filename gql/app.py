"""The Starlette application: GraphQL (and GraphiQL) at /graphql, health and readiness probes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from domain.ports import Embedder
from gql.bootstrap import Runtime, Settings, open_runtime
from gql.schema import Context, schema


class RecommenderGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        runtime: Runtime = request.app.state.runtime
        return Context(service=runtime.service)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


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
            yield

    graphql_app = RecommenderGraphQL(schema, graphql_ide="graphiql" if settings.graphiql else None)
    routes = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
