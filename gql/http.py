"""GraphQL over HTTP: Strawberry's ASGI view with our JSON encoder and a per-request Context."""

import hmac
from typing import Any

import orjson
from starlette.requests import Request
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from gql.schema import Context


def is_admin(request: Request, admin_token: str | None) -> bool:
    """No token configured: everyone is admin (loopback only, see `serve`). Else a matching Bearer token."""
    if admin_token is None:
        return True
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    # Constant-time comparison: response timing must not reveal how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), admin_token.encode())


class RecommenderGraphQL(GraphQL[Context, None]):
    """Serves `schema` with the service of `request.app.state.runtime` (set by the app's lifespan)."""

    def __init__(self, schema: BaseSchema, *, graphiql: bool, admin_token: str | None) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.admin_token = admin_token

    def encode_json(self, data: object) -> bytes:
        # Responses only: requests stay on json.loads, which reads NaN/Infinity literals, so such a
        # value gets a BAD_USER_INPUT naming its argument rather than a bare "invalid JSON".
        return orjson.dumps(data)

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        return Context(
            service=request.app.state.runtime.service,
            is_admin=is_admin(request, self.admin_token),
            request_id=request.scope.get("state", {}).get("request_id", "-"),
        )
