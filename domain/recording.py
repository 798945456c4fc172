"""Recording an event: the user's features and history, then popularity and co-engagement, and the event's
attribution to the page that served its product."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from domain.attributing import Attribution
from domain.attribution import Conversion
from domain.co_engagement import CoEngagementPolicy, links
from domain.errors import InvalidInput
from domain.events import Event, EventKind, EventPolicy
from domain.models import Product, UserFeatures
from domain.ports import CoEngagementStore, PopularityStore, ProductIndex, UserFeatureStore
from domain.session import apply_event
from domain.similar import product_with_vector
from domain.validation import check_finite, check_id


@dataclass(frozen=True)
class RecordedEvent:
    features: UserFeatures
    conversion: Conversion | None  # None: the event counts for no experiment


@dataclass(frozen=True)
class RecordEvent:
    """The use case behind `recordEvent` and the event import: one code path for both."""

    index: ProductIndex
    users: UserFeatureStore
    policy: EventPolicy
    clock: Callable[[], float]
    popularity: PopularityStore | None = None  # None: no engagement counts
    co_engagement: CoEngagementStore | None = None  # None: events link no products
    co_engagement_policy: CoEngagementPolicy = field(default_factory=CoEngagementPolicy)
    attribution: Attribution | None = None  # None: no event is attributed

    async def __call__(
        self, user_id: str, product_id: str, kind: EventKind, *, page: str | None = None, at: float | None = None
    ) -> RecordedEvent:
        """Record the event and attribute it to the page `page` (a recommendation id) names when it may count
        (domain.attribution): the event is recorded whatever the id. The user's write and the attribution are
        independent and go together; a retry after a failed one records the event again but never counts it
        twice. Popularity and co-engagement follow the user's write (they need its history before the event).
        `at` (seconds since the epoch, default now) dates an event that happened earlier (an import)."""
        check_id("user_id", user_id)
        at = self._event_time(at)
        (product, vector), seen = await asyncio.gather(
            product_with_vector(self.index, product_id), self.users.snapshot(user_id, self.co_engagement_policy.window)
        )
        event = Event(product_id, kind, at)
        recording = self.users.record(
            event, user_id, lambda features: apply_event(features, product, vector, event, self.policy), seen=seen
        )
        features, conversion = await asyncio.gather(recording, self._attribute(page, product, event))
        await asyncio.gather(*self._engagement_counts(event, self._linked(seen.history, kind)))
        return RecordedEvent(features, conversion)

    async def _attribute(self, page: str | None, product: Product, event: Event) -> Conversion | None:
        if page is None or self.attribution is None:
            return None
        return await self.attribution(page, product, event.kind, event.at)

    def _linked(self, history: list[Event], kind: EventKind) -> list[Event]:
        """The history an event of `kind` links with: the user's latest events read with the features, before
        the event is recorded (none when it links nothing). Two events of one user racing each other each
        miss the other, not the older history."""
        return [] if self.co_engagement is None or kind is EventKind.DISMISS else history

    def _engagement_counts(self, event: Event, previous: list[Event]) -> list[Awaitable[None]]:
        """The writes after the user's own: popularity and co-engagement, sent together."""
        writes: list[Awaitable[None]] = []
        if self.popularity is not None and event.kind is not EventKind.DISMISS:
            writes.append(self.popularity.add(event.product_id, self.policy.weights[event.kind], event.at))
        found = links(event, previous, weights=self.policy.weights, policy=self.co_engagement_policy)
        if self.co_engagement is not None and found:
            writes.append(self.co_engagement.add(found, event.at))
        return writes

    def _event_time(self, at: float | None) -> float:
        now = self.clock()
        if at is None:
            return now
        if check_finite("at", at) > now:
            raise InvalidInput("at", "must not be in the future")
        return at
