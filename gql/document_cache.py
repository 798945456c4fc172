"""Parse and validate each distinct document once, keyed by its text rather than by its syntax tree.

Strawberry's ValidationCache keys its LRU on the parsed document, and graphql-core's AST nodes hash
by recursively hashing every child: for the benchmark's document that is ~110 node hashes per request,
a tenth of the whole GraphQL cost. Here the parse cache maps the query text (and parse options) to
the document, and the validation cache maps that same document object, by identity, to its errors.
Both are bounded LRUs, so unique query texts from a client cannot grow memory without limit.

Setting `document_cache` (on by default): off, Strawberry parses and validates every request itself.
It reads the graphql-core schema from Strawberry's `Schema._schema` (strawberry-graphql is pinned).
"""

from collections.abc import Iterator, Mapping
from contextlib import suppress
from typing import Any

from cachetools import LRUCache, cached
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DEFAULT_SIZE = 256


def _parse_key(query: str, options: Mapping[str, Any]) -> tuple[Any, ...]:
    return (query, *sorted(options.items()))


def _validate_key(schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]) -> tuple[Any, ...]:
    # By identity: hashing a syntax tree walks every node. The entry holds the document and the schema,
    # so neither id can be reused by another object while the entry exists.
    return (id(schema), id(document), rules)


def _validated(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]
) -> tuple[GraphQLSchema, DocumentNode, list[GraphQLError]]:
    return schema, document, validate_document(schema, document, rules)


class DocumentStore:
    """Parsed documents by text, validation errors by document identity; one per schema.

    `parse.cache_info()` and `validated.cache_info()` count hits and misses. A syntax error propagates
    and nothing is cached for it.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.parse = cached(LRUCache(size), key=_parse_key, info=True)(_parse)
        self.validated = cached(LRUCache(size), key=_validate_key, info=True)(_validated)

    def validate(self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]) -> list[GraphQLError]:
        return self.validated(schema, document, rules)[2]


def _parse(query: str, options: Mapping[str, Any]) -> DocumentNode:
    return parse(query, **options)


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
