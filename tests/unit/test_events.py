"""The event model's pure math: weighted EWMA steps, dismissals, decay, and the blend away from dismissals."""

import math

import numpy as np
import pytest

from domain.events import DEFAULT_WEIGHTS, Event, EventKind, EventPolicy, decayed, step_alpha
from domain.models import Product, UserFeatures
from domain.session import apply_event, decay_to
from domain.vectors import blend, ewma, normalise

DAY = 24 * 3600.0
POLICY = EventPolicy()


def _product(pid: str, category: str) -> Product:
    return Product(pid, pid, "d", category, "b", 1.0, 4.0, True)


def _unit(seed: int) -> np.ndarray:
    return normalise(np.random.default_rng(seed).standard_normal(8).astype(np.float32))


def test_a_weight_two_step_equals_two_weight_one_steps() -> None:
    a, b, alpha = _unit(1), _unit(2), 0.4
    once = ewma(a, b, step_alpha(alpha, 2.0))
    twice_unnormalised = (1 - alpha) ** 2 * a + (1 - (1 - alpha) ** 2) * b  # two weight-1 steps, unnormalised
    assert np.allclose(once, normalise(twice_unnormalised), atol=1e-6)
    assert step_alpha(alpha, 1.0) == pytest.approx(alpha)
    assert 0 < step_alpha(alpha, 0.5) < alpha < step_alpha(alpha, 3.0) < 1


def test_weights_scale_the_affinity_and_only_clicks_count_as_clicks() -> None:
    features = UserFeatures("u")
    for kind in (EventKind.VIEW, EventKind.ADD_TO_CART, EventKind.PURCHASE, EventKind.CLICK):
        features = apply_event(features, _product("p", "c"), _unit(3), Event("p", kind, 0.0), POLICY)
    assert features.affinities == {"c": 0.5 + 2 + 3 + 1}
    assert (features.clicks, features.events) == (1, 4)
    assert features.last_clicked_id == "p" and features.dismissed_vector is None


def test_dismiss_lowers_the_affinity_never_below_zero_and_leaves_the_session_alone() -> None:
    product, vector = _product("p", "c"), _unit(4)
    features = apply_event(UserFeatures("u"), product, vector, Event("p", EventKind.VIEW, 0.0), POLICY)
    session = features.session_vector
    for _ in range(2):
        features = apply_event(features, _product("q", "c"), _unit(5), Event("q", EventKind.DISMISS, 0.0), POLICY)
    assert features.affinities == {"c": 0.0}
    assert features.session_vector is session
    assert features.dismissed_vector is not None
    assert np.allclose(features.dismissed_vector, _unit(5), atol=1e-6)
    assert (features.clicks, features.events) == (0, 3)


def test_affinities_halve_per_half_life_and_decay_before_an_increment() -> None:
    assert decayed(8.0, 14 * DAY, 7 * DAY) == pytest.approx(2.0)
    assert decayed(8.0, -DAY, 7 * DAY) == 8.0  # a clock that went back never inflates
    click = Event("p", EventKind.CLICK, 0.0)
    features = apply_event(UserFeatures("u"), _product("p", "c"), _unit(6), click, POLICY)
    assert decay_to(features, 7 * DAY, POLICY.half_life_s).affinities == {"c": pytest.approx(0.5)}
    later = apply_event(features, _product("p", "c"), _unit(6), Event("p", EventKind.CLICK, 7 * DAY), POLICY)
    assert later.affinities == {"c": pytest.approx(1.5)} and later.affinity_times == {"c": 7 * DAY}


def test_blend_moves_away_from_the_dismissed_vector() -> None:
    query, dismissed = _unit(7), _unit(8)
    away = blend(query, None, 0.3, dismissed, 0.2)
    assert float(np.dot(away, dismissed)) < float(np.dot(query, dismissed))
    assert math.isclose(float(np.linalg.norm(away)), 1.0, abs_tol=1e-6)
    assert np.array_equal(blend(query, None, 0.3, dismissed, 0.0), normalise(query))
    assert np.allclose(blend(query, None, 0.3, query, 1.0), query)  # nothing left: the query alone


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        EventPolicy(alpha=1.0)
    with pytest.raises(ValueError):
        EventPolicy(weights={**DEFAULT_WEIGHTS, EventKind.VIEW: 0.0})
