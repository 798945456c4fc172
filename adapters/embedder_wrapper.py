"""Base of the embedders that wrap another one (batching, caches): same model, same dimension."""

from domain.ports import Embedder


class EmbedderWrapper:
    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dim(self) -> int:
        return self.inner.dim
