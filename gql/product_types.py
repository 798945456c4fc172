"""The product as GraphQL shows it, and the outcomes shared by operations on products."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from domain import models
from domain.errors import ProductNotFound as DomainProductNotFound

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type(description="A catalog product as stored in its Redis hash `product:<id>`.")
class Product:
    id: strawberry.ID = strawberry.field(description="Product id; the Redis key is `product:<id>`.")
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="Marketing text; searchable with `ProductFilter.textMatch`.")
    category: str = strawberry.field(description="Category slug (lower-case), as listed by `categories`.")
    brand: str = strawberry.field(description="Brand slug (lower-case), as listed by `brands`.")
    price: float = strawberry.field(description="Price in the catalog's currency.")
    rating: float = strawberry.field(description="Average customer rating, 0 to 5.")
    in_stock: bool = strawberry.field(description="Whether the product can be ordered now.")

    @classmethod
    def from_domain(cls, p: models.Product) -> "Product":
        return cls(
            id=strawberry.ID(p.id),
            name=p.name,
            description=p.description,
            category=p.category,
            brand=p.brand,
            price=p.price,
            rating=p.rating,
            in_stock=p.in_stock,
        )


@strawberry.type(description="No product has this id.")
class ProductNotFound:
    message: str = strawberry.field(description="Human-readable explanation.")
    product_id: strawberry.ID = strawberry.field(description="The id that was not found.")

    @classmethod
    def of(cls, product_id: str) -> "ProductNotFound":
        return cls(message=f"No product with id '{product_id}'.", product_id=strawberry.ID(product_id))


async def product_result(use_case: Awaitable[T], present: Callable[[T], R]) -> R | ProductNotFound:
    """The use case's result as `present` shows it, or ProductNotFound when the product it names does not exist."""
    try:
        found = await use_case
    except DomainProductNotFound as exc:
        return ProductNotFound.of(exc.product_id)
    return present(found)


@strawberry.type(
    description="This operation needs the admin token: send `Authorization: Bearer <RECOMMENDER_ADMIN_TOKEN>`."
)
class NotAuthorized:
    message: str = strawberry.field(description="Human-readable explanation.")

    @classmethod
    def admin_only(cls, operation: str) -> "NotAuthorized":
        return cls(message=f"{operation} is an admin operation: send the admin token as a Bearer token.")
