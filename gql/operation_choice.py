"""GraphQL's GetOperation: a document of several operations runs the one the request names, never a guess.

Strawberry, given no operationName, runs the document's first operation; graphql-core and the spec refuse the
request instead. The refusal is a request error (nothing runs), so the HTTP layer answers it as it answers a
document that does not validate.
"""

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from gql.persisted_queries import BAD_REQUEST

# graphql-core's own words for it.
UNNAMED = "Must provide operation name if query contains multiple operations."


def _operations(document: object) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in getattr(document, "definitions", ()))


class OperationChoice(SchemaExtension):
    """Reads the name the caller gave (to the HTTP view or to `Schema.execute`) from Strawberry's execution
    context, whose public `operation_name` reports the first operation's name when none was given."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        named = context._provided_operation_name is not None  # strawberry-graphql is pinned (pyproject.toml)
        if context.result is None and not named and _operations(context.graphql_document) > 1:
            error = GraphQLError(UNNAMED, extensions={"code": BAD_REQUEST})
            context.result = ExecutionResult(data=None, errors=[error])
        yield
