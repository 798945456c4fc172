"""`similarProducts`: the products nearest one product's stored vector (blended with the session when asked),
never the product itself; then a selector and the pager."""

from dataclasses import dataclass

from domain.errors import ProductNotFound
from domain.filters import ProductFilter, SimilarRequest
from domain.models import Product, Recommendations, Vector
from domain.pipeline.pager import Pager, page_size
from domain.pipeline.ranking import Ranking
from domain.pipeline.search_vectors import SearchVector, blended
from domain.pipeline.selectors import fetch_size, selector_for
from domain.pipeline.stages import Retrieval, Scale, Source, Trace, retrieve
from domain.pipeline.user_reads import UserReads
from domain.ports import ProductIndex
from domain.validation import check_id


async def product_with_vector(index: ProductIndex, product_id: str) -> tuple[Product, Vector]:
    check_id("product_id", product_id)
    found = await index.get_vector(product_id)
    if found is None:
        raise ProductNotFound(product_id)
    return found


def _ask(request: SimilarRequest, *, filters: ProductFilter, k: int, target: SearchVector) -> Retrieval:
    return Retrieval(
        filters,
        fetch_size(k, request.diversity),
        vector=target.vector,
        with_vectors=request.diversity is not None,
        user_id=request.user_id,
        product_id=request.product_id,
    )


@dataclass(frozen=True)
class SimilarProducts:
    index: ProductIndex
    reads: UserReads
    source: Source
    pager: Pager

    async def __call__(self, request: SimilarRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k, settings = page_size(request.k, len(served)), request.blend
        needs_user = settings is not None and settings.active
        pending = self.reads.start(request.user_id, features=needs_user, exclude=request.exclude)
        try:
            _, vector = await product_with_vector(self.index, request.product_id)
            target = await blended(vector, settings, pending)
            # The product itself is never its own neighbour.
            filters = await pending.excluding(request.filters, request.exclude, (*served, request.product_id))
            pool = await retrieve(self.source, _ask(request, filters=filters, k=k, target=target), trace)
        except BaseException:
            pending.abandon()
            raise
        selector = selector_for(k, request.diversity, by_distance=pool.scale is Scale.DISTANCE)
        ranking = Ranking(selector, max_distance=request.max_distance, session_weight=target.session_weight)
        items, more = ranking.page(pool, trace)
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
        )
