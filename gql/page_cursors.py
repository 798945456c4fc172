"""Cursors at the API's edge: `after` verified into the page state the domain takes, and the next page's state
signed into `endCursor` (only when a client selects it)."""

from domain.errors import InvalidInput
from domain.pipeline.pager import PageInfo, PageState
from domain.ports import CursorCodec

MAX_CURSOR_CHARS = 8192


def page_state(cursors: CursorCodec | None, after: str | None) -> PageState | None:
    """The state `after` carries (None for a first page); InvalidInput("after") for anything but our cursor."""
    if after is None:
        return None
    if not 0 < len(after) <= MAX_CURSOR_CHARS:
        raise InvalidInput("after", "is not a cursor of this server")
    if cursors is None:
        raise InvalidInput("after", "pages are not enabled on this server")
    return cursors.decode(after)


def end_cursor(cursors: CursorCodec | None, page: PageInfo) -> str | None:
    state = None if cursors is None else page.next_state
    return None if state is None or cursors is None else cursors.encode(state)
