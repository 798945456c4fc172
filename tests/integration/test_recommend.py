"""The recommendation use case on real Redis and the real model (and the same checks on the fakes)."""

import asyncio

import numpy as np
import pytest

from domain.filters import BlendSettings, ProductFilter, RecommendRequest, RerankSettings
from domain.models import Product, Vector
from domain.pipeline.adjusters import affinity_bonus
from domain.service import RecommenderService
from domain.vectors import blend, ewma

pytestmark = pytest.mark.anyio

QUERIES = ["warm jacket for winter", "trail running shoes", "coffee brewing", "noise cancelling headphones"]


def brute_force(items: list[tuple[Product, Vector]], query: Vector) -> list[tuple[str, float]]:
    ranked = [(p.id, 1.0 - float(np.dot(v, query))) for p, v in items]
    return sorted(ranked, key=lambda r: r[1])


@pytest.mark.parametrize("text", QUERIES)
async def test_knn_order_equals_brute_force_cosine(
    service: RecommenderService, catalog_items: list[tuple[Product, Vector]], text: str
) -> None:
    [query] = await service.embedder.embed([text])
    got = await service.recommend(RecommendRequest(query=text, user_id="fresh", k=20))
    expected = brute_force(catalog_items, query)[:20]
    assert [c.product.id for c in got.items] == [pid for pid, _ in expected]
    assert [c.vector_distance for c in got.items] == pytest.approx([d for _, d in expected], abs=1e-5)
    assert not got.used_session and not got.used_rerank
    assert got.filter_clause == "*"


async def test_filtered_recommendation_reports_clause_and_timings(service: RecommenderService) -> None:
    request = RecommendRequest(
        query="waterproof shell", filters=ProductFilter(category="outerwear", in_stock_only=True), k=5
    )
    got = await service.recommend(request)
    assert got.filter_clause == "@category:{outerwear} @in_stock:{true}"
    assert 0 < len(got.items) <= 5
    assert all(c.product.category == "outerwear" and c.product.in_stock for c in got.items)
    t = got.timings
    assert t.embed_ms > 0 and t.search_ms > 0 and t.total_ms >= t.embed_ms


async def test_click_changes_the_next_recommendation_as_the_math_says(
    service: RecommenderService, catalog_items: list[tuple[Product, Vector]]
) -> None:
    vectors = {p.id: v for p, v in catalog_items}
    categories = {p.id: p.category for p, _ in catalog_items}
    text = "something comfortable for the weekend"
    before = await service.recommend(RecommendRequest(query=text, user_id="ann", k=60))

    clicked = [pid for pid in ("p001", "p002", "p030") if pid in vectors]
    for pid in clicked:
        await service.record_click("ann", pid)

    features = await service.user_features("ann")
    assert features.clicks == len(clicked)
    assert features.last_clicked_id == clicked[-1]
    session = None
    for pid in clicked:
        session = ewma(session, vectors[pid])
    assert features.session_vector is not None
    # Redis keeps the session vector at half precision (adapters.redis.user_vectors): close, not equal.
    assert np.allclose(features.session_vector, session, atol=1e-4)
    expected_aff: dict[str, float] = {}
    for pid in clicked:
        expected_aff[categories[pid]] = expected_aff.get(categories[pid], 0.0) + 1.0
    assert features.affinities == expected_aff

    after = await service.recommend(RecommendRequest(query=text, user_id="ann", k=60))
    assert after.used_session and after.used_rerank
    [query] = await service.embedder.embed([text])
    blended = blend(query, features.session_vector, 0.3)  # the stored vector, the one the query is built from
    for c in after.items:
        distance = 1.0 - float(np.dot(vectors[c.product.id], blended))
        bonus = affinity_bonus(expected_aff.get(c.product.category, 0.0), 0.15)
        assert c.vector_distance == pytest.approx(distance, abs=1e-5)
        assert c.affinity_bonus == pytest.approx(bonus, abs=1e-9)
        assert c.score == pytest.approx(c.vector_distance - bonus, abs=1e-9)
    assert [c.score for c in after.items] == sorted(c.score for c in after.items)
    assert [c.product.id for c in after.items] != [c.product.id for c in before.items]

    off = await service.recommend(
        RecommendRequest(
            query=text, user_id="ann", k=60, blend=BlendSettings(enabled=False), rerank=RerankSettings(weight=0.0)
        )
    )
    assert not off.used_session and not off.used_rerank
    assert [c.product.id for c in off.items] == [c.product.id for c in before.items]


async def test_fifty_concurrent_clicks_are_all_counted(service: RecommenderService) -> None:
    await asyncio.gather(*(service.record_click("busy", f"p{(i % 10) + 1:03d}") for i in range(50)))
    features = await service.user_features("busy")
    assert features.clicks == 50
    assert sum(features.affinities.values()) == 50
    assert features.session_vector is not None
    assert float(np.linalg.norm(features.session_vector)) == pytest.approx(1.0, abs=1e-5)


async def test_clicks_of_different_users_do_not_mix(service: RecommenderService) -> None:
    await asyncio.gather(
        *(service.record_click("u-a", "p001") for _ in range(5)),
        *(service.record_click("u-b", "p010") for _ in range(3)),
    )
    a, b = await service.user_features("u-a"), await service.user_features("u-b")
    assert (a.clicks, b.clicks) == (5, 3)
    assert a.last_clicked_id == "p001" and b.last_clicked_id == "p010"


async def test_refresh_moves_a_product_to_the_top(service: RecommenderService) -> None:
    text = "ultralight titanium spork"
    before = await service.recommend(RecommendRequest(query=text, user_id="r", k=60))
    last = before.items[-1].product.id
    refreshed = await service.refresh_embedding(last, text)
    assert refreshed.product_id == last and refreshed.embed_ms > 0
    after = await service.recommend(RecommendRequest(query=text, user_id="r", k=5))
    assert after.items[0].product.id == last
    assert after.items[0].vector_distance == pytest.approx(0.0, abs=1e-5)


async def test_refresh_of_unknown_product_creates_nothing(service: RecommenderService) -> None:
    from domain.errors import ProductNotFound

    with pytest.raises(ProductNotFound):
        await service.refresh_embedding("nope", "text")
    assert await service.index.get("nope") is None
    assert (await service.index.info()).num_docs == 60


async def test_reset_user_forgets_everything(service: RecommenderService) -> None:
    await service.record_click("gone", "p001")
    await service.reset_user("gone")
    features = await service.user_features("gone")
    assert features.clicks == 0 and features.session_vector is None and features.affinities == {}
    got = await service.recommend(RecommendRequest(query="parka", user_id="gone"))
    assert not got.used_session and not got.used_rerank


async def test_reset_index_restores_the_catalog(service: RecommenderService) -> None:
    await service.refresh_embedding("p001", "a completely different thing")
    assert (await service.reset_index()).seeded == 60
    info = await service.index.info()
    assert info.num_docs == 60 and info.indexing_failures == 0
    got = await service.recommend(RecommendRequest(query="Alpine down parka", user_id="x", k=1))
    assert got.items[0].product.id == "p001"


async def test_listing_and_facets(service: RecommenderService, catalog_items: list[tuple[Product, Vector]]) -> None:
    products = await service.list_products(1000)
    assert [p.id for p in products] == sorted(p.id for p, _ in catalog_items)
    assert [p.id for p in await service.list_products(3)] == ["p001", "p002", "p003"]
    assert products[0] == next(p for p, _ in catalog_items if p.id == "p001")
    assert await service.categories() == sorted({p.category for p, _ in catalog_items})
    assert await service.brands() == sorted({p.brand for p, _ in catalog_items})
