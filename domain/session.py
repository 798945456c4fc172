"""How one click changes a user's features."""

from dataclasses import replace

from domain.models import Product, UserFeatures, Vector
from domain.vectors import DEFAULT_CLICK_ALPHA, ewma


def apply_click(
    features: UserFeatures, product: Product, vector: Vector, alpha: float = DEFAULT_CLICK_ALPHA
) -> UserFeatures:
    affinities = dict(features.affinities)
    affinities[product.category] = affinities.get(product.category, 0.0) + 1.0
    return replace(
        features,
        clicks=features.clicks + 1,
        session_vector=ewma(features.session_vector, vector, alpha),
        affinities=affinities,
        last_clicked_id=product.id,
        last_clicked_category=product.category,
    )
