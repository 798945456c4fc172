"""The newer recommendation use cases on both stores (the fake must not drift): item-to-item, strategies,
keyword search, popularity decay, and cursor expiry by the injected clock."""

from dataclasses import replace

import numpy as np
import pytest

from domain.diversity import DiversitySettings
from domain.errors import InvalidInput, ProductNotFound
from domain.events import EventKind
from domain.filters import ProductFilter, RecommendRequest, SearchMode, SimilarRequest
from domain.models import Product, Reason, Strategy, Vector
from domain.service import RecommenderService
from tests.clock import FakeClock

pytestmark = pytest.mark.anyio


async def test_similar_products_never_include_the_product(
    service: RecommenderService, catalog_items: list[tuple[Product, Vector]]
) -> None:
    vectors = {p.id: v for p, v in catalog_items}
    got = await service.similar_products(SimilarRequest("p010", k=59))
    expected = sorted((1.0 - float(np.dot(v, vectors["p010"])), pid) for pid, v in vectors.items() if pid != "p010")
    assert [c.product.id for c in got.items] == [pid for _, pid in expected]
    assert got.strategy is Strategy.SIMILAR_PRODUCT and not got.page.has_next_page
    with pytest.raises(ProductNotFound):
        await service.similar_products(SimilarRequest("nope"))


async def test_strategies_without_text(service: RecommenderService, clock: FakeClock) -> None:
    top = await service.recommend(RecommendRequest(user_id="a", filters=ProductFilter(category="kitchen"), k=3))
    assert top.strategy is Strategy.TOP_RATED
    assert [c.product.rating for c in top.items] == sorted((c.product.rating for c in top.items), reverse=True)
    await service.record_event("a", "p040", EventKind.PURCHASE)
    clock.advance(6 * 24 * 3600)  # an old purchase (3 · 2^-3 = 0.375) counts less than a fresh view (0.5)
    await service.record_event("a", "p041", EventKind.VIEW)
    popular = await service.recommend(RecommendRequest(user_id="b", k=4))
    assert popular.strategy is Strategy.POPULAR
    assert [c.product.id for c in popular.items][:2] == ["p041", "p040"]
    assert [c.explanation.reason for c in popular.items if c.explanation] == [Reason.POPULAR] * 2 + [
        Reason.TOP_RATED
    ] * 2
    session = await service.recommend(RecommendRequest(user_id="a", k=4))
    assert session.strategy is Strategy.SESSION and session.used_session


async def test_keyword_search_finds_rare_words_on_both_stores(service: RecommenderService) -> None:
    got = await service.recommend(RecommendRequest(query="snorkel", mode=SearchMode.KEYWORD, k=3))
    assert [c.product.id for c in got.items] == ["p001"]
    hybrid = await service.recommend(RecommendRequest(query="snorkel", mode=SearchMode.HYBRID, k=5))
    assert hybrid.items[0].product.id == "p001" and len(hybrid.items) == 5


async def test_diversity_on_both_stores(service: RecommenderService) -> None:
    plain = await service.recommend(RecommendRequest(query="running shoes", user_id="fresh", k=10))
    diverse = await service.recommend(
        RecommendRequest(query="running shoes", user_id="fresh", k=10, diversity=DiversitySettings(1.0))
    )
    assert diverse.items[0].product.id == plain.items[0].product.id
    assert len({c.product.category for c in diverse.items}) > len({c.product.category for c in plain.items})


async def test_cursor_expires_after_its_ttl(service: RecommenderService, clock: FakeClock) -> None:
    first = await service.recommend(RecommendRequest(query="tent", k=3))
    cursor = first.page.next_state
    clock.advance(service.cursor_ttl_s - 1)
    second = await service.recommend(RecommendRequest(query="tent", k=3, after=cursor))
    assert not {c.product.id for c in second.items} & {c.product.id for c in first.items}
    clock.advance(2)
    with pytest.raises(InvalidInput) as caught:
        await service.recommend(RecommendRequest(query="tent", k=3, after=cursor))
    assert caught.value.argument == "after"


async def test_keyword_search_prefers_products_holding_every_word(service: RecommenderService) -> None:
    both = await service.index.keyword_search(["waterproof", "breathable"], ProductFilter(), 2)
    assert {p.id for p, _ in both.hits} == {"p002", "p009"}  # the only two with both words
    anyone = await service.index.keyword_search(["waterproof", "breathable"], ProductFilter(), 6)
    assert len(anyone.hits) == 6 and {"p002", "p009"} <= {p.id for p, _ in anyone.hits}
    assert [score for _, score in anyone.hits] == sorted((score for _, score in anyone.hits), reverse=True)


@pytest.mark.parametrize("k", [2, 12, 60])
async def test_top_rated_is_exact_whatever_the_rating_floor(
    service: RecommenderService, catalog_items: list[tuple[Product, Vector]], k: int
) -> None:
    # k 2: enough products at 4.8+; 12: at 4.0+; 60: none of the floors, the full sort.
    found = await service.index.top_rated(ProductFilter(), k)
    expected = sorted((p.rating for p, _ in catalog_items), reverse=True)[:k]
    assert [p.rating for p, _ in found.hits] == expected and len(found.vectors) == k


@pytest.mark.parametrize("words", ["warm", "for", "running shoes"])
async def test_paging_with_a_floor_reaches_every_keyword_item_that_passes_it(
    service: RecommenderService, words: str
) -> None:
    """A keyword list is not in distance order: the items the floor cuts come back at the top of every later
    fetch unless later pages skip them, and the items past them must still be reached."""
    whole = await service.recommend(RecommendRequest(query=words, mode=SearchMode.KEYWORD, k=100, exclude=None))
    distances = sorted(c.vector_distance for c in whole.items)
    floor = distances[len(distances) // 2]
    passing = {c.product.id for c in whole.items if c.vector_distance <= floor}
    reached: list[str] = []
    request = RecommendRequest(query=words, mode=SearchMode.KEYWORD, k=2, max_distance=floor, exclude=None)
    for _ in range(len(whole.items) + 1):  # every page serves or passes over at least one item
        page = await service.recommend(request)
        reached += [c.product.id for c in page.items]
        if not page.page.has_next_page:
            break
        request = replace(request, after=page.page.next_state)
    assert sorted(reached) == sorted(passing) and len(passing) >= 3
