"""Catalog files: a malformed file names the product and field, and changes nothing in Redis."""

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.catalog_file import JsonCatalog, read_products, write_catalog
from adapters.memory import StaticCatalog
from domain.errors import CatalogError
from domain.models import Product, Vector
from domain.service import RecommenderService
from tests.conftest import CATALOG

MODEL, DIM = "sentence-transformers/all-MiniLM-L6-v2", 384


def good_document() -> dict[str, Any]:
    return json.loads(CATALOG.read_text())  # type: ignore[no-any-return]


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def broken(field: str, value: Any, position: int = 3) -> dict[str, Any]:
    document = good_document()
    if value is KeyError:
        del document["products"][position][field]
    else:
        document["products"][position][field] = value
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        (
            '{"products": [' + "[" * 100_000 + "]" * 100_000 + "]}",
            "not valid JSON (arrays or objects nested too deeply)",
        ),
        ('{"products": [], "n": ' + "9" * 5000 + "}", "not valid JSON (a number with too many digits)"),
        ({"products": "nope"}, "'products' list"),
        (broken("price", -5), "product 'p004' (#4): field 'price'"),
        (broken("price", "12"), "product 'p004' (#4): field 'price' must be a finite number"),
        (broken("price", 10**400), "product 'p004' (#4): field 'price' must be a finite number"),  # beyond a float
        (broken("rating", -(10**400)), "product 'p004' (#4): field 'rating' must be a finite number"),
        (broken("rating", 7), "field 'rating' must be between 0 and 5"),
        (broken("in_stock", "yes"), "field 'in_stock' must be true or false"),
        (broken("name", ""), "field 'name' must be a non-empty string"),
        (broken("description", "warm \ud800 coat"), "field 'description' holds an unpaired UTF-16 surrogate"),
        (broken("category", "a,b"), "field 'category' must not contain ','"),
        (broken("name", "Trail\nshoe"), "product 'p004' (#4): field 'name' must not contain control characters"),
        (broken("description", "x\u0085y"), "product 'p004' (#4): field 'description' must not contain control"),
        (broken("brand", "b" * 65), "field 'brand' must be at most 64 characters, got 65"),  # no filter could name it
        (broken("id", "p 4"), "field 'id' must be 1-64 characters"),
        (broken("description", KeyError), "product 'p004' (#4): missing field(s) description"),
        (broken("embedding_b64", "@@not base64@@"), "field 'embedding_b64' is not valid base64"),
        (broken("embedding_b64", base64.b64encode(b"\0" * 16).decode()), "holds 4 float32 values, expected 384"),
        (broken("embedding_b64", base64.b64encode(b"\0" * 1536).decode()), "must be finite and non-zero"),
        (broken("id", "p001"), "product 'p001' (#4): duplicate id"),
        ({**good_document(), "dim": 512}, "dim is 512, expected 384"),
        ({**good_document(), "model": "other"}, "made with model 'other'"),
    ],
)
def test_malformed_catalog_names_product_and_field(tmp_path: Path, document: Any, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        JsonCatalog(write(tmp_path, document), MODEL, DIM).load()
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [(broken("price", -5), "product 'p004' (#4): field 'price'"), (broken("id", "p001"), "product 'p001' (#4)")],
)
def test_a_bad_product_is_named_with_its_file(tmp_path: Path, document: Any, message: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(CatalogError) as caught:
        JsonCatalog(path, MODEL, DIM).load()
    assert str(caught.value).startswith(f"{path}: {message}")
    with pytest.raises(CatalogError) as caught:  # build-catalog's reader
        read_products(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no such file"):
        JsonCatalog(tmp_path / "absent.json", MODEL, DIM).load()


@pytest.mark.anyio
async def test_reset_with_a_bad_catalog_leaves_the_index_alone(
    redis_service: RecommenderService, tmp_path: Path
) -> None:
    bad = JsonCatalog(write(tmp_path, broken("price", None, position=59)), MODEL, DIM)
    service = RecommenderService(redis_service.embedder, redis_service.index, redis_service.users, bad)
    with pytest.raises(CatalogError, match="p060"):
        await service.reset_index()
    assert (await service.index.info()).num_docs == 60


def test_write_then_read_round_trips(tmp_path: Path, catalog_items: list[tuple[Product, Vector]]) -> None:
    path = tmp_path / "out.json"
    write_catalog(path, MODEL, catalog_items)
    again = JsonCatalog(path, MODEL, DIM).load()
    assert [p for p, _ in again] == [p for p, _ in catalog_items]
    assert np.allclose(np.stack([v for _, v in again]), np.stack([v for _, v in catalog_items]), atol=1e-7)
    assert [p.id for p in read_products(path)] == [p.id for p, _ in catalog_items]


def test_seed_catalog_shape(catalog_items: list[tuple[Product, Vector]]) -> None:
    products = [p for p, _ in catalog_items]
    assert len(products) >= 60
    assert len({p.category for p in products}) >= 6 and len({p.brand for p in products}) >= 5
    assert any(not p.in_stock for p in products) and any(p.in_stock for p in products)
    assert products[0] == Product(
        "p001", "Alpine down parka", products[0].description, "outerwear", "northpeak", 289.0, 4.7, True
    )
    assert StaticCatalog(catalog_items).load() == catalog_items
