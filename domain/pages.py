"""Pages for infinite scroll: what a cursor carries, and the rules it must pass.

A cursor names the request it continues (a fingerprint of every argument but `after`) and the ids it has
served so far; the next page excludes those ids inside the search, so no later page repeats an item of an
earlier one, whatever the user did in between. The cursor is signed (adapters.cursor_signing): the
client cannot read a useful offset from it, nor add or remove served ids.
"""

import hashlib
from dataclasses import dataclass, fields
from typing import Any, Protocol

from domain.errors import InvalidInput

MAX_DEPTH = 500  # items one request may page through
DEFAULT_CURSOR_TTL_S = 3600.0  # the issue asks for at least 30 minutes


@dataclass(frozen=True)
class PageState:
    fingerprint: str
    served: tuple[str, ...]
    issued_at: float  # seconds since the epoch


class CursorCodec(Protocol):
    def encode(self, state: PageState) -> str: ...

    def decode(self, cursor: str) -> PageState:
        """The state a cursor of this server carries; InvalidInput("after") for anything else."""
        ...


def fingerprint(request: Any) -> str:
    """Every argument of a request (a frozen dataclass of plain values, whose repr is stable) but `after`."""
    values = tuple(getattr(request, f.name) for f in fields(request) if f.name != "after")
    return hashlib.sha256(repr((type(request).__name__, values)).encode()).hexdigest()[:24]


def resume(codec: CursorCodec, cursor: str | None, expected: str, now: float, ttl_s: float) -> tuple[str, ...]:
    """The ids served before this page (none for a first page)."""
    if cursor is None:
        return ()
    state = codec.decode(cursor)
    if state.fingerprint != expected:
        raise InvalidInput("after", "this cursor belongs to another request")
    if now - state.issued_at > ttl_s:
        raise InvalidInput("after", "this cursor has expired; start again without `after`")
    return state.served


def page_size(k: int, served: int) -> int:
    return max(0, min(k, MAX_DEPTH - served))
