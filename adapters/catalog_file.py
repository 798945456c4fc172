"""catalog.json: products with their embeddings, validated in full before anything is written.

Layout: {"model": str, "dim": int, "products": [{id, name, description, category, brand, price,
in_stock, rating, embedding_b64}]}, embedding_b64 = base64 of `dim` little-endian float32.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from adapters.json_text import InvalidJson, loads
from adapters.redis.codecs import from_bytes, to_bytes
from adapters.text_files import ENCODING
from domain.catalog import PRODUCT_FIELDS, validate_product
from domain.errors import CatalogError, InvalidInput
from domain.models import Product, Vector

FIELDS = (*PRODUCT_FIELDS, "embedding_b64")


def decode_vector(value: Any, dim: int) -> Vector:
    if not isinstance(value, str):
        raise ValueError("must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("is not valid base64") from exc
    if len(raw) != dim * 4:
        raise ValueError(f"holds {len(raw) // 4} float32 values, expected {dim}")
    vector = from_bytes(raw)
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(vector).all() or norm == 0.0:
        raise ValueError("must be finite and non-zero")
    return vector / norm


def encode_vector(vector: Vector) -> str:
    return base64.b64encode(to_bytes(vector)).decode()


def parse_product(record: Any, position: int, dim: int | None) -> tuple[Product, Vector | None]:
    """One catalog record; `dim=None` skips the embedding (for build-catalog, which recomputes it)."""
    if not isinstance(record, dict):
        raise CatalogError(f"product #{position}: must be an object")
    label = f"product {record.get('id')!r} (#{position})"
    wanted = FIELDS if dim is not None else FIELDS[:-1]
    missing = [name for name in wanted if name not in record]
    if missing:
        raise CatalogError(f"{label}: missing field(s) {', '.join(missing)}")
    try:
        product = validate_product(record)
    except InvalidInput as exc:
        raise CatalogError(f"{label}: field {exc.argument!r} {exc.message}") from None
    vector = None
    if dim is not None:
        try:
            vector = decode_vector(record["embedding_b64"], dim)
        except ValueError as exc:
            raise CatalogError(f"{label}: field 'embedding_b64' {exc}") from None
    return product, vector


def read_document(path: Path) -> dict[str, Any]:
    try:
        document = loads(path.read_text(encoding=ENCODING))
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such file") from None
    except (InvalidJson, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("products"), list):
        raise CatalogError(f"{path}: expected an object with a 'products' list")
    return document


def parse_products(path: Path, document: dict[str, Any], dim: int | None) -> list[tuple[Product, Vector | None]]:
    try:
        items = [parse_product(record, n, dim) for n, record in enumerate(document["products"], start=1)]
    except CatalogError as exc:
        raise CatalogError(f"{path}: {exc}") from None
    seen: set[str] = set()
    for n, (product, _) in enumerate(items, start=1):
        if product.id in seen:
            raise CatalogError(f"{path}: product {product.id!r} (#{n}): duplicate id")
        seen.add(product.id)
    return items


@dataclass(frozen=True)
class JsonCatalog:
    """CatalogSource over a catalog.json made with the same model and dimension as the server."""

    path: Path
    model: str
    dim: int

    def load(self) -> list[tuple[Product, Vector]]:
        document = read_document(self.path)
        if document.get("model") != self.model:
            raise CatalogError(f"{self.path}: made with model {document.get('model')!r}, expected {self.model!r}")
        if document.get("dim") != self.dim:
            raise CatalogError(f"{self.path}: dim is {document.get('dim')!r}, expected {self.dim}")
        return [
            (product, vector) for product, vector in parse_products(self.path, document, self.dim) if vector is not None
        ]


def read_products(path: Path) -> list[Product]:
    """The products of a catalog file, embeddings ignored."""
    return [product for product, _ in parse_products(path, read_document(path), dim=None)]


def product_record(product: Product, vector: Vector) -> dict[str, Any]:
    """A product as a catalog record (catalog.json's list item, one JSON Lines line)."""
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "price": product.price,
        "in_stock": product.in_stock,
        "rating": product.rating,
        "embedding_b64": encode_vector(vector),
    }


def write_catalog(path: Path, model: str, items: Sequence[tuple[Product, Vector]]) -> None:
    dims = {len(vector) for _, vector in items}
    records = [product_record(p, vector) for p, vector in items]
    document = {"model": model, "dim": dims.pop() if dims else 0, "products": records}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
