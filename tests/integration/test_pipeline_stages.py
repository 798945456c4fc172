"""Each kind of pipeline stage on both stores (the fake must not drift): sources, the fallback chain, fusion,
the adjuster, the selectors and the pager, against answers computed from the catalog itself."""

from dataclasses import dataclass

import numpy as np
import pytest

from adapters.embedder import FastEmbedEmbedder
from adapters.memory import InMemoryPopularity, InMemoryProductIndex
from adapters.redis.connection import RedisConnection
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from domain.diversity import DiversitySettings
from domain.errors import InvalidInput
from domain.filters import ProductFilter, RecommendRequest
from domain.models import Product, Reason, Strategy, Vector
from domain.pipeline.adjusters import AffinityBoost
from domain.pipeline.fallback import FallbackChain, ToppedUp
from domain.pipeline.fusion import Hybrid, rrf_scores
from domain.pipeline.pager import Pager
from domain.pipeline.popular import Popular, TopRated
from domain.pipeline.ranking import Ranking
from domain.pipeline.selectors import Diverse, TopK
from domain.pipeline.sources import Keyword, query_knn, session_knn, similar_product_knn
from domain.pipeline.stages import Retrieval, Scale, Trace
from domain.ports import PopularityStore, ProductIndex
from domain.recommend import recommend_sources
from tests.clock import START

pytestmark = pytest.mark.anyio

Catalog = list[tuple[Product, Vector]]


@dataclass
class Stores:
    index: ProductIndex
    popularity: PopularityStore


@pytest.fixture
def memory_stores(memory_index: InMemoryProductIndex) -> Stores:
    return Stores(memory_index, InMemoryPopularity())


@pytest.fixture
def redis_stores(redis_index: RedisProductIndex, redis_conn: RedisConnection, namespace: str) -> Stores:
    return Stores(redis_index, RedisPopularity(redis_conn, prefix=namespace))


@pytest.fixture(params=["memory", "redis"])
def stores(request: pytest.FixtureRequest) -> Stores:
    return request.getfixturevalue(f"{request.param}_stores")  # type: ignore[no-any-return]


def nearest(catalog: Catalog, vector: Vector, n: int, skip: str = "") -> list[str]:
    ranked = sorted((1.0 - float(np.dot(v, vector)), p.id) for p, v in catalog if p.id != skip)
    return [pid for _, pid in ranked[:n]]


async def test_knn_sources_rank_by_distance_and_decline_without_a_vector(
    stores: Stores, catalog_items: Catalog
) -> None:
    vector = dict((p.id, v) for p, v in catalog_items)["p010"]
    ask = Retrieval(ProductFilter(excluded_ids=("p010",)), 5, vector=vector, with_vectors=True)
    for source, reason in [(query_knn, Reason.MATCHES_QUERY), (similar_product_knn, Reason.SIMILAR_TO_PRODUCT)]:
        pool = await source(stores.index).retrieve(ask)
        assert pool is not None and pool.scale is Scale.DISTANCE
        assert [e.product.id for e in pool.entries] == nearest(catalog_items, vector, 5, skip="p010")
        assert {e.reason for e in pool.entries} == {reason} and all(e.vector is not None for e in pool.entries)
        assert all(e.distance is not None and 0.0 <= e.distance == e.base for e in pool.entries)
    assert await session_knn(stores.index).retrieve(Retrieval(ProductFilter(), 5)) is None  # no session yet


async def test_keyword_source_ranks_bm25_matches_and_renders_everything_without_words(
    stores: Stores, embedder: FastEmbedEmbedder
) -> None:
    [vector] = await embedder.embed(["snorkel"])
    pool = await Keyword(stores.index).retrieve(Retrieval(ProductFilter(), 3, vector=vector, words=("snorkel",)))
    assert [(e.product.id, e.reason, e.text_rank, e.base) for e in pool.entries] == [
        ("p001", Reason.MATCHES_KEYWORDS, 1, -1 / 61)
    ]
    assert pool.scale is Scale.RANK and pool.entries[0].distance is not None
    nothing = await Keyword(stores.index).retrieve(Retrieval(ProductFilter(category="kitchen"), 3, vector=vector))
    assert nothing.entries == [] and nothing.clause == "*"


async def test_keyword_search_finds_words_by_their_english_stem(stores: Stores) -> None:
    """As the index stems: "hike" finds "hiking" and "hikes", "shoes" "shoe", "running" "runs"; a held word shorter
    than 4 bytes is kept as it is ("its" is not found for "it", though "its" finds "it")."""

    async def found(*words: str, k: int = 20) -> set[str]:
        return {p.id for p, _ in (await stores.index.keyword_search(words, ProductFilter(), k)).hits}

    assert await found("hike") == {"p006", "p009", "p017", "p047"}
    assert await found("running", "shoes", k=2) == {"p010", "p011"}  # the two holding both
    assert await found("running", "shoes") == {"p010", "p011", "p014", "p015", "p043", "p051", "p054", "p059"}
    assert await found("it") == {"p002", "p003", "p023", "p028", "p043", "p060"}
    assert await found("its") == await found("it") | {"p004"}


async def test_engagement_sources(stores: Stores, catalog_items: Catalog) -> None:
    ask = Retrieval(ProductFilter(), 4, now=START)
    assert await Popular(stores.index, stores.popularity).retrieve(ask) is None  # no events yet
    assert await Popular(stores.index, None).retrieve(ask) is None  # no counts kept
    await stores.popularity.add_many([("p041", 1.0, START)])
    await stores.popularity.add_many([("p040", 3.0, START)])
    popular = await Popular(stores.index, stores.popularity).retrieve(ask)
    assert popular is not None and popular.strategy is Strategy.POPULAR
    assert [(e.product.id, e.reason, e.base) for e in popular.entries] == [
        ("p040", Reason.POPULAR, -3.0),
        ("p041", Reason.POPULAR, -1.0),
    ]
    rated = await TopRated(stores.index).retrieve(ask)
    assert [e.product.rating for e in rated.entries] == sorted((p.rating for p, _ in catalog_items), reverse=True)[:4]
    assert rated.strategy is Strategy.TOP_RATED and rated.scale is Scale.ENGAGEMENT


async def test_fallback_chain_tries_sources_in_order(stores: Stores, catalog_items: Catalog) -> None:
    chain = recommend_sources(stores.index, stores.popularity).for_you
    ask = Retrieval(ProductFilter(), 3, now=START)
    first = await chain.retrieve(ask)
    assert first is not None and first.strategy is Strategy.TOP_RATED  # no session, nothing engaged with
    await stores.popularity.add_many([("p040", 3.0, START)])
    topped = await chain.retrieve(ask)
    assert topped is not None and topped.strategy is Strategy.POPULAR
    assert [e.reason for e in topped.entries] == [Reason.POPULAR, Reason.TOP_RATED, Reason.TOP_RATED]
    assert len({e.product.id for e in topped.entries}) == 3 and "p040" in topped.clause  # the top-up excluded it
    session = await chain.retrieve(Retrieval(ProductFilter(), 3, vector=catalog_items[0][1]))
    assert session is not None and session.strategy is Strategy.SESSION
    only_top_up = ToppedUp(Popular(stores.index, None), TopRated(stores.index))
    assert await FallbackChain((only_top_up,)).retrieve(ask) is None  # nothing answered


async def test_hybrid_fuses_both_lists_by_reciprocal_rank(stores: Stores, embedder: FastEmbedEmbedder) -> None:
    [vector] = await embedder.embed(["warm winter parka with a snorkel hood"])
    ask = Retrieval(ProductFilter(), 8, vector=vector, words=("snorkel", "hood", "parka"))
    knn, keyword = query_knn(stores.index), Keyword(stores.index)
    fused = await Hybrid(knn, keyword).retrieve(ask)
    vector_pool, text_pool = await knn.retrieve(ask), await keyword.retrieve(ask)
    assert fused is not None and vector_pool is not None
    scores = rrf_scores([e.product.id for e in vector_pool.entries], [e.product.id for e in text_pool.entries])
    expected = sorted(scores.items(), key=lambda pair: -pair[1])[:8]
    assert [(e.product.id, e.base) for e in fused.entries] == [(pid, -score) for pid, score in expected]
    text_ranks = {e.product.id: e.text_rank for e in text_pool.entries}
    assert all(e.text_rank == text_ranks.get(e.product.id) for e in fused.entries)
    assert fused.entries[0].product.id == "p001" and fused.scale is Scale.RANK


async def test_adjuster_and_selectors_on_a_retrieved_pool(stores: Stores, embedder: FastEmbedEmbedder) -> None:
    [vector] = await embedder.embed(["running shoes"])
    pool = await query_knn(stores.index).retrieve(Retrieval(ProductFilter(), 40, vector=vector, with_vectors=True))
    assert pool is not None
    plain, more = Ranking(TopK(10)).page(pool, Trace())
    assert [c.product.id for c in plain] == [e.product.id for e in pool.entries[:10]] and more
    favourite = plain[-1].product.category
    boosted, _ = Ranking(TopK(10), (AffinityBoost({favourite: 5.0}, 0.5),)).page(pool, Trace())
    assert [c.score for c in boosted] == sorted(c.score for c in boosted)
    assert boosted[0].product.category == favourite and boosted[0].affinity_bonus > 0
    diverse, _ = Ranking(Diverse(10, DiversitySettings(1.0), by_distance=True)).page(pool, Trace())
    assert diverse[0].product.id == plain[0].product.id
    assert len({c.product.category for c in diverse}) > len({c.product.category for c in plain})
    floor = plain[4].vector_distance
    near, _ = Ranking(TopK(10), max_distance=floor).page(pool, Trace())
    assert [c.product.id for c in near] == [c.product.id for c in plain[:5]]


async def test_pager_continues_a_request_without_repeats(stores: Stores, embedder: FastEmbedEmbedder) -> None:
    pager, request = Pager(ttl_s=60.0), RecommendRequest(query="tent", k=3)
    [vector] = await embedder.embed(["tent"])
    pool = await query_knn(stores.index).retrieve(Retrieval(ProductFilter(), 4, vector=vector))
    assert pool is not None
    first, _ = Ranking(TopK(3)).page(pool, Trace())
    ids = [c.product.id for c in first]
    page = pager.next_page(request, served=(), page_ids=ids, more=True, now=START)
    state = page.next_state
    assert page.has_next_page and state is not None and state.served == tuple(ids)
    again = RecommendRequest(query="tent", k=3, after=state)
    served = pager.served(again, START + 60)
    second = await query_knn(stores.index).retrieve(Retrieval(ProductFilter(excluded_ids=served), 3, vector=vector))
    assert second is not None and not {e.product.id for e in second.entries} & set(ids)
    with pytest.raises(InvalidInput, match="another request"):
        pager.served(RecommendRequest(query="tents", k=3, after=state), START)
    with pytest.raises(InvalidInput, match="expired"):
        pager.served(again, START + 61)
    assert pager.next_page(request, served=(), page_ids=[], more=False, now=START).next_state is None
