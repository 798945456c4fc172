"""The ONNX export served by fastembed reproduces sentence-transformers on the original weights."""

import numpy as np
import pytest

from adapters.embedder import FastEmbedEmbedder
from adapters.model_export import weights_dir

TEXTS = [
    "Alpine down parka",
    "warm jacket for winter",
    "A much longer sentence about waterproof hiking boots with a grippy outsole, for muddy autumn trails.",
    "café 25°C — ünïcode and emoji 🔥",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(weights_dir()), device="cpu")
    return np.asarray(model.encode(TEXTS, normalize_embeddings=True))


def test_exported_model_matches_sentence_transformers(embedder: FastEmbedEmbedder, reference: np.ndarray) -> None:
    ours = np.stack(embedder.embed_sync(TEXTS))
    assert ours.shape == (len(TEXTS), 384)
    assert float(np.abs(ours - reference).max()) < 1e-5


def test_vectors_are_unit_length(embedder: FastEmbedEmbedder) -> None:
    norms = np.linalg.norm(np.stack(embedder.embed_sync(TEXTS)), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_catalog_vectors_are_the_model_embedding_of_name_and_description(
    embedder: FastEmbedEmbedder, catalog_items: list
) -> None:
    products = [p for p, _ in catalog_items]
    stored = np.stack([v for _, v in catalog_items])
    fresh = np.stack(embedder.embed_sync([p.embedding_text for p in products]))
    assert float(np.min(np.sum(stored * fresh, axis=1))) > 0.99999
