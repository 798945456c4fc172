"""Vector math of the session model. All results are float32 and unit length."""

import numpy as np

from domain.models import Vector

DEFAULT_CLICK_ALPHA = 0.4


def normalise(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    if norm == 0.0 or not np.isfinite(norm):
        raise ValueError("cannot normalise a zero or non-finite vector")
    return (vector / norm).astype(np.float32)


def blend(query: Vector, session: Vector | None, weight: float) -> Vector:
    """normalise((1-w)·q + w·s); the query alone when there is no session or w <= 0."""
    if session is None or weight <= 0:
        return normalise(query)
    return normalise((1.0 - weight) * query + weight * session)


def ewma(previous: Vector | None, clicked: Vector, alpha: float = DEFAULT_CLICK_ALPHA) -> Vector:
    """Session vector after a click: the clicked vector itself on the first click."""
    if previous is None:
        return normalise(clicked)
    return normalise(alpha * clicked + (1.0 - alpha) * previous)
