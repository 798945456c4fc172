"""Cursors at the API's edge: `after` verified into a page state, endCursor signed from the domain's page info."""

import asyncio
from typing import Any

import pytest

from adapters.cursor_signing import SignedCursors
from adapters.memory import HashingEmbedder, InMemoryProductIndex, StaticCatalog
from adapters.memory_users import InMemoryUserFeatureStore
from domain.errors import InvalidInput
from domain.filters import RecommendRequest
from domain.models import Product
from domain.pipeline.pager import PageInfo, PageState, fingerprint
from domain.service import RecommenderService
from gql.page_cursors import MAX_CURSOR_CHARS, end_cursor, page_state
from gql.schema import Context, build_schema

CODEC = SignedCursors("c" * 32)
SCHEMA = build_schema()


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


class CountingCursors(SignedCursors):
    """Signed cursors that count how often one is signed."""

    def __init__(self) -> None:
        super().__init__("c" * 32)
        self.signed = 0

    def encode(self, state: PageState) -> str:
        self.signed += 1
        return super().encode(state)


def test_a_cursor_is_signed_only_when_end_cursor_is_selected() -> None:
    embedder = HashingEmbedder()
    items = [
        (Product(f"p{i}", f"tent {i}", "", "tents", "b", 10.0, 4.0, True), embedder.vector(str(i))) for i in range(5)
    ]
    index = InMemoryProductIndex()
    asyncio.run(index.upsert(items))
    service = RecommenderService(embedder, index, InMemoryUserFeatureStore(), StaticCatalog(items))
    cursors = CountingCursors()
    context = Context(service=service, cursors=cursors)

    def run(page_fields: str) -> dict[str, Any]:
        document = f'{{ recommendations(query: "tent", k: 2) {{ pageInfo {{ {page_fields} }} }} }}'
        result = asyncio.run(SCHEMA.execute(document, context_value=context))
        assert not result.errors, result.errors
        return result.data["recommendations"]["pageInfo"]  # type: ignore[index,no-any-return]

    assert run("hasNextPage") == {"hasNextPage": True} and cursors.signed == 0
    cursor = run("endCursor")["endCursor"]
    assert cursors.signed == 1 and len(cursors.decode(cursor).served) == 2
