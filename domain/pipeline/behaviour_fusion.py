""" "Recommended for you" from behaviour and the session together: over the union of the behaviour candidates
and the session-KNN candidates,

    score = w_b · b + w_s · cos(session, item)

ranked descending (stored as minus the score: lower is better in the pipeline). b is the scaled co-engagement
score of domain.pipeline.behaviour (0 for a candidate only the session found), w_b the request's behaviour weight
and w_s a setting. The index computes the cosine of every behaviour candidate that passes the filters, returning no
product; only the behaviour candidates that make the page are then read, fields and vectors. An item's
reason is ALSO_VIEWED when behaviour gave it more than the session did.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from domain.models import Reason, Vector
from domain.pipeline.behaviour import Behaviour
from domain.pipeline.stages import Entry, Pool, Retrieval, Scale, Source, distance


def _cosine(entry: Entry, session: Vector) -> float:
    if entry.distance is not None:
        return 1.0 - entry.distance
    return 0.0 if entry.vector is None else float(np.dot(entry.vector, session))


def _scored(entry: Entry, *, b: float, cosine: float, ask: Retrieval, session_weight: float) -> Entry:
    behaviour, session = ask.behaviour_weight * b, session_weight * cosine
    reason = Reason.ALSO_VIEWED if behaviour > session else Reason.SIMILAR_TO_SESSION
    return replace(entry, base=-(behaviour + session), reason=reason, distance=distance(1.0 - cosine))


def ranked(
    scores: Mapping[str, float], cosines: Mapping[str, float], *, ask: Retrieval, session_weight: float
) -> list[str]:
    """Every candidate (`cosines` holds them all) by the weighted sum (module docstring), best first."""
    total = {pid: ask.behaviour_weight * scores.get(pid, 0.0) + session_weight * cos for pid, cos in cosines.items()}
    return sorted(total, key=lambda pid: (-total[pid], pid))


@dataclass(frozen=True)
class BehaviourAndSession:
    """Behaviour candidates fused with the session's (module docstring). Declines without seeds or with a
    behaviour weight of 0 (the chain's session source then answers alone); without a session vector the
    behaviour candidates answer alone; without any, the session's pool answers as it is."""

    behaviour: Behaviour
    session: Source
    session_weight: float

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        if not ask.seeds or ask.behaviour_weight <= 0.0:
            return None
        if ask.vector is None:
            pool = await self.behaviour.retrieve(ask)
            return pool if pool is not None and pool.entries else None
        (scores, near), session = await asyncio.gather(self.behaviour.near(ask), self.session.retrieve(ask))
        if not near or session is None:
            return session
        return await self._fused(scores, near, session=session, ask=ask)

    async def _fused(
        self, scores: Mapping[str, float], near: Mapping[str, float], *, session: Pool, ask: Retrieval
    ) -> Pool:
        """The n best of both (module docstring): the session's entries carry their products already; the
        behaviour candidates that make the page are read in one search (one more, for the next ones, only when
        a product went or stopped passing the filters since its distance was read)."""
        assert ask.vector is not None
        known = {e.product.id: e for e in session.entries}
        cosines = {pid: 1.0 - d for pid, d in near.items()} | {pid: _cosine(e, ask.vector) for pid, e in known.items()}
        order, entries = ranked(scores, cosines, ask=ask, session_weight=self.session_weight), list[Entry]()
        while len(entries) < ask.n and order:
            chosen, order = order[: ask.n - len(entries)], order[ask.n - len(entries) :]
            missing = [pid for pid in chosen if pid not in known]
            known |= {e.product.id: e for e in await self.behaviour.entries(missing, scores, ask)} if missing else {}
            found = [pid for pid in chosen if pid in known]
            entries += [
                _scored(known[p], b=scores.get(p, 0.0), cosine=cosines[p], ask=ask, session_weight=self.session_weight)
                for p in found
            ]
        return Pool(entries, session.clause, session.strategy, Scale.BEHAVIOUR)
