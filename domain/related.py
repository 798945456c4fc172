"""`relatedProducts`: what shoppers engaged with close to one product (viewed, or put in the cart and bought),
topped up with the products most like it when too few were; never the product itself, hiding what HIDE rules hide;
then the rule adjuster, a selector, the pins and the pager."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.co_engagement import Relation
from domain.diversity import DiversitySettings
from domain.errors import InvalidInput
from domain.filters import DEFAULT_USER_ID, ExcludeSettings, ProductFilter, check_k
from domain.models import Recommendations, Strategy, Vector
from domain.pipeline.behaviour import Behaviour
from domain.pipeline.fallback import ToppedUp
from domain.pipeline.pager import Pager, PageState, page_size
from domain.pipeline.pins import Pins
from domain.pipeline.ranking import Adjuster, Ranking
from domain.pipeline.rules import PinLookup, RuleBoost, hiding, rule_boost
from domain.pipeline.selectors import fetch_size, selector_for
from domain.pipeline.sources import similar_product_knn
from domain.pipeline.stages import Retrieval, Source, Trace
from domain.pipeline.user_reads import UserReads
from domain.ports import CoEngagementStore, ProductIndex
from domain.rules import Rule
from domain.similar import product_with_vector
from domain.validation import check_id


@dataclass(frozen=True)
class RelatedRequest:
    product_id: str
    relation: Relation = Relation.ALSO_VIEWED
    user_id: str = DEFAULT_USER_ID  # whose history `exclude` reads
    filters: ProductFilter = field(default_factory=ProductFilter)
    exclude: ExcludeSettings | None = None
    diversity: DiversitySettings | None = None
    k: int = 10
    after: PageState | None = None  # the previous page's state, verified by the API
    rules: tuple[Rule, ...] = ()  # merchandising rules (a scenario's), applied in the pipeline
    scenario: str | None = None  # the scenario serving the request (set with its settings), for attribution
    variant: str | None = None  # the scenario's variant serving it

    def __post_init__(self) -> None:
        check_id("product_id", self.product_id)
        check_id("user_id", self.user_id)
        if not isinstance(self.relation, Relation):
            raise InvalidInput("relation", f"must be one of {', '.join(r.value for r in Relation)}")
        check_k(self.k)


def related_sources(index: ProductIndex, store: CoEngagementStore | None, *, depth: int) -> Mapping[Relation, Source]:
    """Per relation: the product's co-engaged neighbours, topped up by its nearest products."""
    return {
        relation: ToppedUp(Behaviour(index, store, relation, Strategy.RELATED, depth), similar_product_knn(index))
        for relation in Relation
    }


def _ask(
    request: RelatedRequest, *, filters: ProductFilter, k: int, vector: Vector, now: float, wide: bool
) -> Retrieval:
    return Retrieval(
        filters,
        fetch_size(k, request.diversity, wide=wide),
        vector=vector,  # the similar products' search, and each item's distance to the product
        with_vectors=request.diversity is not None,
        now=now,
        user_id=request.user_id,
        product_id=request.product_id,
        seeds=((request.product_id, 1.0),),
    )


def _ranking(request: RelatedRequest, *, k: int, boost: RuleBoost | None, pins: Pins | None) -> Ranking:
    adjusters: tuple[Adjuster, ...] = () if boost is None else (boost,)
    selector = selector_for(k, request.diversity, by_distance=False, wide=boost is not None)
    return Ranking(selector, adjusters, pins=pins)


@dataclass(frozen=True)
class RelatedProducts:
    index: ProductIndex
    reads: UserReads
    sources: Mapping[Relation, Source]
    pager: Pager
    pins: PinLookup

    async def __call__(self, request: RelatedRequest) -> Recommendations:
        trace, now = Trace(), self.reads.clock()
        served = self.pager.served(request, now)
        k, boost = page_size(request.k, len(served)), rule_boost(request.rules, now)
        pending = self.reads.start(request.user_id, features=False, exclude=request.exclude)
        with pending.abandoned_on_error():
            _, vector = await product_with_vector(self.index, request.product_id)
            # The product itself is never related to itself.
            filters = await pending.excluding(request.filters, request.exclude, (*served, request.product_id))
            filters = hiding(filters, request.rules, now)
            ask = _ask(request, filters=filters, k=k, vector=vector, now=now, wide=boost is not None)
            source = self.sources[request.relation]
            pool, pins = await self.pins.retrieve(source, ask, trace, rules=request.rules, k=k)
        items, more = _ranking(request, k=k, boost=boost, pins=pins).page(pool, trace)
        ids = [c.product.id for c in items]
        page = self.pager.next_page(request, served=served, page_ids=ids, more=more, now=now)
        return Recommendations(
            items=items,
            filter_clause=pool.clause,
            used_session=False,
            used_rerank=False,
            timings=trace.timings(),
            strategy=pool.strategy,
            page=page,
            scenario=request.scenario,
            variant=request.variant,
        )
