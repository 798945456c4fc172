"""fastembed over the locally exported ONNX model; inference runs off the event loop."""

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from domain.models import Vector

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384

# How ONNX Runtime's intra-op pool threads wait for work (`serve --onnx-spin`):
# - "run": busy-wait between the kernels of one call, sleep between calls. A query is ~50 short kernels,
#   each a hand-off to the pool; sleeping between them costs a futex wake each (and, on an idle vCPU, the
#   hypervisor's wake-up). Sleeping between calls leaves the CPU to the event loop and Redis.
# - "always": also busy-wait between calls (ONNX Runtime's default): the lowest latency on a box that
#   runs nothing else, but the spinning takes a core from everything else on the box.
# - "off": always sleep; the slowest, and no cheaper in CPU than "run" (every wake is a syscall).
SPIN_MODES = ("run", "always", "off")


class ModelMissing(RuntimeError):
    pass


class MiniLM:
    """What every embedder here shares: the model the index's vectors come from, and their size."""

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    @property
    def dim(self) -> int:
        return DIM


class NoModel(MiniLM):
    """The embedder of a runtime that never embeds (an event import: events carry product ids, and the
    products' vectors are read from the index), so no model is loaded. It names the model the index's
    vectors come from, for what reads the name and size; asking it for a vector is a mistake of the caller."""

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        raise ModelMissing("this runtime was built without the embedding model")


class FastEmbedEmbedder(MiniLM):
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 vectors (fastembed applies both for this model)."""

    def __init__(
        self, model_dir: Path, threads: int | None = None, spin: str = "run", own_session: bool = True
    ) -> None:
        if spin not in SPIN_MODES:
            raise ValueError(f"spin must be one of {', '.join(SPIN_MODES)}, got {spin!r}")
        if not (model_dir / "model.onnx").is_file():
            raise ModelMissing(f"no model.onnx in {model_dir}: run `recommender prepare-model` first")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is local; never ask a hub
        from fastembed import TextEmbedding  # heavy import, kept out of module import time

        # Speedup on private API (setting `onnx_own_session`, fastembed pinned in pyproject): fastembed's
        # own session has no spinning knob, so it is never built (lazy_load) and fastembed gets ours,
        # built the same way plus the spin mode; the model file is loaded once. Off: fastembed's stock
        # session (ONNX Runtime's default spinning), `spin` ignored.
        self._model = TextEmbedding(
            model_name=MODEL_NAME, specific_model_path=str(model_dir), threads=threads, lazy_load=own_session
        )
        if own_session:
            inner: Any = self._model.model  # fastembed's model object
            inner._ensure_tokenizer()  # what the skipped load would have done besides the session
            inner.model = onnx_session(model_dir / "model.onnx", threads, spin)

    def embed_sync(self, texts: Sequence[str]) -> list[Vector]:
        return [np.asarray(v, dtype=np.float32) for v in self._model.embed(list(texts))]

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        # ONNX inference is CPU-bound and releases the GIL: run it in a worker thread so the event
        # loop keeps serving other requests meanwhile.
        return await asyncio.to_thread(self.embed_sync, texts)


def onnx_session(path: Path, threads: int | None, spin: str) -> "InferenceSession":
    """What fastembed builds (all graph optimisations, `threads` intra-op threads), plus how idle pool
    threads wait: see SPIN_MODES."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = threads
    spinning = "0" if spin == "off" else "1"
    options.add_session_config_entry("session.intra_op.allow_spinning", spinning)
    options.add_session_config_entry("session.inter_op.allow_spinning", spinning)
    if spin == "run":
        options.add_session_config_entry("session.force_spinning_stop", "1")  # park the pool when a call ends
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
