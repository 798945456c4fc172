"""Reciprocal rank fusion of ranked id lists: score(d) = Σ 1 / (K + rank of d in each list)."""

from collections.abc import Sequence

# The constant of Cormack, Clarke and Büttcher (2009); it flattens the head of each list so one list's
# first place cannot outvote agreement between lists.
RRF_K = 60


def rrf_scores(*rankings: Sequence[str], k: int = RRF_K) -> dict[str, float]:
    """Each id's fused score, highest best (ranks are 1-based)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


def fuse(*rankings: Sequence[str], k: int = RRF_K) -> list[tuple[str, float]]:
    """Ids by fused score, best first; ties keep first-seen order."""
    scores = rrf_scores(*rankings, k=k)
    return sorted(scores.items(), key=lambda pair: -pair[1])
