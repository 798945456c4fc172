"""Catalog changes over the API: upsert, patch and delete products, everything checked before a write.

A batch is validated whole first (size, duplicate ids, every field of every item), so a bad item changes
nothing; its InvalidInput names it as `products[3].price`. Vectors are computed only for new products and
for changed text ("{name}. {description}"), in batches; a price, rating or stock change keeps the vector.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from domain.catalog import FIELD_CHECKS, validate_product
from domain.errors import InvalidInput
from domain.models import Product, Vector
from domain.ports import Embedder, ProductIndex
from domain.validation import check_id

MAX_BATCH = 500
EMBED_BATCH = 32
PATCHABLE = ("name", "description", "price", "rating", "in_stock")


@dataclass(frozen=True)
class ProductsUpserted:
    created: int
    updated: int
    embedded: int
    product_ids: list[str]


@dataclass(frozen=True)
class ProductsUpdated:
    updated: int
    not_found: list[str]


@dataclass(frozen=True)
class ProductsDeleted:
    deleted: int
    not_found: list[str]


def check_batch(argument: str, ids: Sequence[object], id_field: str = "") -> list[str]:
    """1..MAX_BATCH well-formed, distinct ids; `id_field` is the id's name inside an item (`.id`)."""
    if not ids:
        raise InvalidInput(argument, "must not be empty")
    if len(ids) > MAX_BATCH:
        raise InvalidInput(argument, f"at most {MAX_BATCH} items per call, got {len(ids)}")
    first: dict[str, int] = {}
    for i, value in enumerate(ids):
        name = f"{argument}[{i}]{id_field}"
        if not isinstance(value, str):
            raise InvalidInput(name, "must be a string")
        check_id(name, value)
        if value in first:
            raise InvalidInput(name, f"repeats {argument}[{first[value]}]{id_field} ({value!r})")
        first[value] = i
    return list(first)


def _named(argument: str, error: InvalidInput) -> InvalidInput:
    return InvalidInput(f"{argument}.{error.argument}", error.message)


def validate_products(items: Sequence[Mapping[str, object]]) -> list[Product]:
    check_batch("products", [item.get("id") for item in items], ".id")
    products = []
    for i, fields in enumerate(items):
        try:
            products.append(validate_product(fields))
        except InvalidInput as exc:
            raise _named(f"products[{i}]", exc) from None
    return products


def validate_patches(patches: Sequence[Mapping[str, object]]) -> list[tuple[str, dict[str, object]]]:
    """(id, {field: checked value}) per patch; fields left out (or None) are unchanged."""
    ids = check_batch("patches", [patch.get("id") for patch in patches], ".id")
    checked = []
    for i, (product_id, patch) in enumerate(zip(ids, patches, strict=True)):
        fields: dict[str, object] = {}
        for name in PATCHABLE:
            if patch.get(name) is not None:
                try:
                    fields[name] = FIELD_CHECKS[name](name, patch[name])
                except InvalidInput as exc:
                    raise _named(f"patches[{i}]", exc) from None
        checked.append((product_id, fields))
    return checked


async def embed_all(embedder: Embedder, products: Sequence[Product]) -> dict[str, Vector]:
    vectors: dict[str, Vector] = {}
    for start in range(0, len(products), EMBED_BATCH):
        batch = products[start : start + EMBED_BATCH]
        found = await embedder.embed([p.embedding_text for p in batch])
        vectors.update(zip((p.id for p in batch), found, strict=True))
    return vectors


async def _with_vectors(
    embedder: Embedder, products: Sequence[Product], old: Sequence[tuple[Product, Vector] | None]
) -> tuple[list[tuple[Product, Vector]], int]:
    """Each product with its stored vector when its text is unchanged, a new one otherwise."""
    stale = [
        p
        for p, before in zip(products, old, strict=True)
        if before is None or before[0].embedding_text != p.embedding_text
    ]
    fresh = await embed_all(embedder, stale)
    items = [
        (p, fresh[p.id] if p.id in fresh else before[1])  # type: ignore[index]
        for p, before in zip(products, old, strict=True)
    ]
    return items, len(fresh)


async def upsert_products(
    index: ProductIndex, embedder: Embedder, items: Sequence[Mapping[str, object]]
) -> ProductsUpserted:
    products = validate_products(items)
    old = await index.get_many([p.id for p in products])
    written, embedded = await _with_vectors(embedder, products, old)
    await index.upsert(written)
    created = sum(before is None for before in old)
    return ProductsUpserted(created, len(products) - created, embedded, [p.id for p in products])


async def update_products(
    index: ProductIndex, embedder: Embedder, patches: Sequence[Mapping[str, object]]
) -> ProductsUpdated:
    checked = validate_patches(patches)
    old = await index.get_many([product_id for product_id, _ in checked])
    found = [
        (replace(before[0], **fields), before)  # type: ignore[arg-type]  # each value checked for its field
        for (_, fields), before in zip(checked, old, strict=True)
        if before
    ]
    items, _ = await _with_vectors(embedder, [p for p, _ in found], [before for _, before in found])
    written = set(await index.replace_existing(items))
    return ProductsUpdated(len(written), [product_id for product_id, _ in checked if product_id not in written])


async def delete_products(index: ProductIndex, ids: Sequence[object]) -> ProductsDeleted:
    checked = check_batch("ids", ids)
    deleted = set(await index.delete(checked))
    return ProductsDeleted(len(deleted), [product_id for product_id in checked if product_id not in deleted])
