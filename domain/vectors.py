"""Vector math of the session model. All results are float32 and unit length."""

import numpy as np

from domain.models import Vector

DEFAULT_CLICK_ALPHA = 0.4


def normalise(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    if norm == 0.0 or not np.isfinite(norm):
        raise ValueError("cannot normalise a zero or non-finite vector")
    return (vector / norm).astype(np.float32)


def blend(
    query: Vector,
    session: Vector | None,
    weight: float,
    dismissed: Vector | None = None,
    dismissed_weight: float = 0.0,
) -> Vector:
    """normalise((1-w)·q + w·s - w_d·d): towards the session, away from what the user dismissed.

    Without a session (or w <= 0) the query keeps its full weight: normalise(q - w_d·d). Subtracting d
    lowers every product's cosine to the query by w_d·cos(product, d) before normalising, so products like
    the dismissed ones fall most while the rest keep their order. Should the difference vanish (a query
    equal to d with w_d = 1), the query alone is used.
    """
    mixed = query if session is None or weight <= 0 else (1.0 - weight) * query + weight * session
    if dismissed is not None and dismissed_weight > 0:
        away = mixed - dismissed_weight * dismissed
        if float(np.linalg.norm(away)) > 1e-6:
            return normalise(away)
    return normalise(mixed)


def ewma(previous: Vector | None, clicked: Vector, alpha: float = DEFAULT_CLICK_ALPHA) -> Vector:
    """Session vector after a click: the clicked vector itself on the first click."""
    if previous is None:
        return normalise(clicked)
    return normalise(alpha * clicked + (1.0 - alpha) * previous)
