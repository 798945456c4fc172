"""Admin operations, declared once: `extensions=[AdminOnly()]` on the field.

Both consequences are read from that one declaration: the field answers `NotAuthorized` to a caller
without admin rights (the admin token or a token with the admin role, see serving.auth), and an
operation selecting it counts in the `admin` rate-limit class (gql.rate_limited).
"""

from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types.base import get_object_definition

from gql.product_types import NotAuthorized


class AdminOnly(FieldExtension):
    """Runs the field for admin callers only; anyone else gets `NotAuthorized` (a member of its result union)."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if not info.context.is_admin:
            return NotAuthorized.admin_only(info.field_name)
        return await next_(source, info, **kwargs)


def admin_mutations(schema: strawberry.Schema) -> frozenset[str]:
    """The GraphQL names of the schema's mutations declared AdminOnly."""
    definition = None if schema.mutation is None else get_object_definition(schema.mutation)
    if definition is None:
        return frozenset()
    name = schema.config.name_converter.get_graphql_name
    return frozenset(name(f) for f in definition.fields if any(isinstance(e, AdminOnly) for e in f.extensions))
