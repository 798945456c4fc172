""" "Recommended for you" from behaviour and the session together: over the union of the behaviour candidates
and the session-KNN candidates,

    score = w_b · b + w_s · cos(session, item)

ranked descending (stored as minus the score: lower is better in the pipeline). b is the max-scaled
co-engagement score (0 for a candidate only the session found), w_b the request's behaviour weight and w_s a
setting; the cosine of a behaviour candidate comes from its stored vector, returned by the same search that
filtered it. An item's reason is ALSO_VIEWED when behaviour gave it more than the session did.
"""

import asyncio
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


def fused(behaviour: Pool, session: Pool, ask: Retrieval, session_weight: float) -> Pool:
    """The n best of both pools by the weighted sum (module docstring); `ask.vector` is the session vector."""
    assert ask.vector is not None
    b = {e.product.id: -e.base for e in behaviour.entries}
    by_id = {e.product.id: e for e in behaviour.entries}
    for e in session.entries:  # a session entry carries its distance to the session vector already
        by_id[e.product.id] = e
    entries = [
        _scored(e, b=b.get(pid, 0.0), cosine=_cosine(e, ask.vector), ask=ask, session_weight=session_weight)
        for pid, e in by_id.items()
    ]
    entries.sort(key=lambda e: (e.base, e.product.id))
    return Pool(entries[: ask.n], session.clause, session.strategy, Scale.BEHAVIOUR)


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
        behaviour, session = await asyncio.gather(self.behaviour.candidates(ask), self.session.retrieve(ask))
        if behaviour is None or not behaviour.entries or session is None:
            return session
        return fused(behaviour, session, ask, self.session_weight)
