"""fastembed over the locally exported ONNX model; inference runs off the event loop."""

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from domain.models import Vector

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384


def default_model_dir() -> Path:
    return Path(os.environ.get("RECOMMENDER_MODEL_DIR", ".models/all-MiniLM-L6-v2"))


class ModelMissing(RuntimeError):
    pass


class FastEmbedEmbedder:
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 vectors (fastembed applies both for this model)."""

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        if not (model_dir / "model.onnx").is_file():
            raise ModelMissing(f"no model.onnx in {model_dir}: run `recommender prepare-model` first")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is local; never ask a hub
        from fastembed import TextEmbedding  # heavy import, kept out of module import time

        self._model = TextEmbedding(model_name=MODEL_NAME, specific_model_path=str(model_dir), threads=threads)

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    @property
    def dim(self) -> int:
        return DIM

    def embed_sync(self, texts: Sequence[str]) -> list[Vector]:
        return [np.asarray(v, dtype=np.float32) for v in self._model.embed(list(texts))]

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        # ONNX inference is CPU-bound and releases the GIL: run it in a worker thread so the event
        # loop keeps serving other requests meanwhile.
        return await asyncio.to_thread(self.embed_sync, texts)
