"""Admin operations, declared once: `extensions=[AdminOnly()]` on the field (`AdminRead()` on a query).

Both consequences are read from that one declaration: the field answers `NotAuthorized` to a caller
without admin rights (the admin token or a token with the admin role, see serving.auth), and an
operation selecting it counts in the `admin` rate-limit class (gql.rate_limited). A read whose type is a
plain object or list (no union to hold `NotAuthorized`) refuses with a FORBIDDEN error instead.
"""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types.base import get_object_definition

from gql.identity import FORBIDDEN
from gql.product_types import NotAuthorized


class AdminOnly(FieldExtension):
    """Runs the field for admin callers only; anyone else gets `NotAuthorized` (a member of its result union)."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if not info.context.is_admin:
            return self.refuse(info)
        return await next_(source, info, **kwargs)

    def refuse(self, info: strawberry.Info) -> Any:
        return NotAuthorized.admin_only(info.field_name)


class AdminRead(AdminOnly):
    """AdminOnly for a query field: a caller without admin rights gets a FORBIDDEN error."""

    def refuse(self, info: strawberry.Info) -> Any:
        raise GraphQLError(NotAuthorized.admin_only(info.field_name).message, extensions={"code": FORBIDDEN})


def admin_mutations(schema: strawberry.Schema) -> frozenset[str]:
    """The GraphQL names of the schema's mutations declared AdminOnly."""
    return _admin_fields(schema, schema.mutation)


def admin_queries(schema: strawberry.Schema) -> frozenset[str]:
    """The GraphQL names of the schema's queries declared AdminRead."""
    return _admin_fields(schema, schema.query)


def _admin_fields(schema: strawberry.Schema, root: type | None) -> frozenset[str]:
    definition = None if root is None else get_object_definition(root)
    if definition is None:
        return frozenset()
    name = schema.config.name_converter.get_graphql_name
    return frozenset(name(f) for f in definition.fields if any(isinstance(e, AdminOnly) for e in f.extensions))
