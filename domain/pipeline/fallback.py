"""Sources tried in order, as data: a fallback chain, and a pool topped up from another source."""

from dataclasses import dataclass, replace

from domain.pipeline.stages import Pool, Retrieval, Source


@dataclass(frozen=True)
class FallbackChain:
    """The first source that yields answers: e.g. the session, else the popular, else the best rated."""

    sources: tuple[Source, ...]

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        for source in self.sources:
            pool = await source.retrieve(ask)
            if pool is not None:
                return pool
        return None


@dataclass(frozen=True)
class ToppedUp:
    """`first`'s pool, filled up to n from `then` (never repeating an item); declines when `first` does.

    The filter clause shown is that of the last search run; the top-up's entries come a tier later (their scores
    are on another scale, so adjusters never move them above `first`'s)."""

    first: Source
    then: Source

    async def retrieve(self, ask: Retrieval) -> Pool | None:
        pool = await self.first.retrieve(ask)
        if pool is None or len(pool.entries) >= ask.n:
            return pool
        taken = (*ask.filters.excluded_ids, *(e.product.id for e in pool.entries))
        rest = replace(ask, filters=replace(ask.filters, excluded_ids=taken), n=ask.n - len(pool.entries))
        more = await self.then.retrieve(rest)
        if more is None:
            return pool
        later = [replace(e, tier=e.tier + 1) for e in more.entries]
        return replace(pool, entries=[*pool.entries, *later], clause=more.clause)
