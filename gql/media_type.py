"""The GraphQL over HTTP spec's response media type, `application/graphql-response+json`."""

from graphql import GraphQLError

from gql.errors import BAD_USER_INPUT, VALIDATION_FAILED
from gql.persisted_queries import BAD_REQUEST

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
REQUEST_ERROR_CODES = frozenset({VALIDATION_FAILED, BAD_USER_INPUT, "QUERY_TOO_COSTLY", BAD_REQUEST})


def _quality(media_range: str) -> tuple[str, float]:
    kind, *params = (part.strip() for part in media_range.split(";"))
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return kind.lower(), quality


def prefers_graphql_response(accept: str) -> bool:
    """True when the Accept header ranks the spec's type at least as high as application/json."""
    ranked = dict(_quality(part) for part in accept.split(",") if part.strip())
    wanted = ranked.get(GRAPHQL_RESPONSE, 0.0)
    return wanted > 0 and wanted >= ranked.get(JSON, 0.0)


def is_request_error(errors: list[GraphQLError] | None) -> bool:
    """Errors raised before execution: the document did not parse or validate, variables did not coerce, or
    the request did not say which of its operations to run."""
    return bool(errors) and all(
        e.path is None and (e.extensions or {}).get("code") in REQUEST_ERROR_CODES for e in errors or []
    )
