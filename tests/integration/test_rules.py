"""Merchandising rules through the service, on real Redis and on the fakes (the same table): HIDE keeps a page full,
BOOST and BURY move products by their weight, PIN places products once, HIDE beats PIN, and a rule outside its
active window does nothing. Expected pages come from the catalog's own vectors (brute-force cosine)."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from domain.filters import ProductFilter, RecommendRequest, SimilarRequest
from domain.models import Product, Reason, Recommendations, Strategy, Vector
from domain.related import RelatedRequest
from domain.rules import Rule, RuleAction
from domain.service import RecommenderService
from tests.clock import START

pytestmark = pytest.mark.anyio

Catalog = list[tuple[Product, Vector]]
QUERY = "trail running shoes"


def ranked(catalog: Catalog, vector: Vector, keep: Callable[[Product], bool] = lambda p: True) -> list[str]:
    """Product ids nearest first, among those `keep` admits."""
    return [p.id for _, p in sorted((1.0 - float(np.dot(v, vector)), p) for p, v in catalog if keep(p))]


def distances(catalog: Catalog, vector: Vector) -> dict[str, float]:
    return {p.id: 1.0 - float(np.dot(v, vector)) for p, v in catalog}


def ids(result: Recommendations) -> list[str]:
    return [c.product.id for c in result.items]


async def query_vector(service: RecommenderService) -> Vector:
    [vector] = await service.embedder.embed([QUERY])
    return vector


async def recommend(service: RecommenderService, *rules: Rule, k: int = 5, **more: Any) -> Recommendations:
    return await service.recommend(RecommendRequest(query=QUERY, user_id="fresh", k=k, rules=rules, **more))


async def test_hide_keeps_the_page_full(service: RecommenderService, catalog_items: Catalog) -> None:
    vector = await query_vector(service)
    plain = ranked(catalog_items, vector)
    category = next(p.category for p, _ in catalog_items if p.id == plain[0])
    listed = next(
        pid for pid in plain if pid != plain[0] and dict((p.id, p) for p, _ in catalog_items)[pid].category != category
    )
    hide = Rule(RuleAction.HIDE, match=ProductFilter(category=category), product_ids=(listed,))
    got = await recommend(service, hide, k=10)
    expected = ranked(catalog_items, vector, lambda p: p.category != category and p.id != listed)[:10]
    assert ids(got) == expected and len(got.items) == 10
    assert f"-(@category:{{{category}}})" in got.filter_clause


async def test_hide_applies_to_the_popular_and_top_rated_paths(
    service: RecommenderService, catalog_items: Catalog
) -> None:
    hide = Rule(RuleAction.HIDE, match=ProductFilter(min_rating=4.6))
    request = RecommendRequest(user_id="nobody", k=6, rules=(hide,))
    top = await service.recommend(request)
    assert top.strategy is Strategy.TOP_RATED and len(top.items) == 6
    expected = sorted((p.rating for p, _ in catalog_items if p.rating < 4.6), reverse=True)[:6]
    assert [c.product.rating for c in top.items] == expected
    best = max((p for p, _ in catalog_items), key=lambda p: p.rating)
    await service.record_click("someone", best.id)  # now the most popular product, and hidden
    popular = await service.recommend(request)
    assert popular.strategy is Strategy.TOP_RATED  # the only popular product is hidden: the chain goes on
    assert best.id not in ids(popular) and len(popular.items) == 6


async def test_boost_lifts_a_product_from_beyond_the_page(service: RecommenderService, catalog_items: Catalog) -> None:
    vector = await query_vector(service)
    plain, d = ranked(catalog_items, vector), distances(catalog_items, vector)
    lifted = plain[7]  # not on a page of 5 without the rule
    weight = d[lifted] - (d[plain[0]] + d[plain[1]]) / 2  # now ranks between the first and the second
    got = await recommend(service, Rule(RuleAction.BOOST, product_ids=(lifted,), weight=weight))
    assert ids(got) == [plain[0], lifted, plain[1], plain[2], plain[3]]
    boosted = got.items[1]
    assert boosted.explanation is not None and boosted.explanation.rule_adjustment == pytest.approx(weight)
    assert boosted.score == pytest.approx(boosted.vector_distance - weight, abs=1e-6)
    assert all(
        c.explanation is not None and c.explanation.rule_adjustment == 0.0 for c in got.items if c is not boosted
    )


async def test_bury_sinks_what_its_filter_matches(service: RecommenderService, catalog_items: Catalog) -> None:
    vector = await query_vector(service)
    plain, d = ranked(catalog_items, vector), distances(catalog_items, vector)
    first = dict((p.id, p) for p, _ in catalog_items)[plain[0]]
    match = ProductFilter(brand=first.brand, category=first.category, min_price=first.price, max_price=first.price)
    buried = {
        p.id for p, _ in catalog_items if (p.brand, p.category, p.price) == (first.brand, first.category, first.price)
    }
    weight = (d[plain[3]] + d[plain[4]]) / 2 - d[plain[0]]  # the first now ranks between the fourth and fifth
    got = await recommend(service, Rule(RuleAction.BURY, match=match, weight=weight))
    expected = sorted(plain, key=lambda pid: d[pid] + (weight if pid in buried else 0.0))[:5]
    assert ids(got) == expected and expected.index(first.id) == 3
    moved = got.items[3]
    assert moved.explanation is not None and moved.explanation.rule_adjustment == pytest.approx(-weight)


async def test_pin_at_position_two_never_twice_across_pages(
    service: RecommenderService, catalog_items: Catalog
) -> None:
    vector = await query_vector(service)
    plain = ranked(catalog_items, vector)
    pinned = plain[-1]  # the least relevant product
    pin = Rule(RuleAction.PIN, product_ids=(pinned,), position=2)
    first = await recommend(service, pin, k=3)
    assert ids(first) == [plain[0], pinned, plain[1]] and first.page.has_next_page
    assert first.items[1].explanation is not None and first.items[1].explanation.reason is Reason.PINNED
    second = await recommend(service, pin, k=3, after=first.page.next_state)
    assert ids(second) == [plain[2], plain[3], plain[4]]  # served on the first page: not pinned again
    moved = await recommend(service, Rule(RuleAction.PIN, product_ids=(plain[0],), position=3), k=3)
    assert ids(moved) == [plain[1], plain[2], plain[0]]  # in the pool: moved, not repeated


async def test_pin_respects_the_stock_filter_and_hide_wins(service: RecommenderService, catalog_items: Catalog) -> None:
    vector = await query_vector(service)
    absent = next(p.id for p, _ in catalog_items if not p.in_stock)
    pin = Rule(RuleAction.PIN, product_ids=(absent,), position=1)
    in_stock = await recommend(service, pin, filters=ProductFilter(in_stock_only=True))
    assert ids(in_stock) == ranked(catalog_items, vector, lambda p: p.in_stock)[:5]
    anything = await recommend(service, pin)
    assert ids(anything)[0] == absent and len(anything.items) == 5
    hidden = await recommend(service, pin, Rule(RuleAction.HIDE, product_ids=(absent,)))
    assert ids(hidden) == ranked(catalog_items, vector, lambda p: p.id != absent)[:5]


@pytest.mark.parametrize("window", [(START + 60, None), (None, START), (START - 120, START - 60)])
async def test_a_rule_outside_its_window_does_nothing(
    service: RecommenderService, catalog_items: Catalog, window: tuple[float | None, float | None]
) -> None:
    vector = await query_vector(service)
    plain = ranked(catalog_items, vector)
    since, until = window
    rules = [
        Rule(RuleAction.HIDE, product_ids=(plain[0],), active_from=since, active_until=until),
        Rule(RuleAction.BOOST, product_ids=(plain[9],), weight=5.0, active_from=since, active_until=until),
        Rule(RuleAction.PIN, product_ids=(plain[20],), position=1, active_from=since, active_until=until),
    ]
    got = await recommend(service, *rules)
    assert ids(got) == plain[:5] and got.filter_clause == "*"
    active = [replace(rule, active_from=START - 1, active_until=START + 1) for rule in rules]
    applied = await recommend(service, *active)
    assert ids(applied) == [plain[20], plain[9], plain[1], plain[2], plain[3]]


async def test_similar_products_apply_the_rules(service: RecommenderService, catalog_items: Catalog) -> None:
    vectors = {p.id: v for p, v in catalog_items}
    plain = [pid for pid in ranked(catalog_items, vectors["p010"]) if pid != "p010"]
    rules = (
        Rule(RuleAction.HIDE, product_ids=(plain[0],)),
        Rule(RuleAction.BOOST, product_ids=(plain[6],), weight=2.0),
        Rule(RuleAction.PIN, product_ids=(plain[30], "p010"), position=3),  # never the product itself
    )
    got = await service.similar_products(SimilarRequest("p010", k=4, rules=rules))
    assert ids(got) == [plain[6], plain[1], plain[30], plain[2]]
    assert [c.explanation.reason for c in got.items if c.explanation] == [
        Reason.SIMILAR_TO_PRODUCT,
        Reason.SIMILAR_TO_PRODUCT,
        Reason.PINNED,
        Reason.SIMILAR_TO_PRODUCT,
    ]


async def test_related_products_apply_the_rules(service: RecommenderService, catalog_items: Catalog) -> None:
    vectors = {p.id: v for p, v in catalog_items}
    plain = [pid for pid in ranked(catalog_items, vectors["p010"]) if pid != "p010"]  # no co-engagement: topped up
    rules = (
        Rule(RuleAction.HIDE, product_ids=(plain[0],)),
        Rule(RuleAction.PIN, product_ids=(plain[30], "p010"), position=2),  # never the product itself
    )
    assert ids(await service.related_products(RelatedRequest("p010", k=4))) == plain[:4]
    got = await service.related_products(RelatedRequest("p010", k=4, rules=rules))
    assert ids(got) == [plain[1], plain[30], plain[2], plain[3]]
    assert [c.explanation.reason for c in got.items if c.explanation][1] is Reason.PINNED
