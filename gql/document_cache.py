"""Parse and validate each distinct document once, keyed by its text rather than by its syntax tree.

Strawberry's ValidationCache keys its LRU on the parsed document, and graphql-core's AST nodes hash
by recursively hashing every child: for the benchmark's document that is ~110 node hashes per request,
a tenth of the whole GraphQL cost. Here the parse cache maps the query text (and parse options) to
the document, and the validation cache maps that same document object, by identity, to its errors.
Both are bounded LRUs, so unique query texts from a client cannot grow memory without limit.
"""

from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from contextlib import suppress
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DEFAULT_SIZE = 256


class Lru:
    """A bounded least-recently-used map with hit and miss counts (None is not a storable value)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        found = self._items.get(key)
        if found is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class DocumentStore:
    """Parsed documents by text, validation errors by document identity; one per schema."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.parsed = Lru(size)
        self.validated = Lru(size)

    def parse(self, query: str, options: Mapping[str, Any]) -> DocumentNode:
        key = (query, *sorted(options.items()))
        document = self.parsed.get(key)
        if document is None:
            document = parse(query, **options)  # a syntax error propagates and nothing is cached
            self.parsed.put(key, document)
        return document  # type: ignore[no-any-return]

    def validate(self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]) -> list[GraphQLError]:
        # The entry keeps the document alive, so its id cannot be reused while the entry exists.
        key = id(document)
        found = self.validated.get(key)
        if found is not None and found[0] is document and found[1] is schema and found[2] == rules:
            return found[3]  # type: ignore[no-any-return]
        errors = validate_document(schema, document, rules)
        self.validated.put(key, (document, schema, rules, errors))
        return errors


class DocumentCache(SchemaExtension):
    """Use as `lambda: DocumentCache(store)` with one store per schema."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            # On a syntax error the document stays unparsed: Strawberry parses again and reports it its own way.
            with suppress(GraphQLError):
                context.graphql_document = self.store.parse(context.query, context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            context.pre_execution_errors = self.store.validate(
                context.schema._schema, context.graphql_document, tuple(context.validation_rules)
            )
        yield
