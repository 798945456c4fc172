"""What a vector source searches with: the query, the session or a product's vector, blended with the session
and pushed away from what the user dismissed (domain.vectors.blend), and the session's share in it."""

import time
from dataclasses import dataclass

from domain.filters import BlendSettings
from domain.models import Vector
from domain.pipeline.stages import Trace, ms_since
from domain.pipeline.user_reads import PendingReads
from domain.ports import Embedder
from domain.vectors import blend, normalise


@dataclass(frozen=True, slots=True)
class SearchVector:
    vector: Vector | None  # None: nothing to search near (no text and no session)
    session_weight: float = 0.0  # share of the session vector in it; 0 when no session was used

    @property
    def used_session(self) -> bool:
        return self.session_weight > 0


async def embedded(embedder: Embedder, text: str, trace: Trace) -> Vector:
    start = time.perf_counter()
    [vector] = await embedder.embed([text])
    trace.embed_ms = ms_since(start)
    return vector


async def blended(vector: Vector, settings: BlendSettings | None, reads: PendingReads) -> SearchVector:
    """A query's or a product's vector, with the session when `settings` is active (features were read)."""
    if settings is None or not settings.active:
        return SearchVector(vector)
    user = await reads.user()
    session = user.session_vector if settings.weight > 0 else None
    mixed = blend(vector, session, settings.weight, user.dismissed_vector, settings.dismissed_weight)
    return SearchVector(mixed, settings.weight if session is not None else 0.0)


def query_only(query: Vector) -> SearchVector:
    return SearchVector(normalise(query))


async def session_only(settings: BlendSettings, reads: PendingReads) -> SearchVector:
    """ "Recommended for you": the session alone, away from dismissed items; no vector without a session."""
    if not reads.features:
        return SearchVector(None)
    user = await reads.user()
    if user.session_vector is None:
        return SearchVector(None)
    return SearchVector(blend(user.session_vector, None, 0.0, user.dismissed_vector, settings.dismissed_weight), 1.0)
