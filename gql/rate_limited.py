"""Rate limits per class of operation, checked once the document is valid and before anything runs.

The class is decided by the operation's root fields: mutations and queries declared admin (gql.admin) count
as `admin`, other mutations (clicks, events, resets) as `events`, other queries as `recommendations`. An
operation over its budget gets HTTP 429, a Retry-After header and an error with code RATE_LIMITED; nothing runs.
"""

import math
from collections.abc import AsyncIterator, Awaitable, Callable

import strawberry
from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode, OperationType
from strawberry.extensions import SchemaExtension

from gql.admin import admin_mutations, admin_queries

RATE_LIMITED = "RATE_LIMITED"

# (class) -> seconds until the caller may try again, or None when the request is within its budget.
RateCheck = Callable[[str], Awaitable[float | None]]


def rate_class(operation: OperationDefinitionNode, schema: strawberry.Schema) -> str:
    names = {getattr(s, "name", None) and s.name.value for s in operation.selection_set.selections}  # type: ignore[attr-defined]
    if operation.operation is not OperationType.MUTATION:
        return "admin" if names & admin_queries(schema) else "recommendations"
    return "admin" if names & admin_mutations(schema) else "events"


def _operation(document: object, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in getattr(document, "definitions", ()) if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation
    return None


class RateLimited(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        check: RateCheck | None = getattr(context.context, "rate_check", None)
        operation = _operation(context.graphql_document, context.operation_name)
        if check is not None and operation is not None:
            retry_after = await check(rate_class(operation, context.schema))
            if retry_after is not None:
                seconds = max(1, math.ceil(retry_after))
                response = getattr(context.context, "response", None)
                if response is not None:
                    response.status_code = 429
                    response.headers["Retry-After"] = str(seconds)
                error = GraphQLError(
                    f"Too many requests; retry in {seconds} s.",
                    extensions={"code": RATE_LIMITED, "retryAfter": seconds},
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield
