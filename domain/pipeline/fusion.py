"""Fusion of several sources into one pool: reciprocal rank fusion, score(d) = Σ 1 / (K + rank of d in each list)."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.models import Reason, Strategy
from domain.pipeline.stages import Pool, Retrieval, Scale, Source

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


def _fused(vector: Pool, text: Pool, n: int) -> Pool:
    by_id = {e.product.id: e for e in vector.entries}
    for e in text.entries:
        by_id.setdefault(e.product.id, e)
    text_ranks = {e.product.id: rank for rank, e in enumerate(text.entries, start=1)}
    vector_ranks = {e.product.id: rank for rank, e in enumerate(vector.entries, start=1)}
    entries = []
    for pid, score in fuse(list(vector_ranks), list(text_ranks))[:n]:
        t, v = text_ranks.get(pid), vector_ranks.get(pid)
        keywords_won = t is not None and (v is None or t < v)
        reason = Reason.MATCHES_KEYWORDS if keywords_won else Reason.MATCHES_QUERY
        entries.append(replace(by_id[pid], base=-score, reason=reason, text_rank=t))
    return Pool(entries, vector.clause, Strategy.QUERY, Scale.RANK)


@dataclass(frozen=True)
class Hybrid:
    """A vector source and a keyword source searched together and fused by reciprocal rank. Without words
    (punctuation alone) the vector source answers alone, its relevance still read from the rank."""

    vector: Source
    keyword: Source

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        if not ask.words:
            pool = await self.vector.retrieve(ask)
            return None if pool is None else replace(pool, scale=Scale.RANK)
        vector, text = await asyncio.gather(self.vector.retrieve(ask), self.keyword.retrieve(ask))
        if vector is None or text is None:
            return vector or text
        return _fused(vector, text, ask.n)
