"""Recording events: the user's features and history, then popularity and co-engagement, and a live event's
attribution to the page that served its product.

A live event and an import batch take one path: the user's events are applied in one write
(UserFeatureStore.record), and what they add to the shared counts (`Owed`: popularity and co-engagement
links, which need the user's history before each event) follows that write. A live event sends its counts at
once; an import gathers a whole batch's, from every user, and sends them in event order in one go
(`add_counts`): the stores add them exactly as one event at a time would."""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.attributing import Attribution
from domain.attribution import Conversion
from domain.co_engagement import CoEngagementPolicy, Link, links
from domain.errors import InvalidInput
from domain.events import Event, EventKind, EventPolicy, UserSnapshot
from domain.models import Product, UserFeatures, Vector
from domain.ports import CoEngagementStore, PopularityStore, ProductIndex, UserFeatureStore
from domain.session import apply_event
from domain.similar import product_with_vector
from domain.validation import check_finite, check_id

Products = Mapping[str, tuple[Product, Vector]]


@dataclass(frozen=True)
class Owed:
    """What one recorded event adds to the shared counts once its user's write has landed."""

    event: Event
    popularity: float  # the weight its product's count gains (0: none, as for a dismissal)
    links: list[Link]  # its co-engagement links (domain.co_engagement.links)


@dataclass(frozen=True)
class RecordedEvent:
    features: UserFeatures
    conversion: Conversion | None  # None: the event counts for no experiment


@dataclass(frozen=True)
class RecordEvent:
    """The use case behind `recordEvent` and the event import: one code path for both (module docstring)."""

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
        `at` (seconds since the epoch, default now) dates an event that happened earlier."""
        check_id("user_id", user_id)
        event = Event(product_id, kind, self._event_time(at))
        found, seen = await asyncio.gather(
            product_with_vector(self.index, product_id), self.users.snapshot(user_id, self.co_engagement_policy.window)
        )
        recording = self._write(user_id, [event], products={product_id: found}, seen=seen)
        (features, owed), conversion = await asyncio.gather(recording, self._attribute(page, found[0], event))
        await self.add_counts(owed)
        return RecordedEvent(features, conversion)

    async def replay(self, user_id: str, events: Sequence[Event], products: Products) -> list[Owed]:
        """Apply a user's past events (oldest first; each product in `products`) in one write and return what
        they owe the shared counts, for `add_counts`: the import's path."""
        check_id("user_id", user_id)
        for event in events:
            self._event_time(event.at)
        seen = await self.users.snapshot(user_id, self.co_engagement_policy.window)
        return (await self._write(user_id, events, products=products, seen=seen))[1]

    async def add_counts(self, owed: Sequence[Owed]) -> None:
        """Add the events' popularity and co-engagement counts, in the order given."""
        writes = []
        counts = [(o.event.product_id, o.popularity, o.event.at) for o in owed if o.popularity > 0]
        if self.popularity is not None and counts:
            writes.append(self.popularity.add_many(counts))
        linked = [(o.links, o.event.at) for o in owed if o.links]
        if self.co_engagement is not None and linked:
            writes.append(self.co_engagement.add_many(linked))
        await asyncio.gather(*writes)

    def owed(self, events: Sequence[Event], history: Sequence[Event]) -> list[Owed]:
        """What `events` (oldest first) owe, given the user's history before the first of them (newest first).
        Two live events of one user racing each other each miss the other, not the older history."""
        owed, previous = [], list(history)
        for event in events:
            found = [] if self.co_engagement is None else self._links(event, previous)
            counted = self.popularity is not None and event.kind is not EventKind.DISMISS
            owed.append(Owed(event, self.policy.weights[event.kind] if counted else 0.0, found))
            previous = [event, *previous[: self.co_engagement_policy.window - 1]]
        return owed

    async def _write(
        self,
        user_id: str,
        events: Sequence[Event],
        *,
        products: Products,
        seen: UserSnapshot,
    ) -> tuple[UserFeatures, list[Owed]]:
        def change(features: UserFeatures, event: Event) -> UserFeatures:
            product, vector = products[event.product_id]
            return apply_event(features, product, vector, event, self.policy)

        features = await self.users.record(events, user_id, change, seen=seen)
        return features, self.owed(events, seen.history)

    def _links(self, event: Event, previous: list[Event]) -> list[Link]:
        return links(event, previous, weights=self.policy.weights, policy=self.co_engagement_policy)

    async def _attribute(self, page: str | None, product: Product, event: Event) -> Conversion | None:
        if page is None or self.attribution is None:
            return None
        return await self.attribution(page, product, event.kind, event.at)

    def _event_time(self, at: float | None) -> float:
        now = self.clock()
        if at is None:
            return now
        if check_finite("at", at) > now:
            raise InvalidInput("at", "must not be in the future")
        return at
