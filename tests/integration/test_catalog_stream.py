"""JSON Lines catalogs and the synthetic generator: round trips, line-accurate errors, spread, determinism."""

import collections
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.catalog_stream import Header, JsonLinesCatalog, fingerprint, write_jsonl
from adapters.embedder import FastEmbedEmbedder
from adapters.synthetic_catalog import CATEGORIES, IN_STOCK_RATIO, synthetic_catalog
from domain.errors import CatalogError
from domain.models import Product, Vector

MODEL, DIM = "sentence-transformers/all-MiniLM-L6-v2", 384


def write(tmp_path: Path, items: list[tuple[Product, Vector]], name: str = "c.jsonl") -> Path:
    path = tmp_path / name
    write_jsonl(path, Header(MODEL, DIM, random_vectors=True), items)
    return path


def test_write_then_read_round_trips(tmp_path: Path, catalog_items: list[tuple[Product, Vector]]) -> None:
    path = write(tmp_path, catalog_items)
    catalog = JsonLinesCatalog(path, MODEL, DIM)
    records = list(catalog.validate())
    assert catalog.header() == Header(MODEL, DIM, random_vectors=True)
    assert [r.product for r in records] == [p for p, _ in catalog_items]
    assert [r.position for r in records] == list(range(2, len(catalog_items) + 2))  # line 1 is the header
    assert np.allclose(np.stack([r.vector for r in records]), np.stack([v for _, v in catalog_items]), atol=1e-7)
    assert [r.product.id for r in catalog.records(after=11)] == [p.id for p, _ in catalog_items[10:]]


def lines_with(tmp_path: Path, items: list[tuple[Product, Vector]], line: int, change: Any) -> Path:
    path = write(tmp_path, items)
    lines = path.read_text().splitlines()
    if isinstance(change, str):
        lines[line - 1] = change
    else:
        record = json.loads(lines[line - 1])
        record.update(change)
        lines[line - 1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("line", "change", "message"),
    [
        (5, {"price": "12"}, "line 5: product 'p004' (#4): field 'price' must be a finite number"),
        (9, {"rating": 9}, "line 9: product 'p008' (#8): field 'rating' must be between 0 and 5"),
        (3, {"embedding_b64": "AAAA"}, "line 3: product 'p002' (#2): field 'embedding_b64' holds 0 float32"),
        (7, {"id": "p001"}, "line 7: product 'p001': duplicate id"),
        (6, {"name": "Trail\u0007shoe"}, "line 6: product 'p005' (#5): field 'name' must not contain control"),
        (8, {"description": "Grippy\u0000"}, "line 8: product 'p007' (#7): field 'description' must not contain"),
        (4, "{not json", "line 4: not valid JSON"),
        (1, '{"model": "other", "dim": 384}', "line 1: made with model 'other'"),
        (1, '{"dim": 384}', "line 1: expected the header"),
    ],
)
def test_a_bad_line_names_the_line_product_and_field(
    tmp_path: Path, catalog_items: list[tuple[Product, Vector]], line: int, change: Any, message: str
) -> None:
    path = lines_with(tmp_path, catalog_items[:10], line, change)
    with pytest.raises(CatalogError) as caught:
        list(JsonLinesCatalog(path, MODEL, DIM).validate())
    assert message in str(caught.value)


def test_blank_lines_are_skipped_but_counted(tmp_path: Path, catalog_items: list[tuple[Product, Vector]]) -> None:
    path = write(tmp_path, catalog_items[:3])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:2], "", lines[2], "  ", lines[3], ""]) + "\n")
    records = list(JsonLinesCatalog(path, MODEL, DIM).validate())
    assert [(r.position, r.product.id) for r in records] == [(2, "p001"), (4, "p002"), (6, "p003")]


def test_fingerprint_tells_files_apart(tmp_path: Path, catalog_items: list[tuple[Product, Vector]]) -> None:
    first, same = write(tmp_path, catalog_items, "a.jsonl"), write(tmp_path, catalog_items, "b.jsonl")
    other = write(tmp_path, catalog_items[:-1], "c.jsonl")
    assert fingerprint(first) == fingerprint(same) != fingerprint(other)
    # One character changed in the middle, the size kept: a resume must not take it for the file it loaded.
    text = first.read_text()
    middle = text.index('"name": "', len(text) // 2) + len('"name": "')
    edited = tmp_path / "d.jsonl"
    edited.write_text(text[:middle] + ("X" if text[middle] != "X" else "Y") + text[middle + 1 :])
    assert edited.stat().st_size == first.stat().st_size and fingerprint(edited) != fingerprint(first)


def test_generator_is_deterministic_for_a_seed() -> None:
    def products(seed: int) -> list[tuple[Product, bytes]]:
        return [(p, v.tobytes()) for p, v in synthetic_catalog(1500, seed=seed)]

    assert products(3) == products(3)
    assert products(3) != products(4)
    # A smaller catalog is a prefix of a larger one, vectors included.
    assert [(p, v.tobytes()) for p, v in synthetic_catalog(40, seed=3)] == products(3)[:40]
    # Vectors come from their own stream: the products are the same with the model's vectors.
    assert [p for p, _ in synthetic_catalog(40, seed=3, embed=lambda texts: [np.ones(2)] * len(texts))] == [
        p for p, _ in products(3)[:40]
    ]


def test_generator_spread() -> None:
    items = list(synthetic_catalog(20_000, seed=1))
    products = [p for p, _ in items]
    assert [p.id for p in products[:2]] == ["g0000001", "g0000002"] and len({p.id for p in products}) == 20_000
    shares = {c: n / len(products) for c, n in collections.Counter(p.category for p in products).items()}
    weights = {c.name: c.weight / sum(x.weight for x in CATEGORIES) for c in CATEGORIES}
    assert shares.keys() == weights.keys()
    assert all(abs(shares[name] - weights[name]) < 0.01 for name in weights)  # 13 % down to 4 %
    assert abs(sum(p.in_stock for p in products) / len(products) - IN_STOCK_RATIO) < 0.015
    ratings = np.array([p.rating for p in products])
    assert 4.1 < ratings.mean() < 4.3 and ratings.min() >= 1.0 and ratings.max() <= 5.0
    prices = np.array([p.price for p in products])
    assert prices.min() >= 1.0 and 60 < np.median(prices) < 120
    brands = collections.Counter(p.brand for p in products if p.category == "outerwear").most_common()
    assert len(brands) == 10 and brands[0][1] > 3 * brands[-1][1]  # a few brands carry most products
    assert len({p.description for p in products}) > 5_000
    norms = np.linalg.norm(np.stack([v for _, v in items[:100]]), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_generator_embeds_with_the_model(embedder: FastEmbedEmbedder) -> None:
    items = list(synthetic_catalog(12, seed=2, embed=embedder.embed_sync, embed_batch=5))
    expected = embedder.embed_sync([p.embedding_text for p, _ in items])
    assert min(float(v @ e) for (_, v), e in zip(items, expected, strict=True)) > 0.99999
