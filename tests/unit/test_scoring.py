"""The harness's scorer, checked on hand-made rankings and against the published PopRec row of Amazon Beauty."""

import math
from pathlib import Path

import pytest

from eval.scoring import Scores, coverage, hit_rank, popularity_order, top_excluding

BEAUTY = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "amazon-beauty" / "sequences.txt"


def test_ranks_and_metrics_by_hand() -> None:
    scores = Scores()
    scores.add(["a", "b", "c"], "a")  # rank 0
    scores.add([str(n) for n in range(30)], "7")  # rank 7
    scores.add([str(n) for n in range(30)], "25")  # beyond 20: a miss
    scores.add([], "x")
    metrics = scores.metrics()
    assert scores.users == 4
    assert metrics["HR@5"] == 0.25 and metrics["HR@10"] == 0.5 and metrics["HR@20"] == 0.5
    assert metrics["NDCG@5"] == 0.25
    assert metrics["NDCG@10"] == pytest.approx((1.0 + 1.0 / math.log2(9)) / 4)
    assert metrics["NDCG@20"] == metrics["NDCG@10"]
    assert hit_rank(["a", "b"], "b") == 1 and hit_rank(["a"], "z") is None


def test_coverage_counts_distinct_items_of_the_top_k() -> None:
    assert coverage([["a", "b", "c"], ["a", "d"]], catalog_size=10, k=2) == 0.3


def test_top_excluding_skips_history() -> None:
    assert top_excluding([5, 4, 3, 2, 1], {4, 2}, k=2) == [5, 3]


def _sequences() -> list[list[int]]:
    return [[int(item) for item in line.split()[1:]] for line in BEAUTY.read_text().splitlines() if line.strip()]


def _poprec(sequences: list[list[int]], counted: list[list[int]]) -> dict[str, float]:
    order, scores = popularity_order(counted), Scores()
    for items in sequences:
        scores.add(top_excluding(order, set(items[:-1])), items[-1])
    return scores.metrics()


def test_popularity_reproduces_the_published_poprec_row() -> None:
    sequences = _sequences()
    assert (len(sequences), sum(map(len, sequences))) == (22363, 198502)
    leaky = _poprec(sequences, sequences)  # counted over every interaction, as the published row is
    assert (round(leaky["HR@10"], 4), round(leaky["NDCG@10"], 4)) == (0.0152, 0.0068)
    fair = _poprec(sequences, [items[:-1] for items in sequences])  # test items not counted
    assert fair["HR@10"] == pytest.approx(0.0135, abs=0.0002)
    assert fair["NDCG@10"] == pytest.approx(0.0061, abs=0.0002)
