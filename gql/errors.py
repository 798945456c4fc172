"""Error policy: domain errors become typed GraphQL errors, everything unexpected is masked.

Every error a client sees carries `extensions.code`:
- BAD_USER_INPUT: an argument or variable is invalid; `extensions.argument` names it as the client wrote it.
- SERVICE_UNAVAILABLE: Redis cannot be reached right now; retry later.
- GRAPHQL_VALIDATION_FAILED: the document does not parse or does not fit the schema.
- FORBIDDEN: an admin field whose type cannot answer NotAuthorized, asked without admin rights (gql.admin).
- INTERNAL_SERVER_ERROR: anything else, masked, a value the response cannot carry included; details are logged
  under `extensions.errorId` and the request id (`extensions.requestId`, also the X-Request-ID response header).
"""

import logging
import re
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import InvalidInput, StoreUnavailable

BAD_USER_INPUT = "BAD_USER_INPUT"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL = "INTERNAL_SERVER_ERROR"

log = logging.getLogger("recommender.errors")
# graphql-core's words for a value the client sent that its type refuses (a NaN Float, a string for an Int, a
# missing non-null one): a variable's, coerced before anything runs, or an argument's, coerced as its field starts
# (that error has a path, as one building the response has). Validation's words about a variable ("is never
# used", "is not defined") say the document is wrong, not a value.
_VARIABLE_VALUE = re.compile(r"Variable ['\"]\$([A-Za-z_]\w*)['\"] has invalid value(?: at ([^:\s]+))?:")
_ARGUMENT_VALUE = re.compile(r"Argument ['\"]([A-Za-z_]\w*)['\"] has invalid value")


def graphql_name(argument: str) -> str:
    """`filters.min_price` → `filters.minPrice`: name the argument as the client wrote it."""
    return ".".join(re.sub(r"_([a-z])", lambda m: m.group(1).upper(), part) for part in argument.split("."))


def _camel_mentions(message: str) -> str:
    # Messages may mention sibling arguments in domain spelling (e.g. "filters.max_price").
    return re.sub(
        r"\b[a-z]+(?:\.[a-z]+(?:_[a-z]+)*)+\b|\b[a-z]+(?:_[a-z]+)+\b", lambda m: graphql_name(m.group(0)), message
    )


def _with(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _client_value(error: GraphQLError) -> str | None:
    """The variable or argument whose value the client sent wrong, as the client wrote it; None: not such an error.
    `$products` at `[3].price` → `products[3].price`."""
    value = _VARIABLE_VALUE.match(error.message)
    if value is None and error.path is not None:
        value = _ARGUMENT_VALUE.match(error.message)
    return None if value is None else "".join(part for part in value.groups() if part)


def _about_the_request(error: GraphQLError) -> bool:
    """Raised by GraphQL itself about the request (syntax, validation, a variable or argument value), or on
    purpose by a resolver with its code; not while building the response, where a value its type cannot carry
    (an infinite Float, a value an enum lacks) is the server's fault whatever the client sent."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return False
    return error.path is None or "code" in (error.extensions or {}) or _client_value(error) is not None


def translate(error: GraphQLError, request_id: str = "-") -> GraphQLError:
    original = error.original_error
    if isinstance(original, InvalidInput):
        name = graphql_name(original.argument)
        message = f"Invalid argument {name}: {_camel_mentions(original.message)}"
        return _with(error, message, {"code": BAD_USER_INPUT, "argument": name})
    if isinstance(original, StoreUnavailable):
        log.warning("redis unavailable at %s: %s", error.path, original)
        return _with(error, "The recommendation store is unavailable; retry shortly.", {"code": SERVICE_UNAVAILABLE})
    if _about_the_request(error):
        extensions = dict(error.extensions or {})
        value = _client_value(error)
        extensions.setdefault("code", VALIDATION_FAILED if value is None else BAD_USER_INPUT)
        if value is not None:
            extensions.setdefault("argument", value)
        return _with(error, error.message, extensions)
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s (request %s) at %s", error_id, request_id, error.path, exc_info=original)
    message = f"Unexpected error (id {error_id}, request {request_id})."
    return _with(error, message, {"code": INTERNAL, "errorId": error_id, "requestId": request_id})


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)  # graphql-core's or Strawberry's ExecutionResult
        if errors:
            request_id = getattr(self.execution_context.context, "request_id", "-")
            result.errors = [translate(error, request_id) for error in errors]  # type: ignore[union-attr]
