"""Pages for infinite scroll: what a page's state carries, and the rules a continued request must pass.

A page state names the request it continues (a fingerprint of every argument but `after`) and the ids served
so far (with those a distance floor passed over); the next page excludes those ids inside the search, so no
later page repeats an item of an earlier one, whatever the user did in between. The domain takes and returns
page states; the API signs them into opaque cursors and verifies those (adapters.cursor_signing), so a client
can neither read a useful offset from one nor add or remove served ids.
"""

import hashlib
from dataclasses import dataclass, fields
from typing import Any

from domain.errors import InvalidInput

MAX_DEPTH = 500  # items one request may page through
DEFAULT_CURSOR_TTL_S = 3600.0  # the issue asks for at least 30 minutes


@dataclass(frozen=True)
class PageState:
    fingerprint: str
    served: tuple[str, ...]
    issued_at: float  # seconds since the epoch


def fingerprint(request: Any) -> str:
    """Every argument of a request (a frozen dataclass of plain values, whose repr is stable) but `after`."""
    values = tuple(getattr(request, f.name) for f in fields(request) if f.name != "after")
    return hashlib.sha256(repr((type(request).__name__, values)).encode()).hexdigest()[:24]


def resume(state: PageState | None, expected: str, now: float, *, ttl_s: float) -> tuple[str, ...]:
    """The ids served before this page (none for a first page)."""
    if state is None:
        return ()
    if state.fingerprint != expected:
        raise InvalidInput("after", "this cursor belongs to another request")
    if now - state.issued_at > ttl_s:
        raise InvalidInput("after", "this cursor has expired; start again without `after`")
    return state.served


def page_size(k: int, served: int) -> int:
    return max(0, min(k, MAX_DEPTH - served))


@dataclass(frozen=True)
class PageInfo:
    """Whether another page may follow, and what its state would be: the fingerprint is only computed when
    the state is asked for (most clients never page)."""

    has_next_page: bool = False
    served: tuple[str, ...] = ()  # every id served (or passed over by the floor) up to and including this page
    issued_at: float = 0.0
    request: Any = None  # the request this page answers; None for an empty page (nothing to continue)

    @property
    def next_state(self) -> PageState | None:
        if self.request is None:
            return None
        return PageState(fingerprint(self.request), self.served, self.issued_at)


@dataclass(frozen=True)
class Pager:
    """Takes a request's page state in, gives the next page's out."""

    ttl_s: float = DEFAULT_CURSOR_TTL_S

    def served(self, request: Any, now: float) -> tuple[str, ...]:
        state: PageState | None = request.after
        return () if state is None else resume(state, fingerprint(request), now, ttl_s=self.ttl_s)

    def next_page(
        self,
        request: Any,
        *,
        served: tuple[str, ...],
        page_ids: list[str],
        more: bool,
        now: float,
        passed: tuple[str, ...] = (),
    ) -> PageInfo:
        """`passed`: ids this page passed over without serving them (Ranking.passed_over); later pages skip them
        too, and they count toward the depth."""
        shown = set(page_ids)
        served = (*served, *page_ids, *(pid for pid in passed if pid not in shown))
        more = more and len(served) < MAX_DEPTH
        return PageInfo(more, served, now, request if page_ids else None)
