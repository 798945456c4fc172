"""Synthetic catalogs of any size, deterministic for a seed, with a shop-like spread of values.

- Categories follow uneven weights (the largest ~13 %, the smallest ~4 %); each category has its own
  brand pool, where a few brands carry most products (Zipf-like), and some brands span categories.
- Prices are log-normal around a per-category median, ending in .99, .95 or .00.
- Ratings lean high (mean ~4.2, 1.0-5.0, one decimal); ~85 % of products are in stock.
- Names and descriptions are assembled from per-category vocabularies, so TEXT filters and the
  embedding model both see varied, meaningful text.

Values are drawn in fixed chunks from one seeded generator, so the same seed gives the same products
whatever the caller's batch sizes; random vectors come from a second stream, so products are identical
with or without them.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from domain.models import Product, Vector

IN_STOCK_RATIO = 0.85
_CHUNK = 1000


@dataclass(frozen=True)
class Category:
    name: str
    weight: float
    median_price: float
    nouns: tuple[str, ...]
    features: tuple[str, ...]
    uses: tuple[str, ...]


# The vocabulary is data: categories with their weights, median prices, nouns, features and uses.
_VOCABULARY = json.loads((Path(__file__).parent / "synthetic_vocabulary.json").read_text())
CATEGORIES = tuple(
    Category(c["name"], c["weight"], c["median_price"], tuple(c["nouns"]), tuple(c["features"]), tuple(c["uses"]))
    for c in _VOCABULARY["categories"]
)
ADJECTIVES: tuple[str, ...] = tuple(_VOCABULARY["adjectives"])
QUALITIES: tuple[str, ...] = tuple(_VOCABULARY["qualities"])
_BRAND_HEADS = ("north", "iron", "volt", "trail", "blue", "kestrel", "copper", "ember", "granite", "salt", "fern")
_BRAND_TAILS = ("peak", "haven", "wave", "craft", "fjord", "labs", "leaf", "line", "works", "-and-co")
BRANDS_PER_CATEGORY = 10


def _brand_pools() -> dict[str, tuple[str, ...]]:
    # A fixed internal seed: the brand line-up is part of the vocabulary, the same for every --seed.
    rng = np.random.default_rng(20261126)
    names = [head + tail for head in _BRAND_HEADS for tail in _BRAND_TAILS]
    return {c.name: tuple(str(n) for n in rng.choice(names, BRANDS_PER_CATEGORY, replace=False)) for c in CATEGORIES}


BRAND_POOLS = _brand_pools()
_CATEGORY_P = np.array([c.weight for c in CATEGORIES]) / sum(c.weight for c in CATEGORIES)
_BRAND_P = 1.0 / np.arange(1, BRANDS_PER_CATEGORY + 1)
_BRAND_P /= _BRAND_P.sum()


def _pick(options: Sequence[str], u: float) -> str:
    return str(options[int(u * len(options))])


def _chunk(rng: np.random.Generator, first: int, size: int, id_prefix: str) -> list[Product]:
    # Every value is drawn for a whole chunk at once (vectorised), in a fixed order, and always for a
    # full chunk: the first n products of a catalog are the same whatever its size.
    categories = rng.choice(len(CATEGORIES), _CHUNK, p=_CATEGORY_P)
    brands = rng.choice(BRANDS_PER_CATEGORY, _CHUNK, p=_BRAND_P)
    picks = rng.random((_CHUNK, 6))  # adjective, noun, feature, other feature, use, quality
    log_price = rng.normal(0.0, 0.5, _CHUNK)
    endings = rng.choice([0.99, 0.95, 0.0], _CHUNK, p=[0.6, 0.2, 0.2])
    ratings = 1.0 + 4.0 * rng.beta(8.0, 2.0, _CHUNK)
    in_stock = rng.random(_CHUNK) < IN_STOCK_RATIO
    products = []
    for i in range(size):
        category = CATEGORIES[int(categories[i])]
        adjective, noun_u, feature_u, other_u, use_u, quality_u = picks[i]
        noun = _pick(category.nouns, noun_u)
        features = category.features
        first_feature = int(feature_u * len(features))
        # A different second feature: an offset of 1..len-1 from the first.
        second_feature = (first_feature + 1 + int(other_u * (len(features) - 1))) % len(features)
        description = (
            f"{noun.capitalize()} with {features[first_feature]} and {features[second_feature]}, "
            f"made for {_pick(category.uses, use_u)}. {_pick(QUALITIES, quality_u)}."
        )
        price = float(np.floor(category.median_price * np.exp(log_price[i]))) + float(endings[i])
        products.append(
            Product(
                id=f"{id_prefix}{first + i:07d}",
                name=f"{_pick(ADJECTIVES, adjective)} {noun}",
                description=description,
                category=category.name,
                brand=BRAND_POOLS[category.name][int(brands[i])],
                price=max(1.0, price),
                rating=round(min(5.0, float(ratings[i])), 1),
                in_stock=bool(in_stock[i]),
            )
        )
    return products


def synthetic_products(count: int, seed: int = 0, id_prefix: str = "g") -> Iterator[list[Product]]:
    """`count` products in chunks of up to 1000 (ids `g0000001`, ...)."""
    rng = np.random.default_rng([seed, 0])
    for start in range(0, count, _CHUNK):
        yield _chunk(rng, start + 1, min(_CHUNK, count - start), id_prefix)


def random_unit_vectors(rng: np.random.Generator, count: int, dim: int) -> list[Vector]:
    """Uniform on the sphere: the hardest case for HNSW (no clusters for the graph to exploit)."""
    vectors = rng.standard_normal((count, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return list(vectors)


def synthetic_catalog(
    count: int,
    seed: int = 0,
    embed: Callable[[Sequence[str]], list[Vector]] | None = None,
    dim: int = 384,
    embed_batch: int = 256,
) -> Iterator[tuple[Product, Vector]]:
    """Products with vectors: `embed` (the model, in batches of `embed_batch`) or random unit vectors."""
    vector_rng = np.random.default_rng([seed, 1])
    for chunk in synthetic_products(count, seed):
        if embed is None:
            yield from zip(chunk, random_unit_vectors(vector_rng, _CHUNK, dim)[: len(chunk)], strict=False)
            continue
        for start in range(0, len(chunk), embed_batch):
            products = chunk[start : start + embed_batch]
            yield from zip(products, embed([p.embedding_text for p in products]), strict=True)
