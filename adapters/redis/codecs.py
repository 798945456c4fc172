"""Bytes in and out of Redis: vectors, flat RESP2 replies, a product's hash.

Product vectors are stored as `dim` little-endian float32 values, in Redis hashes, in the embedding cache
and (base64) in catalog files: one encoding, written once here. A user's session and dismissed vectors
are stored smaller (adapters.redis.user_vectors says which and why): at half precision (float16) or as
int8 with one float32 scale. The domain's math stays float32: both decoders give float32 back.
"""

from collections.abc import Sequence
from typing import cast

import numpy as np

from adapters.redis.price_ladder import ladder_fields
from domain.models import Product, Vector

FLOAT32_LE = "<f4"
FLOAT16_LE = "<f2"
# Every field of a product's hash except the embedding and the price ladder's tags.
PRODUCT_FIELDS = ("name", "description", "category", "brand", "price", "rating", "in_stock")
# What a read by id asks of a product's hash (HMGET), in this order: its fields, then the embedding.
STORED_FIELDS = (*PRODUCT_FIELDS, "embedding")


def to_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype=FLOAT32_LE).tobytes()


def from_bytes(raw: bytes, *, copy: bool = True) -> Vector:
    """`copy=False` gives a read-only view of `raw` (no allocation), for vectors shared as they are."""
    view = np.frombuffer(raw, dtype=FLOAT32_LE)
    return view.astype(np.float32) if copy else view


def to_half_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype=FLOAT16_LE).tobytes()


def from_half_bytes(raw: bytes) -> Vector:
    """float32 again, for the domain's math; the lost digits are not restored."""
    return np.frombuffer(raw, dtype=FLOAT16_LE).astype(np.float32)


def to_int8_bytes(vector: Vector) -> bytes:
    """A float32 scale (the largest magnitude / 127), then each value / scale rounded to an int8."""
    peak = float(np.max(np.abs(vector), initial=0.0))
    scale = peak / 127.0 if peak > 0 else 1.0
    values = np.round(np.asarray(vector, dtype=np.float32) / scale).astype(np.int8)
    return np.asarray([scale], dtype=FLOAT32_LE).tobytes() + values.tobytes()


def from_int8_bytes(raw: bytes) -> Vector:
    values = np.frombuffer(raw[4:], dtype=np.int8).astype(np.float32)
    values *= np.frombuffer(raw[:4], dtype=FLOAT32_LE)[0]
    return values


def field_map(flat: Sequence[bytes]) -> dict[str, bytes]:
    """A flat RESP2 `[field, value, ...]` reply (HGETALL, an FT.SEARCH document, FT.INFO) as {field: value}."""
    return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}


def text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def product_mapping(product: Product, vector: Vector) -> dict[str, str | bytes]:
    return {
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "price": repr(product.price),
        "rating": repr(product.rating),
        "in_stock": "true" if product.in_stock else "false",
        **ladder_fields(product.price),
        "pid": product.id,
        "embedding": to_bytes(vector),
    }


def product_from_fields(product_id: str, fields: dict[str, bytes]) -> Product:
    def value(name: str) -> str:
        return fields[name].decode()

    return Product(
        id=product_id,
        name=value("name"),
        description=value("description"),
        category=value("category"),
        brand=value("brand"),
        price=float(value("price")),
        rating=float(value("rating")),
        in_stock=value("in_stock") == "true",
    )


def stored_product(product_id: str, values: Sequence[bytes | None]) -> tuple[Product, Vector] | None:
    """An HMGET of STORED_FIELDS as the product and its vector; None when the hash is missing or incomplete."""
    if None in values:
        return None
    fields = dict(zip(STORED_FIELDS, cast(Sequence[bytes], values), strict=True))
    return product_from_fields(product_id, fields), from_bytes(fields["embedding"])
