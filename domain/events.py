"""What a user can do to a product, how much each kind of event counts, and how counts fade with time.

EWMA step per kind: alpha_k = 1 - (1 - alpha)^weight. The share of the old vector left after an event of
weight w is then (1 - alpha)^w, what w events of weight 1 on the same product leave it (before the
normalisation each step applies), so weights compose: a PURCHASE (3) pulls like three CLICKs, a VIEW
(0.5) like half of one, and no weight can overshoot (alpha_k < 1 for every finite weight, where a linear
alpha * weight passes 1 at weight 1/alpha = 2.5 with the default alpha of 0.4). A weight of 1 gives alpha
itself, so CLICK behaves exactly as before.

The same weight scales the category-affinity increment (VIEW +0.5, PURCHASE +3). DISMISS lowers the
product's category affinity by its weight (never below 0) and moves a second EWMA, the dismissed vector,
by the same rule; it leaves the session vector alone.

Affinities decay with a half-life: a value v last changed at t is worth v · 2^(-(now - t)/half_life) at
`now`. Decay is memoryless, so it can be applied at any read and before any increment without changing
the result.
"""

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.models import UserFeatures
from domain.vectors import DEFAULT_CLICK_ALPHA

DEFAULT_HALF_LIFE_S = 7 * 24 * 3600.0
HISTORY_LENGTH = 50  # events kept per user, newest first


class EventKind(enum.Enum):
    VIEW = "VIEW"
    CLICK = "CLICK"
    ADD_TO_CART = "ADD_TO_CART"
    PURCHASE = "PURCHASE"
    DISMISS = "DISMISS"


DEFAULT_WEIGHTS: Mapping[EventKind, float] = MappingProxyType(
    {
        EventKind.VIEW: 0.5,
        EventKind.CLICK: 1.0,
        EventKind.ADD_TO_CART: 2.0,
        EventKind.PURCHASE: 3.0,
        EventKind.DISMISS: 1.0,
    }
)
# What each exclusion flag of a recommendation request keeps out, by the kinds in the user's history.
SEEN = frozenset({EventKind.VIEW, EventKind.CLICK})
DISMISSED = frozenset({EventKind.DISMISS})
PURCHASED = frozenset({EventKind.PURCHASE})


@dataclass(frozen=True)
class Event:
    product_id: str
    kind: EventKind
    at: float  # seconds since the epoch


def step_alpha(alpha: float, weight: float) -> float:
    """alpha_k = 1 - (1 - alpha)^weight (see the module docstring)."""
    return 1.0 - math.pow(1.0 - alpha, weight)


def decayed(value: float, since_s: float, half_life_s: float) -> float:
    """`value` after `since_s` seconds of halving every `half_life_s`; no growth for a clock that went back."""
    return value * math.pow(2.0, -max(since_s, 0.0) / half_life_s)


@dataclass(frozen=True)
class EventPolicy:
    """The tunables of the event model; every one is a setting (bootstrap.settings)."""

    weights: Mapping[EventKind, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    alpha: float = DEFAULT_CLICK_ALPHA
    half_life_s: float = DEFAULT_HALF_LIFE_S

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be between 0 and 1 (exclusive), not {self.alpha}")
        if not self.half_life_s > 0:
            raise ValueError(f"half-life must be positive, not {self.half_life_s}")
        if set(self.weights) != set(EventKind) or any(not w > 0 for w in self.weights.values()):
            raise ValueError("every event kind needs a positive weight")

    def step(self, kind: EventKind) -> float:
        return step_alpha(self.alpha, self.weights[kind])


@dataclass(frozen=True)
class UserSnapshot:
    """A user as read at one instant, for an event's write (UserFeatureStore.snapshot and record)."""

    features: UserFeatures
    history: list[Event]  # newest first
    version: int  # the events written so far: a write based on this snapshot fails when another landed since
