import math

import pytest

from domain.models import Product
from domain.ranking import affinity_bonus, as_ranked, rerank


def product(pid: str, category: str) -> Product:
    return Product(pid, pid, "", category, "brand", 10.0, 4.0, True)


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
    ranked = rerank(hits, {"tents": 3.0}, weight=0.15)
    assert [c.product.id for c in ranked] == ["b", "a", "c"]
    b = ranked[0]
    assert b.vector_distance == 0.35
    assert b.affinity_bonus == pytest.approx(0.15 * math.log(4))
    assert b.score == pytest.approx(0.35 - 0.15 * math.log(4))
    assert ranked[1].affinity_bonus == 0.0 and ranked[1].score == 0.30


def test_rerank_is_stable_for_equal_scores() -> None:
    hits = [(product(pid, "x"), 0.5) for pid in "dcba"]
    assert [c.product.id for c in rerank(hits, {}, 0.15)] == list("dcba")


def test_as_ranked_keeps_order_and_scores_by_distance() -> None:
    hits = [(product("a", "x"), 0.2), (product("b", "x"), 0.1)]
    assert [(c.product.id, c.score, c.affinity_bonus) for c in as_ranked(hits)] == [("a", 0.2, 0.0), ("b", 0.1, 0.0)]


def test_float_noise_never_yields_a_negative_distance() -> None:
    hits = [(product("a", "x"), -1.2e-7), (product("b", "x"), 0.3)]
    assert as_ranked(hits)[0].vector_distance == 0.0
    assert rerank(hits, {}, 0.15)[0].score == 0.0
