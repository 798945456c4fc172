"""A faster completion path for plain data fields, with graphql-core's executor as the fallback.

A `recommendations` response is ~110 fields, and almost all of them are plain attributes of the
returned dataclasses (`Product.name`, `Recommendation.score`, ...). graphql-core runs each through
its generic machinery: a `Path`, a `GraphQLResolveInfo`, the resolver call, awaitable checks and
`complete_value` dispatch, which together cost more than the search itself. For a selection whose
fields are all *plain* (Strawberry's default getattr resolver, no arguments, no middleware) and
whose types are scalars, lists, or object types without `is_type_of`, this module builds a small plan
and completes whole sub-trees with it: read the attribute, coerce the scalar, recurse. Plans are built
once per document and reused by later requests with the same (cached) document, unless it has
directives, whose variables can change what is selected.

Anything unusual (a null in a non-null field, a value a scalar refuses, an exception object, an
attribute that cannot be read) makes the plan give up for that object by raising `_GiveUp`, and
graphql-core completes the same object again from scratch, so errors, their messages and their paths
are exactly graphql-core's. Re-reading a plain attribute has no side effect, so running the fallback
after a partial plan run is safe. `_GiveUp` is the only signal to fall back: anything else raised in
here is a bug of this module and surfaces as an error instead of being hidden by the re-run.
"""

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from cachetools import LRUCache
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

Complete = Callable[[Any], Any]
Plan = tuple[tuple[str, Callable[[Any], Any], Complete], ...]


# Plans outlive one request when the document is the same object (the document cache hands out one
# per query text) and has no @skip/@include: then a selection's plan depends on its field nodes only.
SHARED_PLANS: LRUCache[tuple[Any, ...], tuple[Any, ...]] = LRUCache(1024)
_CONDITIONAL: LRUCache[int, tuple[Any, bool]] = LRUCache(256)  # id(operation) -> (operation, @skip/@include?)


def _has_directives(selection_set: SelectionSetNode | None, fragments: dict[str, Any]) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FieldNode | InlineFragmentNode):
            if _has_directives(selection.selection_set, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            # graphql-core keeps each fragment's definition in a FragmentDetails record
            fragment = getattr(fragments.get(selection.name.value), "definition", None)
            if isinstance(fragment, FragmentDefinitionNode) and (
                fragment.directives or _has_directives(fragment.selection_set, fragments)
            ):
                return True
    return False


def _conditional(operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
    found = _CONDITIONAL.get(id(operation))
    if found is not None and found[0] is operation:
        return bool(found[1])
    conditional = bool(operation.directives) or _has_directives(operation.selection_set, fragments)
    _CONDITIONAL[id(operation)] = (operation, conditional)
    return conditional


class _GiveUp(Exception):
    """The plan met something only graphql-core's executor knows how to report."""


def _attribute(field_def: GraphQLField) -> Callable[[Any], Any] | None:
    """`operator.attrgetter` of the Python attribute behind a plain Strawberry field, else None."""
    # Strawberry marks the resolver it uses for fields without a resolver, permissions or extensions;
    # that resolver calls the field's default resolver (getattr, unless the schema configures another).
    if not getattr(field_def.resolve, "_is_default", False):
        return None
    field = (field_def.extensions or {}).get("strawberry-definition")
    if field is None or field.default_resolver is not getattr:
        return None
    return attrgetter(field.python_name)


def _scalar(scalar: GraphQLScalarType) -> Complete:
    coerce = scalar.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None or value is Undefined or isinstance(value, Exception):
            raise _GiveUp
        try:
            coerced = coerce(value)
        except Exception as exc:  # the scalar refuses the value: graphql-core reports it at the field's path
            raise _GiveUp from exc
        if coerced is None or coerced is Undefined:
            raise _GiveUp
        return coerced

    return complete


def _nullable(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        return None if value is None or value is Undefined else inner(value)

    return complete


def _list(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        if value is None or value is Undefined or isinstance(value, str | bytes | dict):
            raise _GiveUp
        if not isinstance(value, Iterable):
            raise _GiveUp
        return [inner(item) for item in value]

    return complete


def _object(plan: Plan) -> Complete:
    def complete(value: Any) -> Any:
        if value is None or value is Undefined or isinstance(value, Exception):
            raise _GiveUp
        return _run(plan, value)

    return complete


def _run(plan: Plan, source: Any) -> dict[str, Any]:
    completed = {}
    for name, read, complete in plan:
        try:
            value = read(source)
        except Exception as exc:  # graphql-core reports a failing read as that field's error, at its path
            raise _GiveUp from exc
        completed[name] = complete(value)
    return completed


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with `execute_fields` short-cut for all-plain selections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the identity of graphql-core's memoised grouped field sets, which are kept alive here
        # with their plan so an id cannot be reused within this execution.
        self._plans: dict[tuple[str, int], tuple[GroupedFieldSet, Plan | None]] = {}
        self._share_plans = not _conditional(self.operation, self.fragments)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is not None:
            try:
                return _run(plan, source_value)
            except _GiveUp:
                pass  # graphql-core completes this object again and reports what the plan met
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        if self._share_plans:
            plan = self._shared_plan(parent_type, grouped_field_set)
        else:
            plan = self._build_plan(parent_type, grouped_field_set)
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _shared_plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan | None:
        nodes = tuple(details.node for details_list in grouped_field_set.values() for details in details_list)
        key = (id(parent_type), tuple(grouped_field_set), *map(id, nodes))
        found = SHARED_PLANS.get(key)
        # The entry holds the type and the nodes, so their ids stay theirs while it exists.
        if found is not None and found[0] is parent_type and all(a is b for a, b in zip(found[1], nodes, strict=True)):
            return found[2]  # type: ignore[no-any-return]
        plan = self._build_plan(parent_type, grouped_field_set)
        SHARED_PLANS[key] = (parent_type, nodes, plan)
        return plan

    def _build_plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan | None:
        # Strawberry always passes a manager; it wraps resolvers only when an extension hooks `resolve`.
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None
        steps = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = parent_type.fields.get(node.name.value)
            if field_def is None or field_def.args or node.arguments:
                return None  # __typename, fields with arguments: graphql-core's job
            read = _attribute(field_def)
            complete = self._completer(field_def.type, field_details_list)
            if read is None or complete is None:
                return None
            steps.append((response_name, read, complete))
        return tuple(steps)

    def _completer(self, type_: GraphQLOutputType, field_details_list: FieldDetailsList) -> Complete | None:
        if isinstance(type_, GraphQLNonNull):
            return self._non_null_completer(type_.of_type, field_details_list)
        inner = self._non_null_completer(type_, field_details_list)
        return None if inner is None else _nullable(inner)

    def _non_null_completer(self, type_: Any, field_details_list: FieldDetailsList) -> Complete | None:
        if isinstance(type_, GraphQLScalarType):
            return _scalar(type_)
        if isinstance(type_, GraphQLList):
            inner = self._completer(type_.of_type, field_details_list)
            return None if inner is None else _list(inner)
        if isinstance(type_, GraphQLObjectType) and type_.is_type_of is None:
            grouped, new_defer_usages, *_ = self.collect_subfields(type_, field_details_list)
            if new_defer_usages:
                return None
            plan = self._plan(type_, grouped)
            return None if plan is None else _object(plan)
        return None  # enums, unions, interfaces: graphql-core's job
