"""`similarProducts`: the products nearest one product's stored vector (blended with the session when asked),
never the product itself, hiding what HIDE rules hide; then the rule adjuster, a selector, the pins and the pager."""

from dataclasses import dataclass

from domain.errors import ProductNotFound
from domain.filters import ProductFilter, SimilarRequest
from domain.models import Product, Recommendations, Vector
from domain.pipeline.pager import Pager, page_size
from domain.pipeline.pins import Pins
from domain.pipeline.ranking import Adjuster, Ranking
from domain.pipeline.rules import PinLookup, RuleBoost, hiding, rule_boost
from domain.pipeline.search_vectors import SearchVector, blended
from domain.pipeline.selectors import fetch_size, selector_for
from domain.pipeline.stages import Pool, Retrieval, Scale, Source, Trace
from domain.pipeline.user_reads import PendingReads, UserReads
from domain.ports import ProductIndex
from domain.validation import check_id


async def product_with_vector(index: ProductIndex, product_id: str) -> tuple[Product, Vector]:
    check_id("product_id", product_id)
    found = await index.get_vector(product_id)
    if found is None:
        raise ProductNotFound(product_id)
    return found


def _ask(
    request: SimilarRequest, *, filters: ProductFilter, k: int, target: SearchVector, now: float, wide: bool
) -> Retrieval:
    return Retrieval(
        filters,
        fetch_size(k, request.diversity, wide=wide),
        vector=target.vector,
        with_vectors=request.diversity is not None,
        now=now,
        user_id=request.user_id,
        product_id=request.product_id,
    )


def _ranking(
    request: SimilarRequest, pool: Pool, *, target: SearchVector, k: int, boost: RuleBoost | None, pins: Pins | None
) -> Ranking:
    selector = selector_for(k, request.diversity, by_distance=pool.scale is Scale.DISTANCE, wide=boost is not None)
    adjusters: tuple[Adjuster, ...] = () if boost is None else (boost,)
    session_weight = target.session_weight
    return Ranking(selector, adjusters, max_distance=request.max_distance, session_weight=session_weight, pins=pins)


@dataclass(frozen=True)
class SimilarProducts:
    index: ProductIndex
    reads: UserReads
    source: Source
    pager: Pager
    pins: PinLookup

    async def __call__(self, request: SimilarRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k, boost = page_size(request.k, len(served)), rule_boost(request.rules, now)
        needs_user = request.blend is not None and request.blend.active
        pending = self.reads.start(request.user_id, features=needs_user, exclude=request.exclude)
        with pending.abandoned_on_error():
            target, filters = await self._target(request, pending, served)
            filters = hiding(filters, request.rules, now)
            ask = _ask(request, filters=filters, k=k, target=target, now=now, wide=boost is not None)
            pool, pins = await self.pins.retrieve(self.source, ask, trace, rules=request.rules, k=k)
        # Nothing to pass over: a product's neighbours come in distance order, and the floor cuts only their tail.
        items, more = _ranking(request, pool, target=target, k=k, boost=boost, pins=pins).page(pool, trace)
        ids = [c.product.id for c in items]
        page = self.pager.next_page(request, served=served, page_ids=ids, more=more, now=now)
        return Recommendations(
            items=items,
            filter_clause=pool.clause,
            used_session=target.used_session,
            used_rerank=False,
            timings=trace.timings(),
            strategy=pool.strategy,
            page=page,
            scenario=request.scenario,
            variant=request.variant,
        )

    async def _target(
        self, request: SimilarRequest, pending: PendingReads, served: tuple[str, ...]
    ) -> tuple[SearchVector, ProductFilter]:
        _, vector = await product_with_vector(self.index, request.product_id)
        target = await blended(vector, request.blend, pending)
        # The product itself is never its own neighbour.
        return target, await pending.excluding(request.filters, request.exclude, (*served, request.product_id))
