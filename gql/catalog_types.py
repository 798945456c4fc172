"""Catalog changes over GraphQL (admin): the inputs, the results, and the mutations themselves."""

from typing import Annotated

import strawberry

from domain.catalog_updates import MAX_BATCH
from gql.admin import AdminOnly
from gql.arguments import arg
from gql.context import Info
from gql.product_types import NotAuthorized


@strawberry.input(description="A whole product, as `Product` shows it; the server computes its vector.")
class ProductInput:
    id: strawberry.ID = strawberry.field(description="Product id, 1-64 characters from A-Z a-z 0-9 _ . @ -.")
    name: str = strawberry.field(description="Display name, no control characters; embedded with the description.")
    description: str = strawberry.field(
        description="Marketing text; tab, line feed and carriage return are the only control characters it may "
        "hold. Embedded as '{name}. {description}'."
    )
    category: str = strawberry.field(description="Category slug, 1 to 64 characters, no comma (stored lower-case).")
    brand: str = strawberry.field(description="Brand slug, 1 to 64 characters, no comma (stored lower-case).")
    price: float = strawberry.field(description="Price, 0 to 10^12.")
    rating: float = strawberry.field(description="Average rating, 0 to 5.")
    in_stock: bool = strawberry.field(description="Whether the product can be ordered now.")

    def fields(self) -> dict[str, object]:
        return {**vars(self), "id": str(self.id)}


@strawberry.input(description="Changes to one product; omitted fields keep their value.")
class ProductPatch:
    id: strawberry.ID = strawberry.field(description="The product to change.")
    price: float | None = strawberry.field(default=None, description="New price, 0 to 10^12.")
    rating: float | None = strawberry.field(default=None, description="New rating, 0 to 5.")
    in_stock: bool | None = strawberry.field(default=None, description="New stock state.")
    name: str | None = strawberry.field(
        default=None, description="New name, as `ProductInput.name` (the product is re-embedded)."
    )
    description: str | None = strawberry.field(
        default=None, description="New description, as `ProductInput.description` (re-embedded)."
    )

    def fields(self) -> dict[str, object]:
        return {**vars(self), "id": str(self.id)}


@strawberry.type(description="The products were written; vectors were computed for new products and changed text.")
class ProductsUpserted:
    created: int = strawberry.field(description="Products that did not exist before.")
    updated: int = strawberry.field(description="Existing products overwritten.")
    embedded: int = strawberry.field(description="Products whose text was embedded (new or changed text).")
    product_ids: list[strawberry.ID] = strawberry.field(description="The ids written, in input order.")


@strawberry.type(description="The patches were applied to the products that exist.")
class ProductsUpdated:
    updated: int = strawberry.field(description="Products changed.")
    not_found: list[strawberry.ID] = strawberry.field(description="Ids with no product; nothing was created.")


@strawberry.type(description="The products were deleted.")
class ProductsDeleted:
    deleted: int = strawberry.field(description="Products deleted.")
    not_found: list[strawberry.ID] = strawberry.field(description="Ids with no product.")


UpsertProductsResult = Annotated[
    ProductsUpserted | NotAuthorized,
    strawberry.union("UpsertProductsResult", description="The written products, or why nothing was written."),
]
UpdateProductsResult = Annotated[
    ProductsUpdated | NotAuthorized,
    strawberry.union("UpdateProductsResult", description="The applied patches, or why nothing changed."),
]
DeleteProductsResult = Annotated[
    ProductsDeleted | NotAuthorized,
    strawberry.union("DeleteProductsResult", description="The deletions, or why nothing was deleted."),
]


def _ids(values: list[str]) -> list[strawberry.ID]:
    return [strawberry.ID(value) for value in values]


@strawberry.type(description="Catalog changes (admin). Every item is validated before anything is written.")
class CatalogMutations:
    @strawberry.mutation(
        description=f"Create or replace up to {MAX_BATCH} products; embeds only new products and changed text (admin).",
        extensions=[AdminOnly()],
    )
    async def upsert_products(
        self, info: Info, products: Annotated[list[ProductInput], arg(f"1 to {MAX_BATCH} products, distinct ids.")]
    ) -> UpsertProductsResult:
        done = await info.context.service.upsert_products([p.fields() for p in products])
        return ProductsUpserted(
            created=done.created, updated=done.updated, embedded=done.embedded, product_ids=_ids(done.product_ids)
        )

    @strawberry.mutation(
        description="Change price, rating, stock (no re-embedding) or text (re-embedded) of up to "
        f"{MAX_BATCH} products; the next search sees it (admin).",
        extensions=[AdminOnly()],
    )
    async def update_products(
        self, info: Info, patches: Annotated[list[ProductPatch], arg(f"1 to {MAX_BATCH} patches, distinct ids.")]
    ) -> UpdateProductsResult:
        done = await info.context.service.update_products([p.fields() for p in patches])
        return ProductsUpdated(updated=done.updated, not_found=_ids(done.not_found))

    @strawberry.mutation(description=f"Delete up to {MAX_BATCH} products (admin).", extensions=[AdminOnly()])
    async def delete_products(
        self, info: Info, ids: Annotated[list[strawberry.ID], arg(f"1 to {MAX_BATCH} distinct product ids.")]
    ) -> DeleteProductsResult:
        done = await info.context.service.delete_products([str(i) for i in ids])
        return ProductsDeleted(deleted=done.deleted, not_found=_ids(done.not_found))
