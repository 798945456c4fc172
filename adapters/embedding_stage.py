"""A stage in front of an embedder (micro-batching, caches): same model, same dimension, fewer model calls."""

from domain.ports import Embedder


class EmbeddingStage:
    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dim(self) -> int:
        return self.inner.dim
