"""A user's session and dismissed vectors as one string: a flags byte, then the vectors it names.

Flags: bit 0 the session vector, bit 1 the dismissed vector. The session vector follows as `dim` float16
values, the dismissed vector as a float32 scale and `dim` int8 values (codecs), so `dim` follows from the
length. One key for both costs one key's overhead instead of two, and keeps them out of the features
hash, where a value over 64 bytes would turn the whole hash from a listpack into a hash table.

Why two precisions: the session vector is the direction of every personalised query, and float16 keeps
it far closer to its float32 self than int8 would, after any number of events. The dismissed vector only
pulls the query away, scaled by a weight of at most 1, so int8 serves it, and the string then fits a smaller
allocator size class than with two float16 vectors. The cosine bounds are stated by
tests/unit/test_user_layout.py; the memory figures are in BENCHMARKS.md.

The domain keeps both vectors at unit length (every EWMA step normalises); rounding moves the norm a
little, so they are scaled back to unit length as they are read.
"""

import numpy as np

from adapters.redis.codecs import from_half_bytes, from_int8_bytes, to_half_bytes, to_int8_bytes
from domain.models import Vector

SESSION, DISMISSED = 1, 2
SCALE_BYTES = 4  # the int8 encoding's float32 scale


def to_vectors_bytes(session: Vector | None, dismissed: Vector | None) -> bytes:
    """b"" when there is neither (the key is then deleted)."""
    flags = (SESSION if session is not None else 0) | (DISMISSED if dismissed is not None else 0)
    if not flags:
        return b""
    body = (to_half_bytes(session) if session is not None else b"") + (
        to_int8_bytes(dismissed) if dismissed is not None else b""
    )
    return bytes([flags]) + body


def _unit(vector: Vector) -> Vector:
    """`vector` (a fresh float32 array) scaled in place to unit length."""
    norm = float(np.sqrt(np.dot(vector, vector)))
    if norm > 0 and np.isfinite(norm):
        vector /= norm
    return vector


def _dim(flags: int, size: int) -> int:
    """`size` = 2·dim (session) + (SCALE_BYTES + dim) (dismissed), for the vectors `flags` names."""
    per_value = (2 if flags & SESSION else 0) + (1 if flags & DISMISSED else 0)
    fixed = SCALE_BYTES if flags & DISMISSED else 0
    if flags & ~(SESSION | DISMISSED) or not per_value or (size - fixed) % per_value or size <= fixed:
        raise ValueError(f"not a user's vectors string: flags {flags}, {size} bytes")
    return (size - fixed) // per_value


def from_vectors_bytes(raw: bytes) -> tuple[Vector | None, Vector | None]:
    flags, body = raw[0], raw[1:]
    dim = _dim(flags, len(body))
    session = _unit(from_half_bytes(body[: 2 * dim])) if flags & SESSION else None
    dismissed = _unit(from_int8_bytes(body[-(SCALE_BYTES + dim) :])) if flags & DISMISSED else None
    return session, dismissed
