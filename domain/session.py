"""How one event changes a user's features (the rules are in domain.events' docstring)."""

from dataclasses import replace
from typing import Any

from domain.events import Event, EventKind, EventPolicy, decayed
from domain.models import Product, UserFeatures, Vector
from domain.vectors import ewma


def decay_to(features: UserFeatures, now: float, half_life_s: float) -> UserFeatures:
    """Every affinity as it is worth at `now`; a category stored without a time is taken as fresh."""
    times = features.affinity_times
    affinities = {
        category: decayed(value, now - times.get(category, now), half_life_s)
        for category, value in features.affinities.items()
    }
    return replace(features, affinities=affinities, affinity_times=dict.fromkeys(affinities, now))


def apply_event(
    features: UserFeatures, product: Product, vector: Vector, event: Event, policy: EventPolicy
) -> UserFeatures:
    current = decay_to(features, event.at, policy.half_life_s)
    weight, step, category = policy.weights[event.kind], policy.step(event.kind), product.category
    affinities = current.affinities  # a fresh dict from decay_to
    changes: dict[str, Any] = {"events": current.events + 1}
    if event.kind is EventKind.DISMISS:
        affinities[category] = max(affinities.get(category, 0.0) - weight, 0.0)
        changes["dismissed_vector"] = ewma(current.dismissed_vector, vector, step)
    else:
        affinities[category] = affinities.get(category, 0.0) + weight
        changes["session_vector"] = ewma(current.session_vector, vector, step)
    if event.kind is EventKind.CLICK:
        changes |= {"clicks": current.clicks + 1, "last_clicked_id": product.id, "last_clicked_category": category}
    times = {**current.affinity_times, category: event.at}
    return replace(current, affinity_times=times, **changes)
