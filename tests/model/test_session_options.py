"""The server's ONNX session (spinning off, threads per worker) computes the same vectors as fastembed's own."""

import numpy as np

from adapters.embedder import FastEmbedEmbedder, default_model_dir
from tests.conftest import ROOT

TEXTS = ["warm jacket for winter", "boots", "A longer sentence about a tent that survives storms on a ridge."]


def test_session_without_spinning_gives_the_same_vectors(embedder: FastEmbedEmbedder) -> None:
    model_dir = default_model_dir()
    served = FastEmbedEmbedder(model_dir if model_dir.is_absolute() else ROOT / model_dir, threads=1, spinning=False)
    assert float(np.abs(np.stack(served.embed_sync(TEXTS)) - np.stack(embedder.embed_sync(TEXTS))).max()) < 1e-6
