"""Query cost limits: one request must not be able to run hundreds of KNN searches or huge documents."""

from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from graphql.validation.validation_context import ASTValidationContext
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

MAX_DEPTH = 8
MAX_TOKENS = 2000
MAX_ALIASES = 16
MAX_SEARCH_FIELDS = 4
SEARCH_FIELD = "recommendations"


def search_field_cap(limit: int) -> type[ASTValidationRule]:
    """A validation rule: at most `limit` `recommendations` fields per operation, aliases and fragments included."""

    class SearchFieldCap(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            count = _count(node.selection_set, self.context, set())
            if count > limit:
                self.report_error(
                    GraphQLError(
                        f"At most {limit} `{SEARCH_FIELD}` fields per request, got {count}.",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY"},
                    )
                )

    return SearchFieldCap


def _count(selection_set: SelectionSetNode | None, context: ASTValidationContext, seen: set[str]) -> int:
    # Only the top level of a query can hold `recommendations`; fragments may bring it there too.
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value == SEARCH_FIELD:
            total += 1
        elif isinstance(selection, InlineFragmentNode):
            total += _count(selection.selection_set, context, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = context.get_fragment(selection.name.value)
            if fragment is not None:
                # Counted once per spread: a fragment spread twice costs twice.
                total += _count(fragment.selection_set, context, seen | {selection.name.value})
    return total


class QueryLimits(SchemaExtension):
    """Adds the limit rules to validation and caps the tokens the parser accepts."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int) -> None:
        self.rules = rules
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = (*context.validation_rules, *self.rules)
        yield


def limit_extensions(
    introspection: bool = True, max_search_fields: int = MAX_SEARCH_FIELDS, max_depth: int = MAX_DEPTH
) -> list[Callable[[], SchemaExtension]]:
    """Factories, not instances: each request gets a fresh extension object.

    The rule classes are built once, here: the validation cache compares them, so rules made per request
    (as QueryDepthLimiter and MaxAliasesLimiter instances do) would re-validate every document.
    """
    rules: list[type[ASTValidationRule]] = [
        # Strawberry never counts introspection fields (GraphiQL's own query is deep); the schema's
        # deepest path today is 4, so the depth limit guards types added later.
        depth_validator(max_depth, None),
        alias_validator(MAX_ALIASES),
        search_field_cap(max_search_fields),
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    frozen = tuple(rules)
    return [lambda: QueryLimits(frozen, MAX_TOKENS)]
