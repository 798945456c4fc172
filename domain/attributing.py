"""The use cases of experiments' attribution: sign and count each served page, attribute events to pages.

Pages without a scenario are not counted and their events never attributed: they belong to no
experiment, and the plain request path stays free of counter writes.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from domain.attribution import CONTROL, DEFAULT_WINDOW_S, Conversion, ServedPage, conversion_of
from domain.events import EventKind
from domain.models import Product, Recommendations
from domain.ports import ExperimentCounters, RecommendationIds, ScenarioNames

# An event may reach an instance whose clock runs a little behind the one that served the page.
CLOCK_SKEW_S = 60.0


@dataclass(frozen=True)
class Attribution:
    """Decides and counts whether an event on a product counts for the page that served it."""

    ids: RecommendationIds
    counters: ExperimentCounters
    window_s: float = DEFAULT_WINDOW_S
    scenarios: ScenarioNames | None = None  # None: every scenario an id names counts as configured

    async def __call__(self, recommendation_id: str, product: Product, kind: EventKind, at: float) -> Conversion | None:
        claim = self.ids.claim(recommendation_id, product.id)
        if claim is None or not claim.issued_at - CLOCK_SKEW_S <= at <= claim.issued_at + self.window_s:
            return None
        conversion = conversion_of(claim, product, kind, at)
        # The dedupe mark outlives the id: until the page's window has ended on every instance's clock. Kept for the
        # window from the event, a mark set early by a clock running behind went while the id was still good.
        keep_s = claim.issued_at + self.window_s + 2 * CLOCK_SKEW_S - at
        if conversion is None or not await self.counters.count_conversion(conversion, keep_s):
            return None
        if self.scenarios is not None and not await self.scenarios.exists(conversion.scenario):
            return replace(conversion, configured=False)
        return conversion


@dataclass(frozen=True)
class ServedPages:
    """The last stage of a recommending use case: sign the page's id and count it for its experiment.

    A scenario's page is counted before the page is returned (one pipelined write): a count written
    after the answer could fail unseen and the totals would no longer add up. Pages without a scenario
    write nothing.
    """

    use_case: Callable[..., Awaitable[Recommendations]]
    ids: RecommendationIds
    counters: ExperimentCounters | None
    clock: Callable[[], float]

    async def __call__(self, request: object) -> Recommendations:
        found = await self.use_case(request)
        page = ServedPage(found.scenario, found.variant, self.clock(), tuple(c.product.id for c in found.items))
        if page.scenario is not None and self.counters is not None:
            await self.counters.count_page(
                page.scenario, page.variant or CONTROL, len(page.product_ids), page.issued_at
            )
        return replace(found, recommendation_id=self.ids.issue(page))
