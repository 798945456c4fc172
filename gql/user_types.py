"""A user as GraphQL shows it: features, event history, and the event and exclusion inputs."""

import enum
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any

import strawberry

from domain import events, models
from domain import filters as domain_filters
from domain.events import HISTORY_LENGTH
from domain.recording import RecordedEvent
from domain.times import utc_moment
from gql.context import Info
from gql.product_types import Product, ProductNotFound


@strawberry.enum(description="What a user did with a product. Weights are server settings (docs/api.md, 'Events').")
class EventKind(enum.Enum):
    VIEW = strawberry.enum_value("VIEW", description="Saw the product's page (weight 0.5 by default).")
    CLICK = strawberry.enum_value("CLICK", description="Clicked the product (weight 1); what recordClick records.")
    ADD_TO_CART = strawberry.enum_value("ADD_TO_CART", description="Put the product in the cart (weight 2).")
    PURCHASE = strawberry.enum_value("PURCHASE", description="Bought the product (weight 3).")
    DISMISS = strawberry.enum_value(
        "DISMISS", description="Not interested: lowers the category's affinity and steers searches away from it."
    )

    def to_domain(self) -> events.EventKind:
        return events.EventKind(self.value)


@strawberry.type(description="One event in a user's history.")
class UserEvent:
    product_id: strawberry.ID = strawberry.field(description="The product the event was about.")
    product: Product | None = strawberry.field(description="That product; null once it has been deleted.")
    kind: EventKind = strawberry.field(description="What the user did.")
    at: datetime = strawberry.field(description="When the server recorded it (UTC).")

    @classmethod
    def from_domain(cls, event: events.Event, product: models.Product | None) -> "UserEvent":
        return cls(
            product_id=strawberry.ID(event.product_id),
            product=None if product is None else Product.from_domain(product),
            kind=EventKind(event.kind.value),
            at=utc_moment(event.at),
        )


@strawberry.type(description="How much a user has engaged with one category.")
class CategoryAffinity:
    category: str = strawberry.field(description="Category slug.")
    weight: float = strawberry.field(
        description="Sum of the weights of this category's events (DISMISS subtracts, never below 0), each halving "
        "with the configured half-life (7 days by default)."
    )


@strawberry.type(description="Real-time features of one user, stored in `user:{<id>}:features`.")
class UserFeatures:
    user_id: strawberry.ID = strawberry.field(description="The user these features belong to.")
    clicks: int = strawberry.field(description="CLICK events recorded for this user.")
    events: int = strawberry.field(description="Events of every kind recorded for this user.")
    last_clicked_id: strawberry.ID | None = strawberry.field(description="Product id of the latest click, if any.")
    last_clicked_category: str | None = strawberry.field(description="Category of the latest click, if any.")
    affinities: list[CategoryAffinity] = strawberry.field(
        description="Categories the user engaged with, strongest first (ties by name), decayed to now."
    )
    has_session_vector: bool = strawberry.field(
        description="True once the user has a positive event: the session vector (EWMA of their products) exists."
    )
    session_vector_dim: int = strawberry.field(description="Dimension of the session vector; 0 when there is none.")
    has_dismissed_vector: bool = strawberry.field(
        description="True once the user dismissed a product: searches move away from the dismissed vector."
    )

    @strawberry.field(description="The user's latest events, newest first (the last 50 are kept).")
    async def recent(
        self,
        info: Info,
        limit: Annotated[
            int | None, strawberry.argument(description=f"At most this many, 1 to {HISTORY_LENGTH}; null means 20.")
        ] = 20,
    ) -> list[UserEvent]:
        found = await info.context.service.recent_events(str(self.user_id), 20 if limit is None else limit)
        return [UserEvent.from_domain(event, product) for event, product in found]

    @classmethod
    def from_domain(cls, f: models.UserFeatures) -> "UserFeatures":
        vector = f.session_vector
        return cls(
            user_id=strawberry.ID(f.user_id),
            clicks=f.clicks,
            events=f.events,
            last_clicked_id=None if f.last_clicked_id is None else strawberry.ID(f.last_clicked_id),
            last_clicked_category=f.last_clicked_category,
            affinities=[CategoryAffinity(category=c, weight=w) for c, w in f.sorted_affinities()],
            has_session_vector=vector is not None,
            session_vector_dim=0 if vector is None else len(vector),
            has_dismissed_vector=f.dismissed_vector is not None,
        )


@strawberry.type(description="The event was recorded; the next recommendation for this user uses it.")
class EventRecorded:
    kind: EventKind = strawberry.field(description="The recorded kind.")
    user: UserFeatures = strawberry.field(description="All of the user's features after this event.")
    attributed: bool = strawberry.field(
        description="True when this event was counted for the scenario and variant of the page `recommendationId` "
        "names (now, for the first time); false without an id, for an id that is not ours, altered or expired, "
        "a product not on that page, a page without a scenario, a VIEW or DISMISS, or a repeat."
    )

    @classmethod
    def of(cls, kind: EventKind, recorded: RecordedEvent, info: Info) -> "EventRecorded":
        if recorded.conversion is not None:
            info.context.observer.attributed(recorded.conversion)
        return cls(
            kind=kind, user=UserFeatures.from_domain(recorded.features), attributed=recorded.conversion is not None
        )


RecordEventResult = Annotated[
    EventRecorded | ProductNotFound,
    strawberry.union("RecordEventResult", description="The recorded event, or why it could not be recorded."),
]


@strawberry.input(
    description="Products to keep out of the results, from the user's history (last 50 events) or by id. "
    "Not interested means not again: dismissed products stay out unless `dismissed: false`."
)
class ExcludeInput:
    seen: bool = strawberry.field(default=False, description="Leave out products the user viewed or clicked.")
    dismissed: bool = strawberry.field(default=True, description="Leave out products the user dismissed.")
    purchased: bool = strawberry.field(default=False, description="Leave out products the user bought.")
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Leave out these products too (at most 1000)."
    )

    def to_domain(self) -> domain_filters.ExcludeSettings:
        return domain_filters.ExcludeSettings(
            seen=self.seen,
            dismissed=self.dismissed,
            purchased=self.purchased,
            product_ids=tuple(str(product_id) for product_id in self.product_ids or ()),
        )


# The `exclude` argument's default, `{}` in the schema: ExcludeInput's own defaults, so a DISMISS keeps the
# product out of the next request that does not mention `exclude`. Read-only: one object serves every request.
# Any: Strawberry turns it into an ExcludeInput before a resolver sees it.
EXCLUDE_DEFAULTS: Any = MappingProxyType({})
