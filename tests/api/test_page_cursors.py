"""Cursors at the API's edge: `after` verified into a page state, endCursor signed from the domain's page info."""

import pytest

from adapters.cursor_signing import SignedCursors
from domain.errors import InvalidInput
from domain.filters import RecommendRequest
from domain.pipeline.pager import PageInfo, PageState, fingerprint
from gql.page_cursors import MAX_CURSOR_CHARS, end_cursor, page_state

CODEC = SignedCursors("c" * 32)


def test_end_cursor_signs_the_next_state_and_round_trips() -> None:
    request = RecommendRequest(query="tent", k=2)
    page = PageInfo(True, ("p1", "p2"), 1000.0, request)
    cursor = end_cursor(CODEC, page)
    assert cursor is not None
    assert page_state(CODEC, cursor) == PageState(fingerprint(request), ("p1", "p2"), 1000.0)


def test_no_cursor_for_an_empty_page_or_without_a_codec() -> None:
    assert end_cursor(CODEC, PageInfo(False, (), 1000.0, None)) is None
    assert end_cursor(None, PageInfo(True, ("p1",), 1000.0, RecommendRequest(query="tent"))) is None


@pytest.mark.parametrize(
    ("codec", "after", "message"),
    [
        (CODEC, "", "is not a cursor"),
        (CODEC, "x" * (MAX_CURSOR_CHARS + 1), "is not a cursor"),
        (CODEC, "nonsense", "is not a cursor"),
        (None, "anything", "not enabled"),
    ],
)
def test_bad_after_names_the_argument(codec: SignedCursors | None, after: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        page_state(codec, after)
    assert caught.value.argument == "after"
    assert page_state(codec, None) is None
