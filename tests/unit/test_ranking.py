"""The ranking stages on hand-made pools: the affinity adjuster, the selectors, and one distance clamp."""

import math

import numpy as np
import pytest

from domain.diversity import DiversitySettings
from domain.filters import RecommendRequest
from domain.models import Product, Reason, Strategy
from domain.pipeline.adjusters import AffinityBoost, affinity_bonus
from domain.pipeline.pager import Pager
from domain.pipeline.ranking import Ranking
from domain.pipeline.selectors import Diverse, TopK, within_distance
from domain.pipeline.sources import nearest_entries
from domain.pipeline.stages import Entry, Pool, Scale, Trace
from domain.ports import SearchResult


def product(pid: str, category: str) -> Product:
    return Product(pid, pid, "", category, "brand", 10.0, 4.0, True)


def pool(hits: list[tuple[Product, float]]) -> Pool:
    return Pool(nearest_entries(SearchResult(hits, "*"), Reason.MATCHES_QUERY), "*", Strategy.QUERY)


@pytest.mark.parametrize(
    ("affinity", "weight", "expected"),
    [
        (0.0, 0.15, 0.0),
        (1.0, 0.15, 0.15 * math.log(2)),
        (3.0, 0.15, 0.15 * math.log(4)),
        (-2.0, 0.15, 0.0),  # negative affinities never penalise
        (5.0, 0.0, 0.0),
    ],
)
def test_affinity_bonus_is_log_scaled(affinity: float, weight: float, expected: float) -> None:
    assert affinity_bonus(affinity, weight) == pytest.approx(expected)


def test_rerank_subtracts_bonus_and_sorts_ascending() -> None:
    hits = [(product("a", "shoes"), 0.30), (product("b", "tents"), 0.35), (product("c", "bags"), 0.40)]
    ranked, more = Ranking(TopK(3), (AffinityBoost({"tents": 3.0}, 0.15),)).page(pool(hits), Trace())
    assert [c.product.id for c in ranked] == ["b", "a", "c"] and not more
    b = ranked[0]
    assert b.vector_distance == 0.35
    assert b.affinity_bonus == pytest.approx(0.15 * math.log(4))
    assert b.score == pytest.approx(0.35 - 0.15 * math.log(4))
    assert b.explanation is not None and b.explanation.affinity_bonus == b.affinity_bonus
    assert ranked[1].affinity_bonus == 0.0 and ranked[1].score == 0.30


def test_rerank_is_stable_for_equal_scores() -> None:
    hits = [(product(pid, "x"), 0.5) for pid in "dcba"]
    ranked, _ = Ranking(TopK(4), (AffinityBoost({}, 0.15),)).page(pool(hits), Trace())
    assert [c.product.id for c in ranked] == list("dcba")


def test_without_an_adjuster_the_pool_keeps_its_order_and_scores_by_distance() -> None:
    hits = [(product("a", "x"), 0.2), (product("b", "x"), 0.1)]
    ranked, _ = Ranking(TopK(2)).page(pool(hits), Trace())
    assert [(c.product.id, c.score, c.affinity_bonus) for c in ranked] == [("a", 0.2, 0.0), ("b", 0.1, 0.0)]


def test_float_noise_never_yields_a_negative_distance() -> None:
    hits = [(product("a", "x"), -1.2e-7), (product("b", "x"), 0.3)]
    assert Ranking(TopK(2)).page(pool(hits), Trace())[0][0].vector_distance == 0.0
    assert Ranking(TopK(2), (AffinityBoost({}, 0.15),)).page(pool(hits), Trace())[0][0].score == 0.0


def test_top_k_reports_more_and_reorders_only_within_the_page() -> None:
    hits = [(product("a", "x"), 0.1), (product("b", "x"), 0.2), (product("c", "tents"), 0.3)]
    ranked, more = Ranking(TopK(2), (AffinityBoost({"tents": 100.0}, 1.0),)).page(pool(hits), Trace())
    assert [c.product.id for c in ranked] == ["a", "b"] and more  # c was past the page before re-ranking


def test_the_relevance_floor_keeps_unmeasured_entries() -> None:
    entries = [Entry(product("a", "x"), 0.1, Reason.MATCHES_QUERY, 0.1), Entry(product("b", "x"), -3.0, Reason.POPULAR)]
    entries.append(Entry(product("c", "x"), 0.9, Reason.MATCHES_QUERY, 0.9))
    assert [e.product.id for e in within_distance(entries, 0.5)] == ["a", "b"]
    assert within_distance(entries, None) is entries


@pytest.mark.parametrize(
    ("scale", "open_ended"),
    [(Scale.DISTANCE, False), (Scale.RANK, True), (Scale.BEHAVIOUR, True)],
)
def test_a_floor_that_cuts_a_list_not_ordered_by_distance_leaves_the_page_open(scale: Scale, open_ended: bool) -> None:
    """Three fetched for a page of two, the floor cuts one: in distance order nothing later can pass it, in any
    other order an item past the three fetched may, and later pages pass over the cut one."""
    distances = [0.1, 0.2, 0.9] if scale is Scale.DISTANCE else [0.9, 0.1, 0.2]
    entries = [
        Entry(product(pid, "x"), -1.0 / (60 + r), Reason.MATCHES_KEYWORDS, d)
        for r, (pid, d) in enumerate(zip("abc", distances, strict=True))
    ]
    fetched = Pool(entries, "*", Strategy.QUERY, scale)
    ranking = Ranking(TopK(2), max_distance=0.5)
    page, more = ranking.page(fetched, Trace())
    assert len(page) == 2 and more is open_ended
    assert ranking.passed_over(fetched) == (("a",) if open_ended else ())
    everything_cut = Ranking(TopK(2), max_distance=0.05)
    page, more = everything_cut.page(fetched, Trace())
    assert not page and not more  # a fetch the floor cut whole ends the list
    assert len(everything_cut.passed_over(fetched)) == (3 if open_ended else 0)


def test_diverse_spreads_and_explains_its_penalties() -> None:
    vectors = [np.asarray(v, dtype=np.float32) for v in ([1, 0], [0.999, 0.0447], [0, 1])]
    entries = [
        Entry(product(pid, c), d, Reason.MATCHES_QUERY, d, v)
        for pid, c, d, v in zip("abc", "xxy", (0.1, 0.11, 0.5), vectors, strict=True)
    ]
    selector = Diverse(2, DiversitySettings(1.0), by_distance=True)
    ranked, more = Ranking(selector).page(Pool(entries, "*", Strategy.QUERY), Trace())
    assert [c.product.id for c in ranked] == ["a", "c"] and more
    assert [c.explanation.diversity_penalty for c in ranked if c.explanation] == [0.0, 0.0]
    assert TopK(2).choose(entries, None).order == [0, 1]


def test_the_next_page_skips_what_this_one_passed_over() -> None:
    pager = Pager(ttl_s=60.0)
    request = RecommendRequest(query="warm", k=2)
    page = pager.next_page(request, served=("x",), page_ids=["a"], more=True, now=0.0, passed=("a", "b", "c"))
    assert page.served == ("x", "a", "b", "c") and page.next_state is not None
    assert pager.next_page(request, served=(), page_ids=[], more=False, now=0.0, passed=("b",)).next_state is None
