"""The behaviour stages on both stores (the fake must not drift): the co-engagement source filtered and excluded
inside the index, the fusion with the session, the query bonus; answers computed from the links themselves."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from adapters.memory import InMemoryProductIndex
from adapters.memory_co_engagement import InMemoryCoEngagement
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from domain.co_engagement import Link, Relation
from domain.filters import ProductFilter
from domain.models import Product, Reason, Strategy, Vector
from domain.pipeline.behaviour import Behaviour, BehaviourWeights, UserBehaviour
from domain.pipeline.behaviour_fusion import BehaviourAndSession
from domain.pipeline.fallback import ToppedUp
from domain.pipeline.sources import session_knn, similar_product_knn
from domain.pipeline.stages import Retrieval, Scale
from domain.ports import CoEngagementStore, ProductIndex, SearchResult
from tests.clock import START

pytestmark = pytest.mark.anyio
AV, BT = Relation.ALSO_VIEWED, Relation.BOUGHT_TOGETHER
Catalog = list[tuple[Product, Vector]]
# p001 (a parka) was engaged with beside these, strongest first: a kettle, a tent, an out-of-stock vest, a skillet.
LINKS = [Link("p001", "p019", AV, 4.0), Link("p001", "p018", AV, 3.0), Link("p001", "p004", AV, 2.0)]
LINKS += [Link("p001", "p032", AV, 1.0), Link("p001", "p019", BT, 1.0)]
ORDER = ["p019", "p018", "p004", "p032"]  # p001's ALSO_VIEWED neighbours, strongest first


@dataclass
class Stores:
    index: ProductIndex
    co: CoEngagementStore


@pytest.fixture
async def memory_stores(memory_index: InMemoryProductIndex) -> Stores:
    co = InMemoryCoEngagement(exponent=0.0)
    await co.add_many([(LINKS, START)])
    return Stores(memory_index, co)


@pytest.fixture
async def redis_stores(redis_index: RedisProductIndex, redis_conn: RedisConnection, namespace: str) -> Stores:
    co = RedisCoEngagement(redis_conn, namespace, exponent=0.0)
    await co.add_many([(LINKS, START)])
    return Stores(redis_index, co)


@pytest.fixture(params=["memory", "redis"])
def stores(request: pytest.FixtureRequest) -> Stores:
    return request.getfixturevalue(f"{request.param}_stores")  # type: ignore[no-any-return]


def ask(n: int, *, vector: Vector | None = None, weight: float = 0.0, **filters: object) -> Retrieval:
    seeds = (("p001", 1.0),)
    return Retrieval(ProductFilter(**filters), n, vector=vector, now=START, seeds=seeds, behaviour_weight=weight)  # type: ignore[arg-type]


async def test_behaviour_source_ranks_neighbours_by_max_scaled_score(stores: Stores) -> None:
    source = Behaviour(stores.index, stores.co, AV, Strategy.RELATED)
    pool = await source.retrieve(ask(10))
    assert pool is not None and pool.scale is Scale.BEHAVIOUR and pool.strategy is Strategy.RELATED
    assert [(e.product.id, e.base) for e in pool.entries] == [*zip(ORDER, [-1.0, -0.75, -0.5, -0.25], strict=True)]
    assert {e.reason for e in pool.entries} == {Reason.ALSO_VIEWED} and all(e.vector is not None for e in pool.entries)
    assert await source.retrieve(Retrieval(ProductFilter(), 5)) is None  # no seeds: declines


async def test_a_floor_above_the_best_count_scales_every_b_down(stores: Stores) -> None:
    """The best neighbour's count is 4: a floor of 8 halves every b, one of 2 changes nothing; the order stays.
    A query's bonus keeps plain max-scaling."""
    for floor, bases in ((8.0, [-0.5, -0.375, -0.25, -0.125]), (2.0, [-1.0, -0.75, -0.5, -0.25])):
        pool = await Behaviour(stores.index, stores.co, AV, Strategy.BEHAVIOUR, floor=floor).retrieve(ask(10))
        assert pool is not None and [(e.product.id, e.base) for e in pool.entries] == [*zip(ORDER, bases, strict=True)]
    bonus = await UserBehaviour(stores.co, BehaviourWeights(query_bonus=1.0, floor=8.0)).bonus(ask(5, weight=1.0))
    assert bonus is not None and bonus.scores == dict(zip(ORDER, [1.0, 0.75, 0.5, 0.25], strict=True))  # no floor


async def test_behaviour_candidates_are_filtered_and_excluded_inside_the_index(stores: Stores) -> None:
    source = Behaviour(stores.index, stores.co, AV, Strategy.RELATED)
    in_stock = await source.retrieve(ask(10, in_stock_only=True, excluded_ids=("p019",)))
    assert in_stock is not None and [e.product.id for e in in_stock.entries] == ["p018", "p032"]
    kitchen = await source.retrieve(ask(10, category="kitchen"))
    assert kitchen is not None and [e.product.id for e in kitchen.entries] == ["p032"]
    await stores.index.delete(["p018"])
    left = await source.retrieve(ask(10))
    assert left is not None and "p018" not in [e.product.id for e in left.entries]


class CountingIndex:
    """The index, recording how many ids each search among neighbours asked for."""

    def __init__(self, index: ProductIndex) -> None:
        self._index = index
        self.asked: list[int] = []

    async def among(self, product_ids: Sequence[str], filters: ProductFilter) -> SearchResult:
        self.asked.append(len(product_ids))
        return await self._index.among(product_ids, filters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


# The four neighbours of p001 in order of b: p019, p018, p004 (out of stock), p032 (kitchen). Per case: the
# page size n, the filters, and per first_read the sizes of the id sets asked for (the first read is the best
# max(2n, first_read); the rest only when fewer than n of those pass).
FIRST_READ_CASES = [
    (1, {}, {1: [2], 2: [2], 20: [4]}),
    (2, {}, {1: [4], 2: [4], 20: [4]}),
    (1, {"excluded_ids": ("p019", "p018")}, {1: [2, 2], 2: [2, 2], 20: [4]}),
    (2, {"in_stock_only": True}, {1: [4], 2: [4], 20: [4]}),
    (3, {"category": "kitchen"}, {1: [4], 2: [4], 20: [4]}),
    (4, {"excluded_ids": ("p032",)}, {1: [4], 2: [4], 20: [4]}),
]


@pytest.mark.parametrize("first_read", [1, 2, 20])
@pytest.mark.parametrize(("n", "filters", "asked"), FIRST_READ_CASES)
async def test_a_page_asks_for_the_best_neighbours_first_and_for_the_rest_only_when_too_few_pass(
    stores: Stores, first_read: int, n: int, filters: dict[str, Any], asked: dict[int, list[int]]
) -> None:
    counting = CountingIndex(stores.index)
    source = Behaviour(counting, stores.co, AV, Strategy.RELATED, first_read=first_read)  # type: ignore[arg-type]
    every = await Behaviour(stores.index, stores.co, AV, Strategy.RELATED, first_read=1000).retrieve(ask(n, **filters))
    page = await source.retrieve(ask(n, **filters))
    assert every is not None and page is not None and page.clause == every.clause
    assert [(e.product.id, e.base) for e in page.entries] == [(e.product.id, e.base) for e in every.entries]
    assert counting.asked == asked[first_read]


DISTANCE_CASES = [
    ({}, ["p004", "p018", "p019", "p032"]),
    ({"in_stock_only": True}, ["p018", "p019", "p032"]),
    ({"category": "kitchen", "excluded_ids": ("p019",)}, ["p032"]),
    ({"excluded_ids": ("p004", "p018", "p019", "p032")}, []),
]


@pytest.mark.parametrize(("filters", "passing"), DISTANCE_CASES)
async def test_distances_are_those_of_the_ids_that_pass_to_the_vector(
    stores: Stores, catalog_items: Catalog, filters: dict[str, Any], passing: list[str]
) -> None:
    vectors = dict((p.id, v) for p, v in catalog_items)
    found = await stores.index.distances(
        ["p019", "p018", "p004", "p032", "nope"], ProductFilter(**filters), vectors["p036"]
    )
    assert sorted(found) == passing
    for pid, d in found.items():
        assert d == pytest.approx(1.0 - float(np.dot(vectors[pid], vectors["p036"])), abs=1e-5)
    assert await stores.index.distances([], ProductFilter(), vectors["p036"]) == {}


async def test_bought_together_is_its_own_list(stores: Stores) -> None:
    pool = await Behaviour(stores.index, stores.co, BT, Strategy.RELATED).retrieve(ask(10))
    assert pool is not None and [(e.product.id, e.reason) for e in pool.entries] == [("p019", Reason.BOUGHT_TOGETHER)]


async def test_topped_up_with_similar_products(stores: Stores, catalog_items: Catalog) -> None:
    vector = dict((p.id, v) for p, v in catalog_items)["p001"]
    source = ToppedUp(Behaviour(stores.index, stores.co, BT, Strategy.RELATED), similar_product_knn(stores.index))
    pool = await source.retrieve(ask(4, vector=vector, excluded_ids=("p001",)))
    assert pool is not None and pool.strategy is Strategy.RELATED
    assert [e.reason for e in pool.entries] == [Reason.BOUGHT_TOGETHER, *[Reason.SIMILAR_TO_PRODUCT] * 3]
    ids = [e.product.id for e in pool.entries]
    assert ids[0] == "p019" and len(set(ids)) == 4 and "p001" not in ids


async def test_fusion_scores_behaviour_plus_session_cosine(stores: Stores, catalog_items: Catalog) -> None:
    vectors = dict((p.id, v) for p, v in catalog_items)
    session = vectors["p036"]  # a dutch oven: the kitchen is near, the kettle and the tent far
    counting = CountingIndex(stores.index)
    behaviour = Behaviour(counting, stores.co, AV, Strategy.BEHAVIOUR)  # type: ignore[arg-type]
    fusion = BehaviourAndSession(behaviour, session_knn(stores.index), 1.0)
    pool = await fusion.retrieve(ask(5, vector=session, weight=1.0, excluded_ids=("p001",)))
    assert pool is not None and pool.strategy is Strategy.SESSION
    b = {"p019": 1.0, "p018": 0.75, "p004": 0.5, "p032": 0.25}
    expected = sorted(
        ((-(b.get(p.id, 0.0) + float(np.dot(v, session))), p.id) for p, v in catalog_items if p.id != "p001")
    )[:5]
    assert [e.product.id for e in pool.entries] == [pid for _, pid in expected]
    # Fields and vectors are read only for the neighbours on the page that the session's KNN did not return.
    nearest = sorted((-float(np.dot(v, session)), p.id) for p, v in catalog_items if p.id != "p001")[:5]
    behaviour_only = [pid for _, pid in expected if pid not in {pid for _, pid in nearest}]
    assert behaviour_only and counting.asked == [len(behaviour_only)]
    assert [e.base for e in pool.entries] == pytest.approx([score for score, _ in expected], abs=1e-5)
    for e in pool.entries:
        cosine = float(np.dot(vectors[e.product.id], session))
        assert e.reason is (Reason.ALSO_VIEWED if b.get(e.product.id, 0.0) > cosine else Reason.SIMILAR_TO_SESSION)
    # A behaviour weight of 0 declines: the chain's session source answers alone.
    assert await fusion.retrieve(ask(5, vector=session, weight=0.0)) is None


class Vanishing(CountingIndex):
    """The index where `gone` was deleted after the distances were read: `among` no longer finds it."""

    def __init__(self, index: ProductIndex, gone: str) -> None:
        super().__init__(index)
        self.gone = gone

    async def among(self, product_ids: Sequence[str], filters: ProductFilter) -> SearchResult:
        return await super().among([pid for pid in product_ids if pid != self.gone], filters)


async def test_fusion_fills_the_page_when_a_product_went_after_its_distance_was_read(
    stores: Stores, catalog_items: Catalog
) -> None:
    vectors = dict((p.id, v) for p, v in catalog_items)
    session = vectors["p036"]
    b = {"p019": 1.0, "p018": 0.75, "p004": 0.5, "p032": 0.25}
    nearest = [pid for _, pid in sorted((-float(np.dot(v, session)), p.id) for p, v in catalog_items if p.id != "p001")]
    candidates = set(nearest[:5]) | set(b)  # the session KNN's five and every neighbour
    order = sorted(candidates, key=lambda pid: (-(b.get(pid, 0.0) + float(np.dot(vectors[pid], session))), pid))
    gone = next(pid for pid in order[:5] if pid not in nearest[:5])  # on the page through behaviour alone
    vanishing = Vanishing(stores.index, gone)
    behaviour = Behaviour(vanishing, stores.co, AV, Strategy.BEHAVIOUR)  # type: ignore[arg-type]
    fusion = BehaviourAndSession(behaviour, session_knn(stores.index), 1.0)
    pool = await fusion.retrieve(ask(5, vector=session, weight=1.0, excluded_ids=("p001",)))
    page = [pid for pid in order if pid != gone][:5]
    assert pool is not None and [e.product.id for e in pool.entries] == page  # the next candidate took its place
    # Read: the page's behaviour-only products, then the next one, unless the session KNN returned it already.
    assert len(vanishing.asked) == 1 + (page[-1] not in nearest[:5])


async def test_fusion_without_a_session_is_behaviour_alone(stores: Stores) -> None:
    fusion = BehaviourAndSession(
        Behaviour(stores.index, stores.co, AV, Strategy.BEHAVIOUR), session_knn(stores.index), 1.0
    )
    pool = await fusion.retrieve(ask(2, weight=1.0))
    assert pool is not None and pool.strategy is Strategy.BEHAVIOUR
    assert [e.product.id for e in pool.entries] == ["p019", "p018"]


async def test_query_bonus_is_weight_times_b_times_the_factor(stores: Stores, catalog_items: Catalog) -> None:
    behaviour = UserBehaviour(stores.co, BehaviourWeights(query_bonus=0.1, floor=0.0))
    bonus = await behaviour.bonus(ask(5, weight=0.5))
    assert bonus is not None
    entries = (await session_knn(stores.index).retrieve(ask(500, vector=catalog_items[18][1]))).entries  # type: ignore[union-attr]
    by_id = dict(zip((e.product.id for e in entries), bonus.bonuses(entries), strict=True))
    assert by_id["p019"] == pytest.approx(0.05) and by_id["p032"] == pytest.approx(0.0125) and by_id["p010"] == 0.0
    assert await behaviour.bonus(Retrieval(ProductFilter(), 5, behaviour_weight=1.0)) is None  # no history, no read
