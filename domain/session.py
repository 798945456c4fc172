"""How one event changes a user's features (the rules are in domain.events' docstring)."""

from dataclasses import replace

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
    weight = policy.weights[event.kind]
    affinities = dict(current.affinities)
    step = policy.step(event.kind)
    old = affinities.get(product.category, 0.0)
    if event.kind is EventKind.DISMISS:
        affinities[product.category] = max(old - weight, 0.0)
        changed = replace(current, dismissed_vector=ewma(current.dismissed_vector, vector, step))
    else:
        affinities[product.category] = old + weight
        changed = replace(current, session_vector=ewma(current.session_vector, vector, step))
    if event.kind is EventKind.CLICK:
        changed = replace(
            changed, clicks=changed.clicks + 1, last_clicked_id=product.id, last_clicked_category=product.category
        )
    times = {**current.affinity_times, product.category: event.at}
    return replace(changed, events=changed.events + 1, affinities=affinities, affinity_times=times)
