"""GraphQL over HTTP: Strawberry's ASGI view with our JSON encoder and a per-request Context.

Besides Strawberry's own handling it: resolves who is calling (`authenticate`, see serving/auth.py),
runs Apollo's persisted queries (gql/persisted_queries.py), and answers clients that ask for
`application/graphql-response+json` with that type and the spec's status codes. A request refused
before execution (a bad token, an unknown persisted hash) gets one typed error and runs nothing.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import ExecutionResult, GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema

from domain.errors import StoreUnavailable
from domain.validation import is_unicode_text
from gql.errors import SERVICE_UNAVAILABLE
from gql.identity import Caller, NotAuthenticated, unauthenticated
from gql.media_type import GRAPHQL_RESPONSE, JSON, is_request_error, prefers_graphql_response
from gql.observed import NoObserver, Observer
from gql.persisted_queries import BAD_REQUEST, PersistedQueries, PersistedQueryError
from gql.rate_limited import RateCheck

# The Authorization header → (caller, may run admin operations); raises NotAuthenticated for a bad token.
Authenticate = Callable[[str], tuple[Caller, bool]]
# (request, caller) → the rate check of this request, or None without rate limits.
RateChecks = Callable[[Request, Caller], RateCheck | None]


# Where a lone UTF-16 surrogate (U+D800-U+DFFF) can come from in UTF-8 JSON: a JSON escape of one, or its raw
# bytes, which json.loads reads with "surrogatepass". Only a body with one of these (or in UTF-16 or UTF-32,
# which json.loads also reads) is searched string by string.
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def _holds_surrogate(decoded: object) -> bool:
    """Whether a string (or a key) anywhere in `decoded` holds half of a UTF-16 pair: no Unicode text."""
    stack = [decoded]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and not is_unicode_text(value):
            return True
    return False


def _refuse(request: Request, error: GraphQLError, status: int, **headers: str) -> None:
    request.state.graphql_refusal = (error, status, headers)


class RecommenderGraphQL(GraphQL[Any, None]):
    """Serves `schema` with the service of `request.app.state.runtime` (set by the app's lifespan)."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        graphiql: bool,
        authenticate: Authenticate,
        rate_checks: RateChecks | None = None,
        persisted: Callable[[Request], PersistedQueries | None] | None = None,
        observer: Callable[[Request], Observer] | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.authenticate = authenticate
        self.rate_checks = rate_checks
        self.persisted = persisted
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry answers a request it cannot take (a body that is no JSON, a batch, a wrong content type,
        bad `variables`, a GET mutation) in plain text, which a GraphQL client fails to parse and so hides the
        reason from its user: the same status with one `BAD_REQUEST` error, as JSON, in the type asked for."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            media = GRAPHQL_RESPONSE if prefers_graphql_response(request.headers.get("accept", "")) else JSON
            error = {"message": exc.reason, "extensions": {"code": BAD_REQUEST}}
            body = orjson.dumps({"errors": [error]})
            response = Response(body, status_code=exc.status_code, media_type=f"{media}; charset=utf-8")
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming a persisted query by hash has no `query` either; it wants the result, not GraphiQL.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    def parse_json(self, data: str | bytes) -> Any:
        """The request's JSON; anything Python's parser cannot read is a 400, as malformed JSON is.

        Strawberry turns only a syntax error into a 400: a body that is not UTF-8, nested past the
        recursion limit or holding an integer past Python's 4300 digits raised, and a body that is JSON
        but no object (`42`) failed later; each was a 500. `data` is the body as bytes, or a GET
        parameter (`variables`, `extensions`) as str, where `null` stays allowed.
        """
        try:
            decoded = json.loads(data)  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
        except (ValueError, RecursionError) as exc:
            raise HTTPException(400, "Unable to parse request body as JSON") from exc
        if isinstance(data, bytes) and not isinstance(decoded, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        # Python reads "\ud83e" alone, but neither the model nor Redis takes it, nor orjson once stored.
        raw = data if isinstance(data, bytes) else data.encode(errors="surrogatepass")
        maybe = json.detect_encoding(raw) != "utf-8" or _MAYBE_SURROGATE.search(raw) is not None
        if maybe and _holds_surrogate(decoded):
            raise HTTPException(400, "The request holds an unpaired UTF-16 surrogate: not Unicode text")
        return decoded

    def encode_json(self, data: object) -> bytes:
        # Responses only: requests stay on json.loads, which reads NaN/Infinity literals, so such a
        # value gets a BAD_USER_INPUT naming its argument rather than a bare "invalid JSON".
        return orjson.dumps(data)

    async def get_context(self, request: Request, response: Any) -> Any:  # type: ignore[override]
        from gql.schema import Context  # the schema module imports this one's siblings; keep imports acyclic

        request.state.sub_response = response
        if prefers_graphql_response(request.headers.get("accept", "")):
            response.media_type = GRAPHQL_RESPONSE
        try:
            caller, admin = self.authenticate(request.headers.get("authorization", ""))
        except NotAuthenticated as exc:
            caller, admin = Caller(tokens=True), False
            challenge = 'Bearer error="invalid_token"'
            _refuse(request, unauthenticated(f"Invalid token: {exc}."), 401, **{"WWW-Authenticate": challenge})
        return Context(
            service=request.app.state.runtime.service,
            cursors=request.app.state.runtime.cursors,
            is_admin=admin,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
            caller=caller,
            response=response,
            rate_check=self.rate_checks(request, caller) if self.rate_checks is not None else None,
            observer=self.observer(request) if self.observer is not None else NoObserver(),
        )

    async def execute_single(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        data: GraphQLRequestData = kwargs["request_data"]
        persisted = self.persisted(request) if self.persisted is not None else None
        if persisted is not None and data.extensions and not hasattr(request.state, "graphql_refusal"):
            await self._resolve_persisted(request, persisted, data)
        refusal = getattr(request.state, "graphql_refusal", None)
        if refusal is None:
            return await super().execute_single(request, *args, **kwargs)
        error, status, headers = refusal
        kwargs["context"].observer.operation("-", error.extensions["code"], 0.0)  # refused before parsing
        sub_response: Response = request.state.sub_response
        sub_response.status_code = status
        sub_response.headers.update(headers)
        return ExecutionResult(data=None, errors=[error])

    @staticmethod
    async def _resolve_persisted(request: Request, persisted: PersistedQueries, data: GraphQLRequestData) -> None:
        try:
            data.query = await persisted.document(data.query, data.extensions)
        except PersistedQueryError as exc:
            _refuse(request, exc.error, exc.status)
        except StoreUnavailable:
            error = GraphQLError("The persisted query store is unavailable.", extensions={"code": SERVICE_UNAVAILABLE})
            _refuse(request, error, 503)

    async def process_result(self, request: Request, result: Any) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        sub_response: Response = request.state.sub_response
        if sub_response.media_type == GRAPHQL_RESPONSE and result.data is None and is_request_error(result.errors):
            # The GraphQL over HTTP spec: a request error (does not parse, validate, or coerce) is a 4xx
            # without a `data` entry. application/json clients keep getting 200, as before.
            processed.pop("data", None)
            sub_response.status_code = sub_response.status_code or 400
        return processed

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response
